/**
 * Removes the outer envelope from a log line and says where the payload is. Envelopes,
 * autodetected per line: `journalctl -o json` records, `/dev/kmsg` records (`PRI,SEQ,USEC,FLAGS;`),
 * dmesg `[uptime]` (and `-T`, `-x`, `--time-format iso`), syslog with BSD or ISO dates (with or
 * without a hostname, with a `<PRI>` as sent over the network, and RFC 5424), journalctl's text
 * forms (`short`, `short-iso`, `short-precise`, `short-full`, `short-unix`, `short-monotonic`, and
 * `host audit[pid]: AVC …` without a date), bare audit records, and a `file:` prefix left by
 * `grep -H` around any of these. A line in none of these forms that carries an audit record
 * (`… type=1400 audit(…): …`) is read from that record.
 */
import type { Fields } from '../event/index.js'
import { looksLikeRecord } from '../audit/record.js'
import { parseBsdTime, parseCtimeTime, parseEpochTime, parseIsoTime } from './syslog-time.js'

export interface Envelope {
  /** Fields the envelope carries: `syslog.*`, `kernel.uptime`, `kmsg.*`, `journald.*`, `log.file.path`. */
  fields: Fields
  /** When the envelope says the line was logged (ms since the epoch); NaN when it does not say. */
  timeMs: number
  /** The payload text and where it starts. */
  text: string
  start: number
  /** The program that logged it (`kernel`, `audit`, `dbus-daemon` ...), when the envelope names one. */
  program: string | undefined
  /** journald's audit transport: the record type and a reconstructed audit id. */
  auditType?: string
  auditId?: string
}

