/**
 * What the words of each rule kind may be, and the profile header checks (flags, attachment).
 * Messages follow apparmor_parser's where it has one, with the position of the offending word.
 */
import type { Diagnostic, Profile, Rule, Word } from './ast.js'
import { checkAare } from './aare.js'
import { parseMode, type FileMode } from './mode.js'
import {
  CAPABILITIES,
  DBUS_ACCESS,
  FLAGS_3,
  FLAGS_4,
  FLAGS_4_VALUED,
  MODE_FLAGS,
  MOUNT_OPTIONS,
  MQUEUE_ACCESS,
  NETWORK_ACCESS,
  NETWORK_DOMAINS,
  NETWORK_PROTOCOLS,
  NETWORK_TYPES,
  PTRACE_ACCESS,
  RLIMITS,
  SIGNAL_ACCESS,
  SIGNALS,
  UNIX_ACCESS,
} from './tables.js'

export interface ValidateOptions {
  /** The language level: 3 (Debian 12's apparmor_parser 3.0.8, the default) or 4 (4.x/5.x syntax). */
  readonly abi: 3 | 4
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
  return { data: { path, mode: parsed.mode, ...(target ? { target } : {}) } }
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
      else if (r.data?.path) aare(r.data.path, report)
      return
    }
    case 'link': {
      let w = args
      if (w[0]?.text === 'subset') w = w.slice(1)
      if (w.length !== 3 || w[1]?.text !== '->') return report(rule, "link rules are 'link [subset] /path -> /target,'")
      aare(w[0] as Word, report)
      aare(w[2] as Word, report)
      return
    }
    case 'capability':
      for (const w of args) if (!CAPABILITIES.has(w.value)) report(w, `Invalid capability ${w.text}.`)
      return
    case 'network':
      return network(rule, args, opts, report)
    case 'signal':
      return conds(rule, args, report, { access: SIGNAL_ACCESS, keys: { set: signalName, peer: any } })
    case 'ptrace':
      return conds(rule, args, report, { access: PTRACE_ACCESS, keys: { peer: any } })
    case 'dbus':
      return conds(rule, args, report, {
        access: DBUS_ACCESS,
        keys: { bus: any, path: any, interface: any, member: any, name: any, peer: any, label: any },
      })
    case 'unix':
      return conds(rule, args, report, {
        access: UNIX_ACCESS,
        // apparmor_parser 3.0.8 refuses protocol=, attr= and opt= although the man page lists them.
        keys: { type: socketType, addr: any, label: any, peer: any, ...(opts.abi >= 4 ? { protocol: any, attr: any, opt: any } : {}) },
      })
    case 'mount':
    case 'remount':
    case 'umount':
      return mount(rule, args, report)
    case 'pivot_root':
      return conds(rule, args, report, { keys: { oldroot: any }, positional: 1, arrow: true })
    case 'change_profile': {
      let w = args
      if (w[0]?.text === 'safe' || w[0]?.text === 'unsafe') w = w.slice(1)
      const arrow = w.findIndex((x) => x.text === '->')
      const before = arrow < 0 ? w : w.slice(0, arrow)
      if (before.length > 1) report(before[1] as Word, `unexpected '${before[1]?.text}' in change_profile rule`)
      if (arrow >= 0 && w.length - arrow - 1 !== 1) report(w[arrow] as Word, "change_profile '->' needs one profile name")
      return
    }
    case 'rlimit': {
      const [kw, name, le, value, ...more] = args
      if (kw?.text !== 'rlimit') return report(rule, "expected 'set rlimit NAME <= VALUE,'")
      if (!name || !RLIMITS.has(name.text)) return report(name ?? rule, `INVALID RLIMIT '${name?.text ?? ''}'`)
      if (le?.text !== '<=' || !value || more.length > 0) return report(le ?? name, "expected 'set rlimit NAME <= VALUE,'")
      // Size limits take K/M/G suffixes, cpu and rttime time units; the others are plain counts.
      const sized = ['fsize', 'data', 'stack', 'core', 'rss', 'as', 'memlock', 'msgqueue'].includes(name.text)
      const timed = name.text === 'cpu' || name.text === 'rttime'
      const ok = value.text === 'infinity' || (sized ? /^\d+[KMG]?B?$/i : timed ? /^\d+[a-z]*$/i : /^-?\d+$/).test(value.text)
      if (!ok) report(value, `invalid value '${value.text}' for rlimit ${name.text}`)
      else if (name.text === 'nice' && (Number(value.text) < -20 || Number(value.text) > 19)) report(value, `RLIMIT 'nice' out of range (-20 .. 19) ${value.text}`)
      return
    }
    case 'userns':
    case 'io_uring':
    case 'mqueue':
    case 'all':
      if (opts.abi < 4) return report(rule, `'${rule.kind}' rules need AppArmor 4 (use --abi 4)`)
      if (rule.kind === 'userns') return conds(rule, args, report, { access: new Set(['create']) })
      if (rule.kind === 'all' && args.length) return report(args[0] as Word, "'all' takes no arguments")
      if (rule.kind === 'mqueue') return conds(rule, args, report, { access: MQUEUE_ACCESS, keys: { type: any, label: any }, positional: 1 })
      if (rule.kind === 'io_uring') return conds(rule, args, report, { access: new Set(['sqpoll', 'override_creds']), keys: { label: any } })
      return
  }
}

