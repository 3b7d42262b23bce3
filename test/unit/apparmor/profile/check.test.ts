import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkFile, expand, parseMode, parseProfileText } from '../../../../src/apparmor/profile/index.js'
import { prng } from './mutate.js'

const check = (text: string, abi: 3 | 4 = 3) => checkFile('/virtual/test.aa', { abi, includeDirs: ['/etc/apparmor.d'] }, text)
const first = (text: string, abi: 3 | 4 = 3) => check(text, abi).errors[0]

test('a valid profile with includes, variables, hats and children checks clean', () => {
  const r = check(`abi <abi/3.0>,
include <tunables/global>
@{APP} = /opt/app /srv/app
@{APP} += /usr/lib/app
profile app /usr/bin/app flags=(complain,attach_disconnected) {
  include <abstractions/base>
  capability net_bind_service setuid,
  network inet stream,
  signal (send receive) set=(hup term) peer=app//worker,
  audit deny @{HOME}/.ssh/** rwl,
  owner @{APP}/** rw,
  /usr/bin/helper Px -> helper,
  ^hat { /tmp/x r, }
  profile worker { /var/lib/app/** rwk, }
}
`)
  assert.deepEqual(r.errors, [])
  assert.equal(r.ok, true)
})

test('errors carry the line and column of the offending word', () => {
  assert.deepEqual(first('profile a {\n  /etc/x rwz,\n}\n'), { line: 2, column: 10, message: "invalid permission 'z' in 'rwz' (valid: r w a l k m and exec modes ix px cx ux Px Cx Ux pix cix pux cux ...)" })
  assert.deepEqual(first('profile a {\n  capability chown bogus,\n}\n'), { line: 2, column: 20, message: 'Invalid capability bogus.' })
  assert.match(first('profile a {\n  /a r\n}\n')?.message ?? '', /missing ','/)
  assert.deepEqual(first('profile a {\n  /x wa,\n}\n')?.line, 2)
  assert.match(first('profile a {\n  @{NOPE}/x r,\n}\n')?.message ?? '', /variable NOPE, but is never declared/)
  assert.match(first('include <nonexistent/file>\nprofile a {\n}\n')?.message ?? '', /Could not open 'nonexistent\/file'/)
  assert.equal(check('include if exists <nonexistent/file>\nprofile a {\n}\n').ok, true)
  assert.match(first('profile a flags=(bogus) {\n}\n')?.message ?? '', /Invalid profile flag: bogus/)
  assert.match(first('profile a {\n}\nprofile a {\n}\n')?.message ?? '', /Multiple definitions for profile a/)
  assert.match(first('profile a {\n  /a r,\n')?.message ?? '', /missing '}'/)
})

test('includes of devices are refused, not read (a mutation once included /dev/urandom)', () => {
  assert.match(first('include /dev/urandom\nprofile a {\n}\n')?.message ?? '', /Could not open/)
  assert.equal(checkFile('/dev/zero').ok, false)
})

test('4.x syntax needs --abi 4', () => {
  assert.equal(check('profile a {\n  userns,\n}\n').ok, false)
  assert.equal(check('profile a {\n  userns,\n  mqueue r type=posix /q,\n  all,\n}\n', 4).ok, true)
  assert.equal(check('profile a flags=(default_allow) {\n}\n').ok, false)
  assert.equal(check('profile a flags=(default_allow) {\n}\n', 4).ok, true)
})

test('--abi 4 accepts the 4.x/5.x constructs of the reference grammar', () => {
  const rules = [
    'userns,', 'userns create,', 'deny userns,', 'all,', 'allow all,', 'audit access all,',
    'mqueue r type=posix /queue,', 'mqueue create type=sysv 123,', 'mqueue (read write) type=posix /q,',
    'io_uring,', 'io_uring sqpoll,', 'io_uring override_creds label=foo,',
    'network (send) inet dgram ip=127.0.0.1 port=8080 peer=(ip=10.0.0.1 port=8081),',
    'priority=10 /foo r,', 'priority=-5 deny /foo w,', '@{exec_path} mr,', 'unix (connect) type=stream,',
  ]
  for (const r of rules) assert.deepEqual(check(`include <tunables/global>\nprofile p /usr/bin/p {\n  ${r}\n}\n`, 4).errors, [], r)
  for (const f of ['attach_disconnected.path=/foo', 'default_allow', 'kill.signal=hup', 'error=EPERM', 'prompt', 'interruptible']) {
    assert.equal(check(`profile p flags=(${f}) {\n}\n`, 4).ok, true, f)
    assert.equal(check(`profile p flags=(${f}) {\n}\n`, 3).ok, false, f)
  }
  assert.equal(check('@{A} ?= /a\n@{A} := /b\nprofile p {\n  @{A} r,\n}\n', 4).ok, true)
  assert.equal(check('profile p {\n  priority=2000 /foo r,\n}\n', 4).ok, false)
  // The man page lists protocol=, but apparmor_parser 4.1 (like 3.0.8) refuses it as not supported yet.
  assert.equal(check('profile p {\n  unix (connect) type=stream protocol=0,\n}\n', 4).ok, false)
})

test('exec modes follow apparmor_parser', () => {
  const ok = (m: string, deny = false) => parseMode(m, deny).ok
  for (const m of ['ix', 'Px', 'Cx', 'Ux', 'pix', 'Pix', 'cux', 'CUx', 'PUx', 'mrix', 'ixix', 'Pxx']) assert.ok(ok(m), m)
  for (const m of ['x', 'ixpx', 'wa', 'p', 'rz']) assert.ok(!ok(m), m)
  assert.ok(ok('x', true))
  assert.ok(!ok('ix', true))
  const m = parseMode('mrPix', false)
  assert.ok(m.ok && m.mode.exec === 'Pix' && m.mode.perms.has('m') && m.mode.perms.has('r'))
})

test('variables expand to every combination', () => {
  const vars = new Map([
    ['A', ['/x', '/y']],
    ['B', ['1', '@{C}']],
    ['C', ['c']],
  ])
  assert.deepEqual(expand('@{A}/@{B}', vars), ['/x/1', '/x/c', '/y/1', '/y/c'])
  assert.throws(() => expand('@{Z}', vars), /never declared/)
})

test('bad input never throws: random bytes and truncations of a real profile', () => {
  const rand = prng(42)
  const real = '#include <tunables/global>\n/usr/bin/x flags=(complain) {\n  #include <abstractions/base>\n  /etc/** r,\n  signal (send) peer=x,\n  ^h { /a r, }\n}\n'
  const alphabet = 'abc/@{}()[],=-> \n\t"#^*?!<>rwx'
  for (let i = 0; i < 600; i++) {
    const cut = real.slice(0, Math.floor(rand() * real.length))
    let noise = ''
    for (let j = 0; j < 40; j++) noise += alphabet[Math.floor(rand() * alphabet.length)]
    for (const text of [cut, noise, cut + noise]) {
      const r = parseProfileText(text, 'fuzz')
      for (const e of r.errors) assert.ok(e.line >= 1 && e.column >= 1)
      check(text)
    }
  }
})
