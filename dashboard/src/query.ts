/**
 * Building query-language strings (docs/queries.md) from values the user clicked on. Values are
 * always written as quoted phrases with `\` and `"` escaped, so a value from an event can never
 * change the query's structure (a profile named `x OR *` stays one exact value).
 */
import { phrase } from '../../src/store/query/compose.js'

/** `field: "value"`; numbers stay bare so that numeric fields compare as numbers. */
export function term(field: string, value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return `${field}: ${value}`
  return `${field}: ${phrase(String(value))}`
}

/** Splits a query into its filter and its pipeline at the first `|` outside quotes. */
export function splitPipes(q: string): { filter: string; pipes: string } {
  let inQuote = false
  for (let i = 0; i < q.length; i++) {
    const c = q[i]
    if (c === '\\' && inQuote) i++
    else if (c === '"') inQuote = !inQuote
    else if (c === '|' && !inQuote) return { filter: q.slice(0, i).trim(), pipes: q.slice(i).trim() }
  }
  return { filter: q.trim(), pipes: '' }
}

/** Narrows a query's filter with one more condition, dropping its pipeline (a drill-down shows alerts). */
export function narrow(q: string, condition: string): string {
  const { filter } = splitPipes(q)
  if (!filter || filter === '*') return condition
  return `(${filter}) AND ${condition}`
}

/** The column of a syntax error in the API's message ("… at column 15"), 1-based. */
export function errorColumn(message: string): number | undefined {
  const m = /at column (\d+)/.exec(message)
  return m ? Number(m[1]) : undefined
}
