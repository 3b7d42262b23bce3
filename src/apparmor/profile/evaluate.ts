/**
 * Offline policy evaluation: would this profile allow an access? Mirrors the kernel's rules:
 * permissions of matching allow rules are unioned, deny wins over allow, `owner` rules apply only
 * when fsuid == ouid, `audit` logs allowed accesses, explicit denies are not logged without
 * `audit`, and complain mode turns implicit denials into allowed-and-logged.
 */
import type { Profile, Word } from './ast.js'
import { collapseSlashes, compileAare, type AareMatcher } from './aare.js'
import { words, qualifierText } from './format.js'
import type { PlacedRule, Policy } from './policy.js'
import { fileRuleData } from './validate.js'
import { expand } from './variables.js'
import type { Perm } from './mode.js'

export type Query =
  | { readonly kind: 'file'; readonly path: string; readonly mode: string; readonly fsuid?: number; readonly ouid?: number }
  | { readonly kind: 'capability'; readonly name: string }
  | { readonly kind: 'network'; readonly domain: string; readonly type?: string }
  | { readonly kind: 'signal'; readonly access: 'send' | 'receive'; readonly signal: string; readonly peer: string }
  | { readonly kind: 'ptrace'; readonly access: 'read' | 'trace' | 'readby' | 'tracedby'; readonly peer: string }

interface CompiledFileRule {
  readonly p: PlacedRule
  readonly perms: ReadonlySet<Perm>
  readonly exec?: string
  readonly target?: string
  /** Literal starts of the pattern's expansions; `['']` for `file,` (matches everything). */
  readonly prefixes: readonly string[]
  readonly matcher: AareMatcher | null
  /** No glob or variable: the most specific kind of rule for exec transitions. */
  readonly literal: boolean
}

export interface DecidingRule {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly rule: string
  readonly effect: 'allow' | 'deny'
}

export interface Decision {
  /** The kernel's answer in the profile's mode. */
  readonly decision: 'allowed' | 'denied'
  /** Whether the access is logged (audit rules, denials, complain-mode ALLOWED records). */
  readonly logged: boolean
  /** Enforce-mode answer: complain mode allows what enforce would deny. */
  readonly enforce: 'allowed' | 'denied'
  readonly mode: 'enforce' | 'complain' | 'unconfined' | 'kill'
  /** For files: requested permissions allowed and denied. */
  readonly allowedPerms?: string
  readonly deniedPerms?: string
  /** For exec: the transition (`ix`, `Px -> target` ...). */
  readonly exec?: string
  readonly rules: readonly DecidingRule[]
}

/** Finds a profile by name (`a//hat` for hats and children); the first one when no name is given. */
export function findProfile(policy: Policy, name?: string): Profile | undefined {
  if (!name) return policy.profiles[0]
  const [top, ...sub] = name.split('//')
  let p = policy.profiles.find((x) => x.name.value === top || x.attachment?.value === top)
  for (const s of sub) p = p?.body.find((n): n is Profile => n.type === 'profile' && n.name.value === s)
  return p
}

const PERM_LETTERS: Record<string, Perm> = { r: 'r', w: 'w', a: 'a', l: 'l', k: 'k', m: 'm', x: 'x' }

/** Evaluates queries against one profile; compiled matchers are cached per rule. */
export class Evaluator {
  private readonly rules: readonly PlacedRule[]
  private readonly fileRules: readonly CompiledFileRule[]
  readonly mode: Decision['mode']

  constructor(
    private readonly policy: Policy,
    readonly profile: Profile,
  ) {
    this.rules = policy.rules(profile)
    this.fileRules = this.rules.flatMap((p) => (p.rule.kind === 'file' ? this.compileFileRule(p) : []))
    const flags = new Set((profile.flags ?? []).map((f) => f.value))
    this.mode = flags.has('complain') ? 'complain' : flags.has('unconfined') ? 'unconfined' : flags.has('kill') ? 'kill' : 'enforce'
  }

