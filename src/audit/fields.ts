/**
 * Turns the records of one assembled audit event into `audit.*` fields: the SYSCALL record's
 * process and result, EXECVE arguments joined across records and `aN[i]` chunks, CWD, PATH items
 * (relative names resolved against CWD), PROCTITLE split at NULs, SOCKADDR decoded, and every
 * other record's keys as `audit.<key>`.
 */
import type { FieldValue, Fields } from '../event/index.js'
import { archName, auditString, decodeSockaddr, syscallName } from './interpret.js'
import { isAuxiliaryRecord } from './record-types.js'
import type { AuditRecord } from './record.js'
import { decodeHex, isHexEncoded, Quote, tokenize, type QuoteKind, type Tokens } from './tokenize.js'

const numericKeys = new Set([
  'pid', 'ppid', 'uid', 'gid', 'euid', 'suid', 'fsuid', 'egid', 'sgid', 'fsgid', 'auid', 'ses', 'exit', 'items',
  'argc', 'inode', 'ouid', 'ogid', 'item', 'old-auid', 'old-ses', 'sauid', 'list', 'syscall',
  // The kernel's own notices (`audit: audit_lost=17 audit_rate_limit=0 audit_backlog_limit=64`).
  'audit_lost', 'audit_rate_limit', 'audit_backlog_limit', 'lost', 'backlog',
])
/** Ids that hold (uint32)-1 when not set: the login uid and session of a process never logged in. */
const unsettable = new Set(['auid', 'ses', 'old-auid', 'old-ses', 'sauid'])
/** String keys the kernel hex-encodes when they contain unprintable characters. */
const encodedKeys = new Set([
  'name', 'comm', 'exe', 'cwd', 'path', 'acct', 'cmd', 'key', 'data', 'ocomm', 'dir', 'watch', 'file', 'proctitle',
  'cgroup', 'root_dir', 'vm', 'grp', 'new', 'old',
])

/** Converts one generic value by its key: numbers, the unset id, hex-encoded strings, `(null)` keys. */
export function auditValue(key: string, value: string, quote: QuoteKind, interpreted: boolean): FieldValue | undefined {
  if (numericKeys.has(key) && quote === Quote.Bare) {
    if (unsettable.has(key) && (value === '4294967295' || value === '-1')) return 'unset'
    const n = Number(value)
    return value !== '' && Number.isFinite(n) ? n : value
  }
  if (key === 'key') {
    if (value === '(null)') return undefined
    // Several rule keys arrive hex-encoded, separated by 0x01.
    return quote === Quote.Bare && !interpreted && isHexEncoded(value) ? decodeHex(value, '\0').split('\u0001').join(',') : value
  }
  if (encodedKeys.has(key)) return auditString(value, quote, interpreted)
  return value
}

/**
 * `audit.<key>` for every key seen, made once: a name concatenated afresh for each record made V8
 * look it up in its string table on every store (a tenth of the time of audit events). Bounded,
 * as keys come from the log.
 */
const auditNames = new Map<string, string>()
function auditName(key: string): string {
  let name = auditNames.get(key)
  if (name === undefined) {
    name = 'audit.' + key
    if (auditNames.size < 4096) auditNames.set(key, name)
  }
  return name
}

/** Writes the keys of tokens [from, to) as `prefix<key>`, keeping values already set unless `overwrite`. */
export function addGenericFields(tokens: Tokens, from: number, to: number, interpreted: boolean, prefix: string, out: Fields, overwrite = false): void {
  const { keys, values, quotes } = tokens
  for (let i = from; i < to; i++) {
    const key = keys[i]
    if (key === '') continue
    const name = prefix === 'audit.' ? auditName(key) : prefix + key
    if (!overwrite && out[name] !== undefined) continue
    if (key === 'msg' && quotes[i] === Quote.Single) continue // nested user message, expanded by the caller
    const v = auditValue(key, values[i], quotes[i], interpreted)
    if (v !== undefined) out[name] = v
  }
}

/** Writes auditd's ENRICHED (interpreted, upper-case) tokens as `audit.enriched.<key>`. */
export function addEnrichedFields(tokens: Tokens, out: Fields): void {
  for (let i = tokens.enrichedFrom; i < tokens.keys.length; i++) {
    const key = tokens.keys[i]
    if (key !== '') out['audit.enriched.' + key.toLowerCase()] = tokens.values[i]
  }
}

/** Index of the nested `msg='…'` token of a user-space record, or -1. */
export function nestedMessageIndex(tokens: Tokens): number {
  for (let i = 0; i < tokens.enrichedFrom; i++) if (tokens.keys[i] === 'msg' && tokens.quotes[i] === Quote.Single) return i
  return -1
}

/** The SYSCALL record's fields: arch and syscall named, the rest as generic keys. */
export function addSyscallFields(sys: AuditRecord, out: Fields): void {
  const t = sys.tokens
  let arch: string | undefined
  let syscall: number | undefined
  for (let i = 0; i < t.enrichedFrom; i++) {
    const key = t.keys[i]
    if (key === 'arch') arch = archName(t.values[i])
    else if (key === 'syscall') syscall = Number(t.values[i])
  }
  addGenericFields(t, 0, t.enrichedFrom, sys.interpreted, 'audit.', out, true)
  if (arch !== undefined) out['audit.arch'] = arch
  if (syscall !== undefined && Number.isInteger(syscall)) {
    out['audit.syscall_number'] = syscall
    out['audit.syscall'] = (arch !== undefined ? syscallName(arch, syscall) : undefined) ?? String(syscall)
  } else if (sys.interpreted) {
    // ausearch -i already printed the name (and no number).
    const i = t.keys.indexOf('syscall')
    if (i >= 0) out['audit.syscall'] = t.values[i]
  }
}

