/**
 * OS_Match, Wazuh's "sregex" (src/os_regex/os_match*.c): alternatives separated by `|`, each a
 * plain case-insensitive substring, `^` anchoring it at the start and `$` at the end; a leading `!`
 * negates the whole pattern. It never backtracks, so it is linear in the input by construction.
 */
import { lowerOf } from './lower.js'

interface Alternative {
  readonly text: string
  readonly start: boolean
  readonly end: boolean
}

export class OsMatch {
  private readonly alternatives: readonly Alternative[]
  private readonly negate: boolean

  constructor(readonly source: string) {
    this.negate = source.startsWith('!')
    this.alternatives = (this.negate ? source.slice(1) : source).split('|').map((part) => {
      let text = part
      const start = text.startsWith('^')
      if (start) text = text.slice(1)
      const end = text.endsWith('$')
      if (end) text = text.slice(0, -1)
      return { text: text.toLowerCase(), start, end }
    })
  }

  /** Tests `input`; `lower` may pass `input.toLowerCase()` when the caller already has it. */
  test(input: string, lower: string = lowerOf(input)): boolean {
    return this.any(lower) !== this.negate
  }

  private any(lower: string): boolean {
    for (const a of this.alternatives) {
      if (a.start && a.end) {
        if (lower === a.text) return true
      } else if (a.start) {
        if (lower.startsWith(a.text)) return true
      } else if (a.end) {
        if (lower.endsWith(a.text)) return true
      } else if (lower.includes(a.text)) return true
    }
    return false
  }
}
