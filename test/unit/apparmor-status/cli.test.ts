import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// Runs the CLI from source (bin/armorwatch runs dist/, which may be stale while developing).
const main = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url))
const script = `import(${JSON.stringify(main)}).then(async (m) => { process.exitCode = await m.main(process.argv) })`
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/securityfs/${name}`, import.meta.url))
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', '-e', script, 'armorwatch', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })

test('armorwatch status --root --json prints aa-status JSON and exits 0', () => {
  const r = run('status', '--root', fixture('enforcing'), '--json')
  assert.equal(r.status, 0, r.stderr)
  const j = JSON.parse(r.stdout) as { version: string; profiles: Record<string, string> }
  assert.equal(j.version, '2')
  assert.equal(j.profiles['/usr/bin/man'], 'kill')
})

test('armorwatch status exits 1 when AppArmor is disabled and 2 for a bad root', () => {
  const d = run('status', '--root', fixture('disabled'))
  assert.equal(d.status, 1)
  assert.match(d.stdout, /disabled/)
  const bad = run('status', '--root', '/nonexistent-root')
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /not a directory/)
})
