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
import { enrichedKeyStart, KeyTable, Quote, unescape, type QuoteKind } from '../../audit/tokenize.js'
import { appArmorKeys, mapAppArmorValue } from './fields.js'

const SPACE = 0x20
const TAB = 0x09
const LF = 0x0a
const CR = 0x0d
const GS = 0x1d
const EQ = 0x3d
const BACKSLASH = 0x5c

const known = new KeyTable(appArmorKeys.map((k) => k[0]))

/**
 * Where each pair of the record being read lies, reused from record to record; the strings are
 * only cut once the whole text has been accepted. Positions rather than strings: storing fresh
 * strings into a long-lived array costs a write barrier each, numbers in a typed array cost nothing.
 */
const WIDTH = 6 // known key, key start, key end, value start, value end, quote (negated when escaped)
let pairs = new Int32Array(WIDTH * 64)
/** Records with more pairs than this (no kernel writes them) take the general path: the scratch space stays small. */
const MAX_PAIRS = 1024

/**
 * Maps the key=value text from `start` to the end of `text` onto `out`, as
 * mapAppArmorTokens(tokenize(text, start)) would; false (and `out` untouched) when the text needs
 * the general path.
 */
export function scanAppArmor(text: string, start: number, interpreted: boolean, out: Fields): boolean {
  const n = text.length
  // Without a backslash, a double-quoted value ends at the next '"' (lastIndexOf would be slow here).
  const escapes = text.indexOf('\\', start) >= 0
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
    const k = known.read(text, i)
    i = known.end
    c = i < n ? text.charCodeAt(i) : -1
    // A word without '=' carries no field.
    if (i >= n || c !== EQ) continue
    const keyEnd = i
    if (k < 0 && ((keyEnd - keyStart === 3 && text.startsWith('msg', keyStart)) || (keyEnd - keyStart === 4 && text.startsWith('type', keyStart)))) return false
    i++ // '='
    c = i < n ? text.charCodeAt(i) : -1
    let valueStart = i
    let valueEnd: number
    let quote: number = Quote.Bare
    if (c === Quote.Double || c === Quote.Single) {
      quote = c
      valueStart = ++i
      if (c === Quote.Single || !escapes) {
        // No escape can occur: the value ends at the next quote, found natively.
        i = text.indexOf(c === Quote.Double ? '"' : "'", valueStart)
        if (i < 0) return false
      } else {
        while (i < n) {
          const d = text.charCodeAt(i)
          if (d === c) break
          if (d === BACKSLASH) {
            quote = -c
            i++
          }
          i++
        }
        if (i >= n) return false
      }
      valueEnd = i
      i++ // closing quote
    } else {
      while (i < n) {
        c = text.charCodeAt(i)
        if (c === SPACE || c === TAB || c === GS) break
        if (c === EQ && enrichedKeyStart(text, valueStart, i) > valueStart) return false
        i++
      }
      valueEnd = i
    }
    // `=value` with no key carries no field, as in the general path.
    if (keyEnd === keyStart) continue
    if ((count + 1) * WIDTH > pairs.length) {
      if (count >= MAX_PAIRS) return false
      const grown = new Int32Array(pairs.length * 2)
      grown.set(pairs)
      pairs = grown
    }
    const at = count * WIDTH
    pairs[at] = k
    pairs[at + 1] = keyStart
    pairs[at + 2] = keyEnd
    pairs[at + 3] = valueStart
    pairs[at + 4] = valueEnd
    pairs[at + 5] = quote
    count++
  }
  for (let at = 0; at < count * WIDTH; at += WIDTH) {
    const k = pairs[at]
    const q = pairs[at + 5]
    const raw = text.slice(pairs[at + 3], pairs[at + 4])
    const value = q < 0 ? unescape(raw) : raw
    if (k < 0) out['apparmor.' + text.slice(pairs[at + 1], pairs[at + 2])] = value
    else mapAppArmorValue(appArmorKeys[k][1], appArmorKeys[k][2], value, (q < 0 ? -q : q) as QuoteKind, interpreted, out)
  }
  return true
}
