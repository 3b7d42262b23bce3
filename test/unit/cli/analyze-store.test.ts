import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../../helpers/tmp.js'

const bin = fileURLToPath(new URL('../../../bin/armorwatch', import.meta.url))
const fixture = fileURLToPath(new URL('../../fixtures/normalize/seed-scenario.audit.log', import.meta.url))
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })

test('analyze --data-dir stores the alerts; query reads them back', () => {
  const dir = join(tempDir('analyze'), 'data')
  const a = run('analyze', '--data-dir', dir, '--json', fixture)
  assert.equal(a.status, 1, 'alerts are findings')
  const printed = a.stdout.trim().split('\n').length
  assert.match(a.stderr, new RegExp(`${printed} alerts stored in `))
  const q = run('query', '--data-dir', dir, '--json', 'data.audit.type: "APPARMOR_DENIED" | stats count')
  assert.equal(q.status, 0, q.stderr)
  const rows = (JSON.parse(q.stdout) as { rows: { count: number }[] }).rows
  assert.ok(rows[0].count > 0 && rows[0].count < printed)
})
