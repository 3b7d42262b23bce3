/**
 * PCRE2 expressions (`type="pcre2"`) run on re2js, a linear-time engine. Wazuh compiles them with
 * no flags, so they are case-sensitive unless they say `(?i)`. PCRE features RE2 cannot run in
 * linear time (backreferences, lookahead, possessive or atomic groups, recursion) are rejected at
 * load time with the compiler's message.
 */
import { RE2JS } from 're2js'
import { PatternError, type RegexMatch } from './osregex.js'

export class Pcre2 {
  private readonly re: RE2JS

  constructor(readonly source: string) {
    try {
      this.re = RE2JS.compile(source)
    } catch (e) {
      throw new PatternError(`pcre2 pattern "${source}" cannot run on a linear-time engine: ${(e as Error).message}`)
    }
  }

  test(input: string): boolean {
    return this.re.test(input)
  }

  exec(input: string): RegexMatch | null {
    const m = this.re.matcher(input)
    if (!m.find()) return null
    const captures: string[] = []
    for (let g = 1; g <= m.groupCount(); g++) captures.push(m.group(g) ?? '')
    return { end: m.end(), captures }
  }
}
