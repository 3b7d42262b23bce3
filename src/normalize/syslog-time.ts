/**
 * Syslog timestamps: BSD (`Nov  2 09:01:02`, no year, local time unless an offset follows) and ISO/RFC 3339
 * (`2026-11-20T10:33:25.123456+01:00`, `YYYY-MM-DD HH:MM:SS`). Hand-scanned: this runs on every line.
 */

const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
/** Month by its three ASCII letters packed into one number: no string is cut per line. */
const months = new Map(monthNames.map((m, i) => [(m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2), i]))

function monthAt(s: string, i = 0): number | undefined {
  const a = s.charCodeAt(i)
  const b = s.charCodeAt(i + 1)
  const c = s.charCodeAt(i + 2)
  return a < 0x80 && b < 0x80 && c < 0x80 ? months.get((a << 16) | (b << 8) | c) : undefined
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 0x30
  return c >= 0 && c <= 9 ? c : -1
}

function two(s: string, i: number): number {
  const a = digit(s, i)
  const b = digit(s, i + 1)
  return a < 0 || b < 0 ? -1 : a * 10 + b
}

/** `HH:MM:SS` at i, as seconds of the day; -1 when absent. */
function clock(s: string, i: number): number {
  const h = two(s, i)
  const m = two(s, i + 3)
  const sec = two(s, i + 6)
  if (h < 0 || m < 0 || sec < 0 || s.charCodeAt(i + 2) !== 0x3a || s.charCodeAt(i + 5) !== 0x3a) return -1
  return h * 3600 + m * 60 + sec
}

/**
 * Local midnight of a date, cached: computing local time through the time-zone rules is the slow
 * part of a syslog timestamp, and a log holds few distinct days.
 */
const midnights = new Map<number, number>()
function localMidnight(year: number, month: number, day: number): number {
  const key = (year * 12 + month) * 32 + day
  let t = midnights.get(key)
  if (t === undefined) {
    t = new Date(year, month, day).getTime()
    if (midnights.size > 4096) midnights.clear()
    midnights.set(key, t)
  }
  return t
}

let yearCache = { year: 0, from: 0, to: -1 }
function yearOf(ms: number): number {
  if (ms < yearCache.from || ms >= yearCache.to) {
    const year = new Date(ms).getFullYear()
    yearCache = { year, from: new Date(year, 0, 1).getTime(), to: new Date(year + 1, 0, 1).getTime() }
  }
  return yearCache.year
}

export interface SyslogTime {
  /** Characters consumed. */
  length: number
  /** Milliseconds since the epoch; NaN when the date is impossible. */
  timeMs: number
}

/**
 * A BSD timestamp at the start of `s` (15 characters), with the fraction and UTC offset some
 * daemons append (`Jan  1 15:09:04.562575+08:00`). The year is not logged: we take
 * `referenceYear`, or the year before when that would put the line more than a day in the future
 * of `now()` (a December line read in January).
 */
export function parseBsdTime(s: string, now: () => number, referenceYear?: number): SyslogTime | undefined {
  if (s.length < 15 || s.charCodeAt(3) !== 0x20 || s.charCodeAt(6) !== 0x20) return undefined
  const month = monthAt(s)
  if (month === undefined) return undefined
  const d1 = s.charCodeAt(4) === 0x20 ? 0 : digit(s, 4)
  const d2 = digit(s, 5)
  const secs = clock(s, 7)
  if (d1 < 0 || d2 < 0 || secs < 0) return undefined
  const day = d1 * 10 + d2
  const nowMs = referenceYear === undefined ? now() : 0
  const year = referenceYear ?? yearOf(nowMs)
  const tail = fractionAndOffset(s, 15)
  const ofDay = secs * 1000 + tail.fracMs
  let t = midnight(year, month, day, tail.offsetMin) + ofDay
  if (referenceYear === undefined && t > nowMs + 86_400_000) t = midnight(year - 1, month, day, tail.offsetMin) + ofDay
  return { length: tail.end, timeMs: t }
}

