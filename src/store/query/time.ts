/**
 * Time bounds for `--from`/`--to` and the API's `from`/`to`: `now`, a relative age (`15m`, `24h`,
 * `7d`, `2w`, meaning that long before `now`) or an absolute ISO 8601 time.
 */
const REL = /^(\d+)(s|m|h|d|w)$/
const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }

export class TimeRangeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TimeRangeError'
  }
}

/**
 * An ISO 8601 date or date-time (with any offset) as ISO UTC, or undefined. Stricter than
 * Date.parse, which also takes `100701` (the year 100701) and other text no database will cast.
 */
export function isoTime(text: string): string | undefined {
  if (!/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/.test(text.trim())) return undefined
  const ms = Date.parse(text.trim())
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString()
}

/** Resolves a time expression against `now` to an ISO 8601 UTC string. */
export function parseTime(text: string, now: Date = new Date()): string {
  const t = text.trim()
  if (t === 'now') return now.toISOString()
  const m = REL.exec(t)
  if (m) return new Date(now.getTime() - Number(m[1]) * (UNIT_MS[m[2] as string] as number)).toISOString()
  const iso = isoTime(t)
  if (iso === undefined) throw new TimeRangeError(`invalid time '${text}': use now, 15m, 24h, 7d or an ISO 8601 time`)
  return iso
}

export interface TimeRange {
  from?: string
  to?: string
}

export function parseRange(from: string | undefined, to: string | undefined, now: Date = new Date()): TimeRange {
  const r: TimeRange = {}
  if (from !== undefined && from !== '') r.from = parseTime(from, now)
  if (to !== undefined && to !== '' && to !== 'now') r.to = parseTime(to, now)
  if (r.from && r.to && r.from >= r.to) throw new TimeRangeError(`--from (${r.from}) must be before --to (${r.to})`)
  return r
}
