/** A query that cannot be parsed or compiled, with the 0-based offset and 1-based column of the fault. */
export class QueryError extends Error {
  readonly column: number
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at column ${position + 1}`)
    this.name = 'QueryError'
    this.column = position + 1
  }
}
