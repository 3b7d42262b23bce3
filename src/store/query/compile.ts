/**
 * Translates a parsed query into one parameterized SQL statement over the `alerts` table. Every
 * value, pattern, JSON path, number and time from the query is a bound parameter; the SQL text is
 * made only of fixed column names, generated aliases ("g0", "a0") and operators chosen by the
 * compiler. Field names are validated by the parser and resolved through the column table.
 */
import type { Agg, Expr, Query, SortKey, Stage, Value } from './ast.js'
import type { Dialect } from './dialect.js'
import { QueryError } from './errors.js'
import { MAX_ROWS } from './parser.js'
import { isoTime } from './time.js'
import { canonicalField, COLUMN_BY_FIELD, type ColumnType } from '../schema.js'

export type Param = string | number

export interface OutputColumn {
  /** The name shown to users (`data.audit.exe`, `count`, `time`). */
  readonly name: string
  /** The generated SQL alias. */
  readonly alias: string
  readonly role: 'group' | 'time' | 'agg'
}

export interface CompiledQuery {
  /** `search`: rows are alert documents (the `doc` column); `aggregate`: rows of `columns`. */
  readonly kind: 'search' | 'aggregate'
  readonly sql: string
  readonly params: readonly Param[]
  readonly columns: readonly OutputColumn[]
  /** For a timechart: the span; the `time` column holds bucket numbers, times are number × span. */
  readonly bucketMs?: number
  /** `| fields a, b`: the columns or document fields to keep, applied to the rows after the query. */
  readonly fields?: readonly string[]
}

export interface CompileOptions {
  /** Inclusive lower bound on the alert time (ISO 8601). */
  from?: string
  /** Exclusive upper bound on the alert time (ISO 8601). */
  to?: string
  /** Rows returned by a search without `| head` (default 100, at most MAX_ROWS). */
  limit?: number
}

/** A resolved field: a typed column, or a path into the JSON document. */
type Target = { kind: 'column'; sql: string; type: ColumnType } | { kind: 'json'; sql: string }

class Compiler {
  readonly params: Param[] = []
  constructor(private readonly d: Dialect) {}

  p(v: Param): string {
    this.params.push(v)
    return `$${this.params.length}`
  }

  target(field: string): Target {
    const canon = canonicalField(field)
    const col = COLUMN_BY_FIELD.get(canon)
    if (col) return { kind: 'column', sql: col.column, type: col.type }
    return { kind: 'json', sql: this.d.jsonText('doc', this.p(this.d.jsonPath(canon))) }
  }

  // ---- filter

  where(e: Expr): string {
    switch (e.type) {
      case 'all':
        return 'TRUE'
      case 'and':
        return `(${this.where(e.left)} AND ${this.where(e.right)})`
      case 'or':
        return `(${this.where(e.left)} OR ${this.where(e.right)})`
      case 'not':
        // IS NOT TRUE keeps alerts where the field is missing, as NOT does in Lucene-style search.
        return `((${this.where(e.expr)}) IS NOT TRUE)`
      case 'text':
        return this.freeText(e.value)
      case 'exists': {
        const t = this.target(e.field)
        if (t.kind === 'column' && t.type === 'list') return this.d.listNotEmpty(t.sql)
        return `${t.sql} IS NOT NULL`
      }
      case 'match':
        return this.match(e.field, e.value)
      case 'compare':
        return this.compare(e.field, e.op, e.value)
    }
  }

  private match(field: string, v: Value): string {
    const t = this.target(field)
    if (canonicalField(field) === 'full_log') return this.freeText(v)
    const wild = v.kind === 'wildcard'
    if (t.kind === 'json') {
      return wild ? this.like(t.sql, v.text) : `${t.sql} = ${this.p(v.text)}`
    }
    switch (t.type) {
      case 'list':
        return wild ? this.d.listLike(t.sql, this.p(likePattern(v.text))) : this.d.listContains(t.sql, this.p(v.text))
      case 'int':
        if (wild) return `CAST(${t.sql} AS VARCHAR) LIKE ${this.p(likePattern(v.text))} ESCAPE '\\'`
        return `${t.sql} = ${this.p(numberOf(field, v))}`
      case 'time':
        if (wild) throw new QueryError(`${field} takes a time, not a pattern`, v.pos)
        return `${t.sql} = ${this.d.toTimestamp(this.p(timeOf(v)))}`
      case 'text':
        return wild ? this.like(t.sql, v.text) : `${t.sql} = ${this.p(v.text)}`
    }
  }

  /** `full_log` contains the text, ignoring case; with wildcards, the pattern anywhere in it. */
  private freeText(v: Value): string {
    if (v.kind !== 'wildcard') return this.d.containsIgnoreCase('full_log', this.p(v.text))
    return `full_log ILIKE ${this.p(`%${likePattern(v.text)}%`)} ESCAPE '\\'`
  }

