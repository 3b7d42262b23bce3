/** Reading alert documents by dotted path, as the query language names fields. */
import { getPath as getDocPath } from '../../src/store/alert.js'
import { canonicalField } from '../../src/store/schema.js'

/** Reads `data.audit.exe` from a document; a name outside the top-level ones is read under `data.` like the API does. */
export function getPath(doc: unknown, path: string): unknown {
  return getDocPath(doc, canonicalField(path))
}

/** Every leaf of a nested object as `[dotted.path, value]`, arrays kept whole. */
export function flatten(value: unknown, prefix: string, out: [string, unknown][] = []): [string, unknown][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out)
  } else out.push([prefix, value])
  return out
}
