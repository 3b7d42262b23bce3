import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseLines } from '../../../../src/normalize/index.js'
import { checkFile, globPath, logprofGlob, suggest } from '../../../../src/apparmor/profile/index.js'

const FIXTURES = fileURLToPath(new URL('../../../fixtures/profiles', import.meta.url))
const seed = () => parseLines(readFileSync(join(FIXTURES, 'seed-scenario.audit.log'), 'utf8'), { location: 'seed' }).events

/** A profile directory with Debian's abstractions and tunables and no profiles. */
function profileDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aw-suggest-'))
  for (const sub of ['abstractions', 'tunables', 'abi']) cpSync(join('/etc/apparmor.d', sub), join(dir, sub), { recursive: true })
  mkdirSync(join(dir, 'local'))
  return dir
}

// The upstream aa-logprof test case (apparmor utils/test/logprof/ping.auditlog), one DENIED open.
const PING = 'type=AVC msg=audit(1557261302.870:1087): apparmor="DENIED" operation="open" profile="ping" name="/proc/21622/cmdline" pid=21622 comm="ping" requested_mask="r" denied_mask="r" fsuid=1000 ouid=1000'

test('globs: tunables, pids, library versions, numbered names; logprof table', () => {
  assert.equal(globPath('/home/alice/.cache/x/4242.tmp'), '@{HOME}/.cache/x/[0-9]*.tmp')
  assert.equal(globPath('/proc/21622/cmdline'), '@{PROC}/@{pid}/cmdline')
  assert.equal(globPath('/usr/lib/x86_64-linux-gnu/libssl.so.3'), '/usr/lib/x86_64-linux-gnu/libssl.so*')
  assert.equal(globPath('/etc/a*b'), '/etc/a\\*b')
  assert.equal(logprofGlob('/proc/21622/cmdline'), '/proc/*/cmdline')
  assert.equal(logprofGlob('/home/alice/.cache/x/4242.tmp'), '/home/*/.cache/x/4242.tmp')
})