/** Midnight of a date: local, or at a UTC offset in minutes. */
function midnight(year: number, month: number, day: number, offsetMin: number | undefined): number {
  return offsetMin === undefined ? localMidnight(year, month, day) : Date.UTC(year, month, day) - offsetMin * 60_000
}

/** The optional `.fraction` (or `,fraction`) and `Z` or `±HH[:]MM` after the seconds at i. */
function fractionAndOffset(s: string, i: number): { end: number; fracMs: number; offsetMin: number | undefined } {
  let fracMs = 0
  // A dot, or the comma of ISO 8601 (`dmesg --time-format iso`).
  const sep = s.charCodeAt(i)
  if ((sep === 0x2e || sep === 0x2c) && digit(s, i + 1) >= 0) {
    i++
    let scale = 100
    while (i < s.length && digit(s, i) >= 0) {
      fracMs += digit(s, i) * scale
      scale /= 10
      i++
    }
  }
  let offsetMin: number | undefined
  const c = s.charCodeAt(i)
  if (c === 0x5a /* Z */) {
    offsetMin = 0
    i++
  } else if ((c === 0x2b || c === 0x2d) && two(s, i + 1) >= 0) {
    const hh = two(s, i + 1)
    const colon = s.charCodeAt(i + 3) === 0x3a ? 1 : 0
    const mm = two(s, i + 3 + colon)
    if (mm >= 0) {
      offsetMin = (c === 0x2d ? -1 : 1) * (hh * 60 + mm)
      i += 5 + colon
    }
  }
  return { end: i, fracMs: Math.round(fracMs), offsetMin }
}

/** An ISO 8601 / RFC 3339 timestamp at the start of `s`, with optional fraction and offset (local time without one). */
export function parseIsoTime(s: string): SyslogTime | undefined {
  if (s.length < 19 || s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d) return undefined
  const sep = s.charCodeAt(10)
  if (sep !== 0x54 && sep !== 0x20) return undefined
  const y = two(s, 0) * 100 + two(s, 2)
  const mo = two(s, 5)
  const d = two(s, 8)
  const secs = clock(s, 11)
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || secs < 0) return undefined
  const tail = fractionAndOffset(s, 19)
  return { length: tail.end, timeMs: midnight(y, mo - 1, d, tail.offsetMin) + secs * 1000 + tail.fracMs }
}

/**
 * A ctime timestamp at `i`, `Fri Nov 20 10:00:00 2026` (`dmesg -T`), in local time: the weekday is
 * checked for shape only, the date decides.
 */
export function parseCtimeTime(s: string, i: number): SyslogTime | undefined {
  if (s.charCodeAt(i + 3) !== 0x20) return undefined
  const month = monthAt(s, i + 4)
  if (month === undefined || s.charCodeAt(i + 7) !== 0x20) return undefined
  const d1 = s.charCodeAt(i + 8) === 0x20 ? 0 : digit(s, i + 8)
  const d2 = digit(s, i + 9)
  const secs = clock(s, i + 11)
  const year = two(s, i + 20) * 100 + two(s, i + 22)
  if (d1 < 0 || d2 < 0 || secs < 0 || s.charCodeAt(i + 10) !== 0x20 || s.charCodeAt(i + 19) !== 0x20 || year < 0) return undefined
  return { length: 24, timeMs: localMidnight(year, month, d1 * 10 + d2) + secs * 1000 }
}

/** Seconds since the epoch with a fraction at the start of `s`, `1795168800.123456` (`journalctl -o short-unix`). */
export function parseEpochTime(s: string): SyslogTime | undefined {
  let i = 0
  while (digit(s, i) >= 0) i++
  if (i < 9 || i > 11 || s.charCodeAt(i) !== 0x2e) return undefined
  const dot = i
  i++
  while (digit(s, i) >= 0) i++
  if (i === dot + 1) return undefined
  return { length: i, timeMs: Math.round(Number(s.slice(0, i)) * 1000) }
}
