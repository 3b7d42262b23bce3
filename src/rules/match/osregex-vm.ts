/**
 * A linear-time matcher for one OS_Regex alternative: a Pike VM (Thompson NFA simulation with
 * captures) over the token sequence, no backtracking. Every step visits each NFA state at most once,
 * so matching costs O(input length x pattern length) whatever the input.
 *
 * Quantified classes are lazy (the next token is preferred as soon as it can match, like Wazuh's
 * matcher) except a trailing one, which runs to the end of its class; matches are leftmost-first.
 *
 * `test` (does it match anywhere?) runs on a DFA built lazily from the same automaton: each set of
 * NFA states met becomes a DFA state with a cached transition per ASCII character, so a warm
 * pattern costs one table lookup per character. Past MAX_DFA_STATES it goes back to simulating
 * the NFA, which gives the same answers (the DFA's states are exactly the NFA's state sets).
 */

/** DFA states kept per alternative before `test` falls back to the NFA. */
const MAX_DFA_STATES = 256

const ACCEPT = 1
const DEAD = 2

/**
 * The lazily built DFA: NFA state sets by key, and per DFA state its set, flags and transitions
 * on ASCII (-1: not yet known). Transitions are per byte class, the characters every token treats
 * alike (digits, letters, `:`...), so a state's row has a few entries rather than 128 (a big
 * ruleset makes thousands of states).
 */
interface Dfa {
  readonly ids: Map<string, number>
  readonly sets: number[][]
  readonly flags: number[]
  /** Row `state` at `state * width`. */
  next: Int16Array
  readonly width: number
  /** The class of each ASCII character. */
  readonly classOf: Uint8Array
}

/**
 * `exec` on inputs whose (NFA state × position) grid fits in this many bits runs as a bit-state
 * backtracker (RE2's BitState): a depth-first search in priority order that never visits a
 * (state, position) twice, so it stays linear, keeps one capture array instead of copying it per
 * thread, and finds the same leftmost-first match as the Pike VM. Larger inputs use the Pike VM.
 */
const MAX_BITSTATE_BITS = 256 * 1024

/**
 * The backtracker's working memory, shared by every pattern (a search runs to its end before
 * another starts): the visited (state, position) bits, and the pending (state, position) pairs.
 * Captures need no undoing on the way back: every path to the match passes every token in order,
 * so it writes every capture itself.
 */
const scratch = { visited: new Uint32Array(0), jobs: new Int32Array(0) }

export type Token =
  | { readonly kind: 'char'; readonly lower: number; readonly upper: number }
  | { readonly kind: 'class'; readonly test: (c: number) => boolean; readonly quant: '' | '+' | '*'; readonly greedy: boolean }
  | { readonly kind: 'open' | 'close'; readonly group: number }

export interface VmMatch {
  readonly end: number
  /** Start/end offsets per group, -1 when unset. */
  readonly caps: Int32Array
}

/** A list of threads as parallel arrays, grown on demand and reused. */
interface ThreadList {
  states: Int32Array
  caps: Int32Array[]
  len: number
}

function push(list: ThreadList, state: number, caps: Int32Array): void {
  if (list.len === list.states.length) {
    const grown = new Int32Array(Math.max(16, list.states.length * 2))
    grown.set(list.states)
    list.states = grown
  }
  list.states[list.len] = state
  list.caps[list.len++] = caps
}

/**
 * States: 2*i is "at token i", 2*i+1 is "token i (a `+`) matched at least once"; 2*k is the match.
 */
export class OsRegexVm {
  private readonly k: number
  private readonly groups: number
  // Per-step dedup of states (generation stamps, so nothing is cleared between steps).
  private readonly seen: Int32Array
  private gen = 0

  constructor(
    private readonly tokens: readonly Token[],
    private readonly anchoredStart: boolean,
    private readonly anchoredEnd: boolean,
  ) {
    this.k = tokens.length
    this.groups = tokens.reduce((n, t) => (t.kind === 'open' ? n + 1 : n), 0)
    this.seen = new Int32Array(2 * this.k + 2)
  }

  get groupCount(): number {
    return this.groups
  }

