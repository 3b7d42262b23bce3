/**
 * How the API runs query-language queries: timed in the store-query histogram, with query and
 * time-range errors turned into 400 AW_ERR_QUERY. Shared by every route that reads alerts.
 */
import type { AlertDoc } from '../store/alert.js'
import { parseRange, QueryError, TimeRangeError, type TimeRange } from '../store/query/index.js'
import type { AlertStore, QueryResult } from '../store/store.js'
import { AwError } from './errors.js'
import type { ManagerMetrics } from './metrics.js'

export interface RangeQs {
  from?: string
  to?: string
}

export type RunQuery = (q: string, range: TimeRange, limit?: number) => Promise<QueryResult>

export function queryRunner(alerts: AlertStore, metrics: ManagerMetrics): RunQuery {
  return async (q, range, limit) => {
    const end = metrics.storeQuery.startTimer()
    try {
      return await alerts.query(q, { ...range, ...(limit !== undefined ? { limit } : {}) })
    } catch (err) {
      if (err instanceof QueryError || err instanceof TimeRangeError) throw new AwError('AW_ERR_QUERY', err.message)
      throw err
    } finally {
      end()
    }
  }
}

/** `from`/`to` of a request as ISO times; a bad expression is a 400. */
export function rangeOf(qs: RangeQs, now?: Date): TimeRange {
  try {
    return parseRange(qs.from, qs.to, now)
  } catch (err) {
    if (err instanceof TimeRangeError) throw new AwError('AW_ERR_QUERY', err.message)
    throw err
  }
}

/** A timechart span giving about a hundred buckets over the range; 1h without a lower bound. */
export function spanFor(r: TimeRange, now: Date = new Date()): string {
  if (!r.from) return '1h'
  const ms = Date.parse(r.to ?? now.toISOString()) - Date.parse(r.from)
  const steps: [number, string][] = [[60e3, '1m'], [300e3, '5m'], [900e3, '15m'], [3600e3, '1h'], [4 * 3600e3, '4h'], [86400e3, '1d']]
  return (steps.find(([s]) => ms / s <= 120) ?? [0, '1w'])[1]
}

/** A value as a quoted query-language phrase (names from alerts are never spliced in raw). */
export function phrase(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

/** The alert documents a search (a query without pipes) returns, newest first. */
export async function searchAlerts(run: RunQuery, q: string, range: TimeRange, limit?: number): Promise<AlertDoc[]> {
  return (await run(q, range, limit)).rows as unknown as AlertDoc[]
}
