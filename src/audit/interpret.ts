/**
 * Interpretation of raw audit values: architectures, syscall names, socket addresses, and the
 * hex-or-quoted string encoding. Tables come from the audit userspace (see data/).
 */
import { syscallTables } from './data/syscalls.js'
import { decodeHex, isHexEncoded, Quote, type QuoteKind } from './tokenize.js'

const arches: Record<string, string> = {
  c000003e: 'x86_64',
  '40000003': 'i386',
  c00000b7: 'aarch64',
  '40000028': 'arm',
  c0000015: 'ppc64le',
  '80000015': 'ppc64',
  '80000016': 's390x',
  c00000f3: 'riscv64',
}

/** `c000003e` → `x86_64`; unknown values are returned as logged. */
export function archName(hex: string): string {
  return arches[hex.toLowerCase()] ?? hex
}

/** Syscall name for a number on an architecture (`x86_64`, `i386`, `aarch64`), if known. */
export function syscallName(arch: string, n: number): string | undefined {
  return syscallTables[arch]?.[n]
}

/**
 * A string value as the kernel wrote it: quoted text is literal, an unquoted value is hex when it
 * looks like hex (the kernel's encoding of strings with spaces, quotes or non-ASCII bytes).
 */
export function auditString(value: string, quote: QuoteKind, interpreted: boolean): string {
  return quote === Quote.Bare && !interpreted && isHexEncoded(value) ? decodeHex(value) : value
}

export interface SockAddr {
  family: string
  addr?: string
  port?: number
  path?: string
}

const familyNames: Record<number, string> = { 1: 'unix', 2: 'inet', 10: 'inet6', 16: 'netlink', 17: 'packet' }

/** Decodes a SOCKADDR record's `saddr` hex (struct sockaddr as the kernel copied it, x86 byte order). */
export function decodeSockaddr(hex: string): SockAddr | undefined {
  if (!isHexEncoded(hex) || hex.length < 4) return undefined
  const b = Buffer.from(hex, 'hex')
  const fam = b.readUInt16LE(0)
  const family = familyNames[fam] ?? `family(${fam})`
  if (fam === 2 && b.length >= 8) {
    return { family, port: b.readUInt16BE(2), addr: `${b[4]}.${b[5]}.${b[6]}.${b[7]}` }
  }
  if (fam === 10 && b.length >= 24) {
    const groups: string[] = []
    for (let i = 8; i < 24; i += 2) groups.push(b.readUInt16BE(i).toString(16))
    return { family, port: b.readUInt16BE(2), addr: compressIpv6(groups) }
  }
  if (fam === 1) {
    const raw = b.subarray(2)
    if (raw.length === 0) return { family, path: '' }
    if (raw[0] === 0) return { family, path: '@' + raw.subarray(1).toString('latin1').replace(/\0+$/, '') }
    const end = raw.indexOf(0)
    return { family, path: raw.subarray(0, end < 0 ? raw.length : end).toString('utf8') }
  }
  if (fam === 16 && b.length >= 12) return { family, addr: `pid:${b.readUInt32LE(4)} groups:${b.readUInt32LE(8).toString(16)}` }
  return { family }
}

/** RFC 5952 text form of eight 16-bit groups: the longest run of zeros (2+) becomes `::`. */
function compressIpv6(groups: string[]): string {
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  if (bestStart < 0) return groups.join(':')
  return groups.slice(0, bestStart).join(':') + '::' + groups.slice(bestStart + bestLen).join(':')
}