  /** Whether `input` matches anywhere (see the DFA note above). */
  test(input: string): boolean {
    const dfa = (this.dfa ??= this.newDfa())
    if (dfa.sets.length > MAX_DFA_STATES) return this.testNfa(input)
    const n = input.length
    let s = 0
    for (let p = 0; ; p++) {
      const flags = dfa.flags[s] as number
      if (flags & DEAD) return false
      if (flags & ACCEPT && (!this.anchoredEnd || p === n)) return true
      if (p === n) return false
      const c = input.charCodeAt(p)
      const at = c < 128 ? s * dfa.width + (dfa.classOf[c] as number) : -1
      let t = at >= 0 ? (dfa.next[at] as number) : -1
      if (t < 0) {
        t = this.dfaStep(dfa, s, c)
        if (dfa.sets.length > MAX_DFA_STATES) return this.testNfa(input)
        if (at >= 0) dfa.next[at] = t
      }
      s = t
    }
  }

  /** Made on the first `test`: most patterns of a big ruleset never run. */
  private dfa: Dfa | undefined

  /** A DFA whose state 0 is the start (the closure of the NFA's start). */
  private newDfa(): Dfa {
    const classOf = new Uint8Array(128)
    const classes = new Map<string, number>()
    for (let c = 0; c < 128; c++) {
      let signature = ''
      for (const tok of this.tokens) {
        if (tok.kind === 'char') signature += c === tok.lower || c === tok.upper ? '1' : '0'
        else if (tok.kind === 'class') signature += tok.test(c) ? '1' : '0'
      }
      let id = classes.get(signature)
      if (id === undefined) classes.set(signature, (id = classes.size))
      classOf[c] = id
    }
    const dfa: Dfa = { ids: new Map(), sets: [], flags: [], next: new Int16Array(0), width: classes.size, classOf }
    const buf = this.bufA ?? (this.bufA = new Int32Array(2 * this.k + 2))
    this.gen++
    this.dfaState(dfa, buf, this.close(buf, 0, 0))
    return dfa
  }

  /** The DFA state of NFA states `set[0, len)` (made on first sight). */
  private dfaState(dfa: Dfa, set: Int32Array, len: number): number {
    const sorted = Array.from(set.subarray(0, len)).sort((a, b) => a - b)
    const key = sorted.join(',')
    let id = dfa.ids.get(key)
    if (id !== undefined) return id
    id = dfa.sets.length
    dfa.ids.set(key, id)
    dfa.sets.push(sorted)
    if ((id + 1) * dfa.width > dfa.next.length) {
      const grown = new Int16Array(Math.max(4, 2 * (id + 1)) * dfa.width).fill(-1)
      grown.set(dfa.next)
      dfa.next = grown
    }
    dfa.flags.push((sorted.includes(2 * this.k) ? ACCEPT : 0) | (len === 0 ? DEAD : 0))
    return id
  }

  /** The DFA state after reading `c` in state `id`: the NFA's successors, closed, plus a new start (unanchored). */
  private dfaStep(dfa: Dfa, id: number, c: number): number {
    const buf = this.bufA ?? (this.bufA = new Int32Array(2 * this.k + 2))
    this.gen++
    let len = 0
    for (const state of dfa.sets[id] as number[]) {
      const i = state >> 1
      if (i >= this.k) continue
      const tok = this.tokens[i] as Token
      if (tok.kind === 'char') {
        if (c === tok.lower || c === tok.upper) len = this.close(buf, len, 2 * (i + 1))
      } else if (tok.kind === 'class' && tok.test(c)) {
        len = this.close(buf, len, tok.quant === '' ? 2 * (i + 1) : tok.quant === '+' ? 2 * i + 1 : 2 * i)
      }
    }
    if (!this.anchoredStart) len = this.close(buf, len, 0)
    return this.dfaState(dfa, buf, len)
  }

