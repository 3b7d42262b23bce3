/**
 * The syslog pre-decoder (Wazuh's OS_CleanMSG, src/analysisd/cleanevent.c): recognises a date,
 * then a hostname and a program name (`prog:`, `prog[pid]:`, `prog[pid] `), records them, and
 * leaves the message after the header in `log` (after a BSD date and hostname when no
 * program name follows them). Lines without such a header (raw audit.log,
 * JSON) keep `log` as the whole line and have no program name.
 */
import type { LogEvent } from './log-event.js'

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
// Each date form Wazuh accepts, anchored, ending before the space that follows the date.
const DATES: readonly RegExp[] = [
  new RegExp(`^${MONTH} {1,2}\\d{1,2} \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?(?: \\d{4})?(?= )`),
  new RegExp(`^\\d{4} ${MONTH} {1,2}\\d{1,2} \\d\\d:\\d\\d:\\d\\d(?= )`),
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?(?= )/,
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?(?= )/,
]
// After the date: hostname, program name, optional [pid], then ':' (or ' ' after [pid]).
const WITH_HOST = /^ {1,2}([A-Za-z0-9_.:@/()\\-]*[A-Za-z0-9_.@/()\\-]) ([^\s[\]:%][^\s[\]:]*)(?:\[[^\]\s]*\])?(?:: ?|(?<=\]) )/
const NO_HOST = /^ {1,2}([^\s[\]:%][^\s[\]:]*)(?:\[[^\]\s]*\])?: ?/
const HOST_ONLY = /^ {1,2}([A-Za-z0-9_.:@/()\\-]+) /
const SOLARIS_ID = /^\[ID \d+ [a-z0-9]+\.[a-z]+\] /

// Dates Wazuh strips without looking for a host or program: squid's epoch (`1140701044.525   1231`)
// and Apache 2.2's error log (`[Fri Dec 13 06:59:54 2013] [error] ...`; 2.4's has fractions and stays).
const BARE_DATES: readonly RegExp[] = [/^\d{10}\.\d{3} +/, /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\] /]

export function preDecode(ev: LogEvent): void {
  const line = ev.fullLog
  for (const re of BARE_DATES) {
    const m = re.exec(line)
    if (m !== null) {
      ev.timestamp = m[0].trimEnd()
      ev.log = line.slice(m[0].length)
      return
    }
  }
  for (const re of DATES) {
    const d = re.exec(line)
    if (d === null) continue
    const rest = line.slice(d[0].length)
    const h = WITH_HOST.exec(rest)
    if (h !== null) {
      ev.timestamp = d[0]
      ev.hostname = h[1]
      ev.programName = h[2]
      ev.log = rest.slice(h[0].length).replace(SOLARIS_ID, '')
      return
    }
    const p = NO_HOST.exec(rest)
    if (p !== null) {
      ev.timestamp = d[0]
      ev.programName = p[1]
      ev.log = rest.slice(p[0].length).replace(SOLARIS_ID, '')
      return
    }
    // A BSD date and hostname without a recognisable program: Wazuh still strips both.
    const host = re === DATES[0] ? HOST_ONLY.exec(rest) : null
    if (host !== null) {
      ev.timestamp = d[0]
      ev.hostname = host[1]
      ev.log = rest.slice(host[0].length)
    }
    return
  }
}
