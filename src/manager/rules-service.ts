/** The rules engine behind the API's rule routes: list what is loaded, test a line on a copy. */
import type { Ruleset } from '../rules/ruleset.js'
import type { RuleInfo, RulesService, RuleTestResult } from './services.js'

/**
 * `load` makes the copy used by `test`, created on first use: testing a line on the live ruleset
 * would advance its counters and correlation windows.
 */
export function rulesService(live: Ruleset, load: () => Ruleset): RulesService {
  let tester: Ruleset | undefined
  return {
    list(): RuleInfo[] {
      return [...live.tree.nodes.values()]
        .map(({ rule }) => ({ id: rule.id, level: rule.level, description: rule.description, groups: rule.groups, file: rule.file }))
        .sort((a, b) => a.id - b.id)
    },
    test(line: string, location: string): RuleTestResult {
      tester ??= load()
      const o = tester.analyzeLine(line, { location })
      const r = o.verdict.rule
      return {
        alert: o.alert,
        rule: r ? { id: r.id, level: r.level, description: r.description } : null,
        decoder: o.event.decoder?.name ?? null,
      }
    },
  }
}
