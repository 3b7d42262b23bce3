/**
 * Tokenizer of the query language: one pass over the text, each token with its offset.
 * A word runs until whitespace or one of `( ) " | , < > = !`; so `/usr/*`, `rule.id:100701` and
 * `-count` are single words, and the parser splits `field:value` itself.
 */
import { QueryError } from './errors.js'

export type TokenType = 'word' | 'string' | 'lparen' | 'rparen' | 'pipe' | 'comma' | 'op' | 'eof'

export interface Token {
  readonly type: TokenType
  /** The word, the unescaped string, the operator, or the punctuation itself. */
  readonly text: string
  readonly pos: number
}

const PUNCT: Record<string, TokenType> = { '(': 'lparen', ')': 'rparen', '|': 'pipe', ',': 'comma' }
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r'
const isWordChar = (c: string): boolean => !isSpace(c) && !'()"|,<>=!'.includes(c)

export function tokenize(src: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i] as string
    if (isSpace(c)) {
      i++
      continue
    }
    const punct = PUNCT[c]
    if (punct) {
      out.push({ type: punct, text: c, pos: i++ })
      continue
    }
    if (c === '"') {
      const start = i++
      let text = ''
      for (;;) {
        if (i >= src.length) throw new QueryError('unterminated quoted string', start)
        const d = src[i] as string
        if (d === '"') break
        if (d === '\\' && i + 1 < src.length) {
          text += src[i + 1]
          i += 2
          continue
        }
        text += d
        i++
      }
      i++
      out.push({ type: 'string', text, pos: start })
      continue
    }
    if ('<>=!'.includes(c)) {
      const two = src.slice(i, i + 2)
      const op = two === '>=' || two === '<=' || two === '!=' ? two : c
      if (op === '!') throw new QueryError("'!' must be followed by '='", i)
      out.push({ type: 'op', text: op, pos: i })
      i += op.length
      continue
    }
    const start = i
    while (i < src.length && isWordChar(src[i] as string)) i++
    out.push({ type: 'word', text: src.slice(start, i), pos: start })
  }
  out.push({ type: 'eof', text: '', pos: src.length })
  return out
}
