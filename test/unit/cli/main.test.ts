import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../../../bin/armorwatch', import.meta.url))
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' })

test('--help lists the program and exits 0', () => {
  const r = run('--help')
  assert.equal(r.status, 0)
  assert.match(r.stdout, /Usage: armorwatch/)
})

test('--version prints the package version', () => {
  const r = run('--version')
  assert.equal(r.status, 0)
  assert.match(r.stdout, /^\d+\.\d+\.\d+/)
})

test('an unknown command is a usage error (exit 2)', () => {
  const r = run('no-such-command')
  assert.equal(r.status, 2)
  assert.match(r.stderr, /error: (unknown command|too many arguments)/)
})
