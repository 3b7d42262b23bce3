/**
 * The SQL that differs between stores. The compiler writes standard SQL (parameters, CASTs, ILIKE,
 * IS NOT TRUE, positional GROUP BY, subqueries) and asks the dialect only for these pieces; a
 * PostgreSQL dialect implements the same interface. Every argument here is a SQL fragment built by
 * the compiler from fixed identifiers and `$n` placeholders, never user text.
 */
export interface Dialect {
  /** A text value read from the JSON document column at a JSON path given as a parameter. */
  jsonText(doc: string, pathParam: string): string
  /** A JSON path for a dotted field name (the name is validated, the path is bound as a parameter). */
  jsonPath(field: string): string
  /** True when the list column contains the parameter. */
  listContains(col: string, param: string): string
  /** True when an element of the list column matches the LIKE pattern parameter. */
  listLike(col: string, param: string): string
  /** True when the list column is not empty. */
  listNotEmpty(col: string): string
  /** One row per element of a list column (in a select list). */
  unnest(col: string): string
  /**
   * The number of the time bucket of `spanMsParam` milliseconds containing `ts` (bucket n starts
   * at n × span after the epoch). Grouping on an integer is much cheaper than on computed times;
   * the store turns the few resulting numbers back into times.
   */
  timeBucket(spanMsParam: string, ts: string): string
  /** A number, or NULL when the text is not one. */
  toNumber(expr: string): string
  /** A timestamp from an ISO 8601 text parameter. */
  toTimestamp(param: string): string
  /** Plain-text tests, which engines run far faster than the equivalent LIKE patterns. */
  contains(expr: string, param: string): string
  containsIgnoreCase(expr: string, param: string): string
  startsWith(expr: string, param: string): string
  endsWith(expr: string, param: string): string
}

export const duckdb: Dialect = {
  jsonText: (doc, p) => `json_extract_string(${doc}, ${p})`,
  jsonPath: (field) => '$' + field.split('.').map((s) => `."${s}"`).join(''),
  listContains: (col, p) => `list_contains(${col}, ${p})`,
  listLike: (col, p) => `len(list_filter(${col}, x -> x LIKE ${p} ESCAPE '\\')) > 0`,
  listNotEmpty: (col) => `len(${col}) > 0`,
  unnest: (col) => `unnest(${col})`,
  timeBucket: (p, ts) => `epoch_ms(${ts}) // CAST(${p} AS BIGINT)`,
  toNumber: (e) => `TRY_CAST(${e} AS DOUBLE)`,
  toTimestamp: (p) => `CAST(${p} AS TIMESTAMP)`,
  contains: (e, p) => `contains(${e}, ${p})`,
  containsIgnoreCase: (e, p) => `contains(lower(${e}), lower(${p}))`,
  startsWith: (e, p) => `starts_with(${e}, ${p})`,
  endsWith: (e, p) => `ends_with(${e}, ${p})`,
}
