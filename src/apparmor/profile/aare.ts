/**
 * AARE, AppArmor's glob language: `*` (within one path component), `**` (across components), `?`,
 * `[...]`, `{a,b}` (nestable, may be empty), `\` escapes, and `@{var}` (expanded beforehand).
 * A pattern compiles to an RE2 expression (re2js), so matching is linear in the path length
 * whatever the profile says.
 */
import { RE2JS } from 're2js'

/** Checks grouping; returns apparmor_parser's message for unbalanced `{}`/`[]`, or undefined. */
export function checkAare(pattern: string): string | undefined {
  // Per open `{`, how many `,` it has seen: a group needs at least two alternatives.
  const commas: number[] = []
  let inClass = false
  // Inside a class: the last character, and whether it ended a range (`a-z`).
  let last: string | undefined
  let rangeEnd = false
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    if (c === '\\') {
      i++
      if (inClass) {
        last = pattern[i]
        rangeEnd = false
      }
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      else if (c === '-' && last !== undefined && pattern[i + 1] !== undefined && pattern[i + 1] !== ']') {
        const hi = pattern[i + 1] === '\\' ? pattern[i + 2] : pattern[i + 1]
        if (rangeEnd || hi === undefined) return `Regex grouping error: invalid range in character class of '${pattern}'`
        i += pattern[i + 1] === '\\' ? 2 : 1
        last = hi
        rangeEnd = true
      } else {
        last = c
        rangeEnd = false
      }
      continue
    }
    if (c === '@') {
      // A variable reference, not a group.
      const ref = /^@\{[A-Za-z][A-Za-z0-9_]*\}/.exec(pattern.slice(i))
      if (ref) {
        i += ref[0].length - 1
        continue
      }
    }
    if (c === ']') return 'Regex grouping error: Invalid close ], no matching open [ detected'
    if (c === '[') {
      inClass = true
      last = undefined
      rangeEnd = false
      // `[]...]` and `[^]...]` take a leading ']' literally.
      if (pattern[i + 1] === '^') i++
      if (pattern[i + 1] === ']') {
        i++
        last = ']'
      }
    } else if (c === '{') commas.push(0)
    else if (c === ',' && commas.length > 0) commas[commas.length - 1]++
    else if (c === '}') {
      const n = commas.pop()
      if (n === undefined) return 'Regex grouping error: Invalid close }, no matching open {'
      if (n === 0) return 'Regex grouping error: Invalid number of items between {}'
    }
  }
  const braces = commas.length
  if (inClass) return 'Regex grouping error: Unclosed grouping or character class, expecting close ]'
  if (braces > 0) return 'Regex grouping error: Unclosed grouping or character class, expecting close }'
  return undefined
}

const REGEX_SPECIAL = /[\\^$.|?*+()[\]{}]/g
const escapeRe = (s: string): string => s.replace(REGEX_SPECIAL, '\\$&')

/** Translates one AARE (no variables left) into RE2 syntax. */
export function aareToRegex(pattern: string): string {
  let out = ''
  let depth = 0
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    const prevSlash = i === 0 || pattern[i - 1] === '/'
    switch (c) {
      case '\\': {
        const n = pattern[i + 1]
        if (n !== undefined) out += escapeRe(n)
        i++
        break
      }
      case '*':
        if (pattern[i + 1] === '*') {
          while (pattern[i + 1] === '*') i++
          // After a '/', a glob must match at least one character: `/dir/**` is not `/dir/`.
          out += prevSlash && pattern[i + 1] === undefined ? '[^/\\x00][^\\x00]*' : '[^\\x00]*'
        } else out += prevSlash && (pattern[i + 1] === undefined || pattern[i + 1] === '/') ? '[^/\\x00]+' : '[^/\\x00]*'
        break
      case '?':
        out += '[^/\\x00]'
        break
      case '[': {
        let j = i + 1
        let cls = '['
        if (pattern[j] === '^') {
          cls += '^'
          j++
        }
        if (pattern[j] === ']') {
          cls += '\\]'
          j++
        }
        for (; j < pattern.length && pattern[j] !== ']'; j++) {
          const d = pattern[j] as string
          if (d === '\\' && j + 1 < pattern.length) {
            cls += escapeRe(pattern[++j] as string)
          } else cls += d === '-' ? '-' : escapeRe(d)
        }
        out += cls + ']'
        i = j
        break
      }
      case '{':
        depth++
        out += '(?:'
        break
      case '}':
        if (depth > 0) {
          depth--
          out += ')'
        } else out += '\\}'
        break
      case ',':
        out += depth > 0 ? '|' : ','
        break
      default:
        out += escapeRe(c)
    }
  }
  return out + ')'.repeat(depth)
}

/** A compiled AARE: `test(path)` is a full match. */
export interface AareMatcher {
  readonly source: string
  test(path: string): boolean
}

/**
 * Compiles patterns (already variable-expanded alternatives of one rule path) into one matcher.
 * Repeated slashes from variable expansion collapse as the kernel parser does.
 */
export function compileAare(alternatives: readonly string[]): AareMatcher {
  const parts = alternatives.map((a) => aareToRegex(collapseSlashes(a)))
  const source = parts.length === 1 ? (parts[0] as string) : parts.map((p) => `(?:${p})`).join('|')
  const re = RE2JS.compile(source, RE2JS.DOTALL)
  return { source, test: (path: string) => re.matches(path) }
}

export function collapseSlashes(s: string): string {
  return s.replace(/\/{2,}/g, (m, off: number) => (off === 0 ? m.slice(0, 2) : '/'))
}
