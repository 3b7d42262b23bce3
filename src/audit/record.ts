/**
 * One audit record: its header (`node=`, `type=`, `msg=audit(ID):`) and its tokenized body.
 * Accepts every framing in which records reach us once the outer envelope is removed:
 * audit.log lines, `type=1400 audit(…):` from the kernel's printk, audispd's `msg=audit(…):`
 * without a type, the netlink payload `audit(…):`, and `ausearch -i`'s
 * `msg=audit(11/20/2026 10:40:20.100:7020) :` with interpreted values.
 */
import { resolveRecordType } from './record-types.js'
import { tokenize, type Tokens } from './tokenize.js'

export class AuditRecord {
  /** The type as logged: `AVC`, `1400`, `UNKNOWN[1503]`; empty when the framing carries none. */
  loggedType = ''
  typeNumber: number | undefined = undefined
  /** Canonical name (`AVC`, `APPARMOR_DENIED`, `UNKNOWN[1599]`); empty when unknown. */
  typeName = ''
  /** The audit id as logged (`1795170001.112:7001`); empty when the framing carries none. */
  id = ''
  /** Milliseconds since the epoch from the id; NaN without one. */
  timeMs = Number.NaN
  /** Serial number from the id; -1 without one. */
  serial = -1
  node: string | undefined = undefined
  /** True for `ausearch -i` output: values are already interpreted (names, not numbers or hex). */
  interpreted = false
  #tokens: Tokens | undefined = undefined

  /** `text`: what the record was parsed from; `bodyStart`: where its body (after the header) starts. */
  constructor(
    readonly text: string,
    readonly bodyStart: number,
  ) {}

  /**
   * The body's tokens, read on first use: most AppArmor records are mapped to fields straight from
   * the text (apparmor/log/scan.ts) and never need them.
   */
  get tokens(): Tokens {
    return (this.#tokens ??= tokenize(this.text, this.bodyStart))
  }
}

export type RecordResult = { ok: true; record: AuditRecord } | { ok: false; column: number; message: string }

function readWord(text: string, start: number): number {
  let i = start
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === 0x20 || c === 0x09) break
    i++
  }
  return i
}

/** `text.startsWith(prefix, i)`, with the first character compared before calling out. */
function startsAt(text: string, i: number, prefix: string): boolean {
  return text.charCodeAt(i) === prefix.charCodeAt(0) && text.startsWith(prefix, i)
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++
  return i
}

/** True when `text` at `start` opens an audit record in one of the framings above. */
export function looksLikeRecord(text: string, start = 0): boolean {
  // The first letter rules out most text before any string comparison (this runs on every line).
  switch (text.charCodeAt(start)) {
    case 0x74 /* t */:
      return text.startsWith('type=', start)
    case 0x6e /* n */:
      return text.startsWith('node=', start)
    case 0x6d /* m */:
      return text.startsWith('msg=audit(', start)
    case 0x61 /* a */:
      return text.startsWith('audit(', start)
    default:
      return false
  }
}

/**
 * Parses an audit record starting at `start`. `defaultType` supplies the type when the framing
 * keeps it elsewhere (journald's `AVC apparmor=…` text, netlink's message type).
 */
