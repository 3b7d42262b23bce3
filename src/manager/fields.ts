/**
 * The field names the query bar can complete: the well-known ones (the store's columns and the
 * AppArmor, audit and FIM fields our decoders produce) and every dotted leaf found in a sample of
 * stored alerts, with its JSON type and one example value.
 */
import { isField } from '../store/query/parser.js'
import { phrase } from '../store/query/compose.js'
import type { RunQuery } from './alert-query.js'
import { ALERT_COLUMNS, type ColumnType } from '../store/schema.js'

export type FieldType = 'string' | 'number' | 'boolean' | 'array'

export interface FieldInfo {
  name: string
  type: FieldType
  example?: string
}

const COLUMN_TYPE: Record<ColumnType, FieldType> = { text: 'string', int: 'number', list: 'array', time: 'string' }

/** Fields of AppArmor, audit and FIM alerts worth offering before any such alert is stored. */
const WELL_KNOWN: readonly [string, FieldType][] = [
  ['rule.mitre.tactic', 'array'], ['rule.mitre.technique', 'array'], ['rule.firedtimes', 'number'], ['agent.ip', 'string'],
  ['data.apparmor.class', 'string'], ['data.apparmor.requested_mask', 'string'], ['data.apparmor.denied_mask', 'string'],
  ['data.apparmor.comm', 'string'], ['data.apparmor.pid', 'number'], ['data.apparmor.capname', 'string'], ['data.apparmor.capability', 'string'],
  ['data.apparmor.family', 'string'], ['data.apparmor.sock_type', 'string'], ['data.apparmor.peer', 'string'], ['data.apparmor.info', 'string'],
  ['data.apparmor.fsuid', 'number'], ['data.apparmor.ouid', 'number'], ['data.audit.syscall', 'string'], ['data.audit.uid', 'number'],
  ['data.audit.auid', 'number'], ['data.audit.key', 'string'], ['data.audit.success', 'string'],
  ['data.apparmor_state.change', 'string'], ['data.apparmor_state.profile', 'string'], ['data.apparmor_state.mode_before', 'string'],
  ['data.apparmor_state.mode_after', 'string'], ['syscheck.md5_after', 'string'], ['syscheck.sha256_after', 'string'], ['syscheck.diff', 'string'],
]

/** How many documents are sampled, spread over decoders so that rare kinds of alert show up too. */
const DECODERS = 20
const PER_DECODER = 50
const MAX_FIELDS = 2000
const MAX_EXAMPLE = 120

function typeOf(v: unknown): FieldType | undefined {
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'number') return 'number'
  if (typeof v === 'boolean') return 'boolean'
  return undefined
}

function example(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s.length > MAX_EXAMPLE ? s.slice(0, MAX_EXAMPLE - 1) + '…' : s
}

/** Adds the leaves of one document; keys that are not field names (a map of profile paths) stop the walk. */
function collect(doc: unknown, prefix: string, out: Map<string, FieldInfo>): void {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const name = prefix ? `${prefix}.${k}` : k
    if (!isField(name) || out.size >= MAX_FIELDS) continue
    const type = typeOf(v)
    if (type === undefined) collect(v, name, out)
    else if (!out.has(name)) out.set(name, { name, type, ...(type !== 'array' || (v as unknown[]).length ? { example: example(v) } : {}) })
  }
}

export async function knownFields(query: RunQuery): Promise<FieldInfo[]> {
  const out = new Map<string, FieldInfo>()
  for (const c of ALERT_COLUMNS) out.set(c.field, { name: c.field, type: COLUMN_TYPE[c.type] })
  for (const [name, type] of WELL_KNOWN) out.set(name, { name, type })
  const sampled = new Map<string, FieldInfo>()
  const decoders = await query(`decoder.name: * | top ${DECODERS} decoder.name`, {})
  const samples = await Promise.all(decoders.rows.map((r) => query(`decoder.name: ${phrase(String(r['decoder.name']))}`, {}, PER_DECODER)))
  const rest = await query('NOT decoder.name: *', {}, PER_DECODER)
  for (const s of [...samples, rest]) for (const doc of s.rows) collect(doc, '', sampled)
  // Sampled values give the example (and the real type) of well-known fields too.
  for (const [name, f] of sampled) out.set(name, f)
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name))
}
