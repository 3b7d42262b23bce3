/**
 * Loads a profile file the way apparmor_parser does: includes resolved through the search path
 * (`-I`, default /etc/apparmor.d) in the context where they appear, variables collected from the
 * preamble (tunables included), then every rule validated and every variable reference checked.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import type { Abi, Assign, Conditional, Diagnostic, Include, Node, Profile, ProfileFile, Qualifiers, Rule, Word } from './ast.js'
import { parseProfileText, type ParseContext } from './parser.js'
import { validateProfileHeader } from './header.js'
import { fileRuleData, validateRule, type ValidateOptions } from './validate.js'
import { collapseSlashes } from './aare.js'
import { globsOverlap } from './overlap.js'
import { BUILTIN_VARIABLES, BUILTIN_VARIABLES_4, collectVariables, expand, references, variableName } from './variables.js'

export interface PolicyOptions {
  /** Include search path (`-I`); default `/etc/apparmor.d`. */
  readonly includeDirs?: readonly string[]
  /** Language level, 3 (default) or 4. */
  readonly abi?: 3 | 4
  /**
   * Parsed files shared between loads (keyed by context and path). A file's parse errors are
   * reported by the first load only, so share it only between loads of files already checked.
   */
  readonly cache?: Map<string, ProfileFile>
}

/** A rule with where it came from and the qualifiers of the blocks around it. */
export interface PlacedRule {
  readonly rule: Rule
  readonly file: string
  readonly qualifiers: Qualifiers
}

export interface Policy {
  readonly path: string
  readonly file: ProfileFile
  readonly profiles: readonly Profile[]
  readonly variables: ReadonlyMap<string, readonly string[]>
  readonly errors: readonly Diagnostic[]
  /** The rules of a profile (not of its hats/children), includes expanded, in order. */
  rules(profile: Profile): PlacedRule[]
}

/** Profile files are small; anything bigger is refused rather than read. */
const MAX_FILE_BYTES = 16 * 1024 * 1024

/** How many expansions of a rule path are compared for exec conflicts. */
const MAX_EXPANSIONS = 64

/**
 * An AARE with a wildcard or a class. apparmor_parser takes the others, alternations included
 * (`/{,usr/}bin/gzip`), as exact matches, whose exec transition wins over any glob's.
 */
