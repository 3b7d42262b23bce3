import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../../../../src/cli/main.ts', import.meta.url))
const WEBAPP = fileURLToPath(new URL('../../../fixtures/profiles/webapp', import.meta.url))
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(['node', 'armorwatch', ...process.argv.slice(1)])`, '--', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })

test('profile check --json: one object per file, a bad file never stops the others, exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-profile-cli-'))
  try {
    const bad = join(dir, 'bad')
    writeFileSync(bad, 'profile bad {\n  /etc/x rwz,\n}\n')
    const r = run('profile', 'check', '--json', bad, WEBAPP)
    assert.equal(r.status, 1, r.stderr)
    const out = JSON.parse(r.stdout) as { file: string; ok: boolean; errors: { line: number; column: number; message: string }[] }[]
    assert.deepEqual(out.map((x) => [x.file, x.ok]), [[bad, false], [WEBAPP, true]])
    assert.equal(out[0]?.errors[0]?.line, 2)
    const sarif = JSON.parse(run('profile', 'check', '--sarif', bad).stdout) as { version: string; runs: { results: unknown[] }[] }
    assert.equal(sarif.version, '2.1.0')
    assert.equal(sarif.runs[0]?.results.length, 1)
    assert.equal(run('profile', 'check', WEBAPP).status, 0)
    assert.equal(run('profile', 'check', join(dir, 'missing')).status, 2)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('profile eval answers and exits 0 allowed / 1 denied', () => {
  let r = run('profile', 'eval', WEBAPP, '--file', '/var/lib/webapp/private/k', '--mode', 'r', '--json')
  assert.equal(r.status, 1)
  assert.equal((JSON.parse(r.stdout) as { decision: string }).decision, 'denied')
  r = run('profile', 'eval', WEBAPP, '--exec', '/usr/bin/helper')
  assert.equal(r.status, 0)
  assert.match(r.stdout, /exec transition: Px -> helper/)
  assert.match(r.stdout, /webapp:22:3/)
  assert.equal(run('profile', 'eval', WEBAPP).status, 2)
})

test('profile fmt --check / --write and lint --sarif', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-profile-cli-'))
  try {
    const f = join(dir, 'p')
    writeFileSync(f, 'profile p {\n    /etc/x     r,\n}\n')
    assert.equal(run('profile', 'fmt', '--check', f).status, 1)
    assert.equal(run('profile', 'fmt', '--write', f).status, 0)
    assert.equal(readFileSync(f, 'utf8'), 'profile p {\n  /etc/x r,\n}\n')
    assert.equal(run('profile', 'fmt', '--check', f).status, 0)
    const lint = run('profile', 'lint', '--sarif', WEBAPP)
    assert.equal(lint.status, 1)
    const sarif = JSON.parse(lint.stdout) as { runs: { results: { ruleId: string }[] }[] }
    assert.ok(sarif.runs[0]?.results.some((x) => x.ruleId === 'AA001'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
