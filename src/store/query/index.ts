/** The query language: parse a query string, compile it to parameterized SQL for a dialect. */
export type { Query, Expr, Stage, Value, Agg } from './ast.js'
export { QueryError } from './errors.js'
export { parseQuery, MAX_ROWS } from './parser.js'
export { compileQuery, likePattern, type CompiledQuery, type CompileOptions, type OutputColumn, type Param } from './compile.js'
export { duckdb, type Dialect } from './dialect.js'
export { parseTime, parseRange, TimeRangeError, type TimeRange } from './time.js'
