/**
 * The alert table's columns. Every alert keeps its full JSON document in `doc`; the fields the
 * dashboard and the seed's queries aggregate or filter on are also copied into typed columns, so
 * that GROUP BY and WHERE read one compressed column instead of parsing JSON. The query compiler
 * resolves field names through this table; anything else is read from `doc`.
 */
import type { AlertDoc } from './alert.js'

export type ColumnType = 'text' | 'int' | 'list' | 'time'

export interface Column {
  /** The field name users write in queries (`rule.level`). */
  readonly field: string
  /** `field` split at the dots, once, for the insert path. */
  readonly path: readonly string[]
  /** The SQL column name (a fixed identifier, never user input). */
  readonly column: string
  readonly type: ColumnType
}

const col = (field: string, column: string, type: ColumnType = 'text'): Column => ({ field, path: field.split('.'), column, type })

export const ALERT_COLUMNS: readonly Column[] = [
  col('timestamp', 'ts', 'time'),
  col('id', 'alert_id'),
  col('rule.id', 'rule_id'),
  col('rule.level', 'rule_level', 'int'),
  col('rule.description', 'rule_description'),
  col('rule.groups', 'rule_groups', 'list'),
  col('rule.mitre.id', 'rule_mitre_id', 'list'),
  col('agent.id', 'agent_id'),
  col('agent.name', 'agent_name'),
  col('decoder.name', 'decoder_name'),
  col('location', 'location'),
  col('full_log', 'full_log'),
  col('data.audit.type', 'audit_type'),
  col('data.audit.exe', 'audit_exe'),
  col('data.apparmor.status', 'apparmor_status'),
  col('data.apparmor.profile', 'apparmor_profile'),
  col('data.apparmor.operation', 'apparmor_operation'),
  col('data.apparmor.name', 'apparmor_name'),
  col('syscheck.path', 'syscheck_path'),
  col('syscheck.event', 'syscheck_event'),
]

export const COLUMN_BY_FIELD: ReadonlyMap<string, Column> = new Map(ALERT_COLUMNS.map((c) => [c.field, c]))

/** Top-level keys of the Wazuh alert document; any other field name is read under `data.`. */
const TOP_LEVEL = new Set([
  'timestamp', 'id', 'rule', 'agent', 'manager', 'cluster', 'decoder', 'data', 'location', 'full_log',
  'syscheck', 'predecoder', 'previous_output', 'input',
])

/**
 * The canonical field name: `apparmor.profile` and `audit.exe` (the decoder's names) mean
 * `data.apparmor.profile` and `data.audit.exe` in the alert document, as in Wazuh.
 */
export function canonicalField(name: string): string {
  const head = name.split('.', 1)[0] ?? name
  return TOP_LEVEL.has(head) ? name : `data.${name}`
}

/** A column value extracted from an alert, typed for the appender. */
export type ColumnValue = string | number | readonly string[] | null

function text(v: unknown): string | null {
  if (v === undefined || v === null) return null
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

function int(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN
  // The column is a 32-bit INTEGER: larger values stay in the document only.
  return Number.isInteger(n) && n >= -2_147_483_648 && n <= 2_147_483_647 ? n : null
}

function list(v: unknown): readonly string[] {
  if (Array.isArray(v)) return v.map((x) => String(x))
  return v === undefined || v === null ? [] : [String(v)]
}

/** Reads one column's value from an alert document. */
export function columnValue(c: Column, doc: AlertDoc): ColumnValue {
  let v: unknown = doc
  for (const part of c.path) {
    if (v === null || typeof v !== 'object') return c.type === 'list' ? [] : null
    v = (v as Record<string, unknown>)[part]
  }
  switch (c.type) {
    case 'int':
      return int(v)
    case 'list':
      return list(v)
    case 'text':
    case 'time':
      return text(v)
  }
}
