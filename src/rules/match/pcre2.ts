/**
 * PCRE2 expressions (`type="pcre2"`) run on re2js, a linear-time engine. Wazuh compiles them with
 * no flags, so they are case-sensitive unless they say `(?i)`. Two PCRE idioms of the stock
 * ruleset are rewritten rather than rejected: lookaheads at the anchored start (`^(?!^$).*`,
 * `^(?=.*a)(?=.*x)`), which become separate anchored tests, and `(*UTF)` / `\N{U+hhhh}`. Other
 * features RE2 cannot run in linear time (backreferences, lookaround elsewhere, possessive or
 * atomic groups, recursion) are rejected at load time with the compiler's message.
 */
import { RE2JS } from 're2js'
import { PatternError, type RegexMatch } from './osregex.js'

interface Lookahead {
  readonly negate: boolean
  readonly re: RE2JS
}

function compile(source: string, original: string): RE2JS {
  try {
    return RE2JS.compile(source)
  } catch (e) {
    throw new PatternError(`pcre2 pattern "${original}" cannot run on a linear-time engine: ${(e as Error).message}`)
  }
}

/** Index just past the group opening at `start` (which must be `(`), honouring escapes and classes. */
function groupEnd(s: string, start: number): number {
  let depth = 0
  let inClass = false
  for (let i = start; i < s.length; i++) {
    const c = s[i]
    if (c === '\\') {
      i++
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      continue
    }
    if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')' && --depth === 0) return i + 1
  }
  return -1
}

export class Pcre2 {
  private readonly re: RE2JS
  private readonly lookaheads: Lookahead[] = []

  constructor(readonly source: string) {
    let s = source.replace(/^(\(\*(UTF8?|UCP|NO_START_OPT)\))+/, '').replace(/\\N\{U\+([0-9A-Fa-f]+)\}/g, '\\x{$1}')
    if (s.startsWith('^(?!') || s.startsWith('^(?=')) {
      let at = 1
      while (s.startsWith('(?!', at) || s.startsWith('(?=', at)) {
        const end = groupEnd(s, at)
        if (end < 0) break
        this.lookaheads.push({ negate: s[at + 2] === '!', re: compile('^(?:' + s.slice(at + 3, end - 1) + ')', source) })
        at = end
      }
      s = '^' + s.slice(at)
    }
    this.re = compile(s, source)
  }

  private lookaheadsHold(input: string): boolean {
    for (const l of this.lookaheads) if (l.re.test(input) === l.negate) return false
    return true
  }

  test(input: string): boolean {
    return this.lookaheadsHold(input) && this.re.test(input)
  }

  exec(input: string): RegexMatch | null {
    if (!this.lookaheadsHold(input)) return null
    const m = this.re.matcher(input)
    if (!m.find()) return null
    const captures: string[] = []
    for (let g = 1; g <= m.groupCount(); g++) captures.push(m.group(g) ?? '')
    return { end: m.end(), captures }
  }
}
