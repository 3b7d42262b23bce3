/**
 * The normalizer: log lines in, Events out. Each line's envelope is detected on its own, audit
 * records are assembled into events across lines, and everything else becomes a `syslog` event.
 * A line that cannot be read is reported (with its line number and column) and counted; reading
 * goes on. One Normalizer reads one source: records are never joined across sources.
 */
import { isoTime, type Event, type Fields } from '../event/index.js'
import { Assembler, type AssemblerSettings, type AssemblerStats } from '../audit/assembler.js'
import { AuditRecord, looksLikeRecord, parseAuditId, parseRecord } from '../audit/record.js'
import { isLegacyRecord, parseLegacyRecord } from '../apparmor/log/legacy.js'
import { buildEvent, type EventContext, type RecordMeta } from './build.js'
import { embeddedRecordStart, unwrapEnvelope, type Envelope, type EnvelopeOptions } from './envelope.js'

export interface ParseError {
  location: string
  /** 1-based line number. */
  line: number
  /** 1-based column where the problem was found. */
  column: number
  message: string
  raw: string
}

export interface NormalizerOptions {
  /** The file or stream the lines come from (Event.location). */
  location: string
  /** The source that read them (Event.source); default `file`. */
  source?: string
  emit: (event: Event) => void
  onError?: (error: ParseError) => void
  assembler?: Partial<AssemblerSettings>
  /** Year for BSD syslog timestamps, which carry none. */
  year?: number
  /** The clock (tests and replays pin it). */
  now?: () => number
}

export interface NormalizerStats {
  lines: number
  records: number
  events: number
  malformed: number
  /** Separator and continuation lines that carry no record (ausearch `----`, kmsg dictionaries, blanks). */
  skipped: number
  assembler: AssemblerStats
}

/** `AVC`, `SYSCALL`, `USER_AVC` ... at the start of journald's audit text (`AVC apparmor=…`). */
function leadingTypeWord(text: string, start: number): number {
  let i = start
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (!((c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x30 && c <= 0x39) || c === 0x5b || c === 0x5d)) break
    i++
  }
  return i > start && text.charCodeAt(i) === 0x20 ? i : -1
}

/** How many continuation lines a cut record may take. */
const maxContinuations = 8

/**
 * A user-space record (USER_AVC, USER_LOGIN …: types 1100-1299 and 2100-2999) whose `msg='…` has
 * no closing quote: the daemon's message held a newline, and syslog wrote the rest on the next,
 * indented line (seen with dbus-daemon's AppArmor messages). Kernel records never carry `msg='`.
 */
function isCutUserRecord(record: AuditRecord): boolean {
  const type = record.typeNumber
  if (type === undefined || !((type >= 1100 && type <= 1299) || (type >= 2100 && type <= 2999))) return false
  const open = record.text.indexOf("msg='", record.bodyStart)
  return open >= 0 && record.text.indexOf("'", open + 5) < 0
}

function skipAuditPrefix(text: string, start: number): number {
  if (text.charCodeAt(start) !== 0x61 /* a */ || !text.startsWith('audit:', start)) return start
  let i = start + 6
  while (text.charCodeAt(i) === 0x20) i++
  return i
}

/** A record with no audit header: AppArmor from dbus or printk, or the kernel's own audit notices. */
function bareRecord(text: string, start: number, typeName: string): AuditRecord {
  const r = new AuditRecord(text, start)
  r.typeNumber = typeName === 'KERNEL' ? 2000 : undefined
  r.typeName = typeName
  return r
}

export class Normalizer {
  readonly #opts: NormalizerOptions
  readonly #ctx: EventContext
  readonly #envelopeOptions: EnvelopeOptions
  readonly #assembler: Assembler<RecordMeta>
  readonly #stats: Omit<NormalizerStats, 'assembler'> = { lines: 0, records: 0, events: 0, malformed: 0, skipped: 0 }
  /** A user-space record whose `msg='…` a newline cut short, waiting for its indented continuation. */
  #held: { line: string; lineNo: number; parts: number } | undefined = undefined

  constructor(opts: NormalizerOptions) {
    this.#opts = opts
    const nowMs = opts.now ?? Date.now
    this.#ctx = { source: opts.source ?? 'file', location: opts.location, nowMs }
    this.#envelopeOptions = { now: nowMs, year: opts.year }
    this.#assembler = new Assembler<RecordMeta>((ev) => this.#send(buildEvent(ev, this.#ctx)), opts.assembler)
  }

