/** Click-through to the explorer: every chart leads to the query that reproduces what it counts. */
import { useCallback } from 'react'
import { useNavigate } from 'react-router'
import { DEFAULT_FROM, useRange, type Range } from './time.js'

export function explorerHref(q: string, range: Range, extra: Record<string, string> = {}): string {
  const sp = new URLSearchParams()
  if (q) sp.set('q', q)
  if (range.from !== DEFAULT_FROM) sp.set('from', range.from)
  if (range.to !== 'now') sp.set('to', range.to)
  for (const [k, v] of Object.entries(extra)) sp.set(k, v)
  return `/explorer?${sp.toString()}`
}

/** Navigates to the explorer with a query, in the current time range unless one is given. */
export function useExplore(): (q: string, range?: Range) => void {
  const navigate = useNavigate()
  const current = useRange()
  return useCallback((q: string, range?: Range) => navigate(explorerHref(q, range ?? current)), [navigate, current])
}

/** The range of one timechart bucket. */
export function bucketRange(start: string, spanMs: number | undefined): Range {
  const t = Date.parse(start)
  return { from: new Date(t).toISOString(), to: new Date(t + (spanMs ?? 3600e3)).toISOString() }
}
