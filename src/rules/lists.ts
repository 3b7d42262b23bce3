/**
 * CDB lists (`<list>` in rules): text files of `key:value` lines, which Wazuh compiles to CDB; we
 * keep them as hash maps. Keys may be quoted to contain `:`. Address lookups try the whole IPv4
 * address, then its shorter dotted prefixes (`10.1.2.3`, `10.1.2`, `10.1`, `10`), as Wazuh does.
 */
import { readFileSync } from 'node:fs'
import type { Expression } from './match/expression.js'

export type CdbList = ReadonlyMap<string, string>

export type ListLookup =
  | 'match_key'
  | 'not_match_key'
  | 'match_key_value'
  | 'address_match_key'
  | 'not_address_match_key'
  | 'address_match_key_value'

export const LIST_LOOKUPS: readonly ListLookup[] = [
  'match_key',
  'not_match_key',
  'match_key_value',
  'address_match_key',
  'not_address_match_key',
  'address_match_key_value',
]

export function parseList(text: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') continue
    let key: string
    let rest: string
    if (line.startsWith('"')) {
      const close = line.indexOf('"', 1)
      key = close < 0 ? line.slice(1) : line.slice(1, close)
      rest = close < 0 ? '' : line.slice(close + 1)
      rest = rest.startsWith(':') ? rest.slice(1) : rest
    } else {
      const colon = line.indexOf(':')
      key = colon < 0 ? line : line.slice(0, colon)
      rest = colon < 0 ? '' : line.slice(colon + 1)
    }
    if (rest.startsWith('"') && rest.endsWith('"') && rest.length >= 2) rest = rest.slice(1, -1)
    map.set(key, rest)
  }
  return map
}

export function loadList(file: string): Map<string, string> {
  return parseList(readFileSync(file, 'utf8'))
}

function addressValue(list: CdbList, ip: string): string | undefined {
  let key = ip
  for (;;) {
    const v = list.get(key)
    if (v !== undefined) return v
    const dot = key.lastIndexOf('.')
    if (dot < 0) return undefined
    key = key.slice(0, dot)
  }
}

/** Evaluates one `<list>` condition for a field value (absent values fail every lookup). */
export function listMatches(list: CdbList | undefined, lookup: ListLookup, value: string, check?: Expression): boolean {
  if (list === undefined) return false
  switch (lookup) {
    case 'match_key':
      return list.has(value)
    case 'not_match_key':
      return !list.has(value)
    case 'match_key_value': {
      const v = list.get(value)
      return v !== undefined && (check === undefined || check.test(v))
    }
    case 'address_match_key':
      return addressValue(list, value) !== undefined
    case 'not_address_match_key':
      return addressValue(list, value) === undefined
    case 'address_match_key_value': {
      const v = addressValue(list, value)
      return v !== undefined && (check === undefined || check.test(v))
    }
  }
}
