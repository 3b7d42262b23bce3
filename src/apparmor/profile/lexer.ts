/**
 * The profile-language scanner. It follows the token boundaries of apparmor_parser's flex lexer
 * where they decide whether a file parses: `,` ends a rule only when followed by a separator (so
 * `/a,/b` is one path, as the kernel parser sees it), a word made only of permission letters stops
 * at `,` (`r,w` is two tokens), `#` starts a comment only at the start of a token (but `#include`
 * with no space is the legacy include, even glued to more letters), and words that
 * start with a letter stop at `=`, `(`, `)`, `<` and `>` (`flags=(complain)`, `set=(hup)`).
 */

export type TokenKind =
  | 'word'
  | 'string'
  | 'comma'
  | 'open'
  | 'close'
  | 'lparen'
  | 'rparen'
  | 'assign'
  | 'arrow'
  | 'le'
  | 'angle'
  | 'comment'
  | 'include'
  | 'bad'

export interface Token {
  readonly kind: TokenKind
  /** The token as written (a quoted string keeps its quotes; `angle` is the text inside `<>`). */
  readonly text: string
  readonly line: number
  readonly column: number
  /** True when a newline separates this token from the previous one (or it is the first). */
  readonly newline: boolean
  /** For `include`: written `#include`. */
  readonly hash?: boolean
}

const MODE_WORD = /^[RrWwaLlMmkXxIiPpCcUu]+$/
/** Keywords apparmor_parser's lexer ends before a variable glued to them. */
const GLUED_KEYWORD = /^(owner|other|audit|deny|allow|file)$/
/** A set variable at the start of a word, with what follows it. */
const LEADING_VAR = /^@(\{[A-Za-z][A-Za-z0-9_]*\}|[A-Za-z][A-Za-z0-9_]*)/
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v'
const isAlnumStart = (c: string): boolean => /[A-Za-z0-9_.\-+]/.test(c)

/** Unescapes a quoted word: `"a\"b"` → `a"b`. */
export function unquote(text: string): string {
  if (!(text.length >= 2 && text.startsWith('"') && text.endsWith('"'))) return text
  return text.slice(1, -1).replace(/\\(.)/g, '$1')
}