  /**
   * Whether `input` matches anywhere, by simulating the NFA (no captures or priorities) on
   * preallocated state arrays: what `test` falls back to, and the reference it is tested against.
   */
  testNfa(input: string): boolean {
    const n = input.length
    const size = 2 * this.k + 2
    const cur = this.bufA ?? (this.bufA = new Int32Array(size))
    const succ = this.bufB ?? (this.bufB = new Int32Array(size))
    let succLen = 0
    for (let p = 0; p <= n; p++) {
      this.gen++
      // Expand the states reached by the previous character, then (unanchored) a new start.
      let curLen = 0
      for (let j = 0; j < succLen; j++) curLen = this.close(cur, curLen, succ[j] as number)
      if (!this.anchoredStart || p === 0) curLen = this.close(cur, curLen, 0)
      if (curLen === 0) return false
      const c = p < n ? input.charCodeAt(p) : -1
      succLen = 0
      for (let j = 0; j < curLen; j++) {
        const state = cur[j] as number
        const i = state >> 1
        if (i >= this.k) {
          if (!this.anchoredEnd || p === n) return true
          continue
        }
        if (c < 0) continue
        const tok = this.tokens[i] as Token
        if (tok.kind === 'char') {
          if (c === tok.lower || c === tok.upper) succ[succLen++] = 2 * (i + 1)
        } else if (tok.kind === 'class' && tok.test(c)) {
          succ[succLen++] = tok.quant === '' ? 2 * (i + 1) : tok.quant === '+' ? 2 * i + 1 : 2 * i
        }
      }
    }
    return false
  }

  private bufA: Int32Array | undefined
  private bufB: Int32Array | undefined

  /** Adds `state` and its epsilon closure to `list` (no captures); returns the new length. */
  private close(list: Int32Array, len: number, state: number): number {
    if (this.seen[state] === this.gen) return len
    this.seen[state] = this.gen
    const i = state >> 1
    if (i >= this.k) {
      list[len++] = 2 * this.k
      return len
    }
    const tok = this.tokens[i] as Token
    if (tok.kind === 'open' || tok.kind === 'close') return this.close(list, len, 2 * (i + 1))
    list[len++] = state
    if (tok.kind === 'class' && (tok.quant === '*' || (tok.quant === '+' && (state & 1) === 1))) len = this.close(list, len, 2 * (i + 1))
    return len
  }

  /** The leftmost-first match in `input` with its captures, or null. */
  exec(input: string): VmMatch | null {
    const states = 2 * this.k + 1
    return states * (input.length + 1) <= MAX_BITSTATE_BITS ? this.execBacktrack(input) : this.execPike(input)
  }

  /** `exec` as a bit-state backtracker (see MAX_BITSTATE_BITS). */
  execBacktrack(input: string): VmMatch | null {
    const n = input.length
    const k = this.k
    const width = 2 * k + 1
    const words = (width * (n + 1) + 31) >>> 5
    if (scratch.visited.length < words) scratch.visited = new Uint32Array(Math.max(words, scratch.visited.length * 2))
    else scratch.visited.fill(0, 0, words)
    const visited = scratch.visited
    const caps = new Int32Array(2 * this.groups).fill(-1)
    let top = 0
    const pushJob = (a: number, b: number): void => {
      if (top + 2 > scratch.jobs.length) {
        const grown = new Int32Array(Math.max(64, scratch.jobs.length * 2))
        grown.set(scratch.jobs)
        scratch.jobs = grown
      }
      scratch.jobs[top++] = a
      scratch.jobs[top++] = b
    }
    const last = this.anchoredStart ? 0 : n
    for (let start = 0; start <= last; start++) {
      pushJob(0, start)
      while (top > 0) {
        let p = scratch.jobs[--top] as number
        let s = scratch.jobs[--top] as number
        // Follow the highest-priority branch in place; the others wait on the stack.
        for (;;) {
          const bit = s * (n + 1) + p
          if ((visited[bit >>> 5] as number) & (1 << (bit & 31))) break
          visited[bit >>> 5] = (visited[bit >>> 5] as number) | (1 << (bit & 31))
          const i = s >> 1
          if (i >= k) {
            if (!this.anchoredEnd || p === n) return { end: p, caps }
            break
          }
          const tok = this.tokens[i] as Token
          if (tok.kind === 'open' || tok.kind === 'close') {
            caps[2 * tok.group + (tok.kind === 'close' ? 1 : 0)] = p
            s = 2 * (i + 1)
            continue
          }
          const c = p < n ? input.charCodeAt(p) : -1
          if (tok.kind === 'char') {
            if (c < 0 || (c !== tok.lower && c !== tok.upper)) break
            s = 2 * (i + 1)
            p++
            continue
          }
          if (tok.kind !== 'class') break
          const consumes = c >= 0 && tok.test(c)
          const next = tok.quant === '' ? 2 * (i + 1) : tok.quant === '+' ? 2 * i + 1 : 2 * i
          const canSkip = tok.quant === '*' || (tok.quant === '+' && (s & 1) === 1)
          if (!canSkip) {
            if (!consumes) break
            s = next
            p++
          } else if (tok.greedy) {
            // Consume first; moving on without consuming waits.
            if (consumes) {
              pushJob(2 * (i + 1), p)
              s = next
              p++
            } else s = 2 * (i + 1)
          } else {
            // Move on first; consuming waits.
            if (consumes) pushJob(next, p + 1)
            s = 2 * (i + 1)
          }
        }
      }
      caps.fill(-1)
    }
    return null
  }

