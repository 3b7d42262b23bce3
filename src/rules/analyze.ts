/**
 * Offline analysis of log text: through the parsers (src/normalize) when the ruleset runs the
 * built-in decoders, so AppArmor and audit records in any envelope are assembled and decoded
 * natively; otherwise line by line through the pre-decoder and XML decoders, as Wazuh would.
 */
import type { Alert } from '../event/alert.js'
import { parseLines, type ParseError } from '../normalize/index.js'
import type { Outcome, Ruleset } from './ruleset.js'

export interface AnalyzeResult {
  readonly alerts: Alert[]
  readonly outcomes: Outcome[]
  readonly errors: ParseError[]
}

export function analyzeText(ruleset: Ruleset, text: string, location: string): AnalyzeResult {
  const outcomes: Outcome[] = []
  let errors: ParseError[] = []
  if (ruleset.native) {
    const parsed = parseLines(text, { location })
    errors = parsed.errors
    for (const e of parsed.events) outcomes.push(ruleset.process(e))
  } else {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      outcomes.push(ruleset.analyzeLine(line.replace(/\r$/, ''), { location }))
    }
  }
  return { alerts: outcomes.flatMap((o) => (o.alert !== null ? [o.alert] : [])), outcomes, errors }
}