export function tokenize(text: string): Token[] {
  const out: Token[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  let newline = true
  let parenDepth = 0
  // In a variable's value (`@{pid}={[1-9],...}`) a `{` starts a word, not a block; until end of line.
  let inValue = false
  const push = (kind: TokenKind, start: number, end: number, extra?: { text?: string; hash?: boolean }): void => {
    const prev = out[out.length - 1]
    if (kind === 'assign' && prev?.kind === 'word' && /^[@$]/.test(prev.text)) inValue = true
    out.push({ kind, text: extra?.text ?? text.slice(start, end), line, column: start - lineStart + 1, newline, ...(extra?.hash ? { hash: true } : {}) })
    newline = false
  }
  while (i < text.length) {
    const c = text[i] as string
    if (c === '\n') {
      i++
      line++
      lineStart = i
      newline = true
      inValue = false
      continue
    }
    if (isSpace(c)) {
      i++
      continue
    }
    // A variable's value continues on the next line after a `\` at the end of the line.
    if (inValue && c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      i += text[i + 1] === '\r' ? 3 : 2
      line++
      lineStart = i
      continue
    }
    const start = i
    if (inValue && c !== '#' && c !== '"' && c !== ',' && c !== '!') {
      i = scanValue(text, i)
      push('word', start, i)
      continue
    }
    if (c === '#') {
      const inc = /^#include/.exec(text.slice(i, i + 64))
      if (inc) {
        i += inc[0].length
        push('include', start, i, { text: 'include', hash: true })
        continue
      }
      while (i < text.length && text[i] !== '\n') i++
      push('comment', start, i, { text: text.slice(start + 1, i).trimEnd() })
      continue
    }
    if (c === '"') {
      i++
      while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1
      if (text[i] !== '"') {
        push('bad', start, i, { text: 'unterminated quoted string' })
        continue
      }
      i++
      push('string', start, i)
      continue
    }
    if (c === ',') {
      i++
      push('comma', start, i)
      continue
    }
    if (c === '(' || c === ')') {
      parenDepth = Math.max(0, parenDepth + (c === '(' ? 1 : -1))
      i++
      push(c === '(' ? 'lparen' : 'rparen', start, i)
      continue
    }
    const two = text.slice(i, i + 2)
    if (two === '->') {
      i += 2
      push('arrow', start, i)
      continue
    }
    if (two === '+=' || two === '?=' || two === ':=') {
      i += 2
      push('assign', start, i)
      continue
    }
    if (c === '=') {
      i++
      push('assign', start, i)
      continue
    }
    if (two === '<=') {
      i += 2
      push('le', start, i)
      continue
    }
    if (c === '<') {
      const end = text.indexOf('>', i)
      const eol = text.indexOf('\n', i)
      if (end < 0 || (eol >= 0 && eol < end)) {
        i++
        push('bad', start, i, { text: "unterminated '<'" })
        continue
      }
      i = end + 1
      push('angle', start, i, { text: text.slice(start + 1, end).trim() })
      continue
    }
    // `{` opens a block, except in a variable's value or right after `=` or `->` (`member={a,b}`).
    if (c === '}' || (c === '{' && !inValue && !['assign', 'arrow'].includes(out[out.length - 1]?.kind ?? ''))) {
      i++
      push(c === '{' ? 'open' : 'close', start, i)
      continue
    }
    if (c === '!' || c === '>') {
      i++
      push('bad', start, i, { text: `unexpected character '${c}'` })
      continue
    }
    i = scanWord(text, i, parenDepth > 0)
    // After a leading variable apparmor_parser's lexer takes neither `=` nor `+` (`@{A}+/x`).
    const lead = LEADING_VAR.exec(text.slice(start, i))
    const after = lead ? text.slice(start, i)[lead[0].length] : undefined
    if (lead && (after === '+' || after === '=')) {
      push('bad', start, i, { text: `unexpected character '${after}' after ${lead[0]}` })
      continue
    }
    push('word', start, i)
  }
  return out
}

/** The end of a value word in a variable assignment: anything up to a blank, quote, `!` or a final `,`. */
function scanValue(text: string, start: number): number {
  let i = start
  while (i < text.length) {
    const c = text[i] as string
    if (isSpace(c) || c === '"' || c === '!') break
    if (c === '\\') {
      i += 2
      continue
    }
    if (c === ',' && (text[i + 1] === undefined || isSpace(text[i + 1]) || text[i + 1] === ',' || text[i + 1] === '"' || text[i + 1] === '!')) break
    i++
  }
  return Math.max(i, start + 1)
}

/** The end of the word starting at `start`: see the file comment for the boundaries. */
function scanWord(text: string, start: number, inParens: boolean): number {
  const first = text[start] as string
  const alpha = isAlnumStart(first) && first !== '.'
  // `@{NAME} =` and `${NAME} =`: stop the variable name before its assignment operator.
  const assign = /^[@$]\{?[A-Za-z][A-Za-z0-9_]*\}?(?=[ \t]*[+?:]?=)/.exec(text.slice(start, start + 80))
  if (assign) return start + assign[0].length
  let i = start
  let braces = 0
  let brackets = 0
  while (i < text.length) {
    const c = text[i] as string
    if (isSpace(c) || c === '"' || c === '!') break
    if (c === '\\') {
      i += 2
      continue
    }
    if (c === '[') brackets++
    else if (c === ']' && brackets > 0) brackets--
    else if (c === '{') braces++
    else if (c === '}') {
      if (braces > 0) braces--
      // A permission word ends at `}` (`r}`); other identifiers keep it, as flex's IDs do.
      else if (alpha && MODE_WORD.test(text.slice(start, i))) break
    } else if (c === ',') {
      const next = text[i + 1]
      // Like flex's `,{ID_CHARS}`: a comma joins the word only when a word character follows,
      // inside `{}` too (`{usr/,}` joins, `{a,,b}` does not).
      if (next === undefined || isSpace(next) || next === ',' || next === '"' || next === '!') break
      if (braces === 0 && brackets === 0) {
        if (inParens || next === '}') break
        if (MODE_WORD.test(text.slice(start, i))) break
      }
    } else if (c === ')' && inParens && braces === 0) break
    else if (alpha && (c === '=' || c === '(' || c === ')' || c === '<' || c === '>')) break
    // `owner@{HOME}/x`: a qualifier keyword, then a path (but `org.@{ORGS}.Bus` is one word).
    else if (c === '@' && text[i + 1] === '{' && GLUED_KEYWORD.test(text.slice(start, i))) break
    else if (c === '-' && text[i + 1] === '>' && i > start) break
    i++
  }
  return Math.max(i, start + 1)
}
