/**
 * The fast path for the common AppArmor record (`apparmor="DENIED" operation="open" …`): one pass
 * over the key=value text straight to the canonical fields, with no token arrays and no key
 * strings (a key is recognized by the tokenizer's hash and compared in place). Values are read
 * exactly as the tokenizer reads them and converted by the same {@link mapAppArmorValue}.
 *
 * It only takes text that needs no context: on ENRICHED text (0x1d), an unterminated quote, an
 * upper-case key glued to a value (`ouid=0FSUID="root"`), and the keys `type` and `msg` (whose
 * meaning depends on the record around them) it gives up having written nothing, and the caller
 * takes the general path (tokenize, then mapAppArmorTokens), which yields the same fields for
 * everything this accepts.
 */
import type { Fields } from '../../event/index.js'
import { enrichedKeyStart, keyHash, Quote, unescape, type QuoteKind } from '../../audit/tokenize.js'
import { appArmorKeys, mapAppArmorValue } from './fields.js'

const SPACE = 0x20
const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const GS = 0x1d
const EQ = 0x3d
const BACKSLASH = 0x5c

/** Open addressing over the key hashes: slot → 1 + index into appArmorKeys, 0 when empty. */
const slots = new Int16Array(256)
for (let k = 0; k < appArmorKeys.length; k++) {
  let slot = keyHash(appArmorKeys[k][0]) & 255
  while (slots[slot] !== 0) slot = (slot + 1) & 255
  slots[slot] = k + 1
}

/** Index into appArmorKeys of the key text[start, end) with hash `hash`, or -1. */
function knownKey(text: string, start: number, end: number, hash: number): number {
  for (let slot = hash & 255; slots[slot] !== 0; slot = (slot + 1) & 255) {
    const k = slots[slot] - 1
    const key = appArmorKeys[k][0]
    if (key.length !== end - start) continue
    let j = 0
    while (j < key.length && key.charCodeAt(j) === text.charCodeAt(start + j)) j++
    if (j === key.length) return k
  }
  return -1
}

// Scratch space for one record's pairs, reused: they are only committed once the whole text is read.
const known: number[] = []
const names: string[] = []
const values: string[] = []
const quotes: QuoteKind[] = []

/**
 * Maps the key=value text from `start` to the end of `text` onto `out`, as
 * mapAppArmorTokens(tokenize(text, start)) would; false (and `out` untouched) when the text needs
 * the general path.
 */
export function scanAppArmor(text: string, start: number, interpreted: boolean, out: Fields): boolean {
  const n = text.length
  const lastBackslash = text.lastIndexOf('\\')
  let count = 0
  let i = start
  while (i < n) {
    let c = text.charCodeAt(i)
    if (c === SPACE || c === TAB || c === LF || c === CR) {
      i++
      continue
    }
    if (c === GS) return false
    const keyStart = i
    let hash = 0
    while (i < n) {
      c = text.charCodeAt(i)
      if (c === EQ || c === SPACE || c === TAB || c === GS) break
      hash = (Math.imul(hash, 31) + c) | 0
      i++
    }
    // A word without '=' carries no field.
    if (i >= n || c !== EQ) continue
    const keyEnd = i
    const k = knownKey(text, keyStart, keyEnd, hash)
    if (k < 0 && ((keyEnd - keyStart === 3 && text.startsWith('msg', keyStart)) || (keyEnd - keyStart === 4 && text.startsWith('type', keyStart)))) return false
    i++ // '='
    c = i < n ? text.charCodeAt(i) : -1
    let value: string
    let quote: QuoteKind = Quote.Bare
    if (c === Quote.Double || c === Quote.Single) {
      quote = c
      const valueStart = ++i
      let escaped = false
      if (c === Quote.Single || valueStart > lastBackslash) {
        // No escape can follow: the value ends at the next quote, found natively.
        i = text.indexOf(c === Quote.Double ? '"' : "'", valueStart)
        if (i < 0) return false
      } else {
        while (i < n) {
          const d = text.charCodeAt(i)
          if (d === c) break
          if (d === BACKSLASH) {
            escaped = true
            i++
          }
          i++
        }
        if (i >= n) return false
      }
      value = escaped ? unescape(text.slice(valueStart, i)) : text.slice(valueStart, i)
      i++ // closing quote
    } else {
      const valueStart = i
      while (i < n) {
        c = text.charCodeAt(i)
        if (c === SPACE || c === TAB || c === GS) break
        if (c === EQ && enrichedKeyStart(text, valueStart, i) > valueStart) return false
        i++
      }
      value = text.slice(valueStart, i)
    }
    // `=value` with no key carries no field, as in the general path.
    if (keyEnd === keyStart) continue
    known[count] = k
    names[count] = k < 0 ? text.slice(keyStart, keyEnd) : ''
    values[count] = value
    quotes[count] = quote
    count++
  }
  for (let p = 0; p < count; p++) {
    const k = known[p]
    if (k < 0) out['apparmor.' + names[p]] = values[p]
    else mapAppArmorValue(appArmorKeys[k][1], appArmorKeys[k][2], values[p], quotes[p], interpreted, out)
  }
  return true
}
