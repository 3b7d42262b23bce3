/**
 * OS_Regex, Wazuh's own regular expressions (src/os_regex/os_regex*.c): case-insensitive, `\w \d \s
 * \p \.` classes with `+`/`*` only after a class, `( )` captures, `^`/`$`, and `|` separating whole
 * alternatives that are tried in order (the first one that matches anywhere wins).
 *
 * Implemented natively and in linear time: an alternative that is plain text runs as a substring
 * test; any other runs on a Pike VM over its tokens (osregex-vm.ts), after a prefilter on the
 * longest literal it requires.
 */
import { OsRegexVm, type Token } from './osregex-vm.js'
import { lowerOf } from './lower.js'

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

const isDigit = (c: number) => c >= 48 && c <= 57
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
const isWord = (c: number) => isAlpha(c) || isDigit(c) || c === 45 /* - */ || c === 64 /* @ */ || c === 95 /* _ */
const PUNCT = new Set([...'()*+,-.:;<=>?[]!"\'#$%&|{}'].map((ch) => ch.charCodeAt(0)))

const CLASSES: Record<string, (c: number) => boolean> = {
  w: isWord,
  W: (c) => !isWord(c),
  d: isDigit,
  D: (c) => !isDigit(c),
  s: (c) => c === 32,
  S: (c) => c !== 32,
  p: (c) => PUNCT.has(c),
  t: (c) => c === 9,
  '.': () => true,
}

interface Alternative {
  /** The alternative as plain lower-case text, when it has no class, quantifier or group. */
  readonly literal?: { text: string; start: boolean; end: boolean }
  readonly vm?: OsRegexVm
  /** The longest run of literal text (lower case) the alternative requires, for prefiltering. */
  readonly required?: string
}

function compileAlternative(alt: string): Alternative {
  let body = alt
  const start = body.startsWith('^')
  if (start) body = body.slice(1)
  let end = false
  if (body.endsWith('$') && !body.endsWith('\\$')) {
    end = true
    body = body.slice(0, -1)
  }
  const toks: Token[] = []
  const lit = (ch: string) => {
    const lower = ch.toLowerCase()
    const upper = ch.toUpperCase()
    toks.push({ kind: 'char', lower: lower.length === 1 ? lower.charCodeAt(0) : ch.charCodeAt(0), upper: upper.length === 1 ? upper.charCodeAt(0) : ch.charCodeAt(0) })
  }
  let group = 0
  let depth = 0
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string
    if (ch === '\\') {
      const next = body[i + 1]
      if (next === undefined) throw new PatternError(`trailing backslash in "${alt}"`)
      i++
      const test = CLASSES[next]
      if (test !== undefined) {
        const q = body[i + 1]
        const quant = q === '+' || q === '*' ? q : ''
        if (quant !== '') i++
        toks.push({ kind: 'class', test, quant, greedy: false })
      } else if (/[A-Za-z0-9]/.test(next)) throw new PatternError(`invalid escape "\\${next}" in "${alt}"`)
      else lit(next)
    } else if (ch === '(') {
      depth++
      toks.push({ kind: 'open', group: group++ })
    } else if (ch === ')') {
      if (depth === 0) throw new PatternError(`unbalanced ")" in "${alt}"`)
      depth--
      // Close the innermost open group.
      let open = -1
      let balance = 0
      for (let j = toks.length - 1; j >= 0; j--) {
        const t = toks[j] as Token
        if (t.kind === 'close') balance++
        else if (t.kind === 'open' && balance-- === 0) {
          open = t.group
          break
        }
      }
      toks.push({ kind: 'close', group: open })
    } else lit(ch)
  }
  if (depth !== 0) throw new PatternError(`unbalanced "(" in "${alt}"`)
  // A quantifier followed only by group ends runs to the end of its class (greedy).
  for (let j = toks.length - 1; j >= 0; j--) {
    const t = toks[j] as Token
    if (t.kind === 'close') continue
    if (t.kind === 'class' && t.quant !== '') toks[j] = { ...t, greedy: true }
    break
  }
  const chars = (ts: readonly Token[]) => ts.map((t) => (t.kind === 'char' ? String.fromCharCode(t.lower) : '')).join('')
  if (toks.every((t) => t.kind === 'char')) return { literal: { text: chars(toks), start, end } }
  // Every literal character is mandatory (OS_Regex has no optional literals); group marks aside.
  let required = ''
  let run: Token[] = []
  for (const t of [...toks, null]) {
    if (t !== null && t.kind === 'char') run.push(t)
    else if (t === null || t.kind === 'class') {
      if (run.length > required.length) required = chars(run)
      run = []
    }
  }
  const vm = new OsRegexVm(toks, start, end)
  return required.length >= 2 ? { vm, required } : { vm }
}

export class OsRegex {
  private readonly alternatives: readonly Alternative[]
  /** Number of capture groups of the first alternative (decoders map them through `<order>`). */
  readonly groups: number

  constructor(readonly source: string) {
    this.alternatives = splitAlternatives(source).map(compileAlternative)
    this.groups = this.alternatives[0]?.vm?.groupCount ?? 0
  }

  test(input: string, lower?: string): boolean {
    lower ??= lowerOf(input)
    for (const a of this.alternatives) {
      if (a.literal !== undefined) {
        if (literalIndex(a.literal, lower) >= 0) return true
      } else if (a.vm !== undefined) {
        if (a.required !== undefined && !lower.includes(a.required)) continue
        if (a.vm.test(input)) return true
      }
    }
    return false
  }

  /** Runs the expression, returning the match end and captures, or null. */
  exec(input: string): RegexMatch | null {
    const lower = lowerOf(input)
    for (const a of this.alternatives) {
      if (a.literal !== undefined) {
        const at = literalIndex(a.literal, lower)
        if (at >= 0) return { end: at + a.literal.text.length, captures: [] }
      } else if (a.vm !== undefined) {
        if (a.required !== undefined && !lower.includes(a.required)) continue
        // Most decoder prematches fail: reject with the allocation-free automaton first.
        if (!a.vm.test(input)) continue
        const m = a.vm.exec(input)
        if (m !== null) {
          const captures: string[] = []
          for (let g = 0; g < a.vm.groupCount; g++) {
            const s = m.caps[2 * g] as number
            const e = m.caps[2 * g + 1] as number
            captures.push(s >= 0 && e >= s ? input.slice(s, e) : '')
          }
          return { end: m.end, captures }
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
