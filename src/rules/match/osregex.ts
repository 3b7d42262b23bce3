/**
 * OS_Regex, Wazuh's own regular expressions (src/os_regex/os_regex*.c): case-insensitive, `\w \d \s
 * \p \.` classes with `+`/`*` only after a class, `( )` captures, `^`/`$`, and `|` separating whole
 * alternatives that are tried in order (the first one that matches anywhere wins).
 *
 * Each alternative is translated to an RE2 program (re2js), which runs in time linear in the input.
 * Wazuh's matcher advances to the next token as soon as it matches (a lazy walk with a few saved
 * retry points), so quantifiers are translated lazy, except a trailing one, which Wazuh runs to the
 * end of the class (greedy). Alternatives that are plain text run as substring tests.
 */
import { RE2JS } from 're2js'

export class PatternError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PatternError'
  }
}

/** The result of a successful match: where it ended in the input and the captured groups. */
export interface RegexMatch {
  readonly end: number
  readonly captures: readonly string[]
}

const CLASSES: Record<string, string> = {
  w: '[A-Za-z0-9@_\\-]',
  W: '[^A-Za-z0-9@_\\-]',
  d: '[0-9]',
  D: '[^0-9]',
  s: ' ',
  S: '[^ ]',
  p: '[()*+,\\-.:;<=>?\\[\\]!"\'#$%&|{}]',
  t: '\\t',
  '.': '(?s:.)',
}
const LITERAL_ESCAPES = new Set(['$', '(', ')', '\\', '|', '<', '>', '^', '*', '+', '[', ']', '{', '}', '?', '/', '-', ':', ' '])

function quote(ch: string): string {
  return /[\\^$.|?*+()[\]{}]/.test(ch) ? '\\' + ch : ch
}

interface Compiled {
  /** The alternative as plain lower-case text, when it has no class, quantifier or group. */
  readonly literal?: { text: string; start: boolean; end: boolean }
  readonly re?: RE2JS
  /**
   * The longest run of literal characters (lower case) the alternative requires: an input
   * without it cannot match, which a substring test tells far cheaper than the regex engine.
   */
  readonly required?: string
}

function translate(alt: string): { source: string; literal: string | null; required: string; start: boolean; end: boolean } {
  let body = alt
  const start = body.startsWith('^')
  if (start) body = body.slice(1)
  let end = false
  if (body.endsWith('$') && !body.endsWith('\\$')) {
    end = true
    body = body.slice(0, -1)
  }
  // Tokens: class (with optional quantifier), literal char, group open/close.
  type Tok = { kind: 'class' | 'lit' | 'open' | 'close'; text: string; quant?: string }
  const toks: Tok[] = []
  let depth = 0
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string
    if (ch === '\\') {
      const next = body[i + 1]
      if (next === undefined) throw new PatternError(`trailing backslash in "${alt}"`)
      i++
      const cls = CLASSES[next]
      if (cls !== undefined) {
        const q = body[i + 1]
        if (q === '+' || q === '*') {
          i++
          toks.push({ kind: 'class', text: cls, quant: q })
        } else toks.push({ kind: 'class', text: cls })
      } else if (LITERAL_ESCAPES.has(next) || !/[A-Za-z0-9]/.test(next)) {
        toks.push({ kind: 'lit', text: next })
      } else throw new PatternError(`invalid escape "\\${next}" in "${alt}"`)
    } else if (ch === '(') {
      depth++
      toks.push({ kind: 'open', text: '(' })
    } else if (ch === ')') {
      if (depth === 0) throw new PatternError(`unbalanced ")" in "${alt}"`)
      depth--
      toks.push({ kind: 'close', text: ')' })
    } else toks.push({ kind: 'lit', text: ch })
  }
  if (depth !== 0) throw new PatternError(`unbalanced "(" in "${alt}"`)
  const plain = toks.every((t) => t.kind === 'lit')
  // Every literal token is mandatory (OS_Regex has no optional literals), group marks aside.
  let required = ''
  let run = ''
  for (const t of toks) {
    if (t.kind === 'lit') run += t.text
    else if (t.kind === 'class') {
      if (run.length > required.length) required = run
      run = ''
    }
  }
  if (run.length > required.length) required = run
  let source = ''
  toks.forEach((t, idx) => {
    if (t.kind === 'lit') source += quote(t.text)
    else if (t.kind === 'open') source += '('
    else if (t.kind === 'close') source += ')'
    else {
      source += t.text
      if (t.quant !== undefined) {
        const trailing = toks.slice(idx + 1).every((n) => n.kind === 'close')
        source += t.quant + (trailing ? '' : '?')
      }
    }
  })
  return {
    source: (start ? '^' : '') + source + (end ? '$' : ''),
    literal: plain ? toks.map((t) => t.text).join('').toLowerCase() : null,
    required: required.toLowerCase(),
    start,
    end,
  }
}

export class OsRegex {
  private readonly alternatives: readonly Compiled[]
  /** Number of capture groups of the first alternative (decoders map them through `<order>`). */
  readonly groups: number

  constructor(readonly source: string) {
    const parts = splitAlternatives(source)
    let groups = 0
    this.alternatives = parts.map((alt, i) => {
      const t = translate(alt)
      if (t.literal !== null) {
        return { literal: { text: t.literal, start: t.start, end: t.end } }
      }
      let re: RE2JS
      try {
        re = RE2JS.compile(t.source, RE2JS.CASE_INSENSITIVE)
      } catch (e) {
        throw new PatternError(`cannot compile "${alt}": ${(e as Error).message}`)
      }
      if (i === 0) groups = re.groupCount()
      return t.required.length >= 2 ? { re, required: t.required } : { re }
    })
    this.groups = groups
  }

  test(input: string, lower?: string): boolean {
    for (const a of this.alternatives) {
      if (a.literal !== undefined) {
        if (literalIndex(a.literal, lower ?? (lower = input.toLowerCase())) >= 0) return true
      } else if (a.re !== undefined) {
        if (a.required !== undefined && !(lower ?? (lower = input.toLowerCase())).includes(a.required)) continue
        if (a.re.test(input)) return true
      }
    }
    return false
  }

  /** Runs the expression, returning the match end and captures, or null. */
  exec(input: string): RegexMatch | null {
    let lower: string | undefined
    for (const a of this.alternatives) {
      if (a.literal !== undefined) {
        const at = literalIndex(a.literal, lower ?? (lower = input.toLowerCase()))
        if (at >= 0) return { end: at + a.literal.text.length, captures: [] }
      } else if (a.re !== undefined) {
        if (a.required !== undefined && !(lower ?? (lower = input.toLowerCase())).includes(a.required)) continue
        const m = a.re.matcher(input)
        if (m.find()) {
          const captures: string[] = []
          for (let g = 1; g <= m.groupCount(); g++) captures.push(m.group(g) ?? '')
          return { end: m.end(), captures }
        }
      }
    }
    return null
  }
}

function literalIndex(lit: { text: string; start: boolean; end: boolean }, lower: string): number {
  if (lit.start && lit.end) return lower === lit.text ? 0 : -1
  if (lit.start) return lower.startsWith(lit.text) ? 0 : -1
  if (lit.end) return lower.endsWith(lit.text) ? lower.length - lit.text.length : -1
  return lower.indexOf(lit.text)
}

/** Splits on `|` not escaped by a backslash. */
function splitAlternatives(source: string): string[] {
  const out: string[] = []
  let cur = ''
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] as string
    if (ch === '\\' && i + 1 < source.length) {
      cur += ch + source[i + 1]
      i++
    } else if (ch === '|') {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  out.push(cur)
  return out
}