export interface EnvelopeOptions {
  /** The clock, read only for BSD timestamps (which lack the year). */
  now: () => number
  /** Year for BSD timestamps (which have none); default: the current year, or the last for future dates. */
  year?: number
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/** `[ 4584.703379] ` at i: returns the uptime in seconds and the index after it. */
function readUptime(s: string, i: number): { uptime: number; end: number } | undefined {
  if (s.charCodeAt(i) !== 0x5b) return undefined
  const close = s.indexOf(']', i)
  if (close < 0 || close - i > 24) return undefined
  const uptime = Number(s.slice(i + 1, close))
  if (!Number.isFinite(uptime)) return undefined
  let end = close + 1
  if (s.charCodeAt(end) === 0x20) end++
  return { uptime, end }
}

/** `prog[pid]:` or `prog:` at i (a syslog tag), else undefined. */
function readTag(s: string, i: number): { program: string; pid: number | undefined; end: number } | undefined {
  let j = i
  while (j < s.length) {
    const c = s.charCodeAt(j)
    if (c === 0x20 || c === 0x3a || c === 0x5b) break
    // A tag is a program name: never a key=value or an audit id.
    if (c === 0x3d || c === 0x28) return undefined
    j++
  }
  if (j === i) return undefined
  const program = s.slice(i, j)
  let pid: number | undefined
  if (s.charCodeAt(j) === 0x5b) {
    const close = s.indexOf(']', j)
    if (close < 0) return undefined
    pid = Number(s.slice(j + 1, close))
    if (!Number.isInteger(pid)) return undefined
    j = close + 1
  }
  if (s.charCodeAt(j) !== 0x3a) return undefined
  j++
  if (s.charCodeAt(j) === 0x20) j++
  return { program, pid, end: j }
}

function syslogBody(line: string, i: number, timestamp: string, timeMs: number, fields: Fields): Envelope | undefined {
  while (line.charCodeAt(i) === 0x20) i++
  fields['syslog.timestamp'] = timestamp
  // Either `host tag: msg` or (socklog, some relays) `tag: msg` with no host.
  let tag = readTag(line, i)
  if (!tag) {
    const sp = line.indexOf(' ', i)
    if (sp < 0) return undefined
    fields['syslog.hostname'] = line.slice(i, sp)
    tag = readTag(line, sp + 1)
    if (!tag) return { fields, timeMs, text: line, start: sp + 1, program: undefined }
  }
  fields['syslog.program'] = tag.program
  if (tag.pid !== undefined) fields['syslog.pid'] = tag.pid
  let start = tag.end
  const up = readUptime(line, start)
  if (up) {
    fields['kernel.uptime'] = up.uptime
    start = up.end
  }
  return { fields, timeMs, text: line, start, program: tag.program }
}

function journald(line: string): Envelope | undefined {
  let rec: Record<string, unknown>
  try {
    rec = JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (typeof rec !== 'object' || rec === null) return undefined
  const str = (k: string): string | undefined => {
    const v = rec[k]
    if (typeof v === 'string') return v
    // journald exports non-UTF-8 values as arrays of bytes.
    if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8')
    return undefined
  }
  let message = str('MESSAGE')
  if (str('_TRANSPORT') === 'audit' && (message === undefined || !message.includes('='))) {
    // Older journald versions and filtered exports may carry the record only as _AUDIT_FIELD_* fields.
    const pairs: string[] = []
    for (const key of Object.keys(rec)) {
      const v = key.startsWith('_AUDIT_FIELD_') ? str(key) : undefined
      if (v !== undefined) pairs.push(`${key.slice(13).toLowerCase()}=${JSON.stringify(v)}`)
    }
    if (pairs.length) message = pairs.join(' ')
  }
  if (message === undefined) return undefined
  const fields: Fields = {}
  const host = str('_HOSTNAME')
  const program = str('SYSLOG_IDENTIFIER') ?? str('_COMM')
  const transport = str('_TRANSPORT')
  const cursor = str('__CURSOR')
  if (host !== undefined) fields['syslog.hostname'] = host
  if (program !== undefined) fields['syslog.program'] = program
  if (transport !== undefined) fields['journald.transport'] = transport
  if (cursor !== undefined) fields['journald.cursor'] = cursor
  const pid = Number(str('_PID'))
  if (Number.isInteger(pid)) fields['syslog.pid'] = pid
  const usec = Number(str('_SOURCE_REALTIME_TIMESTAMP') ?? str('__REALTIME_TIMESTAMP'))
  const timeMs = Number.isFinite(usec) ? Math.floor(usec / 1000) : Number.NaN
  const env: Envelope = { fields, timeMs, text: message, start: 0, program }
  if (transport === 'audit') {
    env.auditType = str('_AUDIT_TYPE_NAME') ?? str('_AUDIT_TYPE')
    const serial = str('_AUDIT_ID')
    if (serial !== undefined && Number.isFinite(usec)) {
      env.auditId = `${Math.floor(usec / 1e6)}.${String(Math.floor(usec / 1000) % 1000).padStart(3, '0')}:${serial}`
    }
  }
  return env
}

/** Strips the envelope of `line`; undefined when no envelope (and no bare record) is recognized. */
export function unwrapEnvelope(line: string, opts: EnvelopeOptions): Envelope | undefined {
  const env = unwrap(line, opts) ?? grepPrefixed(line, opts)
  if (env) return env
  const at = embeddedRecordStart(line, 0)
  return at < 0 ? undefined : { fields: {}, timeMs: Number.NaN, text: line, start: at, program: undefined }
}

/**
 * Where an audit record with the kernel's id starts inside `text` (from `from`): its `node=`,
 * `type=`, `msg=` or `audit(` (`… type=1400 audit(1795168800.123:42): …`); -1 when none.
 */
export function embeddedRecordStart(text: string, from: number): number {
  for (let p = text.indexOf('audit(', from); p >= 0; p = text.indexOf('audit(', p + 6)) {
    const close = text.indexOf(')', p + 6)
    if (close < 0 || text.charCodeAt(close + 1) !== 0x3a || !kernelAuditId.test(text.slice(p + 6, close))) continue
    let start = p >= from + 4 && text.startsWith('msg=', p - 4) ? p - 4 : p
    // `type=X ` and `node=X ` just before it belong to the record.
    for (const key of ['type=', 'node=']) {
      if (text.charCodeAt(start - 1) !== 0x20) break
      const word = text.lastIndexOf(' ', start - 2) + 1
      if (word >= from && text.startsWith(key, word)) start = word
    }
    return start
  }
  return -1
}

const kernelAuditId = /^\d+\.\d+:\d+$/

function unwrap(line: string, opts: EnvelopeOptions): Envelope | undefined {
  const c = line.charCodeAt(0)
  if (c === 0x7b /* { */) return journald(line)
  if (looksLikeRecord(line, 0)) return { fields: {}, timeMs: Number.NaN, text: line, start: 0, program: undefined }
  if (c === 0x3c /* < */) return withPriority(line, opts)
  if (c === 0x5b /* [ */) {
    const up = readUptime(line, 0)
    if (up) return afterUptime(line, up.uptime, up.end)
    // `dmesg -T`: `[Fri Nov 20 10:00:00 2026] …`.
    const ct = parseCtimeTime(line, 1)
    if (!ct || line.charCodeAt(1 + ct.length) !== 0x5d) return undefined
    const start = line.charCodeAt(ct.length + 2) === 0x20 ? ct.length + 3 : ct.length + 2
    return { fields: {}, timeMs: ct.timeMs, text: line, start, program: 'kernel' }
  }
  if (isDigit(c)) {
    const semi = line.indexOf(';')
    if (semi > 0 && semi < 48) {
      const head = line.slice(0, semi).split(',')
      if (head.length >= 3 && head.slice(0, 3).every((p) => p !== '' && /^\d+$/.test(p))) {
        const fields: Fields = {
          'kmsg.priority': Number(head[0]) & 7,
          'kmsg.facility': Number(head[0]) >> 3,
          'kmsg.seq': Number(head[1]),
          'kernel.uptime': Number(head[2]) / 1e6,
        }
        return { fields, timeMs: Number.NaN, text: line, start: semi + 1, program: 'kernel' }
      }
    }
    const iso = parseIsoTime(line)
    if (iso) return syslogBody(line, iso.length, line.slice(0, iso.length), iso.timeMs, {})
    // `journalctl -o short-unix`: seconds since the epoch.
    const epoch = parseEpochTime(line)
    if (epoch && line.charCodeAt(epoch.length) === 0x20) return syslogBody(line, epoch.length, line.slice(0, epoch.length), epoch.timeMs, {})
    return undefined
  }
  const bsd = parseBsdTime(line, opts.now, opts.year)
  if (bsd) return syslogBody(line, bsd.length, line.slice(0, bsd.length), bsd.timeMs, {})
  const full = fullTimestamp(line)
  if (full) return syslogBody(line, full.length, line.slice(0, full.length), full.timeMs, {})
  const levels = dmesgLevels(line)
  if (levels) return levels
  if (line.startsWith('audit:') || line.startsWith('apparmor=')) return { fields: {}, timeMs: Number.NaN, text: line, start: 0, program: 'kernel' }
  // journald's short text form without a date: `host audit[pid]: AVC …`.
  const sp = line.indexOf(' ')
  if (sp > 0) {
    const tag = readTag(line, sp + 1)
    if (tag) {
      const fields: Fields = { 'syslog.hostname': line.slice(0, sp), 'syslog.program': tag.program }
      if (tag.pid !== undefined) fields['syslog.pid'] = tag.pid
      return { fields, timeMs: Number.NaN, text: line, start: tag.end, program: tag.program }
    }
  }
  return undefined
}

/**
 * After a leading `[uptime]`: dmesg's kernel text, or (`journalctl -o short-monotonic`) a host and
 * the kernel's, audit's or a D-Bus daemon's tag. Other words before a colon are the kernel's
 * (`usb 1-1: new device`), not a host and a tag.
 */
function afterUptime(line: string, uptime: number, end: number): Envelope {
  const fields: Fields = { 'kernel.uptime': uptime }
  const sp = line.indexOf(' ', end)
  if (sp > end && line.charCodeAt(sp - 1) !== 0x3a) {
    const tag = readTag(line, sp + 1)
    if (tag && (tag.program === 'kernel' || tag.program === 'audit' || tag.program.startsWith('dbus'))) {
      fields['syslog.hostname'] = line.slice(end, sp)
      fields['syslog.program'] = tag.program
      if (tag.pid !== undefined) fields['syslog.pid'] = tag.pid
      return { fields, timeMs: Number.NaN, text: line, start: tag.end, program: tag.program }
    }
  }
  return { fields, timeMs: Number.NaN, text: line, start: end, program: 'kernel' }
}

/**
 * `journalctl -o short-full`: `Fri 2026-11-20 10:00:00 CET host …`. The zone is an abbreviation
 * (ambiguous across the world): UTC and GMT are read as such, any other as this host's local time.
 */
function fullTimestamp(line: string): { length: number; timeMs: number } | undefined {
  if (line.charCodeAt(3) !== 0x20 || !isDigit(line.charCodeAt(4))) return undefined
  const iso = parseIsoTime(line.slice(4))
  if (!iso || line.charCodeAt(4 + iso.length) !== 0x20) return undefined
  const zoneStart = 5 + iso.length
  const zoneEnd = line.indexOf(' ', zoneStart)
  if (zoneEnd < 0) return undefined
  const zone = line.slice(zoneStart, zoneEnd)
  if (!/^[A-Z]{1,6}$|^[+-]\d{2,4}$/.test(zone)) return undefined
  const utc = zone === 'UTC' || zone === 'GMT' ? parseIsoTime(line.slice(4, 4 + iso.length) + 'Z') : undefined
  return { length: zoneEnd, timeMs: utc?.timeMs ?? iso.timeMs }
}

const facilities = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp']
const severities = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug']

/** `dmesg -x`: `kern  :notice: [ 1234.5] …`, as the numbers `/dev/kmsg` carries. */
function dmesgLevels(line: string): Envelope | undefined {
  const m = /^([a-z0-9]+) *:([a-z]+) *: ?/.exec(line)
  if (!m) return undefined
  const local = /^local([0-7])$/.exec(m[1])
  const facility = local ? 16 + Number(local[1]) : facilities.indexOf(m[1])
  const severity = severities.indexOf(m[2])
  if (facility < 0 || severity < 0) return undefined
  const fields: Fields = { 'kmsg.priority': severity, 'kmsg.facility': facility }
  let start = m[0].length
  const up = readUptime(line, start)
  if (up) {
    fields['kernel.uptime'] = up.uptime
    start = up.end
  }
  return { fields, timeMs: Number.NaN, text: line, start, program: 'kernel' }
}

/** `<PRI>` first (syslog as sent over the network): RFC 5424 after `1 `, else the usual forms. */
function withPriority(line: string, opts: EnvelopeOptions): Envelope | undefined {
  const close = line.indexOf('>')
  if (close < 2 || close > 4 || !/^\d+$/.test(line.slice(1, close))) return undefined
  const pri = Number(line.slice(1, close))
  if (pri > 191) return undefined
  const rest = line.slice(close + 1)
  const env = rest.startsWith('1 ') ? rfc5424(rest) : unwrap(rest, opts)
  if (env) {
    env.fields['syslog.facility'] = pri >> 3
    env.fields['syslog.severity'] = pri & 7
  }
  return env
}

/** RFC 5424 after the PRI: `1 TIMESTAMP HOST APP PROCID MSGID STRUCTURED-DATA MSG`, `-` for what is missing. */
function rfc5424(s: string): Envelope | undefined {
  const words: string[] = []
  let i = 2
  while (words.length < 5) {
    const sp = s.indexOf(' ', i)
    if (sp <= i) return undefined
    words.push(s.slice(i, sp))
    i = sp + 1
  }
  const [timestamp, host, app, procid] = words as [string, string, string, string, string]
  const fields: Fields = {}
  let timeMs = Number.NaN
  if (timestamp !== '-') {
    const t = parseIsoTime(timestamp)
    if (!t || t.length !== timestamp.length) return undefined
    timeMs = t.timeMs
    fields['syslog.timestamp'] = timestamp
  }
  if (host !== '-') fields['syslog.hostname'] = host
  if (app !== '-') fields['syslog.program'] = app
  if (/^\d+$/.test(procid)) fields['syslog.pid'] = Number(procid)
  // Structured data: `-`, or `[id k="v" …]` elements, in which `]` can only appear escaped.
  if (s.charCodeAt(i) === 0x2d) i++
  else {
    if (s.charCodeAt(i) !== 0x5b) return undefined
    while (s.charCodeAt(i) === 0x5b) {
      while (i < s.length && s.charCodeAt(i) !== 0x5d) i += s.charCodeAt(i) === 0x5c ? 2 : 1
      if (i >= s.length) return undefined
      i++
    }
  }
  if (s.charCodeAt(i) === 0x20) i++
  if (s.charCodeAt(i) === 0xfeff) i++
  const up = readUptime(s, i)
  if (up) {
    fields['kernel.uptime'] = up.uptime
    i = up.end
  }
  return { fields, timeMs, text: s, start: i, program: app === '-' ? undefined : app }
}

/** `path:LINE` as `grep -H` (and `-n`) prefix it; the prefix has no spaces. */
function grepPrefixed(line: string, opts: EnvelopeOptions): Envelope | undefined {
  const colon = line.indexOf(':')
  if (colon <= 0 || line.lastIndexOf(' ', colon) >= 0) return undefined
  let rest = colon + 1
  // grep -n adds the line number.
  let j = rest
  while (isDigit(line.charCodeAt(j))) j++
  if (j > rest && line.charCodeAt(j) === 0x3a) rest = j + 1
  const inner = unwrap(line.slice(rest), opts)
  if (!inner) return undefined
  inner.fields['log.file.path'] = line.slice(0, colon)
  return inner
}
