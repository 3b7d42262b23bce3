/**
 * Recursive-descent parser of the query language:
 *
 *   query    := [or] ('|' stage)*
 *   or       := and ('OR' and)*          and := not (['AND'] not)*   (adjacent terms mean AND)
 *   not      := 'NOT' not | '(' or ')' | field ':' values | field OP value | term
 *   values   := '*' | value | '(' value-or ')' | OP value        (`rule.level: >=10`)
 *
 * Keywords are upper case (`AND`, `OR`, `NOT`), as in Lucene; `and` is a term. Every error carries
 * the offset of the token at fault.
 */
import type { Agg, AggFn, CompareOp, Expr, Query, SortKey, Stage, Value } from './ast.js'
import { QueryError } from './errors.js'
import { tokenize, type Token } from './lexer.js'

const FIELD_RE = /^[A-Za-z_@][A-Za-z0-9_@-]*(\.[A-Za-z0-9_@-]+)*$/
const AGG_FNS: ReadonlySet<string> = new Set(['count', 'dc', 'min', 'max', 'avg', 'sum'])
const SPAN_RE = /^(\d+)(s|m|h|d|w)$/
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }
/** Upper bound of `head N`/`top N`, so that a query cannot ask for an unbounded result. */
export const MAX_ROWS = 10_000

/** Object internals are never field names (they would reach prototypes when rows are projected). */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype'])

export function isField(name: string): boolean {
  return FIELD_RE.test(name) && !name.split('.').some((s) => RESERVED.has(s))
}

function valueOf(tok: Token): Value {
  if (tok.type === 'string') return { kind: 'phrase', text: tok.text, pos: tok.pos }
  const wild = /[*?]/.test(tok.text)
  return { kind: wild ? 'wildcard' : 'term', text: tok.text, pos: tok.pos }
}

class Parser {
  private i = 0
  constructor(private readonly toks: readonly Token[]) {}

  private get peek(): Token {
    return this.toks[this.i] as Token
  }
  private next(): Token {
    return this.toks[this.i++] as Token
  }
  private isKeyword(word: string): boolean {
    return this.peek.type === 'word' && this.peek.text === word
  }
  private expect(type: Token['type'], what: string): Token {
    const t = this.peek
    if (t.type !== type) throw new QueryError(`expected ${what}, found ${describe(t)}`, t.pos)
    return this.next()
  }

  parse(): Query {
    const filter: Expr = this.peek.type === 'pipe' || this.peek.type === 'eof' ? { type: 'all' } : this.or()
    const stages: Stage[] = []
    while (this.peek.type === 'pipe') {
      this.next()
      stages.push(this.stage())
    }
    if (this.peek.type !== 'eof') throw new QueryError(`unexpected ${describe(this.peek)}`, this.peek.pos)
    return { filter, stages }
  }

  // ---- boolean filter

  private or(): Expr {
    let left = this.and()
    while (this.isKeyword('OR')) {
      this.next()
      left = { type: 'or', left, right: this.and() }
    }
    return left
  }

  private and(): Expr {
    let left = this.not()
    for (;;) {
      if (this.isKeyword('AND')) this.next()
      else if (!this.startsOperand()) return left
      left = { type: 'and', left, right: this.not() }
    }
  }

  private startsOperand(): boolean {
    const t = this.peek
    return t.type === 'lparen' || t.type === 'string' || (t.type === 'word' && t.text !== 'OR')
  }

