/**
 * Parses profile-language text into the AST (ast.ts). The parser checks structure only: what a
 * rule's words mean is checked by validate.ts, includes and variables by policy.ts. It never
 * throws on bad input: each problem becomes a Diagnostic and parsing resumes at the next rule.
 */
import type {
  Assign,
  Conditional,
  Diagnostic,
  Node,
  Pos,
  Profile,
  ProfileFile,
  Qualifiers,
  Rule,
  RuleKind,
  Word,
} from './ast.js'
import { tokenize, unquote, type Token } from './lexer.js'
import { RULE_KEYWORDS } from './tables.js'

/** Where the text is parsed: a whole file (preamble and profiles) or a profile body (abstractions). */
export type ParseContext = 'top' | 'body'

export interface ParseResult {
  readonly file: ProfileFile
  readonly errors: readonly Diagnostic[]
}

export function parseProfileText(text: string, path: string, context: ParseContext = 'top', abi: 3 | 4 = 3): ParseResult {
  const p = new Parser(tokenize(text), abi)
  const body = context === 'top' ? p.parseTop() : p.parseBody(false)
  return { file: { path, body }, errors: p.errors }
}

const posOf = (t: Token): Pos => ({ line: t.line, column: t.column })
const wordOf = (t: Token): Word => ({
  text: t.kind === 'angle' ? `<${t.text}>` : t.text,
  value: t.kind === 'string' ? unquote(t.text) : t.text,
  quoted: t.kind === 'string',
  pos: posOf(t),
})
// A bare variable (`@{FOO} {`) is not a profile name: apparmor_parser lexes a name only when more
// follows the variable (`@{FOO}/x`).
const isPathStart = (t: Token | undefined): boolean =>
  t !== undefined &&
  ((t.kind === 'word' && (t.text.startsWith('/') || (t.text.startsWith('@{') && !/^@\{[A-Za-z][A-Za-z0-9_]*\}$/.test(t.text)) || t.text.startsWith(':'))) ||
    (t.kind === 'string' && /^"(\/|@\{|:)/.test(t.text)))
/** The path of an include or abi target: `<p>`, `<"p with spaces">`, `"p"` or a bare `p`. */
const pathOf = (t: Token): string => (t.kind === 'word' ? t.text : unquote(t.text))
const describe = (t: Token | undefined): string =>
  t === undefined ? 'end of file' : t.kind === 'comma' ? "','" : t.kind === 'open' ? "'{'" : t.kind === 'close' ? "'}'" : `'${t.text}'`

class Parser {
  readonly errors: Diagnostic[] = []
  private i = 0

  constructor(
    private readonly toks: readonly Token[],
    private readonly level: 3 | 4,
  ) {}

  private peek(n = 0): Token | undefined {
    return this.toks[this.i + n]
  }

  private next(): Token | undefined {
    return this.toks[this.i++]
  }

  private error(at: Token | Pos | undefined, message: string): void {
    const last = this.toks[this.toks.length - 1]
    const p = at ?? (last ? { line: last.line, column: last.column + last.text.length } : { line: 1, column: 1 })
    this.errors.push({ line: p.line, column: p.column, message })
  }

  private isWord(t: Token | undefined, text: string): boolean {
    return t !== undefined && t.kind === 'word' && t.text === text
  }

  /** Skips to just after the next `,` or before the next `}` of this level, jumping over blocks. */
  private recover(): void {
    let depth = 0
    for (let t = this.peek(); t; t = this.peek()) {
      if (t.kind === 'open') depth++
      else if (t.kind === 'close') {
        if (depth === 0) return
        depth--
        if (depth === 0) {
          this.i++
          return
        }
      } else if (t.kind === 'comma' && depth === 0) {
        this.i++
        return
      }
      this.i++
    }
  }

  parseTop(): Node[] {
    const out: Node[] = []
    for (let t = this.peek(); t; t = this.peek()) {
      const before = this.i
      const node = this.topItem(t)
      if (node) out.push(node)
      if (this.i === before) this.i++ // never loop on a token nobody consumed
    }
    return out
  }

  private topItem(t: Token): Node | undefined {
    if (t.kind === 'comment') return this.comment()
    if (t.kind === 'include' || this.isWord(t, 'include')) return this.include()
    if (this.isWord(t, 'abi')) return this.abi()
    if (this.isWord(t, 'alias')) return this.alias()
    if (t.kind === 'word' && /^[@$]/.test(t.text) && this.peek(1)?.kind === 'assign') return this.assign()
    if (this.isWord(t, 'profile') || this.isWord(t, 'hat') || (t.kind === 'word' && t.text.startsWith('^'))) return this.profile()
    if (isPathStart(t)) return this.profile()
    if (t.kind === 'close') {
      this.error(t, "unexpected '}' outside of a profile")
      this.i++
      return undefined
    }
    if (t.kind === 'bad') {
      this.error(t, t.text)
      this.i++
      return undefined
    }
    this.error(t, `unexpected ${describe(t)}: expected a profile, include, abi, alias or variable assignment`)
    this.recover()
    return undefined
  }

  private comment(): Node {
    const t = this.next() as Token
    return { type: 'comment', text: t.text, trailing: !t.newline, pos: posOf(t) }
  }

  private include(): Node | undefined {
    const t = this.next() as Token
    let ifExists = false
    if (this.isWord(this.peek(), 'if') && this.isWord(this.peek(1), 'exists')) {
      this.i += 2
      ifExists = true
    }
    const target = this.peek()
    // apparmor_parser also takes a bare path: `include abstractions/base`.
    const bare = target?.kind === 'word' && !target.newline
    if (target?.kind !== 'angle' && target?.kind !== 'string' && !bare) {
      this.error(target ?? t, `include needs a <path> or "path", found ${describe(target)}`)
      this.recover()
      return undefined
    }
    this.i++
    const path = pathOf(target)
    return { type: 'include', path, angle: target.kind === 'angle', ifExists, hash: t.hash === true, ...(bare ? { bare: true } : {}), pos: posOf(t) }
  }

  private abi(): Node | undefined {
    const t = this.next() as Token
    const target = this.peek()
    // Like include, abi also takes a bare path (`abi abi/4.0,`).
    const bare = target?.kind === 'word' && !target.newline
    if ((target?.kind !== 'angle' && target?.kind !== 'string' && !bare) || pathOf(target) === '') {
      this.error(target ?? t, `abi needs a <path> or "path", found ${describe(target)}`)
      this.recover()
      return undefined
    }
    this.i++
    if (this.peek()?.kind !== 'comma') {
      this.error(this.peek(), `missing ',' after the abi statement`)
      this.recover()
    } else this.i++
    return { type: 'abi', path: pathOf(target), angle: target.kind === 'angle', pos: posOf(t) }
  }

  private alias(): Node | undefined {
    const t = this.next() as Token
    const from = this.next()
    const arrow = this.next()
    const to = this.next()
    const end = this.peek()
    if (!from || !to || arrow?.kind !== 'arrow' || !['word', 'string'].includes(from.kind) || !['word', 'string'].includes(to.kind) || end?.kind !== 'comma') {
      this.error(t, "alias must be 'alias /path -> /other/path,'")
      this.i--
      this.recover()
      return undefined
    }
    this.i++
    return { type: 'alias', from: wordOf(from), to: wordOf(to), pos: posOf(t) }
  }

  private assign(): Assign | undefined {
    const v = this.next() as Token
    const op = this.next() as Token
    const values: Word[] = []
    for (let t = this.peek(); t && !t.newline && (t.kind === 'word' || t.kind === 'string'); t = this.peek()) {
      values.push(wordOf(t))
      this.i++
    }
    const rest = this.peek()
    if (rest && !rest.newline && rest.kind !== 'comment') {
      this.error(rest, `unexpected ${describe(rest)} in the value of ${v.text}`)
      while (this.peek() && !this.peek()?.newline) this.i++
    }
    if (values.length === 0) {
      this.error(op, `variable ${v.text} is assigned no value`)
      return undefined
    }
    // `@{NAME}`, `${NAME}`, or without braces (`@NAME`, `$NAME`), as apparmor_parser's lexer takes them.
    if (!/^[@$](\{[A-Za-z][A-Za-z0-9_]*\}|[A-Za-z][A-Za-z0-9_]*)$/.test(v.text)) this.error(v, `invalid variable name ${v.text}`)
    return { type: 'assign', variable: v.text, op: op.text as Assign['op'], values, pos: posOf(v) }
  }

  /** `profile NAME [ATTACH] [xattrs=(..)] [flags=(..)] {`, `hat NAME {`, `^NAME {`, or `/path {`. */
  private profile(): Profile | undefined {
    const first = this.next() as Token
    let keyword: Profile['keyword'] = ''
    let nameTok: Token | undefined = first
    if (this.isWord(first, 'profile') || this.isWord(first, 'hat')) {
      keyword = first.text as 'profile' | 'hat'
      nameTok = this.peek()
      if (nameTok?.kind !== 'word' && nameTok?.kind !== 'string') {
        this.error(nameTok ?? first, `${keyword} needs a name, found ${describe(nameTok)}`)
        this.recover()
        return undefined
      }
      this.i++
    }
    let name = wordOf(nameTok)
    if (keyword === '' && first.text.startsWith('^')) {
      keyword = '^'
      if (first.text.length === 1) {
        this.error(first, "a hat name must follow '^' without a space")
        this.recover()
        return undefined
      }
      name = { ...name, text: first.text.slice(1), value: first.text.slice(1), pos: { line: first.line, column: first.column + 1 } }
    }
    let attachment: Word | undefined
    let xattrs: Word[] | undefined
    let flags: Word[] | undefined
    let flagsKeyword = false
    for (;;) {
      const t = this.peek()
      if (t === undefined || t.kind === 'open') break
      if (flags && (t.kind === 'lparen' || this.isWord(t, 'flags'))) {
        this.error(t, `profile ${name.value} has more than one flags clause`)
        this.recover()
        return undefined
      }
      if (this.isWord(t, 'flags') && this.peek(1)?.kind === 'assign' && this.peek(1)?.text === '=') {
        this.i += 2
        flagsKeyword = true
        flags = this.parenList('flags')
        if (!flags) return undefined
      } else if (t.kind === 'lparen') {
        flags = this.parenList('flags')
        if (!flags) return undefined
      } else if (this.isWord(t, 'xattrs') && this.peek(1)?.text === '=' && !flags) {
        // The grammar's order is NAME [ATTACHMENT] [xattrs=(...)] [flags=(...)]; hats have no xattrs.
        if (keyword === '^' || keyword === 'hat') this.error(t, "hat profiles can't use xattrs matches")
        this.i += 2
        xattrs = this.parenList('xattrs')
        if (!xattrs) return undefined
      } else if ((t.kind === 'word' || t.kind === 'string') && !attachment && !flags && !xattrs) {
        attachment = wordOf(t)
        this.i++
      } else {
        this.error(t, `unexpected ${describe(t)} in the header of profile ${name.value}: expected '{'`)
        this.recover()
        return undefined
      }
    }
    const open = this.next()
    if (open?.kind !== 'open') {
      this.error(open, `missing '{' after the header of profile ${name.value}`)
      return undefined
    }
    const body = this.parseBody(true)
    const close = this.toks[this.i - 1]
    return {
      end: close ? posOf(close) : posOf(open),
      type: 'profile',
      keyword,
      name,
      ...(attachment ? { attachment } : {}),
      ...(xattrs ? { xattrs } : {}),
      ...(flags ? { flags } : {}),
      flagsKeyword,
      body,
      pos: posOf(first),
    }
  }

  /** `( a b, c=d )`: the words inside, `k=v` joined into one word; separators dropped. */
  private parenList(what: string): Word[] | undefined {
    const open = this.next()
    if (open?.kind !== 'lparen') {
      this.error(open, `${what} needs '(' ... ')', found ${describe(open)}`)
      this.recover()
      return undefined
    }
    const out: Word[] = []
    for (let t = this.next(); ; t = this.next()) {
      if (t === undefined || t.kind === 'open' || t.kind === 'close') {
        this.error(open, `unclosed '(' in ${what}`)
        if (t) this.i--
        return undefined
      }
      if (t.kind === 'rparen') {
        if (out.length === 0) this.error(t, `empty ${what} list`)
        return out
      }
      if (t.kind === 'comma') continue
      if (t.kind === 'assign' && out.length > 0) {
        const v = this.next()
        const prev = out.pop() as Word
        const text = `${prev.text}=${v?.text ?? ''}`
        out.push({ text, value: `${prev.value}=${v?.kind === 'string' ? unquote(v.text) : (v?.text ?? '')}`, quoted: false, pos: prev.pos })
        continue
      }
      out.push(wordOf(t))
    }
  }

  /** Items of a profile body up to the closing `}` (consumed when `closed`) or the end of input. */
  parseBody(closed: boolean): Node[] {
    const out: Node[] = []
    for (;;) {
      const t = this.peek()
      if (t === undefined) {
        if (closed) this.error(undefined, "unexpected end of file: missing '}'")
        return out
      }
      if (t.kind === 'close') {
        if (closed) {
          this.i++
          return out
        }
        this.error(t, "unexpected '}'")
        this.i++
        continue
      }
      const before = this.i
      const node = this.bodyItem(t)
      if (node) out.push(node)
      if (this.i === before) this.i++
    }
  }

  private bodyItem(t: Token): Node | undefined {
    if (t.kind === 'comment') return this.comment()
    if (t.kind === 'include' || (this.isWord(t, 'include') && this.peek(1) !== undefined && !this.peek(1)?.newline && this.peek(1)?.kind !== 'comma')) return this.include()
    if (this.isWord(t, 'profile') || this.isWord(t, 'hat') || (t.kind === 'word' && t.text.startsWith('^'))) return this.profile()
    if (this.isWord(t, 'if')) return this.conditional()
    if (t.kind === 'word' && /^[@$]/.test(t.text) && this.peek(1)?.kind === 'assign') {
      this.error(t, `variable ${t.text} can only be assigned outside profiles`)
      while (this.peek(1) && !this.peek(1)?.newline) this.i++
      this.i++
      return undefined
    }
    // Abstractions start with their own `abi <abi/3.0>,` and are included inside profiles.
    if (this.isWord(t, 'abi')) return this.abi()
    if (this.isWord(t, 'alias')) {
      this.error(t, `'${t.text}' is only allowed before the profiles, not inside one`)
      this.recover()
      return undefined
    }
    if (t.kind === 'bad') {
      this.error(t, t.text)
      this.recover()
      return undefined
    }
    return this.ruleOrBlock()
  }

  private conditional(): Conditional | undefined {
    const t = this.next() as Token
    const condition: Word[] = []
    while (this.peek() && this.peek()?.kind !== 'open' && this.peek()?.kind !== 'close' && this.peek()?.kind !== 'comma') {
      condition.push(wordOf(this.next() as Token))
    }
    if (this.peek()?.kind !== 'open' || condition.length === 0) {
      this.error(this.peek() ?? t, `'if' needs a condition and a '{' block`)
      this.recover()
      return undefined
    }
    this.i++
    const body = this.parseBody(true)
    let elseBranch: Conditional['else']
    if (this.isWord(this.peek(), 'else')) {
      this.i++
      if (this.isWord(this.peek(), 'if')) elseBranch = this.conditional()
      else if (this.peek()?.kind === 'open') {
        this.i++
        elseBranch = this.parseBody(true)
      } else this.error(this.peek(), "'else' needs 'if' or a '{' block")
    }
    return { type: 'if', condition, body, ...(elseBranch ? { else: elseBranch } : {}), pos: posOf(t) }
  }

  /** Qualifiers (`priority=N audit allow|deny owner`), then either a `{` block or one rule. */
  private ruleOrBlock(): Node | undefined {
    const start = this.peek() as Token
    let q: { audit: boolean; owner: boolean; access?: 'allow' | 'deny'; priority?: number } = { audit: false, owner: false }
    let stage = 0 // 0 priority, 1 audit, 2 allow/deny, 3 owner: qualifiers must come in this order
    for (;;) {
      const t = this.peek()
      if (t?.kind !== 'word') break
      let at: number
      if (t.text === 'priority' && this.peek(1)?.kind === 'assign') at = 0
      else if (t.text === 'audit') at = 1
      else if (t.text === 'allow' || t.text === 'deny') at = 2
      else if (t.text === 'owner' || t.text === 'other') at = 3
      else break
      // A qualifier word followed by ',' is a (bad) rule of its own, not a qualifier.
      if (this.peek(1)?.kind === 'comma') break
      if (at < stage) {
        this.error(t, `'${t.text}' is out of place: qualifiers go in the order priority=N, audit, allow|deny, owner`)
        this.recover()
        return undefined
      }
      stage = at + 1
      this.i++
      if (at === 0) {
        this.i++
        const n = this.next()
        const value = n?.kind === 'word' && /^[+-]?\d+$/.test(n.text) ? Number(n.text) : NaN
        if (!Number.isInteger(value) || value < -1000 || value > 1000) {
          this.error(n ?? t, 'priority must be an integer from -1000 to 1000')
          this.recover()
          return undefined
        }
        q = { ...q, priority: value }
      } else if (at === 1) q = { ...q, audit: true }
      else if (at === 2) q = { ...q, access: t.text as 'allow' | 'deny' }
      else q = { ...q, owner: true }
    }
    const qualifiers: Qualifiers = q
    const t = this.peek()
    // A bare `{ ... }` groups rules without qualifiers; apparmor_parser accepts it.
    if (t?.kind === 'open') {
      this.i++
      const body = this.parseBody(true)
      if (qualifiers.access === 'deny') {
        this.error(start, "deny prefix not allowed on a block: put 'deny' on each rule")
        return undefined
      }
      return { type: 'block', qualifiers, body, pos: posOf(start) }
    }
    return this.rule(start, qualifiers)
  }

  private rule(start: Token, qualifiers: Qualifiers): Rule | undefined {
    const first = this.peek()
    if (first === undefined || first.kind === 'close' || first.kind === 'comma') {
      this.error(first ?? start, `expected a rule, found ${describe(first)}`)
      if (first?.kind === 'comma') this.i++
      return undefined
    }
    let kind: RuleKind = 'file'
    const kw = first.kind === 'word' ? RULE_KEYWORDS.get(first.text) : undefined
    // Before 4.x, `userns`, `mqueue` ... are not keywords: apparmor_parser 3 reads them as file names.
    if (kw && kw.since <= this.level && !(first.text === 'set' && !this.isWord(this.peek(1), 'rlimit'))) kind = kw.kind as RuleKind
    const words: Word[] = []
    let depth = 0
    for (;;) {
      const t = this.peek()
      if (t === undefined || t.kind === 'open' || t.kind === 'close') {
        this.error(t ?? start, `missing ',' at the end of the rule that starts at line ${start.line}`)
        // A `{` here is a block opened by mistake; leave `}` to the enclosing body.
        if (t?.kind === 'open') this.recover()
        return undefined
      }
      if (t.kind === 'comma') {
        this.i++
        // Inside `( ... )` a comma only separates list items.
        if (depth === 0) break
        continue
      }
      if (t.kind === 'bad') {
        this.error(t, t.text)
        this.recover()
        return undefined
      }
      if (t.kind === 'comment') {
        this.error(t, `missing ',' at the end of the rule that starts at line ${start.line}`)
        this.recover()
        return undefined
      }
      if (t.kind === 'lparen') depth++
      if (t.kind === 'rparen') depth = Math.max(0, depth - 1)
      if (t.kind === 'include') {
        this.error(t, `missing ',' at the end of the rule that starts at line ${start.line}`)
        return undefined
      }
      words.push(wordOf(t))
      this.i++
    }
    return { type: 'rule', kind, qualifiers, words, pos: posOf(start) }
  }
}
