/** Turns driver rows into JSON-ready values and applies `| fields` projections. */
import { getPath } from './alert.js'

/** BigInt counts become numbers, dates ISO strings; everything else is kept. */
export function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v)
  if (v instanceof Date) return v.toISOString()
  if (Array.isArray(v)) return v.map(plain)
  return v
}

/** Keeps only the given dotted fields of a document, as a flat `{field: value}` row. */
export function projectDoc(doc: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of fields) {
    const direct = getPath(doc, f)
    out[f] = direct !== undefined ? direct : (getPath(doc, `data.${f}`) ?? null)
  }
  return out
}

export function projectRow(row: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of fields) out[f] = row[f] ?? null
  return out
}