  private not(): Expr {
    const t = this.peek
    if (this.isKeyword('NOT')) {
      this.next()
      return { type: 'not', expr: this.not() }
    }
    if (t.type === 'lparen') {
      this.next()
      const e = this.or()
      this.expect('rparen', "')'")
      return e
    }
    if (t.type === 'string') return { type: 'text', value: valueOf(this.next()) }
    if (t.type !== 'word' || t.text === 'AND' || t.text === 'OR') {
      throw new QueryError(`expected a search term, found ${describe(t)}`, t.pos)
    }
    this.next()
    const colon = t.text.indexOf(':')
    if (colon > 0 && isField(t.text.slice(0, colon))) {
      const field = t.text.slice(0, colon)
      const rest = t.text.slice(colon + 1)
      if (rest !== '') return this.fieldValue(field, t.pos, valueOf({ type: 'word', text: rest, pos: t.pos + colon + 1 }))
      return this.fieldValues(field, t.pos)
    }
    if (this.peek.type === 'op' && isField(t.text)) {
      const op = this.next().text as CompareOp
      return this.compare(t.text, op, t.pos, this.operandValue(op))
    }
    if (t.text === '*') return { type: 'all' }
    return { type: 'text', value: valueOf(t) }
  }

  private operandValue(after: string): Value {
    const v = this.peek
    if (v.type !== 'word' && v.type !== 'string') {
      throw new QueryError(`expected a value after '${after}', found ${describe(v)}`, v.pos)
    }
    return valueOf(this.next())
  }

  private compare(field: string, op: CompareOp, pos: number, value: Value): Expr {
    if (op === '=') return this.fieldValue(field, pos, value)
    if (op === '!=') return { type: 'not', expr: this.fieldValue(field, pos, value) }
    return { type: 'compare', field, op, value, pos }
  }

  /** `field: value` with one value already read. */
  private fieldValue(field: string, pos: number, value: Value): Expr {
    if (value.kind === 'wildcard' && value.text === '*') return { type: 'exists', field, pos }
    return { type: 'match', field, value, pos }
  }

  /** What follows `field:` and a space: a value, `*`, a comparison or a parenthesized group. */
  private fieldValues(field: string, pos: number): Expr {
    const t = this.peek
    if (t.type === 'op') {
      const op = this.next().text as CompareOp
      return this.compare(field, op, pos, this.operandValue(op))
    }
    if (t.type === 'lparen') {
      this.next()
      const e = this.valueOr(field, pos)
      this.expect('rparen', "')'")
      return e
    }
    return this.fieldValue(field, pos, this.operandValue(`${field}:`))
  }

  private valueOr(field: string, pos: number): Expr {
    let left = this.valueAnd(field, pos)
    while (this.isKeyword('OR')) {
      this.next()
      left = { type: 'or', left, right: this.valueAnd(field, pos) }
    }
    return left
  }

  private valueAnd(field: string, pos: number): Expr {
    let left = this.valueNot(field, pos)
    for (;;) {
      if (this.isKeyword('AND')) this.next()
      else if (!this.startsOperand()) return left
      left = { type: 'and', left, right: this.valueNot(field, pos) }
    }
  }

  private valueNot(field: string, pos: number): Expr {
    if (this.isKeyword('NOT')) {
      this.next()
      return { type: 'not', expr: this.valueNot(field, pos) }
    }
    if (this.peek.type === 'lparen') {
      this.next()
      const e = this.valueOr(field, pos)
      this.expect('rparen', "')'")
      return e
    }
    return this.fieldValue(field, pos, this.operandValue(`${field}:`))
  }

  // ---- pipeline