  /**
   * Reads a file rule once: its permissions, its matcher (null for an invalid pattern, which check
   * reports) and the literal prefixes of its expansions, a cheap filter before the regex runs.
   */
  private compileFileRule(p: PlacedRule): CompiledFileRule[] {
    const { data } = fileRuleData(p.rule)
    if (!data) return []
    if (!data.path) return [{ p, perms: new Set<Perm>(['r', 'w', 'a', 'l', 'k', 'm']), prefixes: [''], matcher: null, literal: false }]
    const vars = new Map([...this.policy.variables, ['profile_name', [this.profile.name.value]]])
    let matcher: AareMatcher | null = null
    let prefixes: string[] = []
    try {
      const alternatives = expand(data.path.value, vars)
      matcher = compileAare(alternatives)
      prefixes = alternatives.map((a) => collapseSlashes(a).replace(/\\/g, '').split(/[*?[{]/)[0] as string)
    } catch {
      // Undefined variables are check's to report; the rule matches nothing here.
    }
    return [
      {
        p,
        perms: data.mode?.perms ?? new Set(),
        ...(data.mode?.exec ? { exec: data.mode.exec } : {}),
        ...(data.target ? { target: data.target.value } : {}),
        prefixes,
        matcher,
        literal: !/[*?[{@]/.test(data.path.value),
      },
    ]
  }

  evaluate(q: Query): Decision {
    if (this.mode === 'unconfined') return { decision: 'allowed', enforce: 'allowed', logged: false, mode: this.mode, rules: [] }
    switch (q.kind) {
      case 'file':
        return this.file(q)
      default:
        return this.simple(q)
    }
  }

  private file(q: Extract<Query, { kind: 'file' }>): Decision {
    const requested = new Set<Perm>()
    for (const c of q.mode) {
      const p = PERM_LETTERS[c]
      if (!p) throw new Error(`invalid mode '${q.mode}': use letters from r w a l k m x`)
      requested.add(p)
    }
    const isOwner = q.fsuid === undefined || q.ouid === undefined || q.fsuid === q.ouid
    const allow = new Set<Perm>()
    const deny = new Set<Perm>()
    const audit = new Set<Perm>()
    const matched: CompiledFileRule[] = []
    for (const c of this.fileRules) {
      const { p, perms } = c
      if (p.qualifiers.owner && !isOwner) continue
      if (![...requested].some((r) => perms.has(r))) continue
      if (c.matcher && !(c.prefixes.some((pre) => q.path.startsWith(pre)) && c.matcher.test(q.path))) continue
      if (!c.matcher && c.prefixes[0] !== '') continue
      matched.push(c)
      const into = p.qualifiers.access === 'deny' ? deny : allow
      for (const x of perms) into.add(x)
      if (p.qualifiers.audit && p.qualifiers.access !== 'deny') for (const x of perms) audit.add(x)
    }
    const granted = [...requested].filter((r) => allow.has(r) && !deny.has(r))
    const refused = [...requested].filter((r) => !granted.includes(r))
    const explicit = refused.some((r) => deny.has(r))
    const enforce = refused.length === 0 ? 'allowed' : 'denied'
    // Complain mode still enforces explicit deny rules; only implicit denials become ALLOWED.
    const decision = enforce === 'allowed' || (this.mode === 'complain' && !explicit) ? 'allowed' : 'denied'
    const auditedDeny = matched.some((m) => m.p.qualifiers.access === 'deny' && m.p.qualifiers.audit)
    const logged =
      enforce === 'allowed' ? granted.some((r) => audit.has(r)) : explicit ? auditedDeny : true
    let exec: string | undefined
    if (requested.has('x') && granted.includes('x')) {
      // The most specific rule decides the transition: a literal path beats a glob.
      const execs = matched.filter((m) => m.exec && m.p.qualifiers.access !== 'deny').sort((a, b) => Number(b.literal) - Number(a.literal))
      const top = execs[0]
      if (top) exec = `${top.exec}${top.target ? ` -> ${top.target}` : ''}`
    }
    const deciding = matched.filter((m) => (enforce === 'denied' ? m.p.qualifiers.access === 'deny' : m.p.qualifiers.access !== 'deny'))
    return {
      decision,
      enforce,
      logged,
      mode: this.mode,
      allowedPerms: granted.join(''),
      deniedPerms: refused.join(''),
      ...(exec ? { exec } : {}),
      rules: deciding.map((m) => describeRule(m.p)),
    }
  }

  private simple(q: Exclude<Query, { kind: 'file' }>): Decision {
    const allowRules: PlacedRule[] = []
    const denyRules: PlacedRule[] = []
    for (const p of this.rules) {
      if (p.rule.kind !== q.kind || !this.ruleMatches(p, q)) continue
      ;(p.qualifiers.access === 'deny' ? denyRules : allowRules).push(p)
    }
    const enforce = allowRules.length > 0 && denyRules.length === 0 ? 'allowed' : 'denied'
    const explicit = denyRules.length > 0
    const decision = enforce === 'allowed' || (this.mode === 'complain' && !explicit) ? 'allowed' : 'denied'
    const logged =
      enforce === 'allowed' ? allowRules.some((p) => p.qualifiers.audit) : explicit ? denyRules.some((p) => p.qualifiers.audit) : true
    return { decision, enforce, logged, mode: this.mode, rules: (enforce === 'denied' ? denyRules : allowRules).map(describeRule) }
  }

  private ruleMatches(p: PlacedRule, q: Exclude<Query, { kind: 'file' }>): boolean {
    const args = p.rule.words.slice(1)
    const plain = args.map((w) => w.value)
    switch (q.kind) {
      case 'capability':
        return plain.length === 0 || plain.includes(q.name)
      case 'network': {
        if (plain.length === 0) return true
        const [a, b] = plain
        if (a === q.domain) return b === undefined || b === q.type || (q.type === 'stream' && b === 'tcp') || (q.type === 'dgram' && b === 'udp')
        return b === undefined && a === q.type
      }
      case 'signal':
      case 'ptrace': {
        const access = accessList(args)
        const alias: Record<string, string[]> = { r: ['receive', 'read', 'readby'], w: ['send', 'trace', 'tracedby'], rw: ['send', 'receive', 'read', 'trace', 'readby', 'tracedby'], read: ['read', 'receive'], write: ['send', 'trace'] }
        if (access.length && !access.some((a) => a === q.access || (alias[a] ?? []).includes(q.access))) return false
        if (q.kind === 'signal') {
          const set = condValues(args, 'set')
          if (set.length && !set.includes(q.signal)) return false
        }
        const peer = condValues(args, 'peer')[0]
        if (peer !== undefined) {
          try {
            if (!compileAare(expand(peer, this.policy.variables)).test(q.peer)) return false
          } catch {
            return false
          }
        }
        return true
      }
    }
  }
}

function accessList(args: readonly Word[]): string[] {
  if (args[0]?.text === '(') {
    const end = args.findIndex((w) => w.text === ')')
    return args.slice(1, end < 0 ? undefined : end).map((w) => w.value)
  }
  return args[0] && args[1]?.text !== '=' ? [args[0].value] : []
}

function condValues(args: readonly Word[], key: string): string[] {
  const i = args.findIndex((w, j) => w.text === key && args[j + 1]?.text === '=')
  if (i < 0) return []
  if (args[i + 2]?.text === '(') {
    const end = args.findIndex((w, j) => j > i && w.text === ')')
    return args.slice(i + 3, end < 0 ? undefined : end).map((w) => w.value)
  }
  return args[i + 2] ? [(args[i + 2] as Word).value] : []
}

function describeRule(p: PlacedRule): DecidingRule {
  return {
    file: p.file,
    line: p.rule.pos.line,
    column: p.rule.pos.column,
    rule: `${qualifierText(p.qualifiers)}${words(p.rule.words)},`,
    effect: p.qualifiers.access === 'deny' ? 'deny' : 'allow',
  }
}

