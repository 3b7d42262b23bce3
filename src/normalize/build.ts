/**
 * Builds the normalized Event from an assembled audit event (or a lone record): `kind: "apparmor"`
 * when one of its records is an AppArmor record, joined with the process facts of its SYSCALL and
 * PROCTITLE records; `kind: "audit"` otherwise.
 */
import { isoTime, type Event, type Fields } from '../event/index.js'
import type { AssembledEvent } from '../audit/assembler.js'
import { addEnrichedFields, addGenericFields, addSyscallFields, auditEventFields, mainRecord, nestedMessageIndex, proctitle } from '../audit/fields.js'
import type { AuditRecord } from '../audit/record.js'
import { resolveRecordType } from '../audit/record-types.js'
import { tokenize } from '../audit/tokenize.js'
import { mapAppArmorTokens, statusFromRecordType } from '../apparmor/log/fields.js'
import { scanAppArmor } from '../apparmor/log/scan.js'
import { isLegacyRecord, parseLegacyRecord } from '../apparmor/log/legacy.js'
import type { Envelope } from './envelope.js'

/** What travels with each record through the assembler: the envelope it came in. */
export type RecordMeta = Envelope

export interface EventContext {
  source: string
  location: string
  nowMs: () => number
}

/** The SYSCALL/PROCTITLE facts an AppArmor event is joined with. */
const joinedKeys = [
  'audit.exe', 'audit.uid', 'audit.auid', 'audit.ses', 'audit.tty', 'audit.success', 'audit.exit', 'audit.syscall',
  'audit.syscall_number', 'audit.arch', 'audit.ppid',
] as const

/** A record that carries an AppArmor decision (any envelope, any era). */
export function isAppArmorRecord(r: AuditRecord): boolean {
  const n = r.typeNumber
  if (n !== undefined && n >= 1500 && n <= 1599) return true
  if (r.typeName === 'AVC' || r.typeName === '' || r.typeName === 'USER_AVC' || r.typeName === 'KERNEL') {
    // The usual shape, seen without tokenizing the record.
    if (r.text.startsWith('apparmor=', r.bodyStart)) return true
    const t = r.tokens
    if (t.keys.includes('apparmor')) return true
    const nested = nestedMessageIndex(t)
    if (nested >= 0 && t.values[nested].includes('apparmor=')) return true
    // Old kernels: `msg=audit(…):  type=1503 operation=…` carries the AppArmor type inside.
    const inner = t.keys.indexOf('type')
    const innerNumber = inner >= 0 ? resolveRecordType(t.values[inner]).number : undefined
    if (innerNumber !== undefined && innerNumber >= 1500 && innerNumber <= 1599) return true
    if (isLegacyRecord(r.text, r.bodyStart)) return true
  }
  return false
}

/** Writes the record's `apparmor.*` fields; true when they came straight from the text (the record has no ENRICHED part then). */
function appArmorFields(r: AuditRecord, out: Fields): boolean {
  let innerType: string | undefined
  let scanned = false
  if (isLegacyRecord(r.text, r.bodyStart)) {
    const fields = parseLegacyRecord(r.text.slice(r.bodyStart).trim())
    if (fields) Object.assign(out, fields)
  } else if (r.typeName !== 'USER_AVC' && scanAppArmor(r.text, r.bodyStart, r.interpreted, out)) {
    // The scanner took the plain record (it leaves those with an inner `type=` or `msg=` to the paths below).
    scanned = true
  } else if (r.typeName === 'USER_AVC' || nestedMessageIndex(r.tokens) >= 0) {
    const t = r.tokens
    const nested = nestedMessageIndex(t)
    addGenericFields(t, 0, t.enrichedFrom, r.interpreted, 'audit.', out)
    if (nested >= 0) {
      const inner = tokenize(t.values[nested])
      innerType = mapAppArmorTokens(inner, 0, inner.enrichedFrom, { interpreted: r.interpreted, userSpace: true }, out)
    }
    delete out['audit.msg']
  } else {
    const t = r.tokens
    innerType = mapAppArmorTokens(t, 0, t.enrichedFrom, { interpreted: r.interpreted, userSpace: false }, out)
  }
  if (out['apparmor.status'] === undefined) {
    const fromType = statusFromRecordType(r.typeName) ?? (innerType !== undefined ? statusFromRecordType(resolveRecordType(innerType).name) : undefined)
    if (fromType !== undefined) out['apparmor.status'] = fromType
  }
  return scanned
}

export function buildEvent(ev: AssembledEvent<RecordMeta>, ctx: EventContext): Event {
  const items = ev.items
  const first = items[0]
  const records = items.length === 1 ? [first.record] : items.map((i) => i.record)
  // The envelope's fields object was made for this line alone: the event's fields grow from it, uncopied.
  const fields: Fields = first.meta.fields
  const aa = records.find(isAppArmorRecord)
  let kind: Event['kind']
  let main: AuditRecord
  if (aa) {
    kind = 'apparmor'
    main = aa
    const scanned = appArmorFields(aa, fields)
    const status = fields['apparmor.status']
    fields['audit.type'] = typeof status === 'string' ? 'APPARMOR_' + status : aa.typeName || 'APPARMOR'
    const sys = records.find((r) => r.typeName === 'SYSCALL')
    if (sys) {
      const joined: Fields = {}
      addSyscallFields(sys, joined)
      for (const k of joinedKeys) if (joined[k] !== undefined) fields[k] = joined[k]
    }
    const title = records.find((r) => r.typeName === 'PROCTITLE')
    const p = title ? proctitle(title) : undefined
    if (p !== undefined) fields['audit.proctitle'] = p
    for (const r of records) if (!(scanned && r === aa)) addEnrichedFields(r.tokens, fields)
  } else {
    kind = 'audit'
    main = mainRecord(records)
    auditEventFields(records, main, fields)
    fields['audit.type'] = main.typeName || 'UNKNOWN'
  }
  if (main.id !== '') {
    fields['audit.id'] = main.id
    fields['audit.serial'] = main.serial
    fields['audit.epoch'] = Math.floor(main.timeMs / 1000)
  }
  if (main.loggedType !== '') fields['audit.record_type'] = main.loggedType
  if (main.node !== undefined) fields['audit.node'] = main.node
  const timeMs = Number.isFinite(main.timeMs) ? main.timeMs : Number.isFinite(first.meta.timeMs) ? first.meta.timeMs : ctx.nowMs()
  return {
    seq: 0,
    time: isoTime(timeMs),
    agent: '',
    source: ctx.source,
    location: ctx.location,
    kind,
    raw: items.length === 1 ? first.raw : items.map((i) => i.raw).join('\n'),
    fields,
  }
}