  /** A wildcard match; the common shapes `abc*`, `*abc`, `*abc*` avoid LIKE (several times faster). */
  private like(sql: string, pattern: string): string {
    const m = /^(\*?)([^*?]+)(\*?)$/.exec(pattern)
    if (m) {
      const [, lead, text, trail] = m as unknown as [string, string, string, string]
      if (lead && trail) return this.d.contains(sql, this.p(text))
      if (trail) return this.d.startsWith(sql, this.p(text))
      if (lead) return this.d.endsWith(sql, this.p(text))
    }
    return `${sql} LIKE ${this.p(likePattern(pattern))} ESCAPE '\\'`
  }

  private compare(field: string, op: string, v: Value): string {
    if (v.kind === 'wildcard') throw new QueryError(`a comparison takes a value, not a pattern`, v.pos)
    const t = this.target(field)
    if (t.kind === 'column' && t.type === 'list') throw new QueryError(`${field} is a list and cannot be compared`, v.pos)
    if (t.kind === 'column' && t.type === 'time') return `${t.sql} ${op} ${this.d.toTimestamp(this.p(timeOf(v)))}`
    if (t.kind === 'column' && t.type === 'int') return `${t.sql} ${op} ${this.p(numberOf(field, v))}`
    // Text: numeric order when the value is a number (rule.id >= 100700), else text order.
    const n = Number(v.text)
    if (v.text.trim() !== '' && Number.isFinite(n)) return `${this.d.toNumber(t.sql)} ${op} ${this.p(n)}`
    return `${t.sql} ${op} ${this.p(v.text)}`
  }

  // ---- aggregations

  /** The SQL expression of a field for a GROUP BY or an aggregate input; list fields are unnested. */
  valueExpr(field: string, pos: number, allowList: boolean): string {
    const t = this.target(field)
    if (t.kind === 'column' && t.type === 'list') {
      if (!allowList) throw new QueryError(`${field} is a list: group by it instead`, pos)
      return this.d.unnest(t.sql)
    }
    if (t.kind === 'column' && t.type === 'time') return `strftime(${t.sql}, '%Y-%m-%dT%H:%M:%S.%gZ')`
    return t.sql
  }

  aggregate(stage: Extract<Stage, { type: 'stats' | 'top' | 'timechart' }>, where: string): {
    sql: string
    columns: OutputColumn[]
    defaultOrder: string
  } {
    const inner: string[] = []
    const outer: string[] = []
    const groups: string[] = []
    const columns: OutputColumn[] = []
    if (stage.type === 'timechart') {
      inner.push(`${this.d.timeBucket(this.p(stage.spanSeconds * 1000), 'ts')} AS "t"`)
      outer.push(`"t"`)
      groups.push(`"t"`)
      columns.push({ name: 'time', alias: 't', role: 'time' })
    }
    stage.by.forEach((f, i) => {
      inner.push(`${this.valueExpr(f, stage.pos, true)} AS "g${i}"`)
      outer.push(`"g${i}"`)
      groups.push(`"g${i}"`)
      columns.push({ name: f, alias: `g${i}`, role: 'group' })
    })
    const aggs: readonly Agg[] = stage.type === 'top' ? [{ fn: 'count', name: 'count' }] : stage.aggs
    aggs.forEach((a, i) => {
      if (a.field !== undefined) inner.push(`${this.valueExpr(a.field, stage.pos, false)} AS "v${i}"`)
      outer.push(`${aggSql(a, `"v${i}"`, this.d)} AS "a${i}"`)
      columns.push({ name: a.name, alias: `a${i}`, role: 'agg' })
    })
    if (inner.length === 0) inner.push('1 AS "one"')
    // As in Splunk and OpenSearch, alerts without a value for a split field form no group.
    const present = stage.by.map((_, i) => `"g${i}" IS NOT NULL`)
    const having = present.length ? ` WHERE ${present.join(' AND ')}` : ''
    const groupBy = groups.length ? ` GROUP BY ${groups.join(', ')}` : ''
    const sql = `SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM alerts WHERE ${where}) AS s${having}${groupBy}`
    // Deterministic default order: time for charts, else the first aggregate descending.
    const defaultOrder =
      stage.type === 'timechart'
        ? ['"t" ASC', ...groups.slice(1).map((g) => `${g} ASC NULLS LAST`)].join(', ')
        : [`"a0" DESC`, ...groups.map((g) => `${g} ASC NULLS LAST`)].join(', ')
    return { sql, columns, defaultOrder }
  }
}

function aggSql(a: Agg, v: string, d: Dialect): string {
  switch (a.fn) {
    case 'count':
      return 'count(*)'
    case 'dc':
      return `count(DISTINCT ${v})`
    case 'min':
    case 'max':
      return `${a.fn}(${v})`
    case 'avg':
    case 'sum':
      return `${a.fn}(${d.toNumber(v)})`
  }
}

function numberOf(field: string, v: Value): number {
  const n = Number(v.text)
  if (v.text.trim() === '' || !Number.isFinite(n)) throw new QueryError(`${field} takes a number, not '${v.text}'`, v.pos)
  return n
}

function timeOf(v: Value): string {
  const iso = isoTime(v.text)
  if (iso === undefined) throw new QueryError(`'${v.text}' is not an ISO 8601 time`, v.pos)
  return iso
}

