/**
 * aa-status's `--filter.*` expressions: POSIX basic regular expressions (regcomp without
 * REG_EXTENDED, glibc's GNU extensions included), matched anywhere in the text as regexec does.
 * They come from users, so they are translated to RE2 syntax and run on re2js, in linear time.
 */
import type { RE2JS } from 're2js'

/** A filter that could not be translated or compiled (aa-status: "failed to compile", exit 42). */
export class FilterSyntaxError extends Error {}

export interface Filter {
  test(text: string): boolean
}

/** The literal character `c` in RE2 syntax. */
const literal = (c: string): string => (/[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c)

/** GNU escapes that keep their meaning: `\+ \? \|` are operators in GNU BRE, `\w \s \b` classes. */
const ESCAPES: Record<string, string> = {
  '(': '(', ')': ')', '{': '{', '}': '}', '|': '|', '+': '+', '?': '?',
  w: '\\w', W: '\\W', s: '\\s', S: '\\S', b: '\\b', B: '\\B', '<': '\\b', '>': '\\b', '`': '^', "'": '$',
}

/** Copies a bracket expression starting at `p[i] === '['`; backslash is an ordinary character inside. */
function bracket(p: string, i: number): [string, number] {
  let j = i + 1
  let out = '['
  if (p[j] === '^') {
    out += '^'
    j++
  }
  if (p[j] === ']') {
    out += '\\]'
    j++
  }
  for (; j < p.length && p[j] !== ']'; j++) {
    const c = p[j] as string
    if (c === '[' && (p[j + 1] === ':' || p[j + 1] === '=' || p[j + 1] === '.')) {
      const close = p.indexOf(`${p[j + 1]}]`, j + 2)
      if (close < 0) throw new FilterSyntaxError('unterminated character class')
      if (p[j + 1] !== ':') throw new FilterSyntaxError('collating elements and equivalence classes are not supported')
      out += p.slice(j, close + 2)
      j = close + 1
    } else out += c === '\\' || c === '[' ? `\\${c}` : c
  }
  if (j >= p.length) throw new FilterSyntaxError('unmatched [')
  return [out + ']', j + 1]
}

/** Translates a POSIX BRE (with GNU extensions) to RE2 syntax. Back-references are refused: RE2 has none. */
export function breToRe2(p: string): string {
  let out = ''
  // Where `*` is literal and `^` an anchor: at the start, after `\(` and after `\|`.
  let atStart = true
  for (let i = 0; i < p.length; ) {
    const c = p[i] as string
    const start: boolean = atStart
    atStart = false
    if (c === '\\') {
      const n = p[i + 1]
      if (n === undefined) throw new FilterSyntaxError('trailing backslash')
      if (/[1-9]/.test(n)) throw new FilterSyntaxError('back-references are not supported')
      out += ESCAPES[n] ?? literal(n)
      atStart = n === '(' || n === '|'
      i += 2
    } else if (c === '[') {
      const [b, next] = bracket(p, i)
      out += b
      i = next
    } else {
      if (c === '*') out += start ? '\\*' : '*'
      else if (c === '^') {
        out += start ? '^' : '\\^'
        atStart = start
      } else if (c === '$') {
        const rest = p.slice(i + 1)
        out += rest === '' || rest.startsWith('\\)') || rest.startsWith('\\|') ? '$' : '\\$'
      } else if (c === '.') out += '.'
      else out += literal(c)
      i++
    }
  }
  return out
}

let engine: typeof RE2JS | undefined

/**
 * Compiles a filter. re2js is loaded on first use: the status module is also part of the agent,
 * which never filters and should not pay for its tables.
 */
export async function compileFilter(pattern: string): Promise<Filter> {
  // The default of every filter matches everything: no engine needed.
  if (pattern === '.*' || pattern === '') return { test: () => true }
  engine ??= (await import('re2js')).RE2JS
  const re2 = breToRe2(pattern)
  try {
    // DOTALL: without REG_NEWLINE, `.` matches a newline too.
    const re = engine.compile(re2, engine.DOTALL)
    return { test: (text) => re.test(text) }
  } catch (e) {
    throw new FilterSyntaxError(e instanceof Error ? e.message : String(e))
  }
}