  /**
   * `exec` as a Pike VM (the reference the backtracker is tested against): thread lists are
   * parallel arrays reused across calls (states, capture arrays), so a step allocates only when a
   * capture boundary is crossed.
   */
  execPike(input: string): VmMatch | null {
    const n = input.length
    const matchState = 2 * this.k
    const cur = this.listA
    const nxt = this.listB
    nxt.len = 0
    let best: VmMatch | null = null
    const startCaps = new Int32Array(2 * this.groups).fill(-1)
    for (let p = 0; p <= n; p++) {
      this.gen++
      // Expand the threads carried into this step (raw successors in `nxt`), in priority order;
      // `nxt` is read completely before it is refilled below.
      cur.len = 0
      for (let j = 0; j < nxt.len; j++) this.add(cur, nxt.states[j] as number, nxt.caps[j] as Int32Array, p)
      if (best === null && (!this.anchoredStart || p === 0)) this.add(cur, 0, startCaps, p)
      if (cur.len === 0) {
        nxt.len = 0
        if (best !== null || this.anchoredStart) break
        continue
      }
      const c = p < n ? input.charCodeAt(p) : -1
      nxt.len = 0
      for (let j = 0; j < cur.len; j++) {
        const state = cur.states[j] as number
        const caps = cur.caps[j] as Int32Array
        if (state === matchState) {
          if (!this.anchoredEnd || p === n) {
            best = { end: p, caps }
            break // lower-priority threads lose to this match
          }
          continue
        }
        if (c < 0) continue
        const i = state >> 1
        const tok = this.tokens[i] as Token
        let to = -1
        if (tok.kind === 'char') {
          if (c === tok.lower || c === tok.upper) to = 2 * (i + 1)
        } else if (tok.kind === 'class' && tok.test(c)) {
          to = tok.quant === '' ? 2 * (i + 1) : tok.quant === '+' ? 2 * i + 1 : 2 * i
        }
        // Successors wait in `nxt`; the next step expands them into `cur`.
        if (to >= 0) push(nxt, to, caps)
      }
    }
    return best
  }

  private readonly listA: ThreadList = { states: new Int32Array(0), caps: [], len: 0 }
  private readonly listB: ThreadList = { states: new Int32Array(0), caps: [], len: 0 }

  /** Adds `state` and everything reachable from it without consuming, in priority order. */
  private add(list: ThreadList, state: number, caps: Int32Array, pos: number): void {
    if (this.seen[state] === this.gen) return
    this.seen[state] = this.gen
    const i = state >> 1
    if (i >= this.k) {
      push(list, 2 * this.k, caps)
      return
    }
    const tok = this.tokens[i] as Token
    if (tok.kind === 'open' || tok.kind === 'close') {
      const next = caps.slice()
      next[2 * tok.group + (tok.kind === 'close' ? 1 : 0)] = pos
      this.add(list, 2 * (i + 1), next, pos)
      return
    }
    // A state that may move on without consuming: `*` always, `+` after one match.
    const canSkip = tok.kind === 'class' && (tok.quant === '*' || (tok.quant === '+' && (state & 1) === 1))
    if (!canSkip) {
      push(list, state, caps)
      return
    }
    if (tok.greedy) {
      push(list, state, caps)
      this.add(list, 2 * (i + 1), caps, pos)
    } else {
      this.add(list, 2 * (i + 1), caps, pos)
      push(list, state, caps)
    }
  }
}
