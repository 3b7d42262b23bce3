/**
 * Runs ruleset test cases: Wazuh `.ini` files (each `log N` key is one logtest session whose last
 * line's `rule:level:decoder` is compared, as runtests.py does) and our YAML files (every alert of
 * a case is checked, in order). Each case starts from fresh correlation state.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import type { Ruleset, Outcome } from '../ruleset.js'
import { iniCases, parseIni } from './ini.js'

export interface CaseResult {
  readonly file: string
  readonly name: string
  readonly line: number
  readonly passed: boolean
  /** What differed, for failures. */
  readonly detail?: string
}

export interface FileResult {
  readonly file: string
  readonly passed: number
  readonly failed: number
  readonly skipped: number
  readonly cases: CaseResult[]
}

/**
 * The time every test line is given: a Wednesday at noon, local time. The stock cases expect
 * business hours (rule 17101 "login outside business hours" uses `<time>`); running them against
 * the wall clock would make the results depend on when the suite runs.
 */
const TEST_CLOCK = new Date(2026, 0, 7, 12, 0, 0).getTime()

/** The `-U rule:alert:decoder` triple wazuh-logtest prints for the last event of a session. */
export function logtestTriple(o: Outcome | undefined): { rule: string; alert: string; decoder: string } {
  const r = o?.verdict.rule ?? null
  return {
    rule: r === null ? '' : String(r.id),
    alert: r === null ? '' : String(r.level),
    decoder: o?.event.decoder?.name ?? '',
  }
}

export function runIniFile(ruleset: Ruleset, file: string, opts: { geoip?: boolean } = {}): FileResult {
  const name = basename(file)
  const cases: CaseResult[] = []
  if (!opts.geoip && name.includes('geoip')) return { file, passed: 0, failed: 0, skipped: 1, cases }
  for (const c of iniCases(parseIni(readFileSync(file, 'utf8')))) {
    ruleset.reset()
    let last: Outcome | undefined
    for (const line of c.lines) last = ruleset.analyzeLine(line, { location: 'stdin', time: TEST_CLOCK })
    const got = logtestTriple(last)
    // wazuh-logtest -U fails outright when no rule or no decoder matched, whatever was expected
    // (its output then lacks the field to compare).
    const same = got.rule !== '' && got.decoder !== '' && got.rule === c.expect.rule && got.alert === c.expect.alert && got.decoder === c.expect.decoder
    const passed = same !== c.negated
    cases.push({
      file,
      name: `${c.section} (${c.key})`,
      line: c.line,
      passed,
      ...(passed
        ? {}
        : {
            detail: `expected ${c.negated ? 'not ' : ''}${c.expect.rule}:${c.expect.alert}:${c.expect.decoder}, got ${got.rule}:${got.alert}:${got.decoder}`,
          }),
    })
  }
  const passedCount = cases.filter((c) => c.passed).length
  return { file, passed: passedCount, failed: cases.length - passedCount, skipped: 0, cases }
}

/**
 * What Wazuh's runtests.py does to the stock ruleset before running: rule 60000 (Windows base)
 * becomes `decoded_as json` so the eventchannel samples, written as JSON, reach it.
 */
export function wazuhTestTransform(file: string, text: string): string {
  if (!file.endsWith('0575-win-base_rules.xml')) return text
  return text.replace(
    /<category>ossec<\/category>\s*<decoded_as>windows_eventchannel<\/decoded_as>/,
    '<decoded_as>json</decoded_as>',
  )
}
