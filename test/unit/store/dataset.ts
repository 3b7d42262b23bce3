/** The fixed alert set of the query tests (test/fixtures/store/alerts.ndjson), loaded into a store. */
import { readFileSync } from 'node:fs'
import type { AlertDoc } from '../../../src/store/alert.js'

export const ALERTS: readonly AlertDoc[] = readFileSync(new URL('../../fixtures/store/alerts.ndjson', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as AlertDoc)

/** The alert numbers (the part of the id after the dot) of search rows, sorted. */
export function nums(rows: readonly Record<string, unknown>[]): number[] {
  return rows.map((r) => Number(String(r.id).split('.')[1])).sort((a, b) => a - b)
}
