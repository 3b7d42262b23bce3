/**
 * The detection engine: Wazuh-compatible decoders and rules, our built-in AppArmor ruleset, and
 * the tools built on them. API for the manager:
 *
 *   import { loadRuleset } from '../rules/index.js'
 *   const ruleset = loadRuleset({ rules: ['/etc/armorwatch/rules'] })  // built-in + user rules
 *   const alert = ruleset.analyze(event)   // Event (src/event) → Alert (src/event/alert.ts) | null
 *
 * - `loadRuleset(opts)` loads the built-in ruleset (rules/ in the package) plus `opts.rules` and
 *   `opts.decoders` (files or folders), or `opts.ruleset` (a folder with decoders/, rules/, lists/)
 *   instead of the built-in one. It throws `RulesetError` (with file, line, rule id per problem)
 *   when a file has errors; warnings stay in `ruleset.problems`. `ruleset.version` is a hash of
 *   every file loaded: report it so that logtest and production can be compared.
 * - `ruleset.analyze(event)` decodes (built-in TypeScript decoders for AppArmor, audit, FIM and
 *   agent events; pre-decoder + XML decoders for other lines) and evaluates the rules as
 *   analysisd does, returning the Wazuh-shaped alert or null. It keeps correlation state
 *   (frequency/timeframe, bounded and expiring by event time) per ruleset instance, so use one
 *   instance per manager and call it in event order. Not thread-safe (there are no threads).
 * - `ruleset.process(event)` returns every stage (decoded fields, matched rule, alert);
 *   `ruleset.analyzeLine(line)` takes a raw log line as Wazuh would receive it; `ruleset.reset()`
 *   forgets correlation state and counters; `ruleset.stats` counts events by decoder, alerts by
 *   level and drops since load (for the manager's metrics).
 */
export { loadRuleset, Ruleset, RulesetError, builtinRulesetDir, type RulesetOptions, type Outcome, type LoadedFile } from './ruleset.js'
export { analyzeText, LineAnalyzer, type AnalyzeResult } from './analyze.js'
export { formatProblem, type LoadProblem } from './problems.js'
export type { RulesStats } from './events.js'
export { runIniFile, wazuhTestTransform, type FileResult, type CaseResult } from './testing/runner.js'
export { runYamlFile } from './testing/yaml.js'
export type { Alert } from '../event/alert.js'
