/**
 * The stored alert: the Wazuh alert JSON shape. The rules engine produces it; the store keeps the
 * whole document and copies the fields the dashboard aggregates on into columns (see schema.ts).
 * Kept structural (src/event/alert.ts's Alert is one) so that any producer of the shape can be stored;
 * unknown keys of a document are stored and returned as they are.
 */
export interface AlertDoc {
  timestamp: string
  id?: string
  rule: {
    id: string | number
    level: number
    description?: string
    groups?: readonly string[]
    firedtimes?: number
    mitre?: { id?: readonly string[]; tactic?: readonly string[]; technique?: readonly string[] }
  }
  agent?: { id?: string; name?: string; ip?: string }
  manager?: { name?: string }
  full_log?: string
  decoder?: { name?: string; parent?: string }
  data?: Record<string, unknown>
  location?: string
  syscheck?: Record<string, unknown>
}

/** Reads a dotted path (`data.audit.exe`) from a nested document; undefined when absent. */
export function getPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined
    cur = (cur as Record<string, unknown>)[part]
  }
  return cur
}
