import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ruleset, runIniFile, wazuhTestTransform } from '../../../src/rules/index.js'

// The Wazuh 4.12.0 stock ruleset, loaded unchanged, against its own test cases (docs/rules.md lists
// the remaining differences). Skipped where ../shared is absent (outside CI).
const base = fileURLToPath(new URL('../../../../shared/wazuh-ruleset-4.12.0', import.meta.url))

test('Wazuh stock ruleset: loads unchanged and passes its own .ini test cases', { skip: !existsSync(base) && 'wazuh-ruleset-4.12.0 absent' }, () => {
  const rs = new Ruleset({ ruleset: base, rules: [join(base, 'testing/ruleset')], transform: wazuhTestTransform })
  assert.ok(rs.tree.nodes.size > 4000, `only ${rs.tree.nodes.size} rules loaded`)
  let passed = 0
  let failed = 0
  for (const f of readdirSync(join(base, 'testing/tests')).sort()) {
    const r = runIniFile(rs, join(base, 'testing/tests', f))
    passed += r.passed
    failed += r.failed
  }
  const rate = passed / (passed + failed)
  assert.ok(rate >= 0.99, `pass rate ${(100 * rate).toFixed(1)}% (${passed} passed, ${failed} failed)`)
})