export function parseRecord(text: string, start = 0, defaultType = ''): RecordResult {
  let i = skipSpaces(text, start)
  let node: string | undefined
  let loggedType = defaultType
  if (startsAt(text, i, 'node=')) {
    const end = readWord(text, i)
    node = text.slice(i + 5, end)
    i = skipSpaces(text, end)
  }
  if (startsAt(text, i, 'type=')) {
    const end = readWord(text, i)
    loggedType = text.slice(i + 5, end)
    if (loggedType === '') return { ok: false, column: i + 1, message: 'empty record type' }
    i = skipSpaces(text, end)
  }
  let id = ''
  let timeMs = Number.NaN
  let serial = -1
  let interpreted = false
  if (startsAt(text, i, 'msg=audit(')) i += 4
  if (startsAt(text, i, 'audit(')) {
    const open = i + 6
    const close = text.indexOf(')', open)
    if (close < 0) return { ok: false, column: i + 1, message: 'audit id without closing parenthesis' }
    id = text.slice(open, close)
    // The kernel's `EPOCH.MS:SERIAL`, read in place; anything else (ausearch -i) goes the long way.
    const dot = text.indexOf('.', open)
    const colon = dot < 0 ? -1 : text.indexOf(':', dot)
    const sec = colon < 0 || colon > close ? -1 : parseDecimal(text, open, dot)
    const ms = sec < 0 ? -1 : parseDecimal(text, dot + 1, colon)
    serial = ms < 0 ? -1 : parseDecimal(text, colon + 1, close)
    if (serial >= 0) timeMs = sec * 1000 + ms
    else {
      const parsed = parseAuditId(id)
      if (!parsed) return { ok: false, column: open + 1, message: `malformed audit id "${id}"` }
      ;({ timeMs, serial, interpreted } = parsed)
    }
    i = skipSpaces(text, close + 1)
    if (text.charCodeAt(i) !== 0x3a) return { ok: false, column: i + 1, message: "expected ':' after the audit id" }
    i = skipSpaces(text, i + 1)
  } else if (loggedType === '') {
    return { ok: false, column: i + 1, message: 'not an audit record (no type= and no audit id)' }
  }
  const resolved = loggedType ? resolveCached(loggedType) : noType
  const record = new AuditRecord(text, i)
  record.loggedType = loggedType
  record.typeNumber = resolved.number
  record.typeName = resolved.name
  record.id = id
  record.timeMs = timeMs
  record.serial = serial
  record.node = node
  record.interpreted = interpreted
  return { ok: true, record }
}

type ResolvedType = { number: number | undefined; name: string }
const noType: ResolvedType = { number: undefined, name: '' }
const typeCache = new Map<string, ResolvedType>()
/** A log holds few distinct record types: resolve each spelling once. */
let lastLogged = ''
let lastResolved = noType
function resolveCached(logged: string): ResolvedType {
  // Runs of one type (AVC after AVC) are the rule: compare with the last before hashing.
  if (logged === lastLogged) return lastResolved
  let r = typeCache.get(logged)
  if (r === undefined) {
    r = resolveRecordType(logged)
    if (typeCache.size < 1024) typeCache.set(logged, r)
  }
  lastLogged = logged
  lastResolved = r
  return r
}

/**
 * Parses `EPOCH.MS:SERIAL` (the kernel's form) or `MM/DD/YYYY HH:MM:SS.mmm:SERIAL` (ausearch -i,
 * in the local time of the machine that printed it; we read it in this process's time zone).
 */
export function parseAuditId(id: string): { timeMs: number; serial: number; interpreted: boolean } | undefined {
  const colon = id.lastIndexOf(':')
  if (colon < 0) return undefined
  const serial = parseDecimal(id, colon + 1, id.length)
  if (serial < 0) return undefined
  const slash = id.indexOf('/')
  if (slash < 0) {
    const dot = id.indexOf('.')
    if (dot < 0 || dot > colon) return undefined
    const sec = parseDecimal(id, 0, dot)
    const ms = parseDecimal(id, dot + 1, colon)
    if (sec < 0 || ms < 0) return undefined
    return { timeMs: sec * 1000 + ms, serial, interpreted: false }
  }
  const m = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{1,3})$/.exec(id.slice(0, colon))
  if (!m) return undefined
  const [, mo, d, y, h, mi, s, frac] = m.map(Number)
  const timeMs = new Date(y, mo - 1, d, h, mi, s, frac).getTime()
  return Number.isNaN(timeMs) ? undefined : { timeMs, serial, interpreted: true }
}

/** Parses unsigned decimal digits in text[start, end); -1 when empty or not all digits. */
export function parseDecimal(text: string, start: number, end: number): number {
  if (end <= start) return -1
  let v = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 0x30
    if (c < 0 || c > 9) return -1
    v = v * 10 + c
  }
  return v
}
