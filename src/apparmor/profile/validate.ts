/**
 * What the words of each rule kind may be (socket rules in socket.ts, mount rules in mount.ts,
 * rlimits in rlimit.ts; profile headers in header.ts). Messages follow apparmor_parser's where it
 * has one, with the position of the offending word.
 */
import type { Diagnostic, Profile, Rule, Word } from './ast.js'
import { checkAare } from './aare.js'
import { splitArgs, type Cond } from './conds.js'
import { mount } from './mount.js'
import { parseMode, type FileMode } from './mode.js'
import { rlimit } from './rlimit.js'
import { network, unix } from './socket.js'
import { expand, references, type Variables } from './variables.js'
import {
  CAPABILITIES,
  DBUS_ACCESS,
  MQUEUE_ACCESS,
  PTRACE_ACCESS,
  RW_LETTERS,
  SIGNAL_ACCESS,
  SIGNALS,
} from './tables.js'

export interface ValidateOptions {
  /** The language level: 3 (Debian 12's apparmor_parser 3.0.8, the default) or 4 (4.x/5.x syntax). */
  readonly abi: 3 | 4
  /** The file's variables: patterns and attach_disconnected.path= are checked after expansion. */
  readonly variables?: Variables
}

type Report = (at: Word | Rule | Profile, message: string) => void

const MODE_WORD = /^[RrWwaLlMmkXxIiPpCcUu]+$/

/** A file rule's meaning: `file,` has neither path nor mode. */
export interface FileRuleData {
  readonly path?: Word
  readonly mode?: FileMode
  readonly target?: Word
}

/** Reads the words of a file rule (`[file] PATH MODE [-> T]` or `[file] MODE PATH [-> T]`). */
export function fileRuleData(rule: Rule): { data?: FileRuleData; error?: { at: Word | Rule; message: string } } {
  let words = rule.words
  if (words[0]?.text === 'file' && !words[0].quoted) words = words.slice(1)
  if (words.length === 0) return rule.words.length ? { data: {} } : { error: { at: rule, message: 'empty rule' } }
  // `[file] safe|unsafe ...`: the exec mode prefix, which needs exec permissions.
  const execMode = words[0] && !words[0].quoted && (words[0].text === 'safe' || words[0].text === 'unsafe') && words.length > 1 ? words[0] : undefined
  if (execMode) words = words.slice(1)
  let path: Word | undefined
  let modeWord: Word | undefined
  const [a, b] = words
  if (a && !a.quoted && MODE_WORD.test(a.text) && b) {
    modeWord = a
    path = b
  } else {
    path = a
    modeWord = b
  }
  if (!path || !isPathWord(path)) return { error: { at: path ?? rule, message: `expected a path, found '${path?.text ?? ''}'` } }
  if (!modeWord) return { error: { at: path, message: `missing permissions after ${path.text} (for example 'r' or 'rw')` } }
  if (modeWord.quoted || !/^[A-Za-z]+$/.test(modeWord.text)) return { error: { at: modeWord, message: `expected permissions, found '${modeWord.text}'` } }
  const parsed = parseMode(modeWord.text, rule.qualifiers.access === 'deny')
  if (!parsed.ok) return { error: { at: modeWord, message: parsed.message } }
  const rest = words.slice(2)
  let target: Word | undefined
  if (rest.length > 0) {
    if (rest[0]?.text !== '->' || rest.length !== 2) return { error: { at: rest[0] as Word, message: `unexpected '${rest[0]?.text}' after the permissions: expected '-> TARGET' or ','` } }
    target = rest[1]
  }
  const exec = parsed.mode.exec
  if (execMode && !exec) return { error: { at: execMode, message: `${execMode.text} rule missing exec permissions` } }
  // `unsafe Px` is `px` (lower case: the environment is not scrubbed), `safe px` is `Px`.
  const mode = exec && execMode ? { ...parsed.mode, exec: exec.replace(/[pcuPCU]/g, (c) => (execMode.text === 'unsafe' ? c.toLowerCase() : c.toUpperCase())) } : parsed.mode
  return { data: { path, mode, ...(target ? { target } : {}) } }
}

function isPathWord(w: Word): boolean {
  // apparmor_parser 3.0.8 lexes a bare name (letters and '_') as an identifier it accepts as a
  // path; `var/log/x` lexes as two tokens and is a syntax error.
  return w.quoted || /^(\/|:|@\{[A-Za-z][A-Za-z0-9_]*\})/.test(w.text) || (/^[A-Za-z_]+$/.test(w.text) && !MODE_WORD.test(w.text))
}

