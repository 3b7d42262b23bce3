// aa-status's semantics, read from AppArmor 4.1.0's binutils/aa_status.c, checked without it (the
// differential test compares with the real program where it can run).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { aaEnabled, aaStatus, breToRe2, defaultOptions, renderCompact, renderPretty, type AaStatusOptions } from '../../../src/apparmor/status/index.js'
import { tempDir } from '../../helpers/tmp.js'

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/securityfs/${name}`, import.meta.url))
const opts = (o: Partial<AaStatusOptions> = {}, filter: Partial<AaStatusOptions['filter']> = {}): AaStatusOptions => {
  const d = defaultOptions()
  return { ...d, ...o, filter: { ...d.filter, ...filter } }
}

test('the checks in aa-status order, each with its exit code and message', async () => {
  const code = async (name: string, o = opts()) => {
    const r = await aaStatus(fixture(name), o)
    return [r.code, r.stdout, r.stderr]
  }
  assert.deepEqual(await code('no-module'), [1, '', 'apparmor not present.\n'])
  assert.deepEqual(await code('disabled'), [3, 'apparmor module is loaded.\n', 'apparmor filesystem is not mounted.\n'])
  assert.deepEqual(await code('policy-dir', opts({ json: true })), [4, '', `Could not open ${fixture('policy-dir')}/sys/kernel/security/apparmor/profiles: No such file or directory`])
  assert.deepEqual(await code('empty', opts({ quiet: true })), [2, 'apparmor module is loaded.\n', ''])
  assert.deepEqual(await code('bad-policy', opts({ count: true, verbose: false })), [42, '', 'Failed to get profiles: 42....\n'])
  // A filter that does not compile is found before anything is read.
  assert.deepEqual(await code('no-module', opts({}, { pid: '\\(' })), [42, '', "Error: failed to compile ps filter '\\('\n"])
  assert.equal(await aaEnabled(fixture('enforcing')), true)
  assert.equal(await aaEnabled(fixture('disabled')), false)
  assert.equal(await aaEnabled(fixture('no-module')), false)
})

test('counts apply every filter; the detailed listing splits by status and keeps unfiltered totals', async () => {
  const r = await aaStatus(fixture('stacked'), opts({ count: true }, { mode: 'e$' }))
  // Modes ending in "e": enforce only (4 profiles, 4 processes); the regex is unanchored otherwise.
  assert.equal(r.stdout, 'apparmor module is loaded.\n4\n4\n')
  const t = await aaStatus(fixture('stacked'), opts({ profiles: false }, { exe: 'nginx' }))
  assert.equal(
    t.stdout,
    'apparmor module is loaded.\n14 processes have profiles defined.\n3 processes are in enforce mode.\n   /usr/sbin/nginx (9) \n   /usr/sbin/nginx (10) \n   /usr/sbin/nginx (11) \n' +
      '0 processes are in complain mode.\n0 processes are in prompt mode.\n0 processes are in kill mode.\n0 processes are unconfined but have a profile defined.\n' +
      '1 processes are in mixed mode.\n   /usr/sbin/nginx (30) lxc-container-default//&/usr/sbin/nginx\n',
  )
})

test('JSON: an executable in two statuses is a key twice; counts are numbers; bytes are kept', async () => {
  const r = await aaStatus(fixture('stacked'), opts({ json: true }, { exe: 'editor' }))
  assert.equal(r.stdout.match(/"\/usr\/local\/bin\/editor": \[/g)?.length, 3) // complain, unconfined, mixed
  const c = await aaStatus(fixture('stacked'), opts({ json: true, count: true }))
  assert.equal(c.stdout, '{"version": "2", "profile_count": 11, "process_count": 14}\n')
  const u = await aaStatus(fixture('stacked'), opts({ json: true, processes: false }, { profiles: 'caf' }))
  assert.equal(Buffer.from(u.stdout, 'latin1').toString('hex').includes(Buffer.from('"/opt/caf\xe9": "complain"', 'latin1').toString('hex')), true)
  assert.equal(u.stdout, '{"version": "2", "profiles": {"/opt/caf\xc3\xa9": "enforce", "/opt/caf\xe9": "complain"}}\n')
})

test("JSON rendering: aa-status's one line and cJSON_Print's layout; strings escaped", () => {
  const doc = { object: [['version', '2'], ['p', { object: [] }], ['x', [{ object: [['a', 'b"\\\n\u0001']] }]], ['n', 3]] as [string, never][] }
  assert.equal(renderCompact(doc), '{"version": "2", "p": {}, "x": [{"a": "b\\"\\\\\\n\\u0001"}], "n": 3}')
  assert.equal(renderPretty(doc), '{\n\t"version":\t"2",\n\t"p":\t{\n\t},\n\t"x":\t[{\n\t\t\t"a":\t"b\\"\\\\\\n\\u0001"\n\t\t}],\n\t"n":\t3\n}')
})

test('filters are POSIX basic regular expressions, GNU extensions included', () => {
  assert.equal(breToRe2('a+b?c|d(e){2}'), 'a\\+b\\?c\\|d\\(e\\)\\{2\\}')
  assert.equal(breToRe2('\\(kill\\|mixed\\)\\+x\\{1,2\\}'), '(kill|mixed)+x{1,2}')
  assert.equal(breToRe2('*a^b$c$'), '\\*a\\^b\\$c$')
  assert.equal(breToRe2('^*x'), '^\\*x')
  assert.equal(breToRe2('[]a\\[:digit:]]'), '[\\]a\\\\[:digit:]]')
  assert.throws(() => breToRe2('\\(a\\)\\1'), /back-references/)
  assert.throws(() => breToRe2('[a'), /unmatched/)
})

test('names that JSON must escape are escaped (aa-status writes them raw: a deliberate difference)', async () => {
  const root = tempDir('quoted')
  mkdirSync(join(root, 'sys/module/apparmor/parameters'), { recursive: true })
  mkdirSync(join(root, 'sys/kernel/security/apparmor'), { recursive: true })
  mkdirSync(join(root, 'proc'))
  writeFileSync(join(root, 'sys/kernel/security/apparmor/profiles'), 'say "hi"\\now (enforce)\n')
  const r = await aaStatus(root, opts({ json: true }))
  assert.equal(r.stdout, '{"version": "2", "profiles": {"say \\"hi\\"\\\\now": "enforce"}, "processes": {}}\n')
  assert.deepEqual(JSON.parse(r.stdout).profiles, { 'say "hi"\\now': 'enforce' })
})
