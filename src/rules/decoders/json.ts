/**
 * Wazuh's JSON_Decoder plugin (src/analysisd/decoders/plugins/json_decoder.c): every key becomes a
 * dynamic field, nested keys joined with dots; a few well-known top-level keys fill the static
 * fields rules read with their own elements. Arrays of scalars are kept as arrays (the default
 * `json_array_structure`); `null` becomes the text `null` unless the decoder's `json_null_field`
 * says `discard` (dropped) or `empty` (empty string).
 */
import type { FieldValue } from '../../event/event.js'
import { isStaticField, type LogEvent } from '../log-event.js'

export type NullPolicy = 'string' | 'discard' | 'empty'

export function decodeJson(ev: LogEvent, text: string, nulls: NullPolicy = 'string'): boolean {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // cJSON reads the first value and ignores what follows (log lines holding two objects).
    const end = firstObjectEnd(text)
    if (end < 0) return false
    try {
      value = JSON.parse(text.slice(0, end))
    } catch {
      return false
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  flatten(ev, '', value as Record<string, unknown>, nulls)
  return true
}

function flatten(ev: LogEvent, prefix: string, obj: Record<string, unknown>, nulls: NullPolicy): void {
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix === '' ? k : `${prefix}.${k}`
    if (v === undefined || (v === null && nulls === 'discard')) continue
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      flatten(ev, name, v as Record<string, unknown>, nulls)
      continue
    }
    const fv: FieldValue = v === null ? (nulls === 'empty' ? '' : 'null') : (v as FieldValue)
    if (prefix === '' && (isStaticField(k) || k === 'user')) {
      const text = Array.isArray(v) ? JSON.stringify(v) : String(fv)
      ev.statics[k === 'user' ? 'dstuser' : (k as Exclude<typeof k, 'user'>)] = text
    }
    ev.dynamic.set(name, fv)
  }
}

/** The end of the first top-level `{...}` in `text` (strings and escapes honoured), or -1. */
function firstObjectEnd(text: string): number {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) depth++
    else if ((c === 125 || c === 93) && --depth === 0) return i + 1
  }
  return -1
}
