/** Reading alert documents by dotted path, as the query language names fields. */

const TOP_LEVEL = new Set(['timestamp', 'id', 'rule', 'agent', 'manager', 'decoder', 'location', 'full_log', 'syscheck', 'data', 'predecoder', 'input'])

/** Reads `data.audit.exe` from a document; a name outside the top-level ones is read under `data.` like the API does. */
export function getPath(doc: unknown, path: string): unknown {
  const parts = path.split('.')
  if (!TOP_LEVEL.has(parts[0] as string)) parts.unshift('data')
  let cur: unknown = doc
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, p)) return undefined
    cur = (cur as Record<string, unknown>)[p]
  }
  return cur
}

/** Every leaf of a nested object as `[dotted.path, value]`, arrays kept whole. */
export function flatten(value: unknown, prefix: string, out: [string, unknown][] = []): [string, unknown][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out)
  } else out.push([prefix, value])
  return out
}
