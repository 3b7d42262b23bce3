/**
 * Whether two AARE globs (variables already expanded) match a common path. apparmor_parser merges
 * every rule into one DFA, so two allow rules whose globs overlap must agree on their exec
 * transition (`/b* px` and `/* Pix` conflict on `/bin`). Each glob becomes a small NFA, and the
 * product of the two is searched for a common accepted string, one representative character per
 * class of characters the patterns can tell apart.
 */

type CharTest = (c: string) => boolean

interface State {
  readonly eps: number[]
  readonly edges: { readonly test: CharTest; readonly to: number }[]
}

interface Nfa {
  readonly states: State[]
  readonly start: number
  readonly accept: number
  /** Every character the pattern mentions (literals and class bounds). */
  readonly chars: Set<string>
}

const notSlash: CharTest = (c) => c !== '/'
const anyChar: CharTest = () => true

/** Builds the NFA of one pattern: `*` loops on non-`/`, `**` on anything, `{a,b}` branches. */
function compile(pattern: string): Nfa {
  const states: State[] = []
  const chars = new Set<string>()
  const state = (): number => states.push({ eps: [], edges: [] }) - 1
  let i = 0
  // Parses up to `,` or `}` (inside braces) or the end; returns [start, end] states.
  const sequence = (inBraces: boolean): [number, number] => {
    const start = state()
    let cur = start
    const step = (test: CharTest): void => {
      const next = state()
      ;(states[cur] as State).edges.push({ test, to: next })
      cur = next
    }
    while (i < pattern.length) {
      const c = pattern[i] as string
      if (inBraces && (c === ',' || c === '}')) break
      i++
      if (c === '\\' && i < pattern.length) {
        const lit = pattern[i++] as string
        chars.add(lit)
        step((x) => x === lit)
      } else if (c === '*') {
        const loop = pattern[i] === '*' ? anyChar : notSlash
        while (pattern[i] === '*') i++
        const next = state()
        ;(states[cur] as State).edges.push({ test: loop, to: cur })
        ;(states[cur] as State).eps.push(next)
        cur = next
      } else if (c === '?') step(notSlash)
      else if (c === '[') {
        const cls = charClass(pattern, i)
        cls.named.forEach((x) => chars.add(x))
        i = cls.end
        step(cls.test)
      }
      else if (c === '{') {
        const end = state()
        for (;;) {
          const [s, e] = sequence(true)
          ;(states[cur] as State).eps.push(s)
          ;(states[e] as State).eps.push(end)
          if (pattern[i] !== ',') break
          i++
        }
        if (pattern[i] === '}') i++
        cur = end
      } else {
        chars.add(c)
        step((x) => x === c)
      }
    }
    return [start, cur]
  }
  const [start, accept] = sequence(false)
  return { states, start, accept, chars }
}

/** `[...]` from just after the `[`: ranges, escapes, `^` negation; `end` is just after the `]`. */
function charClass(pattern: string, from: number): { test: CharTest; named: string[]; end: number } {
  let j = from
  const negate = pattern[j] === '^'
  if (negate) j++
  const ranges: [string, string][] = []
  // A `]` right after `[` or `[^` is a member, not the end.
  for (let first = true; j < pattern.length && (pattern[j] !== ']' || first); j++) {
    first = false
    let lo = pattern[j] as string
    if (lo === '\\' && j + 1 < pattern.length) lo = pattern[++j] as string
    let hi = lo
    if (pattern[j + 1] === '-' && pattern[j + 2] !== undefined && pattern[j + 2] !== ']') {
      j += 2
      hi = pattern[j] === '\\' && j + 1 < pattern.length ? (pattern[++j] as string) : (pattern[j] as string)
    }
    ranges.push([lo, hi])
  }
  return { test: (c) => ranges.some(([lo, hi]) => c >= lo && c <= hi) !== negate, named: ranges.flat(), end: j + 1 }
}

/** The states reachable from `from` by epsilon moves, `from` included. */
function closure(nfa: Nfa, from: number): number[] {
  const out = [from]
  for (let k = 0; k < out.length; k++) for (const e of (nfa.states[out[k] as number] as State).eps) if (!out.includes(e)) out.push(e)
  return out
}

/** One character for each class the patterns distinguish: the characters they name, their neighbours, `/` and one other. */
function alphabet(a: Nfa, b: Nfa): string[] {
  const reps = new Set<string>(['/', '\u0001'])
  for (const c of [...a.chars, ...b.chars]) {
    const code = c.charCodeAt(0)
    for (const d of [code - 1, code, code + 1]) if (d > 0) reps.add(String.fromCharCode(d))
  }
  return [...reps]
}

/** True when some string matches both globs. */
export function globsOverlap(a: string, b: string): boolean {
  const na = compile(a)
  const nb = compile(b)
  const sigma = alphabet(na, nb)
  const seen = new Set<string>()
  const queue: [number, number][] = []
  const visit = (x: number, y: number): void => {
    for (const cx of closure(na, x)) {
      for (const cy of closure(nb, y)) {
        const key = `${cx},${cy}`
        if (seen.has(key)) continue
        seen.add(key)
        queue.push([cx, cy])
      }
    }
  }
  visit(na.start, nb.start)
  while (queue.length > 0) {
    const [x, y] = queue.shift() as [number, number]
    if (x === na.accept && y === nb.accept) return true
    for (const ex of (na.states[x] as State).edges) {
      for (const ey of (nb.states[y] as State).edges) {
        if (sigma.some((c) => ex.test(c) && ey.test(c))) visit(ex.to, ey.to)
      }
    }
  }
  return false
}
