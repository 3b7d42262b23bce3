/**
 * `profile suggest`: aa-logprof without the questions. From ALLOWED/DENIED records, the rules each
 * profile lacks, written into its file (or a new profile). `style: 'logprof'` gives what
 * aa-logprof writes when every question gets its default answer; the default style globs with
 * tunables, library versions and numbered names, and includes an abstraction only when it covers
 * several of the accesses; `style: 'exact'` gives the rules aa-logprof derives from the log before
 * it asks (logged paths as they are, no abstraction), as upstream's test_multi `.profile` files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fieldString, type Event } from '../../event/event.js'
import type { Profile, ProfileFile, Rule, Word } from './ast.js'
import { formatMode, type FileMode, type Perm } from './mode.js'
import { fileRuleData } from './validate.js'
import { Evaluator, findProfile, type Query } from './evaluate.js'
import { words } from './format.js'
import { toAccess } from './logaccess.js'
import { logprofRule, quoteIfNeeded, type LogprofRule } from './logrule.js'
import { parseProfileText } from './parser.js'
import { loadPolicy, type Policy } from './policy.js'

export interface SuggestOptions {
  /** Where the profiles live (also the include search path); default /etc/apparmor.d. */
  readonly profileDir?: string
  readonly style?: Style
  /** Propose rules for credential files too (never by default). */
  readonly allowSensitive?: boolean
}

/** How accesses become rules: see the module comment and docs/profiles.md. */
export type Style = 'default' | 'logprof' | 'exact'

export interface ProposedProfile {
  readonly name: string
  readonly file: string
  readonly created: boolean
  /** The whole proposed file. */
  readonly content: string
  /** The file as it is now ('' for a new profile). */
  readonly original: string
  /** The lines added, in order. */
  readonly added: readonly string[]
  /** Accesses not turned into rules because they touch credential files. */
  readonly withheld: readonly string[]
}

