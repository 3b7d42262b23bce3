/** The parsed query: a boolean filter over alerts and a pipeline of stages after it. */

/** A value as written: a bare term, a quoted phrase, or a term with `*`/`?` wildcards. */
export interface Value {
  readonly kind: 'term' | 'phrase' | 'wildcard'
  readonly text: string
  readonly pos: number
}

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>='

export type Expr =
  | { readonly type: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly type: 'not'; readonly expr: Expr }
  | { readonly type: 'match'; readonly field: string; readonly value: Value; readonly pos: number }
  | { readonly type: 'compare'; readonly field: string; readonly op: CompareOp; readonly value: Value; readonly pos: number }
  | { readonly type: 'exists'; readonly field: string; readonly pos: number }
  | { readonly type: 'text'; readonly value: Value }
  | { readonly type: 'all' }

export type AggFn = 'count' | 'dc' | 'min' | 'max' | 'avg' | 'sum'

export interface Agg {
  readonly fn: AggFn
  /** Absent for `count`. */
  readonly field?: string
  /** The output column name: `count`, `dc(data.audit.exe)`. */
  readonly name: string
}

export interface SortKey {
  readonly name: string
  readonly desc: boolean
  readonly pos: number
}

export type Stage =
  | { readonly type: 'stats'; readonly aggs: readonly Agg[]; readonly by: readonly string[]; readonly pos: number }
  | { readonly type: 'top'; readonly n: number; readonly by: readonly string[]; readonly pos: number }
  | {
      readonly type: 'timechart'
      readonly spanSeconds: number
      readonly aggs: readonly Agg[]
      readonly by: readonly string[]
      readonly pos: number
    }
  | { readonly type: 'sort'; readonly keys: readonly SortKey[]; readonly pos: number }
  | { readonly type: 'head'; readonly n: number; readonly pos: number }
  | { readonly type: 'fields'; readonly names: readonly string[]; readonly pos: number }
  | { readonly type: 'dedup'; readonly by: readonly string[]; readonly pos: number }

export interface Query {
  readonly filter: Expr
  readonly stages: readonly Stage[]
}
