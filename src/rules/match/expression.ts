/**
 * A rule or decoder expression as Wazuh's `w_expression` (src/shared/expression.c): one of the
 * pattern languages, optionally negated. `string` is the exact, case-sensitive comparison used by
 * `<action>`.
 */
import { OsMatch } from './osmatch.js'
import { OsRegex, PatternError, type RegexMatch } from './osregex.js'
import { Pcre2 } from './pcre2.js'

export type ExpressionType = 'osmatch' | 'osregex' | 'pcre2' | 'string'

export const EXPRESSION_TYPES: readonly ExpressionType[] = ['osmatch', 'osregex', 'pcre2', 'string']

export class Expression {
  private readonly osmatch?: OsMatch
  private readonly regex?: OsRegex | Pcre2

  constructor(
    readonly type: ExpressionType,
    readonly source: string,
    readonly negate = false,
  ) {
    if (type === 'osmatch') this.osmatch = new OsMatch(source)
    else if (type === 'osregex') this.regex = new OsRegex(source)
    else if (type === 'pcre2') this.regex = new Pcre2(source)
  }

  /** True when the expression (after negation) accepts `input`. */
  test(input: string): boolean {
    let ok: boolean
    if (this.osmatch !== undefined) ok = this.osmatch.test(input)
    else if (this.regex !== undefined) ok = this.regex.test(input)
    else ok = input === this.source
    return ok !== this.negate
  }

  /** Runs a capturing expression (decoder `prematch`/`regex`); negation is not applied here. */
  exec(input: string): RegexMatch | null {
    if (this.regex !== undefined) return this.regex.exec(input)
    if (this.osmatch !== undefined) return this.osmatch.test(input) ? { end: input.length, captures: [] } : null
    return input === this.source ? { end: input.length, captures: [] } : null
  }
}

export { PatternError }
