/** A rule that cannot be compiled, with the line of the offending element. */
export class RuleError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message)
    this.name = 'RuleError'
  }
}