test('suggest on the seed scenario: new profiles, owner rules, credential files withheld, output compiles', () => {
  const dir = profileDir()
  try {
    const out = suggest(seed(), { profileDir: dir })
    const app = out.find((p) => p.name === '/usr/local/bin/test-app')
    assert.ok(app?.created)
    assert.equal(app.file, join(dir, 'usr.local.bin.test-app'))
    assert.deepEqual(app.added, ['network inet stream,', 'owner /tmp/demo_output.txt w,'])
    assert.deepEqual(app.withheld, ['r /etc/shadow'])
    for (const p of out) {
      writeFileSync(p.file, p.content)
      assert.deepEqual(checkFile(p.file, { includeDirs: [dir] }).errors, [], p.name)
    }
    const sensitive = suggest(seed(), { profileDir: dir, allowSensitive: true }).find((p) => p.name === '/usr/local/bin/test-app')
    assert.deepEqual(sensitive?.added, ['owner /etc/shadow r,'], 'fsuid == ouid; the rest is already in the written profile')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('suggest adds to an existing profile before its closing brace, and hats as ^hat blocks', () => {
  const dir = profileDir()
  try {
    const file = join(dir, 'ping')
    writeFileSync(file, 'include <tunables/global>\n\nprofile ping /{usr/,}bin/ping {\n  include <abstractions/base>\n}\n')
    const hat = PING.replace(':1087)', ':1088)').replace('profile="ping"', 'profile="ping//helper"').replace('/proc/21622/cmdline', '/etc/helper.conf').replace('fsuid=1000 ouid=1000', 'fsuid=0 ouid=1')
    const events = parseLines(`${PING}\n${hat}\n`, { location: 't' }).events
    const [ping] = suggest(events, { profileDir: dir })
    assert.equal(ping?.created, false)
    assert.equal(ping?.content, 'include <tunables/global>\n\nprofile ping /{usr/,}bin/ping {\n  include <abstractions/base>\n  owner @{PROC}/@{pid}/cmdline r,\n  ^helper {\n    /etc/helper.conf r,\n  }\n}\n')
    writeFileSync(file, ping.content)
    assert.equal(checkFile(file, { includeDirs: [dir] }).ok, true)
    const [logprof] = suggest(parseLines(PING, { location: 't' }).events, { profileDir: dir, style: 'logprof' })
    assert.equal(logprof, undefined, 'already allowed after the write')
    // A rule for the same path is widened in place, as aa-logprof merges permissions.
    writeFileSync(file, 'include <tunables/global>\nprofile ping {\n  owner @{PROC}/@{pid}/cmdline w, # keep\n}\n')
    const [merged] = suggest(parseLines(PING, { location: 't' }).events, { profileDir: dir })
    assert.equal(merged?.content, 'include <tunables/global>\nprofile ping {\n  owner @{PROC}/@{pid}/cmdline rw, # keep\n}\n')
    assert.deepEqual(merged?.added, ['owner @{PROC}/@{pid}/cmdline rw, # keep'])
    // aa-logprof lists the abstractions that cover an access first (alphabetically) and preselects the first...
    writeFileSync(file, 'profile ping {\n}\n')
    const [again] = suggest(parseLines(PING, { location: 't' }).events, { profileDir: dir, style: 'logprof' })
    assert.deepEqual(again?.added, ['include <abstractions/ubuntu-konsole>'])
    // ...and with none, the globbed path before the literal one (upstream ping.jsonlog's first option).
    rmSync(join(dir, 'abstractions'), { recursive: true })
    const [bare] = suggest(parseLines(PING, { location: 't' }).events, { profileDir: dir, style: 'logprof' })
    assert.deepEqual(bare?.added, ['owner /proc/*/cmdline r,'])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('suggest writes every kind aa-logprof handles in its form, keeps network coarse in the default style, and proposes nothing twice', () => {
  const dir = profileDir()
  try {
    const records = [
      'type=AVC msg=audit(1.1:1): apparmor="DENIED" operation="dbus_bind"  bus="session" name="com.apparmor.Test" mask="bind" pid=2 label="/usr/bin/app"',
      'type=AVC msg=audit(1.1:2): apparmor="DENIED" operation="bind" class="net" profile="/usr/bin/app" pid=2 comm="app" family="unix" sock_type="stream" protocol=0 requested="bind" denied="bind" addr="@sock"',
      'type=AVC msg=audit(1.1:3): apparmor="DENIED" operation="sendmsg" class="net" profile="/usr/bin/app" pid=2 comm="app" laddr=127.0.0.1 lport=3457 faddr=127.0.0.2 fport=53 family="inet" sock_type="dgram" protocol=17 requested="send" denied="send"',
      'type=AVC msg=audit(1.1:4): apparmor="DENIED" operation="exec" profile="/usr/bin/app" name="/usr/bin/helper" pid=2 comm="app" requested_mask="x" denied_mask="x" fsuid=0 ouid=0',
      'type=AVC msg=audit(1.1:5): apparmor="DENIED" operation="signal" profile="/usr/bin/app" pid=2 comm="app" requested_mask="send" denied_mask="send" signal=term peer="unconfined"',
    ]
    const events = parseLines(records.join('\n'), { location: 't' }).events
    const [exact] = suggest(events, { profileDir: dir, style: 'exact' })
    assert.deepEqual(exact?.added, [
      'dbus bind bus=session name=com.apparmor.Test,',
      'network (send) inet dgram ip=127.0.0.1 port=3457 peer=(ip=127.0.0.2 port=53),',
      'signal send set=term peer=unconfined,',
      'unix (bind) type=stream addr=@sock,',
      '/usr/bin/helper mrix,',
    ])
    assert.match(exact.content, /^abi <abi\/4\.0>,$/m, 'network accesses and addresses are AppArmor 4')
    // The logprof style preselects an abstraction that covers the access, as aa-logprof.
    assert.ok(suggest(events, { profileDir: dir, style: 'logprof' })[0]?.added.includes('include <abstractions/apache2-common>'))
    const [coarse] = suggest(events, { profileDir: dir })
    assert.ok(coarse?.added.includes('network inet dgram,'))
    assert.match(coarse.content, /^abi <abi\/3\.0>,$/m)
    // Written, the rules the evaluator does not model are recognized by their text.
    writeFileSync(exact.file, exact.content)
    assert.deepEqual(suggest(events, { profileDir: dir, style: 'exact' }), [])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
