/**
 * Offline analysis of log text: through the parsers (src/normalize) when the ruleset runs the
 * built-in decoders, so AppArmor and audit records in any envelope are assembled and decoded
 * natively; otherwise line by line through the pre-decoder and XML decoders, as Wazuh would.
 */
import type { Alert } from '../event/alert.js'
import { Normalizer, type ParseError } from '../normalize/index.js'
import type { Outcome, Ruleset } from './ruleset.js'

export interface AnalyzeResult {
  readonly alerts: Alert[]
  readonly outcomes: Outcome[]
  /** Lines the parsers did not recognise (analysed as plain lines). */
  readonly errors: ParseError[]
}

/**
 * Feeds lines of one source and reports each processed event, in order. A line the parsers do not
 * recognise (any other log) is still analysed, as a plain line through the pre-decoder and XML
 * decoders; `onUnparsed` hears about it.
 */
export class LineAnalyzer {
  private readonly normalizer: Normalizer | null

  constructor(
    private readonly ruleset: Ruleset,
    private readonly location: string,
    private readonly onOutcome: (o: Outcome) => void,
    onUnparsed: (e: ParseError) => void = () => {},
  ) {
    this.normalizer = ruleset.native
      ? new Normalizer({
          location,
          emit: (e) => onOutcome(ruleset.process(e)),
          onError: (e) => {
            onUnparsed(e)
            if (e.raw.trim() !== '') onOutcome(ruleset.analyzeRaw(e.raw, { location }))
          },
        })
      : null
  }

  push(line: string): void {
    if (this.normalizer !== null) this.normalizer.push(line)
    else if (line.trim() !== '') this.onOutcome(this.ruleset.analyzeLine(line, { location: this.location }))
  }

  /** Completes events still waiting for records (end of input, or an interactive line). */
  flush(): void {
    this.normalizer?.flush()
  }
}

export function analyzeText(ruleset: Ruleset, text: string, location: string): AnalyzeResult {
  const outcomes: Outcome[] = []
  const errors: ParseError[] = []
  const a = new LineAnalyzer(ruleset, location, (o) => outcomes.push(o), (e) => errors.push(e))
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  for (const line of lines) a.push(line.endsWith('\r') ? line.slice(0, -1) : line)
  a.flush()
  return { alerts: outcomes.flatMap((o) => (o.alert !== null ? [o.alert] : [])), outcomes, errors }
}