/** Checks one rule; `report` gets every problem. */
export function validateRule(rule: Rule, opts: ValidateOptions, report: Report): void {
  const q = rule.qualifiers
  if (q.owner && rule.kind !== 'file' && rule.kind !== 'link') report(rule, `owner prefix not allowed on ${rule.kind} rules`)
  if (q.priority !== undefined && opts.abi < 4) report(rule, 'priority= needs AppArmor 4 (use --abi 4)')
  const args = rule.words.slice(1)
  switch (rule.kind) {
    case 'file': {
      const r = fileRuleData(rule)
      if (r.error) report(r.error.at, r.error.message)
      else if (r.data?.path) aare(r.data.path, opts, report)
      // `file,` stands for every path with inherited exec (ix), which a deny rule cannot hold
      // (upstream keeps `deny file,` as a known bug: launchpad #1215637).
      else if (q.access === 'deny') report(rule, "Invalid mode, in deny rules 'x' must not be preceded by exec qualifier 'i', 'p', or 'u'")
      return
    }
    case 'link': {
      let w = args
      if (w[0]?.text === 'subset') w = w.slice(1)
      if (w.length !== 3 || w[1]?.text !== '->') return report(rule, "link rules are 'link [subset] /path -> /target,'")
      aare(w[0] as Word, opts, report)
      aare(w[2] as Word, opts, report)
      return
    }
    case 'capability':
      for (const w of args) if (!CAPABILITIES.has(w.value)) report(w, `Invalid capability ${w.text}.`)
      return
    case 'network':
      return network(rule, args, opts, report)
    case 'signal':
      return void simple(rule, args, opts, report, { perms: SIGNAL_ACCESS, letters: true, conds: { set: { repeat: true, check: signalName }, peer: { aare: true } } })
    case 'ptrace':
      return void simple(rule, args, opts, report, { perms: PTRACE_ACCESS, letters: true, conds: { peer: { aare: true } } })
    case 'dbus':
      return dbus(rule, args, opts, report)
    case 'unix':
      return unix(rule, args, opts, report, (w) => aare(w, opts, report))
    case 'mount':
    case 'remount':
    case 'umount':
      return mount(rule, args, opts, report)
    case 'pivot_root': {
      // `pivot_root [oldroot=PATH] [NEW_ROOT] [-> PROFILE],`
      const arrow = args.findIndex((w) => w.text === '->' && !w.quoted)
      if (arrow >= 0 && args.length - arrow - 1 !== 1) return report(args[arrow] as Word, "'->' needs exactly one target")
      return void simple(rule, arrow < 0 ? args : args.slice(0, arrow), opts, report, { conds: { oldroot: {} }, ids: 1 })
    }
    case 'change_profile': {
      const mode = args[0]?.text === 'safe' || args[0]?.text === 'unsafe' ? args[0] : undefined
      const w = mode ? args.slice(1) : args
      const arrow = w.findIndex((x) => x.text === '->')
      const before = arrow < 0 ? w : w.slice(0, arrow)
      const exec = before[0]
      if (before.length > 1) return report(before[1] as Word, `unexpected '${before[1]?.text}' in change_profile rule`)
      if (arrow >= 0 && w.length - arrow - 1 !== 1) return report(w[arrow] as Word, "change_profile '->' needs one profile name")
      if (mode && !exec) return report(mode, 'Exec condition is required when unsafe or safe keywords are present')
      if (exec && !/^(\/|@\{)/.test(exec.value)) return report(exec, "Exec condition must begin with '/'.")
      return
    }
    case 'rlimit':
      return rlimit(rule, args, report)
    case 'userns':
    case 'io_uring':
    case 'mqueue':
    case 'all':
      if (opts.abi < 4) return report(rule, `'${rule.kind}' rules need AppArmor 4 (use --abi 4)`)
      if (rule.kind === 'userns') return void simple(rule, args, opts, report, { perms: new Set(['create']) })
      if (rule.kind === 'all' && args.length) return report(args[0] as Word, "'all' takes no arguments")
      if (rule.kind === 'mqueue') return mqueue(rule, args, opts, report)
      if (rule.kind === 'io_uring') return void simple(rule, args, opts, report, { perms: new Set(['sqpoll', 'override_creds']), conds: { label: { aare: true } } })
      return
  }
}


export function signalName(v: string): string | undefined {
  if (SIGNALS.has(v)) return undefined
  const rt = /^rtmin\+(\d+)$/.exec(v)
  if (rt && Number(rt[1]) <= 32) return undefined
  return `unknown signal "${v}"`
}

interface SimpleSpec {
  readonly perms?: ReadonlySet<string>
  /** Whether `r`/`w` letter words (`rw`, `wr`) are accesses too, as for signal, ptrace and mqueue. */
  readonly letters?: true
  /** Each conditional: whether it may be repeated, a check of each value, whether values are AAREs. */
  readonly conds?: Readonly<Record<string, { readonly repeat?: true; readonly check?: (v: string) => string | undefined; readonly aare?: true }>>
  /** How many bare words may follow the conditionals (a mount point, a queue name). */
  readonly ids?: number
}

/**
 * A rule of the common shape without a `peer=( )` group: accesses from `perms`, conditionals
 * from `conds` (never `in`, each once unless `repeat`), then at most `ids` bare words.
 */
function simple(rule: Rule, args: readonly Word[], opts: ValidateOptions, report: Report, spec: SimpleSpec): { ids: readonly Word[]; conds: readonly Cond[] } | undefined {
  const perms = spec.perms
  const isPerm = (w: Word): boolean => !w.quoted && (perms?.has(w.text) === true || (spec.letters === true && RW_LETTERS.test(w.text)))
  const split = splitArgs(rule, args, isPerm)
  if (!split.ok) return void report(split.at, split.message)
  const { ids, conds, group } = split.args
  const badPerm = split.args.perms?.find((p) => !isPerm(p))
  if (badPerm) return void report(badPerm, perms ? `invalid access '${badPerm.text}' in ${rule.kind} rule (valid: ${[...perms].join(' ')})` : `unexpected '${badPerm.text}' in ${rule.kind} rule`)
  if (group) return void report(group.name, `unexpected conditional group ${group.name.text}=( ) in ${rule.kind} rule`)
  const seen = new Set<string>()
  for (const c of conds) {
    const key = c.key.text
    const cs = spec.conds?.[key]
    if (!cs) return void report(c.key, `invalid ${rule.kind} rule conditional "${key}"`)
    if (c.op === 'in') return void report(c.key, `keyword "in" is not allowed in ${rule.kind} rules`)
    if (seen.has(key) && !cs.repeat) return void report(c.key, `${rule.kind} conditional "${key}" can only be specified once`)
    seen.add(key)
    for (const v of c.values) {
      const msg = cs.check?.(v.value) ?? (cs.aare ? aareError(v.value, opts.variables) : undefined)
      if (msg) return void report(v, msg)
    }
  }
  const max = spec.ids ?? 0
  const extra = ids[max] ?? ids.find((x) => !x.afterConds && max > 0 && conds.length > 0)
  if (extra) return void report(extra.word, `unexpected '${extra.word.text}' in ${rule.kind} rule`)
  return { ids: ids.map((x) => x.word), conds }
}

/** The D-Bus conditionals; `label` only inside `peer=( )`. */
const DBUS_CONDS: ReadonlySet<string> = new Set(['bus', 'name', 'path', 'interface', 'member', 'label'])

/**
 * dbus rules (dbus.cc): message rules (path, interface, member, a peer) and service rules (a
 * local `name`) cannot be mixed, `bind` is for service rules only, send/receive for message
 * rules only, and `eavesdrop` takes only `bus`.
 */
function dbus(rule: Rule, args: readonly Word[], opts: ValidateOptions, report: Report): void {
  const isPerm = (w: Word): boolean => !w.quoted && (DBUS_ACCESS.has(w.text) || RW_LETTERS.test(w.text))
  const split = splitArgs(rule, args, isPerm)
  if (!split.ok) return report(split.at, split.message)
  const { perms, ids, conds, group } = split.args
  const badPerm = perms?.find((p) => !isPerm(p))
  if (badPerm) return report(badPerm, `invalid access '${badPerm.text}' in dbus rule (valid: ${[...DBUS_ACCESS].join(' ')})`)
  if (ids[0]) return report(ids[0].word, `unexpected '${ids[0].word.text}' in dbus rule`)
  if (group && group.name.text !== 'peer') return report(group.name, `dbus rule: invalid conditional group ${group.name.text}=()`)
  const seen = new Set<string>()
  for (const [list, peer] of [[conds, false], [group?.conds ?? [], true]] as const) {
    for (const c of list) {
      const key = c.key.text
      if (!DBUS_CONDS.has(key)) return report(c.key, `invalid dbus conditional "${key}"`)
      if (c.op === 'in') return report(c.key, 'keyword "in" is not allowed in dbus rules')
      if (c.values.length !== 1) return report(c.key, `dbus conditional "${key}" only supports a single value`)
      if (key === 'label' && !peer) return report(c.key, 'dbus "label" conditional can only be used inside of the "peer=()" grouping')
      // Local and peer conditionals fill the same fields: `name` in both is a duplicate.
      if (seen.has(key)) return report(c.key, `dbus conditional "${key}" can only be specified once`)
      seen.add(key)
      // 3.0.8 compiles D-Bus values without checking their pattern syntax; 4.x checks it.
      const msg = opts.abi >= 4 ? aareError((c.values[0] as Word).value, opts.variables) : undefined
      if (msg) return report(c.values[0] as Word, msg)
    }
  }
  const local = new Set(conds.map((c) => c.key.text))
  const service = local.has('name')
  const message = ['path', 'interface', 'member', 'label'].some((k) => seen.has(k)) || group?.conds.some((c) => c.key.text === 'name') === true
  if (message && service) return report(rule, 'dbus rule contains message conditionals and service conditionals')
  const access = new Set((perms ?? []).flatMap((p) => DBUS_PERM_BITS[p.text] ?? [...p.text].map((c) => (c === 'r' ? 'receive' : 'send'))))
  if (message && access.has('bind')) return report(rule, 'dbus "bind" access cannot be used with message rule conditionals')
  if (service && (access.has('send') || access.has('receive'))) return report(rule, 'dbus "send" and/or "receive" accesses cannot be used with service rule conditionals')
  if (access.has('eavesdrop') && [...seen].some((k) => k !== 'bus')) return report(rule, 'dbus "eavesdrop" access can only contain a bus conditional')
}

/** What each dbus access word grants. */
const DBUS_PERM_BITS: Readonly<Record<string, readonly string[]>> = {
  send: ['send'],
  write: ['send'],
  receive: ['receive'],
  read: ['receive'],
  bind: ['bind'],
  eavesdrop: ['eavesdrop'],
}

/**
 * mqueue rules (mqueue.cc): `type=posix|sysv`, `label=`, then the queue name, which is a path
 * for POSIX queues and a positive integer for System V ones.
 */
function mqueue(rule: Rule, args: readonly Word[], opts: ValidateOptions, report: Report): void {
  const r = simple(rule, args, opts, report, { perms: MQUEUE_ACCESS, letters: true, conds: { type: { check: mqueueType }, label: { aare: true } }, ids: 1 })
  const name = r?.ids[0]
  if (!r || !name) return
  const type = r.conds.find((c) => c.key.text === 'type')?.values[0]?.value
  if (name.value.startsWith('/')) {
    if (type === 'sysv') report(name, `mqueue type=sysv invalid name '${name.value}', sysv message queues must be identified by a positive integer.`)
  } else if (/^\d+$/.test(name.value)) {
    if (type === 'posix') report(name, `mqueue type=posix invalid name '${name.value}', posix message queues names must begin with a /`)
  } else report(name, `mqueue invalid name '${name.value}', message queue names must begin with a / or be a positive integer.`)
}

const mqueueType = (v: string): string | undefined => (v === 'posix' || v === 'sysv' ? undefined : `mqueue invalid type='${v}'`)

/** Reports an invalid AARE; true when it is valid. */
function aare(w: Word, opts: ValidateOptions, report: Report): boolean {
  const msg = aareError(w.value, opts.variables)
  if (msg) report(w, msg)
  return msg === undefined
}

/** How many expansions of a pattern with variables are checked (their values are few in practice). */
const MAX_EXPANSIONS = 64

/**
 * apparmor_parser checks a pattern after expanding its variables, so `@{V}` may hold half of an
 * alternation (`@{V}={a,b` with `@{V}}/x`): each expansion is checked, not the text as written.
 */
export function aareError(value: string, vars: Variables | undefined): string | undefined {
  if (!vars || references(value).length === 0) return checkAare(value)
  let expanded: string[]
  try {
    expanded = expand(value, vars, MAX_EXPANSIONS)
  } catch {
    return checkAare(value) // an undefined or recursive variable is reported by the loader
  }
  for (const e of expanded) {
    const msg = checkAare(e)
    if (msg) return msg
  }
  return undefined
}

export type { Report }
export type { Diagnostic }