  get stats(): NormalizerStats {
    return { ...this.#stats, assembler: { ...this.#assembler.stats } }
  }

  /** Events waiting for more records (or for the rest of a cut record). */
  get inFlight(): number {
    return this.#assembler.inFlight + (this.#held === undefined ? 0 : 1)
  }

  /** Reads one line (without its newline). `lineNo` defaults to the count of lines pushed. */
  push(line: string, lineNo?: number): void {
    const n = lineNo ?? this.#stats.lines + 1
    this.#stats.lines++
    const c0 = line.charCodeAt(0)
    const held = this.#held
    if (held !== undefined) {
      this.#held = undefined
      // The rest of the cut record: indented, as syslog writes a message's later lines.
      if ((c0 === 0x20 || c0 === 0x09) && held.parts < maxContinuations) {
        this.#stats.skipped++
        return this.#read(held.line + '\n' + line, held.lineNo, held.parts + 1)
      }
      this.#read(held.line, held.lineNo, maxContinuations)
    }
    this.#read(line, n, 0)
  }

  /** Reads a line, or a record joined from `parts` continuation lines (which are not held again once at the limit). */
  #read(line: string, n: number, parts: number): void {
    const c0 = line.charCodeAt(0)
    if (line.length === 0 || ((c0 === 0x20 || c0 === 0x09) && (/^\s*$/.test(line) || /^ [A-Z_]+=/.test(line))) || (c0 === 0x2d && line === '----') || (c0 === 0x74 && line.startsWith('time->'))) {
      this.#stats.skipped++
      return
    }
    const env = unwrapEnvelope(line, this.#envelopeOptions)
    if (!env) {
      const at = line.indexOf('apparmor=')
      if (at >= 0) {
        this.#record(bareRecord(line, at, ''), line, n, { fields: {}, timeMs: Number.NaN, text: line, start: at, program: undefined })
        return
      }
      this.#error(n, 1, 'unrecognized line: no known log envelope (audit.log, syslog, dmesg, kmsg, journald JSON)', line)
      return
    }
    const { text } = env
    const start = skipAuditPrefix(text, env.start)
    if (env.auditType !== undefined && !looksLikeRecord(text, start)) {
      // journald's audit transport: MESSAGE is `AVC apparmor=…` and the id is in _AUDIT_ID.
      const word = leadingTypeWord(text, start)
      const r = parseRecord(text, word > 0 ? word : start, env.auditType)
      if (!r.ok) return this.#error(n, r.column, r.message, line)
      const id = env.auditId !== undefined ? parseAuditId(env.auditId) : undefined
      if (id && env.auditId !== undefined) Object.assign(r.record, { id: env.auditId, timeMs: id.timeMs, serial: id.serial })
      return this.#record(r.record, line, n, env)
    }
    if (looksLikeRecord(text, start)) {
      const r = parseRecord(text, start)
      if (!r.ok) return this.#error(n, r.column + (text === line ? 0 : line.length - text.length), r.message, line)
      return this.#record(r.record, line, n, env, parts)
    }
    if (env.program === 'audit') {
      const word = leadingTypeWord(text, start)
      if (word > 0) {
        const r = parseRecord(text, word + 1, text.slice(start, word))
        if (!r.ok) return this.#error(n, r.column, r.message, line)
        return this.#record(r.record, line, n, env, parts)
      }
    }
    // A record after text we do not know (`host someprog: … type=1400 audit(…): …`).
    const embedded = embeddedRecordStart(text, start)
    if (embedded >= 0) {
      const r = parseRecord(text, embedded)
      if (r.ok) return this.#record(r.record, line, n, env, parts)
    }
    if (isLegacyRecord(text, start)) return this.#record(bareRecord(text, start, 'APPARMOR'), line, n, env)
    const aa = text.indexOf('apparmor=', start)
    if (aa >= 0) return this.#record(bareRecord(text, aa, ''), line, n, env)
    if (start > env.start && text.indexOf('=', start) > 0) return this.#record(bareRecord(text, start, 'KERNEL'), line, n, env)
    this.#syslog(line, env, start)
  }

  /** Emits every incomplete event: end of input. */
  flush(): void {
    this.#release()
    this.#assembler.flush()
  }

  /** Live sources: emits events whose wait has passed (call from a timer with the assembler in wall-clock mode). */
  expire(nowMs = Date.now()): void {
    // A held record waits for its continuation only until the next tick: the lines of one message are written together.
    this.#release()
    this.#assembler.expire(nowMs)
  }

  /** Reads the held record as it is: no continuation came. */
  #release(): void {
    const held = this.#held
    this.#held = undefined
    if (held !== undefined) this.#read(held.line, held.lineNo, maxContinuations)
  }

  #record(record: AuditRecord, raw: string, line: number, envelope: Envelope, parts = maxContinuations): void {
    if (parts < maxContinuations && isCutUserRecord(record)) {
      this.#held = { line: raw, lineNo: line, parts }
      return
    }
    if (isLegacyRecord(record.text, record.bodyStart) && !parseLegacyRecord(record.text.slice(record.bodyStart).trim())) {
      this.#error(line, record.bodyStart + 1 + (raw.length - record.text.length), 'unrecognized AppArmor 2.x record', raw)
      return
    }
    this.#stats.records++
    if (record.typeName === 'APPARMOR' && record.loggedType === '') record.typeNumber = 1500
    this.#assembler.push({ record, raw, line, meta: envelope })
  }

  #syslog(line: string, env: Envelope, start: number): void {
    // The envelope's fields object was made for this line alone: the event's fields grow from it, uncopied.
    const fields: Fields = env.fields
    fields['syslog.message'] = env.text.slice(start)
    const timeMs = Number.isFinite(env.timeMs) ? env.timeMs : this.#ctx.nowMs()
    this.#send({ seq: 0, time: isoTime(timeMs), agent: '', source: this.#ctx.source, location: this.#ctx.location, kind: 'syslog', raw: line, fields })
  }

  #send(event: Event): void {
    this.#stats.events++
    this.#opts.emit(event)
  }

  #error(line: number, column: number, message: string, raw: string): void {
    this.#stats.malformed++
    this.#opts.onError?.({ location: this.#opts.location, line, column, message, raw })
  }
}

export interface ParseResult {
  events: Event[]
  errors: ParseError[]
  stats: NormalizerStats
}

/** Parses a whole text (one source) at once: every line, then a flush. */
export function parseLines(text: string, opts: Omit<NormalizerOptions, 'emit' | 'onError'>): ParseResult {
  const events: Event[] = []
  const errors: ParseError[] = []
  const n = new Normalizer({ ...opts, emit: (e) => events.push(e), onError: (e) => errors.push(e) })
  const lines = text.split('\n')
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  for (const line of lines) n.push(line.endsWith('\r') ? line.slice(0, -1) : line)
  n.flush()
  return { events, errors, stats: n.stats }
}
