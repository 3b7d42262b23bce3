/** The time range of every view: `from`/`to` in the URL as the API takes them (24h, 7d, now, ISO). */
import { useSearchParams } from 'react-router'
import { spanForDuration } from '../../src/store/query/compose.js'

export const RANGE_PRESETS = [
  { from: '15m', label: '15 min' },
  { from: '1h', label: '1 hour' },
  { from: '24h', label: '24 hours' },
  { from: '7d', label: '7 days' },
  { from: '30d', label: '30 days' },
] as const

export const DEFAULT_FROM = '24h'

export interface Range {
  from: string
  to: string
}

export function useRange(): Range {
  const [sp] = useSearchParams()
  return { from: sp.get('from') ?? DEFAULT_FROM, to: sp.get('to') ?? 'now' }
}

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }

/** A range bound as a Date: `now`, a relative age (`15m`, `24h`) or an ISO time; undefined if invalid. */
export function toDate(bound: string, now = Date.now()): Date | undefined {
  if (bound === 'now') return new Date(now)
  const rel = /^(\d+)([smhdw])$/.exec(bound)
  if (rel) return new Date(now - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number))
  const t = Date.parse(bound)
  return Number.isNaN(t) ? undefined : new Date(t)
}

/** Milliseconds of a timechart span (`5m`, `1h`, `1d`). */
export function spanMs(span: string): number | undefined {
  const m = /^(\d+)([smhdw])$/.exec(span)
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : undefined
}

/** A timechart span giving about a hundred buckets over the range (the API's overview does the same). */
export function spanFor(r: Range): string {
  const from = toDate(r.from)
  const to = toDate(r.to)
  if (!from || !to) return '1h'
  return spanForDuration(to.getTime() - from.getTime())
}

export function formatTime(iso: unknown): string {
  if (typeof iso !== 'string') return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
}

/** Bucket labels on time axes: date and time, or time only within a day. */
export function formatTick(iso: unknown, span: number | undefined): string {
  if (typeof iso !== 'string') return ''
  const d = new Date(iso)
  if (span !== undefined && span >= 86400e3) return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false })
}
