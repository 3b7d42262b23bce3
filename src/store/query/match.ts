/**
 * Evaluates a parsed query filter against one alert document in memory, with the semantics of the
 * SQL the compiler writes (compile.ts): the live alert stream filters newly stored alerts with it,
 * one alert at a time, without a database round trip. A parity test runs the same queries both ways.
 * Validate the query with compileQuery first: a filter the compiler rejects simply matches nothing here.
 * Wildcards are matched by a linear scan, never by a regular expression built from user text.
 */
import { getPath, type AlertDoc } from '../alert.js'
import { canonicalField, COLUMN_BY_FIELD, columnValue } from '../schema.js'
import type { CompareOp, Expr, Value } from './ast.js'
import { isoTime } from './time.js'

/** A field's value as the SQL sees it: typed column values, or the JSON text of a document path. */
type Resolved = { kind: 'list'; items: readonly string[] } | { kind: 'int'; n: number | null } | { kind: 'time'; ms: number | null } | { kind: 'text'; s: string | null }

function resolve(field: string, doc: AlertDoc): Resolved {
  const canon = canonicalField(field)
  const col = COLUMN_BY_FIELD.get(canon)
  if (!col) return { kind: 'text', s: jsonText(getPath(doc, canon)) }
  const v = columnValue(col, doc)
  switch (col.type) {
    case 'list':
      return { kind: 'list', items: Array.isArray(v) ? (v as readonly string[]) : [] }
    case 'int':
      return { kind: 'int', n: typeof v === 'number' ? v : null }
    case 'time': {
      const ms = typeof v === 'string' ? Date.parse(v) : NaN
      return { kind: 'time', ms: Number.isNaN(ms) ? null : ms }
    }
    case 'text':
      return { kind: 'text', s: typeof v === 'string' ? v : null }
  }
}

/** json_extract_string: strings as they are, other scalars and objects as JSON text, null as NULL. */
function jsonText(v: unknown): string | null {
  if (v === undefined || v === null) return null
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** A number as TRY_CAST(text AS DOUBLE) reads it: decimal notation only, else null. */
function numeric(s: string | null): number | null {
  if (s === null || !/^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i.test(s)) return null
  return Number(s)
}

/**
 * Whether `text` matches the whole `*`/`?` pattern (LIKE semantics): greedy with one backtrack
 * point, O(text × pattern) at worst.
 */
export function globMatch(pattern: string, text: string): boolean {
  const p = [...pattern]
  const t = [...text]
  let i = 0
  let j = 0
  let star = -1
  let mark = 0
  while (i < t.length) {
    if (j < p.length && (p[j] === '?' || p[j] === t[i])) {
      i++
      j++
    } else if (j < p.length && p[j] === '*') {
      star = j++
      mark = i
    } else if (star >= 0) {
      j = star + 1
      i = ++mark
    } else return false
  }
  while (j < p.length && p[j] === '*') j++
  return j === p.length
}

function compareWith<T>(a: T, op: CompareOp, b: T): boolean {
  switch (op) {
    case '=':
      return a === b
    case '!=':
      return a !== b
    case '<':
      return a < b
    case '<=':
      return a <= b
    case '>':
      return a > b
    case '>=':
      return a >= b
  }
}

function timeMs(v: Value): number | null {
  const iso = isoTime(v.text)
  return iso === undefined ? null : Date.parse(iso)
}

/** The free-text test: full_log contains the text (or the wildcard pattern), ignoring case. */
function freeText(doc: AlertDoc, v: Value): boolean {
  const log = typeof doc.full_log === 'string' ? doc.full_log.toLowerCase() : null
  if (log === null) return false
  const text = v.text.toLowerCase()
  return v.kind === 'wildcard' ? globMatch(`*${text}*`, log) : log.includes(text)
}

function match(field: string, v: Value, doc: AlertDoc): boolean {
  if (canonicalField(field) === 'full_log') return freeText(doc, v)
  const r = resolve(field, doc)
  const wild = v.kind === 'wildcard'
  switch (r.kind) {
    case 'list':
      return wild ? r.items.some((x) => globMatch(v.text, x)) : r.items.includes(v.text)
    case 'int':
      if (r.n === null) return false
      return wild ? globMatch(v.text, String(r.n)) : r.n === numeric(v.text)
    case 'time':
      return r.ms !== null && r.ms === timeMs(v)
    case 'text':
      if (r.s === null) return false
      return wild ? globMatch(v.text, r.s) : r.s === v.text
  }
}

function compare(field: string, op: CompareOp, v: Value, doc: AlertDoc): boolean {
  const r = resolve(field, doc)
  switch (r.kind) {
    case 'list':
      return false
    case 'time': {
      const b = timeMs(v)
      return r.ms !== null && b !== null && compareWith(r.ms, op, b)
    }
    case 'int': {
      const b = numeric(v.text)
      return r.n !== null && b !== null && compareWith(r.n, op, b)
    }
    case 'text': {
      if (r.s === null) return false
      const b = numeric(v.text)
      if (b === null) return compareWith(r.s, op, v.text)
      const a = numeric(r.s)
      return a !== null && compareWith(a, op, b)
    }
  }
}

/** Whether the alert matches the filter. NOT of a test on a missing field is true, as in the SQL. */
export function matchesFilter(e: Expr, doc: AlertDoc): boolean {
  switch (e.type) {
    case 'all':
      return true
    case 'and':
      return matchesFilter(e.left, doc) && matchesFilter(e.right, doc)
    case 'or':
      return matchesFilter(e.left, doc) || matchesFilter(e.right, doc)
    case 'not':
      return !matchesFilter(e.expr, doc)
    case 'text':
      return freeText(doc, e.value)
    case 'exists': {
      const r = resolve(e.field, doc)
      if (r.kind === 'list') return r.items.length > 0
      return (r.kind === 'int' ? r.n : r.kind === 'time' ? r.ms : r.s) !== null
    }
    case 'match':
      return match(e.field, e.value, doc)
    case 'compare':
      return compare(e.field, e.op, e.value, doc)
  }
}