  private stage(): Stage {
    const t = this.expect('word', 'a command after |')
    switch (t.text) {
      case 'stats': {
        const aggs = this.aggs()
        return { type: 'stats', aggs, by: this.by(), pos: t.pos }
      }
      case 'top': {
        let n = 10
        if (this.peek.type === 'word' && /^\d+$/.test(this.peek.text)) n = this.count(this.next())
        return { type: 'top', n, by: this.fieldList(), pos: t.pos }
      }
      case 'timechart': {
        let spanSeconds = 3600
        if (this.isKeyword('span')) {
          this.next()
          const eq = this.expect('op', "'=' after span")
          if (eq.text !== '=') throw new QueryError("expected '=' after span", eq.pos)
          const v = this.expect('word', 'a span such as 1h')
          const m = SPAN_RE.exec(v.text)
          if (!m) throw new QueryError(`invalid span '${v.text}' (use 30s, 5m, 1h, 1d, 1w)`, v.pos)
          spanSeconds = Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number)
          if (spanSeconds <= 0) throw new QueryError('span must be positive', v.pos)
        }
        const aggs = this.peek.type === 'word' && this.peek.text !== 'by' ? this.aggs() : [countAgg]
        const by = this.by()
        if (by.length > 1) throw new QueryError('timechart splits by at most one field', t.pos)
        return { type: 'timechart', spanSeconds, aggs, by, pos: t.pos }
      }
      case 'sort':
        return { type: 'sort', keys: this.commaList(() => this.sortKey()), pos: t.pos }
      case 'head':
        return { type: 'head', n: this.count(this.expect('word', 'a number after head')), pos: t.pos }
      case 'fields':
        return { type: 'fields', names: this.fieldList(), pos: t.pos }
      case 'dedup':
        return { type: 'dedup', by: this.fieldList(), pos: t.pos }
      default:
        throw new QueryError(`unknown command '${t.text}' (use stats, top, timechart, sort, head, fields or dedup)`, t.pos)
    }
  }

  /** `a, b, ...`: one item at least. */
  private commaList<T>(item: () => T): T[] {
    const out = [item()]
    while (this.peek.type === 'comma') {
      this.next()
      out.push(item())
    }
    return out
  }

  private fieldList(): string[] {
    return this.commaList(() => this.field())
  }

  private count(t: Token): number {
    if (!/^\d+$/.test(t.text)) throw new QueryError(`expected a number, found ${describe(t)}`, t.pos)
    const n = Number(t.text)
    if (n < 1 || n > MAX_ROWS) throw new QueryError(`number must be between 1 and ${MAX_ROWS}`, t.pos)
    return n
  }

  private field(): string {
    const t = this.expect('word', 'a field name')
    if (!isField(t.text)) throw new QueryError(`invalid field name '${t.text}'`, t.pos)
    return t.text
  }

  private aggs(): Agg[] {
    return this.commaList(() => this.agg())
  }

  private agg(): Agg {
    const t = this.expect('word', 'an aggregation (count, dc(field), min, max, avg, sum)')
    if (!AGG_FNS.has(t.text)) throw new QueryError(`unknown aggregation '${t.text}'`, t.pos)
    const fn = t.text as AggFn
    if (fn === 'count' && this.peek.type !== 'lparen') return countAgg
    this.expect('lparen', `'(' after ${fn}`)
    if (fn === 'count' && this.peek.type === 'rparen') {
      this.next()
      return countAgg
    }
    const field = this.field()
    this.expect('rparen', "')'")
    return { fn, field, name: `${fn}(${field})` }
  }

  private by(): string[] {
    if (!this.isKeyword('by')) return []
    this.next()
    return this.fieldList()
  }

  private sortKey(): SortKey {
    const t = this.expect('word', 'a column to sort by')
    const desc = t.text.startsWith('-')
    const name = t.text.replace(/^[-+]/, '')
    if (name === '' ) throw new QueryError('expected a column name after the sign', t.pos)
    if (this.peek.type === 'lparen') {
      // `sort -dc(field)`: an aggregation's output name.
      this.next()
      const f = this.field()
      this.expect('rparen', "')'")
      return { name: `${name}(${f})`, desc, pos: t.pos }
    }
    if (!isField(name)) throw new QueryError(`invalid sort column '${name}'`, t.pos)
    return { name, desc, pos: t.pos }
  }
}

const countAgg: Agg = { fn: 'count', name: 'count' }

function describe(t: Token): string {
  return t.type === 'eof' ? 'end of query' : t.type === 'string' ? `"${t.text}"` : `'${t.text}'`
}

export function parseQuery(src: string): Query {
  return new Parser(tokenize(src)).parse()
}
