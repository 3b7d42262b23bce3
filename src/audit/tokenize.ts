/**
 * The single-pass key=value tokenizer shared by every audit and AppArmor record shape.
 *
 * Values come in three forms, and the form matters: `"quoted"` (backslash escapes), `'single'`
 * (the nested `msg='…'` of user-space records) and bare tokens (numbers, `?`, `(null)`, IPv6
 * addresses, and unquoted upper-case hex, which the kernel uses for strings it cannot print).
 * auditd's ENRICHED format appends a 0x1d byte and upper-case interpreted fields; tokens after it
 * are marked `enriched`. Words without `=` (`AVC` in journald's text form, `:` after an
 * ausearch timestamp) are kept as tokens with an empty key. Nothing here throws: an unterminated
 * quote takes the rest of the line and is flagged.
 */

export const Quote = { Bare: 0, Double: 34, Single: 39 } as const
export type QuoteKind = (typeof Quote)[keyof typeof Quote]

export interface Tokens {
  keys: string[]
  values: string[]
  quotes: QuoteKind[]
  /** Index of the first ENRICHED token (after 0x1d), or `keys.length` when there is none. */
  enrichedFrom: number
  /** True when a quoted value ran to the end of the text without its closing quote. */
  unterminated: boolean
}

const GS = 0x1d
const SPACE = 0x20
const TAB = 0x09
const EQ = 0x3d
const BACKSLASH = 0x5c

/** Keys seen in nearly every record (the tokenizer returns them as these constant strings). */
const commonKeys = [
  'apparmor', 'operation', 'class', 'profile', 'label', 'name', 'pid', 'comm', 'requested_mask', 'denied_mask',
  'requested', 'denied', 'fsuid', 'ouid', 'info', 'error', 'parent', 'family', 'sock_type', 'protocol',
  'capability', 'capname', 'signal', 'peer', 'target', 'laddr', 'lport', 'faddr', 'fport', 'saddr', 'src', 'daddr',
  'dest', 'fstype', 'srcname', 'flags', 'peer_pid', 'peer_label', 'peer_profile', 'mask', 'bus', 'path', 'interface',
  'member', 'exe', 'namespace', 'addr', 'peer_addr', 'execpath', 'tcontext',
  'arch', 'syscall', 'success', 'exit', 'a0', 'a1', 'a2', 'a3', 'items', 'ppid', 'auid', 'uid', 'gid', 'euid', 'suid',
  'egid', 'sgid', 'fsgid', 'tty', 'ses', 'subj', 'key', 'proctitle', 'cwd', 'item', 'inode', 'dev', 'mode', 'ogid',
  'rdev', 'nametype', 'cap_fp', 'cap_fi', 'cap_fe', 'cap_fver', 'cap_frootid', 'argc', 'msg', 'op', 'res',
]
/** The hash the tokenizer computes over a key's characters as it reads them. */
function keyHash(key: string): number {
  let h = 0
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0
  return h
}

/** Characters per pack: 6 of 8 bits make 48, exact in a double. */
const PACK = 6

/**
 * A fixed set of keys, recognized without cutting the key out of the text: while reading a key,
 * its characters are packed six to a number (p0, p1, p2) next to the hash. Equal packs and
 * length mean equal keys, for keys of at most 18 characters all below U+0100 (the reader says
 * whether a character was above); every key of a table is ASCII and shorter. The hash only picks
 * the slot.
 */
export class KeyTable {
  readonly #slots = new Int16Array(512) // hash & 511 → 1 + index into keys, 0 when empty
  readonly #length: Int32Array
  readonly #packs: Float64Array

  constructor(readonly keys: readonly string[]) {
    this.#length = new Int32Array(keys.length)
    this.#packs = new Float64Array(keys.length * 3)
    keys.forEach((key, k) => {
      if (key.length > 3 * PACK || /[^\x20-\x7e]/.test(key) || keys.length > 256) throw new Error(`KeyTable: key ${key} cannot be packed`)
      this.#length[k] = key.length
      for (let j = 0; j < key.length; j++) {
        const p = k * 3 + Math.floor(j / PACK)
        this.#packs[p] = this.#packs[p] * 256 + key.charCodeAt(j)
      }
      let slot = keyHash(key) & 511
      while (this.#slots[slot] !== 0) slot = (slot + 1) & 511
      this.#slots[slot] = k + 1
    })
  }

  /** Index into `keys` of the key read with this hash, length and packs, or -1. */
  find(hash: number, length: number, p0: number, p1: number, p2: number): number {
    if (length > 3 * PACK) return -1
    for (let slot = hash & 511; this.#slots[slot] !== 0; slot = (slot + 1) & 511) {
      const k = this.#slots[slot] - 1
      if (this.#length[k] === length && this.#packs[k * 3] === p0 && this.#packs[k * 3 + 1] === p1 && this.#packs[k * 3 + 2] === p2) return k
    }
    return -1
  }

  /** Where the key last read by {@link read} ends: at '=', whitespace, GS or the end of the text. */
  end = 0

  /**
   * Reads a key from `start` up to '=', whitespace or GS (setting {@link end}) and returns its index
   * in `keys`, or -1. One pass: the hash and the packs are built while the end is looked for.
   */
  read(text: string, start: number): number {
    const n = text.length
    let hash = 0
    let p0 = 0
    let p1 = 0
    let p2 = 0
    let wide = 0
    let i = start
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c === EQ || c === SPACE || c === TAB || c === GS) break
      hash = (Math.imul(hash, 31) + c) | 0
      const j = i - start
      if (j < PACK) p0 = p0 * 256 + c
      else if (j < 2 * PACK) p1 = p1 * 256 + c
      else p2 = p2 * 256 + c
      wide |= c
      i++
    }
    this.end = i
    return wide > 0xff ? -1 : this.find(hash, i - start, p0, p1, p2)
  }
}

