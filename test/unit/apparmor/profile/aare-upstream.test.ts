import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { compileAare } from '../../../../src/apparmor/profile/index.js'

/**
 * AARE matching against the cases of AppArmor's own utils (utils/test/test-aare.py, 4.1.0): `*`
 * within one component and never empty after a `/`, `**` across components, `?`, classes with
 * ranges and negation, nested and empty `{}` alternatives, and logged names (with `*`, `"` and
 * `(` in them) matched as they are.
 */
const cases = JSON.parse(readFileSync(new URL('../../../fixtures/profiles/aare-cases.json', import.meta.url), 'utf8')) as Record<'match' | 'fromLog', [string, string, boolean][]>

test("AARE matches exactly where AppArmor's utils say it does", () => {
  const wrong: string[] = []
  for (const [aare, path, expected] of [...cases.match, ...cases.fromLog]) {
    if (compileAare([aare]).test(path) !== expected) wrong.push(`${aare} ${expected ? 'should' : 'should not'} match ${path}`)
  }
  assert.deepEqual(wrong, [])
  assert.equal(cases.match.length + cases.fromLog.length, 70)
})
