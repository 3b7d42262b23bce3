import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseLines } from '../../../../src/normalize/index.js'
import { checkFile, suggest, type ProfileFile } from '../../../../src/apparmor/profile/index.js'

/**
 * Conformance with aa-logprof: each `.profile` of libapparmor 4.1.0's test_multi (see the fixture
 * README) is the profile upstream's utils/test/test-libapparmor-test_multi.py expects aa-logprof's
 * log parser and rule classes to make of the `.in` line next to it. `suggest --style exact` must
 * propose the same rules, character for character, in the same profile and hat, except for the
 * known differences below, which must still differ (so the list stays true).
 */
const DIR = fileURLToPath(new URL('../../../fixtures/libapparmor-testsuite/', import.meta.url))

const NULL_PROFILE = 'a //null- child: aa-logprof ignores them (collapse_log ignore_null_profiles=True), the test turns that off'
const KNOWN: Record<string, string> = {
  // Exec: upstream's test runs ask_exec() with no profile loaded, so it adds nothing; aa-logprof's default answer is ix with the mr it needs.
  exec01: 'exec: mrix (aa-logprof default answer); the .profile has no rule (ask_exec had no profile to add to)',
  exec02: 'exec: mrix (aa-logprof default answer); the .profile has no rule (ask_exec had no profile to add to)',
  testcase01: "exec: mrix for /bin/ping; the .profile's 'ping2 ix' is one of upstream's log_to_profile_known_failures",
  testcase12: "exec: mrix; the .profile's 'ix' without mr is one of upstream's log_to_profile_known_failures",
  testcase13: "exec: mrix; the .profile's 'ix' without mr is one of upstream's log_to_profile_known_failures",
  // AUDIT records: upstream's test returns before comparing, and aa-logprof ignores them.
  testcase36: 'an AUDIT record: no rule (upstream does not compare AUDIT cases)',
  testcase_userns_02: "an AUDIT record of unconfined: no rule (upstream does not compare AUDIT cases; its .profile names the exec path)",
  // Upstream skips it (log_to_skip: a multi-line record); its .profile is hand-written.
  testcase_dbus_09: "skipped upstream; its hand-written .profile has a peer name= that DbusRule.from_hashlog never writes",
  testcase_network_send_receive: NULL_PROFILE,
  ...Object.fromEntries(Array.from({ length: 18 }, (_, i) => [`syslog_datetime_${String(i + 1).padStart(2, '0')}`, NULL_PROFILE])),
}

/** A profile's header (`/name` or `profile name`) and its rules as `hat<TAB>rule`, sorted. */
function shape(text: string): { header: string; rules: string[] } {
  const rules: string[] = []
  let header = ''
  let hat = ''
  let depth = 0
  for (const raw of text.split('\n')) {
    const l = raw.trim()
    if (!l || l.startsWith('#') || /^(abi|include)\b/.test(l)) continue
    if (l.endsWith('{')) {
      depth++
      if (depth === 1) header = l.replace(/\s*(flags=\([^)]*\)\s*)?\{$/, '')
      else hat = l.replace(/^\^/, '').replace(/\s*\{$/, '')
    } else if (l === '}') {
      depth--
      if (depth === 1) hat = ''
    } else rules.push(`${hat}\t${l}`)
  }
  return { header, rules: rules.sort() }
}

test('suggest --style exact proposes the rules of upstream aa-logprof test_multi profiles (known differences listed)', () => {
  const cases = readdirSync(DIR)
    .filter((f) => f.endsWith('.profile'))
    .map((f) => f.slice(0, -'.profile'.length))
    .sort()
  assert.equal(cases.length, 134)
  // The profiles suggest creates include tunables and abstractions/base: a directory with Debian's,
  // and an abi/4.0 for the AppArmor 4 rules (this host's AppArmor 3 has none; any file resolves it).
  const dir = mkdtempSync(join(tmpdir(), 'aw-conformance-'))
  const cache = new Map<string, ProfileFile>()
  try {
    for (const sub of ['abstractions', 'tunables', 'abi']) cpSync(join('/etc/apparmor.d', sub), join(dir, sub), { recursive: true })
    writeFileSync(join(dir, 'abi', '4.0'), '')
    mkdirSync(join(dir, 'local'))
    const agree: string[] = []
    for (const name of cases) {
      const want = shape(readFileSync(join(DIR, `${name}.profile`), 'utf8'))
      const events = parseLines(readFileSync(join(DIR, `${name}.in`), 'utf8'), { location: name }).events
      // Upstream proposes credential files too (avc_audit_01: ~/.ssh/).
      const proposals = suggest(events, { profileDir: dir, style: 'exact', allowSensitive: true })
      assert.ok(proposals.length <= 1, name)
      const [p] = proposals
      const got = p ? shape(p.content) : { header: want.header, rules: [] }
      if (p) {
        writeFileSync(p.file, p.content)
        const abi = p.content.includes('abi <abi/4.0>') ? 4 : 3
        assert.deepEqual(checkFile(p.file, { includeDirs: [dir], abi, cache }).errors, [], `${name}: the proposal compiles`)
        rmSync(p.file)
      }
      if (name in KNOWN) assert.notDeepEqual(got, want, `${name} is listed as a known difference but agrees: remove it`)
      else {
        assert.deepEqual(got, want, name)
        agree.push(name)
      }
    }
    assert.equal(agree.length, 134 - Object.keys(KNOWN).length)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test("suggest --style exact proposes the rule of each of upstream's create_rule_from_ev cases (utils/test/test-logparser.py)", () => {
  const cases = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/profiles/logparser-rules.json', import.meta.url)), 'utf8')) as { line: string; type: string; rule: string }[]
  assert.equal(cases.length, 23)
  // An AUDIT record: create_rule_from_ev() turns any record into a rule, but aa-logprof's own flow (and suggest) only proposes from ALLOWED and DENIED.
  const audit = cases.filter((c) => c.line.includes('apparmor="AUDIT"'))
  assert.equal(audit.length, 1)
  const dir = mkdtempSync(join(tmpdir(), 'aw-logparser-'))
  try {
    for (const sub of ['abstractions', 'tunables']) cpSync(join('/etc/apparmor.d', sub), join(dir, sub), { recursive: true })
    mkdirSync(join(dir, 'local'))
    for (const c of cases) {
      const events = parseLines(c.line, { location: c.type }).events
      const rules = suggest(events, { profileDir: dir, style: 'exact', allowSensitive: true }).flatMap((p) => shape(p.content).rules.map((r) => r.split('\t')[1]))
      if (audit.includes(c)) assert.deepEqual(rules, [], c.rule)
      else assert.deepEqual(rules, [c.rule], c.line)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