/** PROCTITLE: hex of the NUL-separated argv (truncated to 128 bytes by the kernel), or quoted text. */
export function proctitle(rec: AuditRecord): string | undefined {
  const i = rec.tokens.keys.indexOf('proctitle')
  if (i < 0) return undefined
  const v = rec.tokens.values[i]
  return rec.tokens.quotes[i] === Quote.Bare && !rec.interpreted && isHexEncoded(v) ? decodeHex(v, '\0').split('\0').filter((s, k, a) => s !== '' || k < a.length - 1).join(' ') : v
}

/** Joins EXECVE arguments across records: `aN`, and `aN_len` + `aN[i]` chunks for long arguments. */
export function execveArgs(records: readonly AuditRecord[]): { argc: number | undefined; argv: string[] } {
  const parts = new Map<number, Buffer[]>()
  let argc: number | undefined
  for (const rec of records) {
    const t = rec.tokens
    for (let i = 0; i < t.enrichedFrom; i++) {
      const key = t.keys[i]
      if (key === 'argc') {
        argc = Number(t.values[i])
        continue
      }
      if (key.charCodeAt(0) !== 0x61 /* a */) continue
      const bracket = key.indexOf('[')
      const index = Number(key.slice(1, bracket < 0 ? undefined : bracket))
      if (!Number.isInteger(index) || key.endsWith('_len')) continue
      const v = t.values[i]
      const bytes = t.quotes[i] === Quote.Bare && !rec.interpreted && isHexEncoded(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'utf8')
      const list = parts.get(index)
      if (list) list.push(bytes)
      else parts.set(index, [bytes])
    }
  }
  const argv: string[] = []
  const n = argc ?? (parts.size ? Math.max(...parts.keys()) + 1 : 0)
  for (let i = 0; i < n; i++) argv.push(Buffer.concat(parts.get(i) ?? []).toString('utf8'))
  return { argc, argv }
}

function resolvePath(name: string, cwd: string | undefined): string {
  if (name.startsWith('/') || cwd === undefined || name === '(null)') return name
  return (cwd.endsWith('/') ? cwd : cwd + '/') + name
}

/** The event's main record: the first that is not auxiliary (CONFIG_CHANGE, AVC, LOGIN ...), else SYSCALL, else the first. */
export function mainRecord(records: readonly AuditRecord[]): AuditRecord {
  return records.find((r) => !isAuxiliaryRecord(r.typeName)) ?? records.find((r) => r.typeName === 'SYSCALL') ?? records[0]
}

/** All `audit.*` fields of a non-AppArmor event. */
export function auditEventFields(records: readonly AuditRecord[], main: AuditRecord, out: Fields): void {
  const sys = records.find((r) => r.typeName === 'SYSCALL')
  if (sys) addSyscallFields(sys, out)
  let cwd: string | undefined
  const execve: AuditRecord[] = []
  const paths: { [key: string]: FieldValue }[] = []
  for (const rec of records) {
    const t = rec.tokens
    switch (rec.typeName) {
      case 'SYSCALL':
      case 'EOE':
        break
      case 'CWD': {
        const i = t.keys.indexOf('cwd')
        if (i >= 0) cwd = auditString(t.values[i], t.quotes[i], rec.interpreted)
        break
      }
      case 'EXECVE':
        execve.push(rec)
        break
      case 'PROCTITLE': {
        const p = proctitle(rec)
        if (p !== undefined) out['audit.proctitle'] = p
        break
      }
      case 'SOCKADDR': {
        const i = t.keys.indexOf('saddr')
        const s = i >= 0 ? (rec.interpreted ? undefined : decodeSockaddr(t.values[i])) : undefined
        if (s) {
          out['audit.sockaddr.family'] = s.family
          if (s.addr !== undefined) out['audit.sockaddr.addr'] = s.addr
          if (s.port !== undefined) out['audit.sockaddr.port'] = s.port
          if (s.path !== undefined) out['audit.sockaddr.path'] = s.path
        } else if (i >= 0) out['audit.sockaddr.raw'] = t.values[i]
        break
      }
      case 'PATH': {
        const item: { [key: string]: FieldValue } = {}
        addGenericFields(t, 0, t.enrichedFrom, rec.interpreted, '', item)
        paths.push(item)
        break
      }
      default: {
        const overwrite = rec === main
        addGenericFields(t, 0, t.enrichedFrom, rec.interpreted, 'audit.', out, overwrite)
        const nested = nestedMessageIndex(t)
        if (nested >= 0) {
          // User-space records: the nested message's keys describe the action; expand them.
          const inner = tokenize(t.values[nested])
          addGenericFields(inner, 0, inner.enrichedFrom, rec.interpreted, 'audit.', out, overwrite)
        }
      }
    }
    addEnrichedFields(t, out)
  }
  if (cwd !== undefined) out['audit.cwd'] = cwd
  if (execve.length) {
    const { argc, argv } = execveArgs(execve)
    if (argc !== undefined) out['audit.execve.argc'] = argc
    out['audit.execve.argv'] = argv
    out['audit.execve.command'] = argv.join(' ')
  }
  if (paths.length) {
    out['audit.paths'] = paths.map((p) => {
      const item: { [key: string]: FieldValue } = {}
      if (typeof p.name === 'string') item.name = resolvePath(p.name, cwd)
      for (const k of ['nametype', 'inode', 'mode', 'ouid', 'ogid', 'dev', 'item'] as const) if (p[k] !== undefined) item[k] = p[k]
      return item
    })
  }
}

