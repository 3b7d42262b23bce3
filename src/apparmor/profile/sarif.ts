/** SARIF 2.1.0 output for `check` and `lint`, so CI systems show findings inline. */
import { VERSION } from '../../version.js'
import type { Finding, LintRule } from './lint.js'

export interface SarifResult {
  readonly ruleId: string
  readonly level: 'error' | 'warning' | 'note'
  readonly message: string
  readonly file: string
  readonly line: number
  readonly column: number
}

export function toSarif(rules: readonly Pick<LintRule, 'id' | 'name' | 'severity' | 'description' | 'hint'>[], results: readonly SarifResult[]): object {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'armorwatch',
            version: VERSION,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.description },
              help: { text: r.hint },
              defaultConfiguration: { level: r.severity },
            })),
          },
        },
        results: results.map((r) => ({
          ruleId: r.ruleId,
          level: r.level,
          message: { text: r.message },
          locations: [{ physicalLocation: { artifactLocation: { uri: r.file }, region: { startLine: r.line, startColumn: r.column } } }],
        })),
      },
    ],
  }
}

export function findingsToResults(findings: readonly Finding[]): SarifResult[] {
  return findings.map((f) => ({ ruleId: f.id, level: f.severity, message: `${f.message}. ${f.hint}`, file: f.file, line: f.line, column: f.column }))
}
