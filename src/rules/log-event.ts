/**
 * The event as the rule engine sees it, after pre-decoding and decoding: Wazuh's `Eventinfo`
 * (src/analysisd/eventinfo.h) reduced to what decoders set and rules read.
 */
import type { Event, FieldValue } from '../event/event.js'

/** Fields decoders may set that rules read through their own elements (`<srcip>`, `<user>`...). */
export const STATIC_FIELDS = [
  'srcip',
  'dstip',
  'srcport',
  'dstport',
  'protocol',
  'action',
  'srcuser',
  'dstuser',
  'id',
  'url',
  'data',
  'extra_data',
  'status',
  'system_name',
] as const
export type StaticField = (typeof STATIC_FIELDS)[number]

const STATIC_SET: ReadonlySet<string> = new Set(STATIC_FIELDS)
export function isStaticField(name: string): name is StaticField {
  return STATIC_SET.has(name)
}

/** Which decoder decoded the event; `name` is what `decoded_as` and alerts see. */
export interface DecoderRef {
  readonly name: string
  readonly parent?: string
  /** The decoder's `<type>`, matched against a root rule's `<category>`. */
  readonly type: string
  /** The decoder's `<fts>` fields: what `if_fts` ("first time seen") keys on. */
  readonly fts?: readonly string[]
}

export interface LogEvent {
  /** The whole line (or the multi-record audit text) as received. */
  readonly fullLog: string
  /** The message after the syslog header: what `<match>`, `<regex>` and decoders read. */
  log: string
  readonly location: string
  readonly agent: { readonly id: string; readonly name: string; readonly ip?: string }
  /** When the event happened, epoch milliseconds: correlation windows use it. */
  readonly time: number
  /** Pre-decoder output. */
  timestamp?: string
  hostname?: string
  programName?: string
  decoder: DecoderRef | null
  readonly statics: Partial<Record<StaticField, string>>
  readonly dynamic: Map<string, FieldValue>
  /**
   * Fields read in place from a normalized Event (native decoders), after `dynamic`; not copied,
   * since most rules look at a handful of them. `syslog.*` keys are left out of alerts.
   */
  base?: Readonly<Record<string, FieldValue>>
  /** Field names are canonical lower case: skip Wazuh's case-insensitive fallback lookup. */
  exactNames?: boolean
  /** The normalized event this came from, when it came through the parsers. */
  readonly source?: Event
}

/**
 * A field value as rules compare it: scalars as text; arrays and objects as cJSON's formatted
 * print (tabs, `"key":\tvalue`), which is the text Wazuh's JSON decoder gives rules.
 */
export function fieldText(value: FieldValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return cjsonPrint(value, 0)
}

function cjsonPrint(value: FieldValue, depth: number): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return '[' + value.map((v: FieldValue) => cjsonPrint(v, depth)).join(', ') + ']'
  const entries = Object.entries(value as Record<string, FieldValue>)
  if (entries.length === 0) return '{\n' + '\t'.repeat(depth) + '}'
  const pad = '\t'.repeat(depth + 1)
  return '{\n' + entries.map(([k, v]) => `${pad}${JSON.stringify(k)}:\t${cjsonPrint(v, depth + 1)}`).join(',\n') + '\n' + '\t'.repeat(depth) + '}'
}

const lowerIndex = new WeakMap<Map<string, FieldValue>, Map<string, FieldValue>>()

/** A dynamic field by name; names compare case-insensitively, as Wazuh's FindField does. */
export function dynamicField(ev: LogEvent, name: string): FieldValue | undefined {
  const exact = ev.dynamic.get(name) ?? ev.base?.[name]
  if (exact !== undefined || ev.exactNames === true || ev.dynamic.size === 0) return exact
  let idx = lowerIndex.get(ev.dynamic)
  if (idx === undefined || idx.size !== ev.dynamic.size) {
    idx = new Map()
    for (const [k, v] of ev.dynamic) if (!idx.has(k.toLowerCase())) idx.set(k.toLowerCase(), v)
    lowerIndex.set(ev.dynamic, idx)
  }
  return idx.get(name.toLowerCase())
}

/** Every dynamic field: `dynamic` entries, then `base` ones not shadowed (without `syslog.*`). */
export function* dynamicEntries(ev: LogEvent): Generator<[string, FieldValue]> {
  yield* ev.dynamic
  if (ev.base === undefined) return
  for (const k in ev.base) {
    if (k.startsWith('syslog.') || ev.dynamic.has(k)) continue
    yield [k, ev.base[k] as FieldValue]
  }
}

/** Any field by name: static names first (`user` is `dstuser`), then dynamic ones. */
export function getField(ev: LogEvent, name: string): string | undefined {
  if (name === 'user') return ev.statics.dstuser ?? ev.statics.srcuser
  if (isStaticField(name)) return ev.statics[name]
  switch (name) {
    case 'hostname':
      return ev.hostname
    case 'program_name':
      return ev.programName
    case 'location':
      return ev.location
  }
  return fieldText(dynamicField(ev, name))
}

export function newLogEvent(init: {
  fullLog: string
  location: string
  agent?: LogEvent['agent']
  time?: number
  source?: Event
}): LogEvent {
  return {
    fullLog: init.fullLog,
    log: init.fullLog,
    location: init.location,
    agent: init.agent ?? { id: '000', name: 'localhost' },
    time: init.time ?? Date.now(),
    decoder: null,
    statics: {},
    dynamic: new Map(),
    ...(init.source !== undefined ? { source: init.source } : {}),
  }
}