/** Credential files: never proposed without allowSensitive. */
const SENSITIVE = [/^\/etc\/g?shadow/, /^\/etc\/sudoers/, /\/\.ssh\//, /^\/etc\/ssh\/ssh_host_.*key/, /\/\.gnupg\//, /\/\.aws\//, /\/\.kube\/config$/, /\/\.netrc$/, /\/\.pgpass$/, /\/\.git-credentials$/, /^\/etc\/security\/opasswd$/, /^\/proc\/kcore$/]

/** aa-logprof's [globs] table (Debian's /etc/apparmor/logprof.conf), in its order. */
const LOGPROF_GLOBS: readonly [RegExp, string][] = [
  [/\/lib\/lib[^/]+so[^/]*$/, '/lib/lib*so*'],
  [/^\/lib\/modules\/[^/]+\//, '/lib/modules/*/'],
  [/^\/proc\/\d+\//, '/proc/*/'],
  [/^\/home\/[^/]+/, '/home/*'],
  [/^\/usr\/lib\/[^/]+\/perl5?\/.+$/, '/usr/lib/@{multiarch}/perl{,5}/**'],
  [/^\/usr\/lib\/locale\/.+$/, '/usr/lib/locale/**'],
  [/^\/usr\/share\/locale\/.+$/, '/usr/share/locale/**'],
  [/^\/usr\/share\/zoneinfo\/.+$/, '/usr/share/zoneinfo/**'],
  [/\/fonts\/.+$/, '/fonts/**'],
  [/^\/etc\/security\/_[^/]+$/, '/etc/security/*'],
  [/^\/lib\/security\/pam_filter\/[^/]+$/, '/lib/security/pam_filter/*'],
  [/^\/lib\/security\/pam_[^/]+\.so$/, '/lib/security/pam_*.so'],
  [/^\/etc\/pam\.d\/[^/]+$/, '/etc/pam.d/*'],
  [/^\/etc\/profile\.d\/[^/]+\.sh$/, '/etc/profile.d/*.sh'],
]

/** Escapes AARE special characters in a logged path (as aa-logprof does). */
export function escapeAare(path: string): string {
  return path.replace(/[\\?*[\]{}"!]/g, '\\$&')
}

/** The default style's path generalization: tunables, library versions, numbered names. */
export function globPath(path: string): string {
  let p = escapeAare(path)
  p = p.replace(/^\/proc\/\d+\/task\/\d+\//, '@{PROC}/@{pid}/task/@{tid}/')
  p = p.replace(/^\/proc\/\d+\//, '@{PROC}/@{pid}/').replace(/^\/proc\//, '@{PROC}/')
  p = p.replace(/^\/home\/[^/]+\//, '@{HOME}/').replace(/^\/root\//, '@{HOME}/')
  p = p.replace(/^@\{HOME\}\/\.local\/share\//, '@{user_share_dirs}/')
  p = p.replace(/^\/run\/user\/\d+\//, '/run/user/@{uid}/').replace(/^\/(var\/)?run\//, '@{run}/')
  p = p.replace(/^\/sys\//, '@{sys}/')
  p = p.replace(/\/(lib[^/]*\.so)(\.\d+)+$/, '/$1*')
  p = p.replace(/\/([^/]*?)\d{3,}([^/]*)$/, '/$1[0-9]*$2')
  return p
}

export function logprofGlob(path: string): string {
  const raw = escapeAare(path)
  let p = raw
  for (const [re, to] of LOGPROF_GLOBS) p = p.replace(re, to)
  // aa-logprof sorts its candidates and preselects the first: the glob sorts before the raw path.
  return [p, raw].sort()[0] as string
}

const isSensitive = (path: string) => SENSITIVE.some((re) => re.test(path))

/** A logged access: the rule aa-logprof derives from it, and the query that tells whether a profile allows it already. */
interface Wanted {
  readonly rule: LogprofRule
  readonly query?: Query
}

interface Draft {
  readonly lines: string[]
  readonly withheld: string[]
  /** Whether a line needs AppArmor 4's language. */
  readonly v4: boolean
  /** Existing rules whose permissions grow: the new text of their permission word. */
  readonly widen: { readonly line: number; readonly column: number; readonly old: string; readonly mode: string }[]
}

export function suggest(events: readonly Event[], opts: SuggestOptions = {}): ProposedProfile[] {
  const dir = opts.profileDir ?? '/etc/apparmor.d'
  const style = opts.style ?? 'default'
  const index = profileIndex(dir)
  const byProfile = new Map<string, Wanted[]>()
  for (const e of events) {
    if (e.kind !== 'apparmor') continue
    const status = fieldString(e, 'apparmor.status')
    const name = fieldString(e, 'apparmor.profile')
    if ((status !== 'ALLOWED' && status !== 'DENIED') || !name) continue
    // aa-logprof ignores null-* profiles (children it cannot name).
    if (name === 'unconfined' || name.includes('//null-')) continue
    const rule = logprofRule(e)
    if ('skip' in rule) continue
    const c = toAccess(e)
    // The query only when it is the same kind of access (a unix record evaluates as `network unix`).
    const query = c.ok && (c.access.query.kind === 'file') === (rule.kind !== 'rule') ? c.access.query : undefined
    byProfile.set(name, [...(byProfile.get(name) ?? []), { rule, ...(query ? { query } : {}) }])
  }
  const abstractions = new Abstractions(dir)
  const out: ProposedProfile[] = []
  // Hats and children (`a//b`) are written into their parent's file.
  const byTop = new Map<string, Map<string, Wanted[]>>()
  for (const [name, accesses] of byProfile) {
    const [top = name, ...rest] = name.split('//')
    const subs = byTop.get(top) ?? new Map<string, Wanted[]>()
    subs.set(rest.join('//'), accesses)
    byTop.set(top, subs)
  }
  for (const [top, subs] of byTop) {
    const file = index.get(top)
    const policy = file ? loadPolicy(file, { includeDirs: [dir] }) : undefined
    const original = file ? readFileSync(file, 'utf8') : ''
    const lines = original ? original.split('\n') : []
    const added: string[] = []
    const withheld: string[] = []
    const inserts: { line: number; text: string[] }[] = []
    let newBody: string[] | undefined
    let v4 = false
    for (const [sub, accesses] of [...subs].sort(([a], [b]) => a.localeCompare(b))) {
      const parent = policy ? findProfile(policy, top) : undefined
      const target = parent && sub ? (findProfile(policy as Policy, `${top}//${sub}`) ?? undefined) : parent
      const draft = rulesFor(accesses, policy, target, { style, allowSensitive: opts.allowSensitive === true, index, abstractions })
      withheld.push(...draft.withheld)
      v4 ||= draft.v4
      if (draft.lines.length === 0 && draft.widen.length === 0) continue
      for (const w of draft.widen) {
        const l = lines[w.line - 1] ?? ''
        lines[w.line - 1] = l.slice(0, w.column - 1) + w.mode + l.slice(w.column - 1 + w.old.length)
        added.push(lines[w.line - 1]?.trim() ?? '')
      }
      if (target) {
        if (draft.lines.length) {
          const indent = ' '.repeat(target.pos.column + 1)
          inserts.push({ line: target.end.line - 1, text: draft.lines.map((l) => indent + l) })
          added.push(...draft.lines)
        }
      } else if (parent) {
        const indent = ' '.repeat(parent.pos.column + 1)
        const block = [`${indent}^${sub} {`, ...draft.lines.map((l) => `${indent}  ${l}`), `${indent}}`]
        inserts.push({ line: parent.end.line - 1, text: block })
        added.push(...block.map((l) => l.trim()))
      } else {
        newBody = [...(newBody ?? []), ...(sub ? [`^${sub} {`, ...draft.lines.map((l) => `  ${l}`), '}'] : draft.lines)]
        added.push(...draft.lines)
      }
    }
    if (added.length === 0 && withheld.length === 0) continue
    let content: string
    if (file) {
      // From the bottom up, so earlier line numbers stay valid; at one line, later inserts first.
      const ordered = inserts.map((ins, i) => ({ ...ins, i })).sort((a, b) => b.line - a.line || b.i - a.i)
      for (const ins of ordered) lines.splice(ins.line, 0, ...ins.text)
      content = lines.join('\n')
    } else content = newProfileText(top, newBody ?? [], undefined, v4 ? '4.0' : '3.0')
    out.push({ name: top, file: file ?? join(dir, fileNameFor(top)), created: !file, content, original, added, withheld })
  }
  return out
}

/** `/usr/bin/foo` → `usr.bin.foo`, the naming convention of /etc/apparmor.d. */
export function fileNameFor(name: string): string {
  return name.replace(/^\//, '').replace(/\//g, '.')
}

/** A new profile in aa-autodep's shape, with the proposed rules. */
export function newProfileText(name: string, body: readonly string[], flags?: string, abi: '3.0' | '4.0' = '3.0'): string {
  const header = name.startsWith('/') ? quoteIfNeeded(name) : `profile ${quoteIfNeeded(name)}`
  return [
    '# Generated by armorwatch.',
    `abi <abi/${abi}>,`,
    '',
    'include <tunables/global>',
    '',
    `${header}${flags ? ` flags=(${flags})` : ''} {`,
    '  include <abstractions/base>',
    ...(body.length ? ['', ...body.map((l) => (l ? `  ${l}` : ''))] : []),
    '',
    `  include if exists <local/${fileNameFor(name)}>`,
    '}',
    '',
  ].join('\n')
}

interface RuleContext {
  readonly style: Style
  readonly allowSensitive: boolean
  readonly index: ReadonlyMap<string, string>
  readonly abstractions: Abstractions
}

/** The rule lines one profile needs for its accesses, sorted: includes, then by rule kind. */
function rulesFor(accesses: readonly Wanted[], policy: Policy | undefined, profile: Profile | undefined, ctx: RuleContext): Draft {
  const ev = policy && profile ? new Evaluator(policy, profile) : undefined
  // Kinds the evaluator does not model are known when the profile has the same rule (spacing aside).
  const squash = (s: string) => s.replace(/\s+/g, '')
  const known = new Set(policy && profile ? policy.rules(profile).map((p) => squash(`${words(p.rule.words)},`)) : [])
  const withheld = new Set<string>()
  let pending: Wanted[] = []
  const seen = new Set<string>()
  for (const a of accesses) {
    const r = a.rule
    if (r.kind === 'file' && isSensitive(r.path) && !ctx.allowSensitive) {
      withheld.add(`${r.perms} ${r.path}`)
      continue
    }
    const key = JSON.stringify(r)
    if (seen.has(key)) continue
    seen.add(key)
    if (ev && a.query && ev.evaluate(a.query).enforce === 'allowed') continue
    if (r.kind === 'rule' && known.has(squash(r.text))) continue
    pending.push(a)
  }
  const includes: string[] = []
  if (ctx.style === 'logprof') {
    // aa-logprof lists the abstractions covering an access first, alphabetically, and preselects the first.
    pending = pending.filter((a) => {
      const hit = a.rule.kind === 'exec' || !a.query ? undefined : ctx.abstractions.covering([a.query])[0]
      if (hit) includes.push(hit)
      return !hit
    })
  } else if (ctx.style === 'default') {
    for (;;) {
      const best = ctx.abstractions.best(pending.flatMap((a) => (a.query ? [a.query] : [])))
      if (!best) break
      includes.push(best.name)
      pending = pending.filter((a) => !a.query || !best.covered.includes(a.query))
    }
  }
  const files = new Map<string, { owner: boolean; path: string; perms: Set<string>; exec?: string }>()
  const other: string[] = []
  let v4 = false
  const glob = { default: globPath, logprof: logprofGlob, exact: escapeAare }[ctx.style]
  for (const { rule: r } of pending) {
    if (r.kind === 'rule') {
      const text = ctx.style === 'default' && r.coarse ? r.coarse : r.text
      other.push(text)
      v4 ||= text === r.text && r.v4 === true
      continue
    }
    const owner = r.kind === 'file' && r.owner
    const path = quoteIfNeeded(glob(r.path))
    const key = `${owner ? 'owner ' : ''}${path}`
    const f = files.get(key) ?? { owner, path, perms: new Set<string>() }
    if (r.kind === 'file') for (const c of r.perms) f.perms.add(c)
    // aa-logprof's default exec answer: Px when the target has a profile, else ix with the mr inheriting needs.
    else if (ctx.index.has(r.path)) f.exec = 'Px'
    else {
      f.exec = 'ix'
      f.perms.add('m').add('r')
    }
    files.set(key, f)
  }
  const order = 'mrwalk'
  // aa-logprof merges new permissions into a rule for the same path: widen it in place.
  const widen: Draft['widen'][number][] = []
  const own = profile ? ownFileRules(profile) : new Map<string, { rule: Rule; mode: FileMode; word: Word }>()
  for (const [key, f] of files) {
    const existing = own.get(key)
    if (!existing || (f.exec && existing.mode.exec && f.exec !== existing.mode.exec)) continue
    const perms = new Set<Perm>([...existing.mode.perms, ...([...f.perms] as Perm[])])
    const exec = existing.mode.exec ?? f.exec
    if (exec) perms.add('x')
    widen.push({ line: existing.word.pos.line, column: existing.word.pos.column, old: existing.word.text, mode: formatMode({ perms, ...(exec ? { exec } : {}) }) })
    files.delete(key)
  }
  // Several records can ask for both w and a: w covers a.
  const permText = (perms: Set<string>) => [...perms].filter((p) => p !== 'a' || !perms.has('w')).sort((x, y) => order.indexOf(x) - order.indexOf(y)).join('')
  const fileLines = [...files.values()].sort((a, b) => a.path.localeCompare(b.path)).map((f) => `${f.owner ? 'owner ' : ''}${f.path} ${permText(f.perms)}${f.exec ?? ''},`)
  const lines = [...[...new Set(includes)].sort().map((n) => `include <abstractions/${n}>`), ...[...new Set(other)].sort(), ...fileLines]
  return { lines, withheld: [...withheld], widen, v4 }
}

/**
 * The plain allow file rules written directly in a profile (one per line, no target), by
 * `[owner ]path`: the rules suggest may widen.
 */
function ownFileRules(profile: Profile): Map<string, { rule: Rule; mode: FileMode; word: Word }> {
  const out = new Map<string, { rule: Rule; mode: FileMode; word: Word }>()
  for (const n of profile.body) {
    if (n.type !== 'rule' || n.kind !== 'file' || n.qualifiers.access === 'deny' || n.qualifiers.audit) continue
    const { data } = fileRuleData(n)
    const word = n.words.find((w) => w !== data?.path && w.text !== 'file' && /^[A-Za-z]+$/.test(w.text))
    if (!data?.path || !data.mode || data.target || !word || word.pos.line !== data.path.pos.line) continue
    out.set(`${n.qualifiers.owner ? 'owner ' : ''}${data.path.text}`, { rule: n, mode: data.mode, word })
  }
  return out
}

/** Whether a file rule's path names at least two literal components (`/etc/ssl/...`, `@{etc_ro}/passwd`). */
function specificRule(text: string): boolean {
  const path = text.split(/\s+/).find((w) => /^["/@]/.test(w))
  if (!path) return false
  const literal = path.replace(/^"/, '').replace(/@\{[^}]*\}/g, 'V').split(/[*?[{]/)[0] ?? ''
  return literal.split('/').filter(Boolean).length >= 2
}

/** Name (and attachment) of every top-level profile in the directory → its file. */
export function profileIndex(dir: string): Map<string, string> {
  const out = new Map<string, string>()
  let names: string[]
  try {
    names = readdirSync(dir).sort()
  } catch {
    return out
  }
  for (const n of names) {
    const f = join(dir, n)
    if (n.startsWith('.') || !statSync(f, { throwIfNoEntry: false })?.isFile()) continue
    let text: string
    try {
      text = readFileSync(f, 'utf8')
    } catch {
      continue
    }
    for (const node of parseProfileText(text, f).file.body) {
      if (node.type !== 'profile') continue
      out.set(node.name.value, f)
      if (node.attachment) out.set(node.attachment.value, f)
    }
  }
  return out
}

/** The abstractions of a profile directory, each loaded once as a probe profile, on demand. */
class Abstractions {
  private loaded?: { name: string; ev: Evaluator }[]
  private readonly cache = new Map<string, ProfileFile>()

  constructor(private readonly dir: string) {}

  private all(): { name: string; ev: Evaluator }[] {
    if (this.loaded) return this.loaded
    const base = join(this.dir, 'abstractions')
    let names: string[]
    try {
      names = readdirSync(base).filter((n) => statSync(join(base, n)).isFile() && !n.startsWith('.')).sort()
    } catch {
      names = []
    }
    this.loaded = names.flatMap((name) => {
      const policy = loadPolicy(join(this.dir, `.armorwatch-probe-${name}`), { includeDirs: [this.dir], cache: this.cache }, `include <tunables/global>\nprofile probe {\n  include <abstractions/${name}>\n}\n`)
      const p = policy.profiles[0]
      return policy.errors.length || !p ? [] : [{ name, ev: new Evaluator(policy, p) }]
    })
    return this.loaded
  }

  /** Abstractions that allow every one of the queries, alphabetically. */
  covering(qs: readonly Query[]): string[] {
    return this.all()
      .filter((a) => qs.every((q) => a.ev.evaluate(q).enforce === 'allowed'))
      .map((a) => a.name)
  }

  /**
   * The abstraction covering the most file accesses with specific rules (not `/tmp/**`-style
   * catch-alls), if it covers at least two of them.
   */
  best(qs: readonly Query[]): { name: string; covered: Query[] } | undefined {
    if (qs.length < 2) return undefined
    let top: { name: string; covered: Query[] } | undefined
    for (const a of this.all()) {
      const covered = qs.filter((q) => {
        if (q.kind !== 'file' || q.mode.includes('x')) return false
        const d = a.ev.evaluate(q)
        return d.enforce === 'allowed' && d.rules.some((r) => specificRule(r.rule))
      })
      if (covered.length >= 2 && covered.length > (top?.covered.length ?? 0)) top = { name: a.name, covered }
    }
    return top
  }
}
