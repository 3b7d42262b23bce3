/**
 * How the API runs query-language queries: timed in the store-query histogram, with query and
 * time-range errors turned into 400 AW_ERR_QUERY. Shared by every route that reads alerts.
 */
import type { AlertDoc } from '../store/alert.js'
import { spanForDuration } from '../store/query/compose.js'
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
  return spanForDuration(Date.parse(r.to ?? now.toISOString()) - Date.parse(r.from))
}

/** The alert documents a search (a query without pipes) returns, newest first. */
export async function searchAlerts(run: RunQuery, q: string, range: TimeRange, limit?: number): Promise<AlertDoc[]> {
  return (await run(q, range, limit)).rows as unknown as AlertDoc[]
}