const common = new KeyTable(commonKeys)

/** Tokenizes `text` from `start` to its end. */
export function tokenize(text: string, start = 0): Tokens {
  const keys: string[] = []
  const values: string[] = []
  const quotes: QuoteKind[] = []
  let enrichedFrom = -1
  let unterminated = false
  const n = text.length
  let i = start
  while (i < n) {
    let c = text.charCodeAt(i)
    if (c === SPACE || c === TAB || c === 0x0a || c === 0x0d) {
      i++
      continue
    }
    if (c === GS) {
      if (enrichedFrom < 0) enrichedFrom = keys.length
      i++
      continue
    }
    // Key: up to '=', whitespace or GS.
    const keyStart = i
    const k = common.read(text, i)
    i = common.end
    c = i < n ? text.charCodeAt(i) : -1
    if (i >= n || c !== EQ) {
      keys.push('')
      values.push(text.slice(keyStart, i))
      quotes.push(Quote.Bare)
      continue
    }
    // Keys seen in nearly every record come back as constant strings: no allocation, and later
    // lookups by key hit pre-hashed strings.
    const key = k >= 0 ? commonKeys[k] : text.slice(keyStart, i)
    i++ // '='
    c = i < n ? text.charCodeAt(i) : -1
    if (c === Quote.Double || c === Quote.Single) {
      const q = c
      i++
      const valueStart = i
      let escaped = false
      while (i < n) {
        const d = text.charCodeAt(i)
        if (d === q) break
        if (d === BACKSLASH && q === Quote.Double) {
          escaped = true
          i++
        }
        i++
      }
      if (i >= n) unterminated = true
      const rawValue = text.slice(valueStart, Math.min(i, n))
      keys.push(key)
      values.push(escaped ? unescape(rawValue) : rawValue)
      quotes.push(q as QuoteKind)
      i++ // closing quote
    } else {
      const valueStart = i
      let end = -1
      while (i < n) {
        c = text.charCodeAt(i)
        if (c === SPACE || c === TAB || c === GS) break
        if (c === EQ) {
          // `ouid=0FSUID="root"`: an ENRICHED line whose 0x1d was lost (copied from a terminal).
          const upper = enrichedKeyStart(text, valueStart, i)
          if (upper > valueStart) {
            end = upper
            break
          }
        }
        i++
      }
      if (end >= 0) {
        i = end
        if (enrichedFrom < 0) enrichedFrom = keys.length + 1
      }
      keys.push(key)
      values.push(text.slice(valueStart, end >= 0 ? end : i))
      quotes.push(Quote.Bare)
    }
  }
  return { keys, values, quotes, enrichedFrom: enrichedFrom < 0 ? keys.length : enrichedFrom, unterminated }
}

/**
 * Where an upper-case key (3+ of A-Z and _) glued to the value before it starts, given the '=' at
 * `eq`; -1 when the text before `eq` is not such a key.
 */
export function enrichedKeyStart(text: string, valueStart: number, eq: number): number {
  let j = eq
  while (j > valueStart) {
    const d = text.charCodeAt(j - 1)
    if (!((d >= 0x41 && d <= 0x5a) || d === 0x5f)) break
    j--
  }
  return eq - j >= 3 && j > valueStart ? j : -1
}

/** Resolves backslash escapes inside a double-quoted value (`\"`, `\\`, and any other `\x` as `x`). */
export function unescape(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === BACKSLASH && i + 1 < s.length) {
      i++
      out += s[i]
    } else out += s[i]
  }
  return out
}

/** True when `s` is non-empty upper-case hex of even length: the kernel's encoding of unprintable strings. */
export function isHexEncoded(s: string): boolean {
  const n = s.length
  if (n === 0 || (n & 1) === 1) return false
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46))) return false
  }
  return true
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Decodes kernel hex into text. Bytes that are not valid UTF-8 are kept as `\xNN` escapes so the
 * result stays lossless and printable; NUL bytes become `nulAs` (a space by default).
 */
export function decodeHex(hex: string, nulAs = ' '): string {
  const bytes = Buffer.from(hex, 'hex')
  let text: string
  try {
    text = strictUtf8.decode(bytes)
  } catch {
    text = ''
    for (const b of bytes) text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : b === 0 ? '\0' : '\\x' + b.toString(16).padStart(2, '0')
  }
  return nulAs === '\0' ? text : text.replaceAll('\0', nulAs)
}
