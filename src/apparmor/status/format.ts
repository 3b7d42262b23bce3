/**
 * aa-status's two JSON layouts: `--json`, written by hand on one line (`{"k": v, "k": v}`), and
 * `--pretty-json`, the same document reprinted by cJSON_Print (tabs). Objects are entry lists, not
 * records, because aa-status can repeat a key (an executable whose processes differ in status).
 */
export type JsonValue = string | number | JsonValue[] | { object: [string, JsonValue][] }

/**
 * A JSON string as cJSON escapes it: quote, backslash and control characters; every other
 * character (byte) as it is. aa-status's `--json` escapes nothing, which makes invalid JSON of a
 * name with a quote; we escape (docs/fim.md).
 */
function str(s: string): string {
  const named: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' }
  return `"${s.replace(/["\\\u0000-\u001f]/g, (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`
}

/** The `--json` line: `, ` between members, `: ` after keys. */
export function renderCompact(v: JsonValue): string {
  if (typeof v === 'string') return str(v)
  if (typeof v === 'number') return String(v)
  if (Array.isArray(v)) return `[${v.map(renderCompact).join(', ')}]`
  return `{${v.object.map(([k, x]) => `${str(k)}: ${renderCompact(x)}`).join(', ')}}`
}

/**
 * cJSON_Print: an object's members one per line, indented by one tab per enclosing object or
 * array, `:\t` after keys; an array's items on the same line, `, ` between them.
 */
export function renderPretty(v: JsonValue, depth = 0): string {
  if (typeof v === 'string') return str(v)
  if (typeof v === 'number') return String(v)
  if (Array.isArray(v)) return `[${v.map((x) => renderPretty(x, depth + 1)).join(', ')}]`
  const tabs = (n: number): string => '\t'.repeat(n)
  const members = v.object.map(([k, x]) => `${tabs(depth + 1)}${str(k)}:\t${renderPretty(x, depth + 1)}`)
  return `{\n${members.length ? members.join(',\n') + '\n' : ''}${tabs(depth)}}`
}