const isGlob = (pattern: string): boolean => /(^|[^\\])(\\\\)*[*?[]/.test(pattern)

/** Files apparmor_parser skips when an include names a directory. */
const SKIPPED = /(^\.|~$|\.(dpkg-(new|old|dist|bak|remove)|pacsave|pacnew|rpmnew|rpmsave|orig|rej)$|^README$)/

export function loadPolicy(path: string, opts: PolicyOptions = {}, text?: string): Policy {
  return new Loader(opts).load(path, text)
}

class Loader {
  private readonly dirs: readonly string[]
  private readonly abi: 3 | 4
  private readonly cache: Map<string, ProfileFile>
  private readonly errors: Diagnostic[] = []
  private readonly reported = new Set<string>()
  private main = ''

  constructor(opts: PolicyOptions) {
    this.dirs = opts.includeDirs?.length ? opts.includeDirs : ['/etc/apparmor.d']
    this.abi = opts.abi ?? 3
    this.cache = opts.cache ?? new Map()
  }

  private report(file: string, d: { line: number; column: number; message: string }): void {
    const key = `${file}:${d.line}:${d.column}:${d.message}`
    if (this.reported.has(key)) return
    this.reported.add(key)
    this.errors.push(file === this.main ? { line: d.line, column: d.column, message: d.message } : { ...d, file })
  }

  private parse(path: string, context: ParseContext, text?: string): ProfileFile | undefined {
    const key = `${context}:${path}`
    const hit = this.cache.get(key)
    if (hit) return hit
    let src: string
    try {
      const st = text === undefined ? statSync(path) : undefined
      if (st && !st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' })
      if (st && st.size > MAX_FILE_BYTES) throw Object.assign(new Error('too large'), { code: `larger than ${MAX_FILE_BYTES} bytes` })
      src = text ?? readFileSync(path, 'utf8')
    } catch (err) {
      this.report(this.main, { line: 1, column: 1, message: `Could not open '${path}': ${(err as NodeJS.ErrnoException).code ?? String(err)}` })
      return undefined
    }
    const r = parseProfileText(src, path, context, this.abi)
    for (const e of r.errors) this.report(path, e)
    this.cache.set(key, r.file)
    return r.file
  }

  /** The files an include names (several for a directory), or undefined when it cannot be found. */
  resolveInclude(node: Include | Abi): string[] | undefined {
    const candidates = node.angle
      ? this.dirs.map((d) => join(d, node.path))
      : isAbsolute(node.path)
        ? [node.path]
        : [resolve(node.path)] // like apparmor_parser: relative to the working directory
    for (const c of candidates) {
      let st
      try {
        st = statSync(c)
      } catch {
        continue
      }
      // Never a device or FIFO (`include /dev/urandom` would read forever).
      if (!st.isDirectory() && !st.isFile()) continue
      if (st.isDirectory()) {
        if (node.type === 'abi') return [c]
        return readdirSync(c)
          .filter((n) => !SKIPPED.test(n))
          .sort()
          .map((n) => join(c, n))
          .filter((p) => statSync(p, { throwIfNoEntry: false })?.isFile() === true)
      }
      return [c]
    }
    return undefined
  }

  private included(node: Include, from: string, context: ParseContext): ProfileFile[] {
    const files = this.resolveInclude(node)
    if (!files) {
      if (!node.ifExists) this.report(from, { ...node.pos, message: `Could not open '${node.path}'` })
      return []
    }
    return files.map((f) => this.parse(f, context)).filter((f): f is ProfileFile => f !== undefined)
  }

  load(path: string, text?: string): Policy {
    this.main = path
    const file = this.parse(path, 'top', text) ?? { path, body: [] }
    // 1. The preamble: variables and abi, top-level includes followed in order.
    const assigns: { assign: Assign; file: string }[] = []
    const profiles: { profile: Profile; file: string }[] = []
    const seenTop = new Set<string>()
    let profileSeen = false
    const walkTop = (f: ProfileFile): void => {
      if (seenTop.has(f.path)) return
      seenTop.add(f.path)
      for (const n of f.body) {
        if (n.type === 'profile') profileSeen = true
        if (n.type === 'abi' && profileSeen) this.report(f.path, { ...n.pos, message: 'abi must come before the profiles' })
        if (n.type === 'assign') assigns.push({ assign: n, file: f.path })
        else if (n.type === 'include') this.included(n, f.path, 'top').forEach(walkTop)
        else if (n.type === 'profile') profiles.push({ profile: n, file: f.path })
        else if (n.type === 'abi' && !this.resolveInclude(n)) this.report(f.path, { ...n.pos, message: `Could not open '${n.path}'` })
      }
    }
    walkTop(file)
    const variables = collectVariables(assigns, this.abi, (d) => this.report(d.file ?? path, d))
    // Booleans: only true/false, and conditions may only use defined ones.
    const booleans = new Map<string, boolean>()
    for (const { assign, file: f } of assigns) {
      if (!assign.variable.startsWith('$')) continue
      const name = variableName(assign.variable)
      // Defined once; the value is matched without case (`True`, `FALSE`).
      if (booleans.has(name)) this.report(f, { ...assign.pos, message: `variable $${name} was previously declared` })
      const v = assign.values.map((x) => x.value).join(' ')
      if (!/^(true|false)$/i.test(v)) this.report(f, { ...assign.pos, message: `Invalid boolean assignment for (${assign.variable}): ${v} is not true or false` })
      if (!booleans.has(name)) booleans.set(name, v.toLowerCase() === 'true')
    }
    this.booleans = booleans
    this.variables = variables
    // 2. Profiles: headers, names, rules (includes in body context validated once each).
    const opts: ValidateOptions = { abi: this.abi, variables }
    const seenBody = new Set<string>()
    // Hats and children must be unique per profile, counting those in the taken branches of `if`s
    // (apparmor_parser drops the other branches while parsing, after checking their rules).
    const checkBody = (body: readonly Node[], f: string, names: Set<string>): void => {
      for (const n of body) {
        if (n.type === 'rule') {
          validateRule(n, opts, (at, message) => this.report(f, { ...at.pos, message }))
          for (const w of n.words) this.checkRefs(w.value, w.pos, f, variables)
        } else if (n.type === 'block') checkBody(n.body, f, names)
        else if (n.type === 'if') {
          const taken = this.branch(n)
          for (let c: Conditional['else'] = n; c; c = Array.isArray(c) ? undefined : (c as Conditional).else) {
            if (Array.isArray(c)) checkBody(c, f, c === taken ? names : new Set())
            else {
              const cond = c as Conditional
              this.checkCondition(cond, f, variables)
              checkBody(cond.body, f, cond.body === taken ? names : new Set())
            }
          }
        } else if (n.type === 'include') {
          for (const inc of this.included(n, f, 'body')) {
            if (seenBody.has(inc.path)) continue
            seenBody.add(inc.path)
            checkBody(inc.body, inc.path, names)
          }
        } else if (n.type === 'profile') {
          if (names.has(n.name.value)) this.report(f, { ...n.name.pos, message: `Multiple definitions for hat or child profile ${n.name.value} exist` })
          names.add(n.name.value)
          checkProfile(n, f)
        }
      }
    }
    const checkProfile = (p: Profile, f: string): void => {
      validateProfileHeader(p, opts, (at, message) => this.report(f, { ...at.pos, message }))
      // Names and attachments are expanded before @{profile_name} and the 4.x builtins exist.
      this.checkRefs(p.name.value, p.name.pos, f, variables, [], new Set())
      if (p.attachment) this.checkRefs(p.attachment.value, p.attachment.pos, f, variables, [], new Set())
      checkBody(p.body, f, new Set())
      this.checkExecConflicts(p, f)
    }
    const topNames = new Set<string>()
    for (const { profile, file: f } of profiles) {
      if (topNames.has(profile.name.value)) this.report(f, { ...profile.name.pos, message: `Multiple definitions for profile ${profile.name.value} exist` })
      topNames.add(profile.name.value)
      checkProfile(profile, f)
    }
    const errors = [...this.errors]
    return {
      path,
      file,
      profiles: profiles.map((p) => p.profile),
      variables,
      errors,
      rules: (profile: Profile) => this.placedRules(profile.body, path, { audit: false, owner: false }, new Set()),
    }
  }

  private placedRules(body: readonly Node[], file: string, outer: Qualifiers, seen: Set<string>): PlacedRule[] {
    const out: PlacedRule[] = []
    for (const n of body) {
      if (n.type === 'rule') out.push({ rule: n, file, qualifiers: merge(outer, n.qualifiers) })
      else if (n.type === 'block') out.push(...this.placedRules(n.body, file, merge(outer, n.qualifiers), seen))
      else if (n.type === 'if') out.push(...this.placedRules(this.branch(n) ?? [], file, outer, seen))
      else if (n.type === 'include') {
        for (const inc of this.included(n, file, 'body')) {
          if (seen.has(inc.path)) continue
          out.push(...this.placedRules(inc.body, inc.path, outer, new Set([...seen, inc.path])))
        }
      }
    }
    return out
  }

  /**
   * Two allow rules for the same path with different exec transitions cannot be merged, nor can
   * two globs that match a common path (apparmor_parser's DFA merges them; a literal path would
   * take precedence over both, so globs are only compared with globs).
   */
  private checkExecConflicts(p: Profile, file: string): void {
    const seen = new Map<string, string>()
    const globs: { patterns: readonly string[]; exec: string; priority: number }[] = []
    for (const { rule, qualifiers } of this.placedRules(p.body, file, { audit: false, owner: false }, new Set())) {
      if (qualifiers.access === 'deny') continue
      // `change_profile [safe|unsafe] EXEC -> TARGET`: the same transition, safe and unsafe, conflicts.
      if (rule.kind === 'change_profile') {
        const mode = rule.words[1]?.text === 'unsafe' ? 'unsafe' : 'safe'
        const words = rule.words.slice(rule.words[1]?.text === 'safe' || mode === 'unsafe' ? 2 : 1)
        if (!words[0] || words[0].text === '->') continue
        const key = `change_profile ${words.map((w) => w.value).join(' ')}`
        const before = seen.get(key)
        if (before !== undefined && before !== mode) this.report(file, { ...p.name.pos, message: `profile ${p.name.value}: has merged rule ${words[0].value} with conflicting x modifiers (${before} and ${mode})` })
        seen.set(key, mode)
        continue
      }
      if (rule.kind !== 'file') continue
      const { data } = fileRuleData(rule)
      if (!data?.path || !data.mode?.exec) continue
      const exec = `${data.mode.exec}${data.target ? ` -> ${data.target.value}` : ''}`
      // owner and other rules overlap for the owner's accesses: they merge into one.
      const key = data.path.value
      const before = seen.get(key)
      if (before !== undefined && before !== exec) {
        this.report(file, { ...p.name.pos, message: `profile ${p.name.value}: has merged rule ${data.path.value} with conflicting x modifiers (${before} and ${exec})` })
      }
      seen.set(key, exec)
      const patterns = this.expansions(data.path.value).filter(isGlob)
      if (patterns.length === 0) continue
      // A higher priority= replaces lower ones instead of merging with them.
      const priority = qualifiers.priority ?? 0
      const other = globs.find((g) => g.exec !== exec && g.priority === priority && g.patterns.some((a) => patterns.some((b) => globsOverlap(a, b))))
      if (other) this.report(file, { ...p.name.pos, message: `profile ${p.name.value}: has merged rule ${data.path.value} with conflicting x modifiers (${other.exec} and ${exec} on overlapping globs)` })
      globs.push({ patterns, exec, priority })
    }
  }

  /** The expansions of a rule path (a bounded number), or the text itself when a variable is undefined. */
  private expansions(text: string): string[] {
    try {
      return expand(text, this.variables, MAX_EXPANSIONS).map(collapseSlashes)
    } catch {
      return [text]
    }
  }

  private booleans: ReadonlyMap<string, boolean> = new Map()
  private variables: ReadonlyMap<string, readonly string[]> = new Map()

  /** The body an `if` chain takes, or undefined when no branch is taken. */
  private branch(c: Conditional): readonly Node[] | undefined {
    if (this.evaluate(c.condition)) return c.body
    if (c.else === undefined || Array.isArray(c.else)) return c.else as readonly Node[] | undefined
    return this.branch(c.else as Conditional)
  }

  /** `not* ($BOOL | defined @SET | defined $BOOL)`, the whole of apparmor_parser's expressions. */
  private evaluate(words: readonly Word[]): boolean {
    let negate = false
    let i = 0
    for (; words[i]?.text === 'not'; i++) negate = !negate
    const defined = words[i]?.text === 'defined'
    const v = words[defined ? i + 1 : i]?.text ?? ''
    const name = variableName(v)
    const value = v.startsWith('@') ? this.variables.has(name) : this.booleans.get(name) === true
    return value !== negate
  }

  private checkCondition(c: Conditional, file: string, vars: ReadonlyMap<string, readonly string[]>): void {
    for (let i = 0; i < c.condition.length; i++) {
      const w = c.condition[i] as Word
      if (w.text.startsWith('$') && !this.booleans.has(variableName(w.text))) {
        this.report(file, { ...w.pos, message: `Unset boolean variable ${w.text} used in if-expression` })
      }
      if (w.text.startsWith('@') && c.condition[i - 1]?.text !== 'defined') this.checkRefs(w.text, w.pos, file, vars)
    }
  }

  /** Every variable a text uses must be defined, and so must those their values use, without cycles. */
  private checkRefs(
    text: string,
    pos: { line: number; column: number },
    file: string,
    vars: ReadonlyMap<string, readonly string[]>,
    stack: readonly string[] = [],
    builtins: ReadonlySet<string> = this.abi >= 4 ? BUILTIN_VARIABLES_4 : BUILTIN_VARIABLES,
  ): void {
    for (const name of references(text)) {
      if (builtins.has(name)) continue
      const values = vars.get(name)
      if (!values) {
        this.report(file, { ...pos, message: `Found reference to variable ${name}, but is never declared` })
        continue
      }
      if (stack.includes(name)) {
        this.report(file, { ...pos, message: `Variable @{${name}} is referenced recursively (by @{${stack[stack.length - 1]}})` })
        continue
      }
      for (const v of values) this.checkRefs(v, pos, file, vars, [...stack, name], builtins)
    }
  }
}

function merge(a: Qualifiers, b: Qualifiers): Qualifiers {
  const access = b.access ?? a.access
  const priority = b.priority ?? a.priority
  return { audit: a.audit || b.audit, owner: a.owner || b.owner, ...(access ? { access } : {}), ...(priority !== undefined ? { priority } : {}) }
}
