/**
 * `set rlimit NAME <= VALUE [UNIT],` with apparmor_parser's value rules (parser_yacc.y): sizes take
 * a prefix of KB/MB/GB, cpu and rttime a time unit (cpu at least one second), nice -20..19, the
 * other limits a plain count; `infinity` is always accepted.
 */
import type { Rule, Word } from './ast.js'
import { RLIMITS } from './tables.js'
import type { Report } from './validate.js'

const SIZED: ReadonlySet<string> = new Set(['fsize', 'data', 'stack', 'core', 'rss', 'as', 'memlock', 'msgqueue'])

/** Time units in microseconds (parser_misc.c time_units). */
const TIME_UNITS: ReadonlyMap<string, number> = new Map(
  (
    [
      [['us', 'microsecond', 'microseconds'], 1],
      [['ms', 'millisecond', 'milliseconds'], 1e3],
      [['s', 'sec', 'second', 'seconds'], 1e6],
      [['min', 'minute', 'minutes'], 60e6],
      [['h', 'hour', 'hours'], 3600e6],
      [['d', 'day', 'days'], 86400e6],
      [['week', 'weeks'], 7 * 86400e6],
    ] as const
  ).flatMap(([names, us]) => names.map((n) => [n, us] as const)),
)

export function rlimit(rule: Rule, args: readonly Word[], report: Report): void {
  const [kw, name, le, value, unitWord, ...more] = args
  if (kw?.text !== 'rlimit') return report(rule, "expected 'set rlimit NAME <= VALUE,'")
  if (!name || !RLIMITS.has(name.text)) return report(name ?? rule, `INVALID RLIMIT '${name?.text ?? ''}'`)
  if (le?.text !== '<=' || !value || more.length > 0) return report(le ?? name, "expected 'set rlimit NAME <= VALUE,'")
  if (value.text === 'infinity' && !unitWord) return
  // The number and its unit may be written together (`10MB`) or apart (`10 MB`).
  const m = /^(-?\d+)([A-Za-z]*)$/.exec(value.text)
  const unit = (m?.[2] ?? '') + (unitWord?.text ?? '')
  const invalid = () => report(value, `RLIMIT '${name.text}' invalid value ${value.text}${unitWord ? ` ${unitWord.text}` : ''}`)
  if (!m || (m[2] && unitWord)) return invalid()
  const n = Number(m[1])
  if (SIZED.has(name.text)) {
    if (n < 0 || (unit !== '' && !['K', 'KB', 'M', 'MB', 'G', 'GB'].includes(unit))) invalid()
  } else if (name.text === 'cpu' || name.text === 'rttime') {
    const us = unit === '' ? (name.text === 'cpu' ? 1e6 : 1) : TIME_UNITS.get(unit)
    if (n < 0 || us === undefined) invalid()
    else if (name.text === 'cpu' && n * us < 1e6) report(value, `RLIMIT 'cpu ${value.text}' < minimum value of 1s`)
  } else if (unit !== '') invalid()
  else if (name.text === 'nice') {
    if (n < -20 || n > 19) report(value, `RLIMIT 'nice' out of range (-20 .. 19) ${value.text}`)
  } else if (n < 0) invalid()
}