/** `*` and `?` become LIKE's `%` and `_`; LIKE's own metacharacters are escaped. */
export function likePattern(text: string): string {
  let out = ''
  for (const c of text) {
    if (c === '*') out += '%'
    else if (c === '?') out += '_'
    else if (c === '%' || c === '_' || c === '\\') out += '\\' + c
    else out += c
  }
  return out
}

function sortOrder(c: Compiler, keys: readonly SortKey[], columns: readonly OutputColumn[] | undefined): string {
  return keys
    .map((k) => {
      if (columns) {
        const col = columns.find((x) => x.name === k.name || canonicalField(x.name) === canonicalField(k.name))
        if (!col) {
          throw new QueryError(`unknown column '${k.name}' (columns: ${columns.map((x) => x.name).join(', ')})`, k.pos)
        }
        return `"${col.alias}" ${k.desc ? 'DESC' : 'ASC'} NULLS LAST`
      }
      if (k.name === 'count') throw new QueryError(`'count' exists only after stats or top`, k.pos)
      return `${c.valueExpr(k.name, k.pos, false)} ${k.desc ? 'DESC' : 'ASC'} NULLS LAST`
    })
    .join(', ')
}

export function compileQuery(q: Query, d: Dialect, opts: CompileOptions = {}): CompiledQuery {
  const c = new Compiler(d)
  const conds = [c.where(q.filter)]
  if (opts.from) conds.push(`ts >= ${d.toTimestamp(c.p(opts.from))}`)
  if (opts.to) conds.push(`ts < ${d.toTimestamp(c.p(opts.to))}`)
  const where = conds.join(' AND ')

  let agg: ReturnType<Compiler['aggregate']> | undefined
  let base = ''
  let order: string | undefined
  let limit: number | undefined
  let fields: string[] | undefined
  let dedup: string[] | undefined
  for (const s of q.stages) {
    switch (s.type) {
      case 'stats':
      case 'top':
      case 'timechart':
        if (agg || order !== undefined || limit !== undefined || fields || dedup) {
          throw new QueryError(`${s.type} must be the first command of the pipeline, and only one`, s.pos)
        }
        agg = c.aggregate(s, where)
        base = agg.sql
        if (s.type === 'top') limit = s.n
        break
      case 'sort':
        if (limit !== undefined) {
          // Sorting rows already cut by head/top: cut first in a subquery, then sort what is left.
          if (!agg) throw new QueryError('sort after head: put sort before head', s.pos)
          base = `SELECT * FROM (${base} ORDER BY ${order ?? agg.defaultOrder} LIMIT ${c.p(limit)}) AS w`
          limit = undefined
        }
        order = sortOrder(c, s.keys, agg?.columns)
        break
      case 'head':
        limit = Math.min(limit ?? MAX_ROWS, s.n)
        break
      case 'fields': {
        if (agg) {
          for (const n of s.names) {
            if (!agg.columns.some((x) => x.name === n)) throw new QueryError(`unknown column '${n}'`, s.pos)
          }
        }
        fields = [...s.names]
        break
      }
      case 'dedup':
        if (agg) throw new QueryError('dedup keeps whole alerts: it cannot follow stats, top or timechart', s.pos)
        if (limit !== undefined) throw new QueryError('dedup after head: put dedup before head', s.pos)
        dedup = s.by.map((f) => {
          if (COLUMN_BY_FIELD.get(canonicalField(f))?.type === 'list') throw new QueryError(`${f} is a list: dedup takes single-valued fields`, s.pos)
          return c.valueExpr(f, s.pos, false)
        })
        break
    }
  }

  if (agg) {
    const sql = `${base} ORDER BY ${order ?? agg.defaultOrder} LIMIT ${c.p(limit ?? MAX_ROWS)}`
    const chart = q.stages[0]?.type === 'timechart' ? { bucketMs: q.stages[0].spanSeconds * 1000 } : {}
    return { kind: 'aggregate', sql, params: c.params, columns: agg.columns, ...chart, ...(fields ? { fields } : {}) }
  }
  const n = limit ?? Math.min(Math.max(1, opts.limit ?? 100), MAX_ROWS)
  const searchOrder = `${order ? order + ', ' : ''}ts DESC, seq DESC`
  // dedup: the first alert in the search order for each combination of values; as in Splunk,
  // alerts without a value for one of the fields are left out.
  const from = dedup
    ? `(SELECT *, row_number() OVER (PARTITION BY ${dedup.join(', ')} ORDER BY ${searchOrder}) AS "rn"
        FROM alerts WHERE ${where} AND ${dedup.map((v) => `${v} IS NOT NULL`).join(' AND ')}) AS d WHERE "rn" = 1`
    : `alerts WHERE ${where}`
  const sql = `SELECT doc, full_log FROM ${from} ORDER BY ${searchOrder} LIMIT ${c.p(n)}`
  return { kind: 'search', sql, params: c.params, columns: [], ...(fields ? { fields } : {}) }
}