const any = (): string | undefined => undefined
const socketType = (v: string): string | undefined => (NETWORK_TYPES.has(v) ? undefined : `socket rule: invalid socket type '${v}'`)

function signalName(v: string): string | undefined {
  if (SIGNALS.has(v)) return undefined
  const rt = /^rtmin\+(\d+)$/.exec(v)
  if (rt && Number(rt[1]) <= 32) return undefined
  return `unknown signal "${v}"`
}

interface CondSpec {
  readonly access?: ReadonlySet<string>
  readonly keys?: Record<string, (v: string) => string | undefined>
  /** How many bare (non key=value) words may follow, e.g. a mount point. */
  readonly positional?: number
  /** Whether `-> WORD` may end the rule. */
  readonly arrow?: boolean
}

/**
 * The shared shape of signal, ptrace, dbus, unix ... rules: an optional access word or `(list)`,
 * then `key=value` / `key=(list)` conditionals, then positional words.
 */
function conds(rule: Rule, args: readonly Word[], report: Report, spec: CondSpec): void {
  let i = 0
  const list = (): Word[] | undefined => {
    const out: Word[] = []
    if (args[i]?.text !== '(') return undefined
    for (i++; i < args.length && args[i]?.text !== ')'; i++) out.push(args[i] as Word)
    if (args[i]?.text !== ')') {
      report(rule, "unclosed '('")
      return out
    }
    i++
    return out
  }
  const accessOk = (w: Word) => {
    if (spec.access && !spec.access.has(w.text)) report(w, `invalid access '${w.text}' in ${rule.kind} rule (valid: ${[...spec.access].join(' ')})`)
  }
  if (spec.access) {
    if (args[0]?.text === '(') list()?.forEach(accessOk)
    else if (args[0] && !args[0].quoted && spec.access.has(args[0].text) && args[1]?.text !== '=') {
      i = 1
    }
  }
  let positional = 0
  const seen = new Set<string>()
  while (i < args.length) {
    const w = args[i] as Word
    if (args[i + 1]?.text === '=' || (args[i + 1]?.text === 'in' && args[i + 2]?.text === '(')) {
      const key = w.text
      if (seen.has(key)) report(w, `${rule.kind} conditional "${key}" can only be specified once`)
      seen.add(key)
      const check = spec.keys?.[key]
      if (!check) report(w, `unknown ${rule.kind} conditional '${key}'`)
      i += 2
      const values = args[i]?.text === '(' ? (list() ?? []) : args[i] ? [args[i++] as Word] : []
      if (values.length === 0) report(w, `${key}= needs a value`)
      // peer=(...) nests conditionals: key=value pairs whose keys are checked loosely.
      if (key === 'peer' && args[i - 1]?.text === ')') {
        for (let j = 0; j < values.length; j += 3) {
          if (values[j + 1]?.text !== '=' || values[j + 2] === undefined) {
            report(values[j] as Word, `peer=( ) takes key=value pairs, found '${values[j]?.text}'`)
            break
          }
        }
      }
      // A bare peer=LABEL is an AARE.
      if (key === 'peer' && args[i - 1]?.text !== ')') for (const v of values) aare(v, report)
      if (key !== 'peer') for (const v of values) {
        const msg = check?.(v.value)
        if (msg) report(v, msg)
      }
      continue
    }
    if (w.text === '->' && spec.arrow) {
      if (i + 2 !== args.length) report(w, "'->' needs exactly one target")
      return
    }
    if (w.text === '(' || w.text === ')' || w.text === '=' || w.text === '->') {
      report(w, `unexpected '${w.text}' in ${rule.kind} rule`)
      return
    }
    if (positional >= (spec.positional ?? 0)) {
      report(w, `unexpected '${w.text}' in ${rule.kind} rule`)
      return
    }
    positional++
    i++
  }
}

