// The command line of `armorwatch status`: aa-status's options in order, its exit codes, our help.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const batch = fileURLToPath(new URL('./batch.ts', import.meta.url))
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/securityfs/${name}`, import.meta.url))

/** Runs each `status --root ROOT ARGS` in one child process (batch.ts); outputs as text. */
function run(cases: { root: string; args: string[] }[]): { code: number; stdout: string; stderr: string }[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', batch], { input: JSON.stringify(cases), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  assert.equal(r.status, 0, r.stderr)
  return (JSON.parse(r.stdout) as { code: number; stdout: string; stderr: string }[]).map((x) => ({
    code: x.code,
    stdout: Buffer.from(x.stdout, 'base64').toString('utf8'),
    stderr: Buffer.from(x.stderr, 'base64').toString('utf8'),
  }))
}

test("exit codes are aa-status's: 0, 1 not present/disabled/usage, 2 no policy, 3 no securityfs, 4 unreadable, 42 internal", () => {
  const cases: [string, string[], number][] = [
    ['enforcing', [], 0],
    ['no-module', [], 1],
    ['disabled', [], 3],
    ['empty', [], 2],
    ['policy-dir', [], 4],
    ['bad-policy', [], 42],
    ['enforcing', ['--filter.mode=\\('], 42],
    ['enforcing', ['--enabled'], 0],
    ['disabled', ['--enabled'], 1],
    ['no-module', ['--json', '--enabled'], 1],
    ['enforcing', ['--show=bogus'], 1],
    ['enforcing', ['--bogus'], 1],
    ['enforcing', ['--show'], 1],
    ['enforcing', ['--help=nope'], 1],
    ['enforcing', ['--enabled', '--show=bogus'], 0], // --enabled acts at once, as in aa-status
  ]
  const got = run(cases.map(([f, args]) => ({ root: fixture(f), args })))
  assert.deepEqual(got.map((g) => g.code), cases.map((c) => c[2]))
  assert.match(got[10]?.stderr ?? '', /Invalid --show option 'bogus'/)
  assert.match(got[11]?.stderr ?? '', /unrecognized option '--bogus'/)
  const badRoot = run([{ root: '/nonexistent-root', args: [] }])[0]
  assert.deepEqual([badRoot?.code, /not a directory/.test(badRoot?.stderr ?? '')], [1, true])
})

test('options apply in order: a later one overrides an earlier one', () => {
  const root = fixture('enforcing')
  const got = run([
    { root, args: ['--enforced'] },
    { root, args: ['--enforced', '--filter.mode=complain'] },
    { root, args: ['--filter.mode=complain', '--enforced'] },
    { root, args: ['--enforced', '--show=all'] },
    { root, args: ['--json', '--kill'] },
    { root, args: ['--count'] },
    { root, args: ['--process-mixed', '--pretty-json'] },
  ])
  assert.deepEqual(got.map((g) => g.stdout), [
    '5\n',
    '2\n',
    '5\n',
    '5\n4\n',
    '{"version": "2", "profile_count": 1}\n',
    // --count alone keeps the verbose line: only the legacy options clear it.
    'apparmor module is loaded.\n9\n7\n',
    '{\n\t"version":\t"2",\n\t"process_count":\t1\n}\n',
  ])
})

test('--help is commander help with the exit codes; --help=legacy and --help=filters are aa-status topics', () => {
  const root = fixture('enforcing')
  const [help, short, legacy, filters] = run([
    { root, args: ['--help'] },
    { root, args: ['-h'] },
    { root, args: ['--help=legacy'] },
    { root, args: ['--help', 'filters'] },
  ])
  assert.match(help?.stdout ?? '', /Usage: armorwatch status \[options\]/)
  assert.match(help?.stdout ?? '', /--filter\.profiles <regex>/)
  assert.match(help?.stdout ?? '', /42 internal error/)
  assert.equal(short?.stdout, help?.stdout)
  assert.match(legacy?.stdout ?? '', /--process-mixed {8}--count --show=processes --filter\.mode=mixed/)
  assert.match(filters?.stdout ?? '', /^Usage of filters/)
  assert.deepEqual([help?.code, legacy?.code, filters?.code], [0, 0, 0])
})