function network(rule: Rule, args: readonly Word[], opts: ValidateOptions, report: Report): void {
  let w = args
  if (w[0]?.text === '(' || (w[0] && NETWORK_ACCESS.has(w[0].text) && !NETWORK_DOMAINS.has(w[0].text))) {
    if (opts.abi < 4) return report(w[0], 'Invalid network entry: access lists need AppArmor 4 (use --abi 4)')
    if (w[0].text === '(') {
      const close = w.findIndex((x) => x.text === ')')
      for (const a of w.slice(1, close < 0 ? w.length : close)) if (!NETWORK_ACCESS.has(a.text)) report(a, `invalid network access '${a.text}'`)
      w = close < 0 ? [] : w.slice(close + 1)
    } else w = w.slice(1)
  }
  // Drop `key=value` and `key=( ... )` conditionals (4.x ip=, port=, peer=(...)); keep the rest.
  const positional: Word[] = []
  for (let i = 0; i < w.length; i++) {
    if (w[i + 1]?.text === '=') {
      i += 2
      if (w[i]?.text === '(') while (i < w.length && w[i]?.text !== ')') i++
      continue
    }
    positional.push(w[i] as Word)
  }
  if (positional.length !== w.length && opts.abi < 4) return report(rule, 'Invalid network entry: ip=/port=/peer= need AppArmor 4 (use --abi 4)')
  const [first, second, third] = positional
  if (third) return report(third, 'Invalid network entry.')
  if (!first) return
  const isType = (s: string) => NETWORK_TYPES.has(s) || NETWORK_PROTOCOLS.has(s)
  if (NETWORK_DOMAINS.has(first.text)) {
    if (!second) return
    if (NETWORK_TYPES.has(second.text)) return
    if (NETWORK_PROTOCOLS.has(second.text) && (first.text === 'inet' || first.text === 'inet6')) return
    return report(second, 'Invalid network entry.')
  }
  if (isType(first.text) && !second) return
  report(first, 'Invalid network entry.')
}

function mount(rule: Rule, args: readonly Word[], report: Report): void {
  let i = 0
  let positional = 0
  let arrow = false
  while (i < args.length) {
    const w = args[i] as Word
    const isKey = ['options', 'option', 'fstype', 'vfstype'].includes(w.text)
    if (isKey && (args[i + 1]?.text === '=' || args[i + 1]?.text === 'in')) {
      i += 2
      const values: Word[] = []
      if (args[i]?.text === '(') {
        for (i++; i < args.length && args[i]?.text !== ')'; i++) values.push(args[i] as Word)
        if (args[i]?.text !== ')') return report(w, "unclosed '('")
        i++
      } else if (args[i]) values.push(args[i++] as Word)
      if (values.length === 0) return report(w, `${w.text} needs a value`)
      if (w.text.startsWith('option')) {
        for (const v of values.flatMap((x) => x.value.split(','))) {
          if (v && !MOUNT_OPTIONS.has(v)) return report(w, `unsupported mount options '${v}'`)
        }
      }
      continue
    }
    if (w.text === '->') {
      if (rule.kind !== 'mount' || arrow) return report(w, `unexpected '->' in ${rule.kind} rule`)
      arrow = true
      positional = 0
      i++
      continue
    }
    if (['(', ')', '='].includes(w.text)) return report(w, `unexpected '${w.text}' in ${rule.kind} rule`)
    if (positional >= 1) return report(w, `unexpected '${w.text}' in ${rule.kind} rule`)
    positional++
    i++
  }
}

function aare(w: Word, report: Report): void {
  const msg = checkAare(w.value)
  if (msg) report(w, msg)
}

/** Checks a profile's header: attachment, flags. */
export function validateProfileHeader(p: Profile, opts: ValidateOptions, report: Report): void {
  if (p.attachment && !p.attachment.quoted && !/^(\/|@\{)/.test(p.attachment.value)) {
    report(p.attachment, "Profile attachment must begin with a '/' or variable.")
  } else if (p.attachment?.quoted && !/^(\/|@\{)/.test(p.attachment.value)) {
    report(p.attachment, "Profile attachment must begin with a '/' or variable.")
  }
  if (p.keyword === '' && /^\//.test(p.name.value)) {
    const m = checkAare(p.name.value)
    if (m) report(p.name, m)
  }
  const modes: string[] = []
  for (const f of p.flags ?? []) {
    const [name = ''] = f.value.split('=')
    const valued = f.value.includes('=')
    const known = valued ? FLAGS_4_VALUED.has(name) && opts.abi >= 4 : FLAGS_3.has(name) || (opts.abi >= 4 && (FLAGS_4.has(name) || name === 'attach_disconnected.ipc'))
    if (!known) {
      report(f, `Invalid profile flag: ${f.value}.` + (FLAGS_4.has(name) || FLAGS_4_VALUED.has(name) ? ' (needs AppArmor 4: use --abi 4)' : ''))
      continue
    }
    if (MODE_FLAGS.includes(name)) {
      const other = modes[0]
      if (other !== undefined && other !== name) report(f, `Profile flag '${other}' conflicts with '${name}'`)
      modes.push(name)
    }
  }
}

export type { Report }
export type { Diagnostic }
