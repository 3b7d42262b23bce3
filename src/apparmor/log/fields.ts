/**
 * Maps the key=value tokens of one AppArmor record onto the canonical `apparmor.*` fields.
 * Aliases from older and newer kernels fold into one name (`label` → `apparmor.profile`,
 * `denied` → `apparmor.denied_mask`, `saddr` → `apparmor.local_addr` ...), "safe" strings that
 * the kernel hex-encoded are decoded, numbers become numbers, and every other key is kept
 * verbatim as `apparmor.<key>`. The mapping follows libapparmor's grammar (scanner.l/grammar.y),
 * plus the keys it does not know yet.
 */
import type { Fields } from '../../event/index.js'
import { auditString } from '../../audit/interpret.js'
import { decodeHex, isHexEncoded, Quote, type QuoteKind, type Tokens } from '../../audit/tokenize.js'
import { capabilityNames, protocolName, protocolNumber } from './names.js'

/** How a value is converted: text, hex-capable text, a unix address, a number (signed as logged), or a special. */
export const Conv = { Text: 0, Safe: 1, Address: 2, Number: 3, Protocol: 4, Capability: 5, Capname: 6 } as const
export type Conv = (typeof Conv)[keyof typeof Conv]

/** Every log key with a canonical field: [key, field, conversion]. */
export const appArmorKeys: readonly (readonly [key: string, field: string, conv: Conv])[] = [
  ['apparmor', 'apparmor.status', Conv.Text],
  ['operation', 'apparmor.operation', Conv.Text],
  ['class', 'apparmor.class', Conv.Safe],
  ['info', 'apparmor.info', Conv.Text],
  ['peer_info', 'apparmor.peer_info', Conv.Text],
  ['error', 'apparmor.error', Conv.Number],
  ['profile', 'apparmor.profile', Conv.Safe],
  ['label', 'apparmor.profile', Conv.Safe],
  ['peer_profile', 'apparmor.peer_profile', Conv.Safe],
  ['peer_label', 'apparmor.peer_profile', Conv.Safe],
  ['tcontext', 'apparmor.peer_profile', Conv.Safe],
  ['peer', 'apparmor.peer', Conv.Safe],
  ['name', 'apparmor.name', Conv.Safe],
  ['namespace', 'apparmor.namespace', Conv.Safe],
  ['attribute', 'apparmor.attribute', Conv.Safe],
  ['name2', 'apparmor.name2', Conv.Safe],
  ['target', 'apparmor.name2', Conv.Safe],
  ['requested_mask', 'apparmor.requested_mask', Conv.Text],
  ['requested', 'apparmor.requested_mask', Conv.Text],
  ['denied_mask', 'apparmor.denied_mask', Conv.Text],
  ['denied', 'apparmor.denied_mask', Conv.Text],
  ['mask', 'apparmor.denied_mask', Conv.Text],
  ['pid', 'apparmor.pid', Conv.Number],
  ['peer_pid', 'apparmor.peer_pid', Conv.Number],
  ['parent', 'apparmor.parent', Conv.Number],
  ['task', 'apparmor.task', Conv.Number],
  ['magic_token', 'apparmor.magic_token', Conv.Number],
  ['fsuid', 'apparmor.fsuid', Conv.Number],
  ['ouid', 'apparmor.ouid', Conv.Number],
  ['comm', 'apparmor.comm', Conv.Safe],
  ['exe', 'apparmor.exe', Conv.Safe],
  ['family', 'apparmor.family', Conv.Text],
  ['sock_type', 'apparmor.sock_type', Conv.Text],
  ['protocol', 'apparmor.protocol', Conv.Protocol],
  ['laddr', 'apparmor.local_addr', Conv.Text],
  ['saddr', 'apparmor.local_addr', Conv.Text],
  ['lport', 'apparmor.local_port', Conv.Number],
  ['src', 'apparmor.local_port', Conv.Number],
  ['faddr', 'apparmor.foreign_addr', Conv.Text],
  ['daddr', 'apparmor.foreign_addr', Conv.Text],
  ['fport', 'apparmor.foreign_port', Conv.Number],
  ['dest', 'apparmor.foreign_port', Conv.Number],
  ['addr', 'apparmor.addr', Conv.Address],
  ['peer_addr', 'apparmor.peer_addr', Conv.Address],
  ['capname', 'apparmor.capname', Conv.Capname],
  ['capability', 'apparmor.capability_number', Conv.Capability],
  ['signal', 'apparmor.signal', Conv.Text],
  ['fstype', 'apparmor.fstype', Conv.Text],
  ['flags', 'apparmor.flags', Conv.Safe],
  ['srcname', 'apparmor.srcname', Conv.Safe],
  ['execpath', 'apparmor.execpath', Conv.Safe],
  ['bus', 'apparmor.bus', Conv.Text],
  ['path', 'apparmor.path', Conv.Text],
  ['interface', 'apparmor.interface', Conv.Text],
  ['member', 'apparmor.member', Conv.Text],
  ['method', 'apparmor.member', Conv.Text],
]

const keyMap = new Map(appArmorKeys.map((k) => [k[0], k] as const))

/** The audit trailer of user-space records (USER_AVC): these describe the daemon's session, not the access. */
const userTrailer = new Set(['sauid', 'hostname', 'addr', 'terminal', 'res', 'uid', 'auid', 'ses', 'subj'])

/** Record-type spellings of the status, for records without an `apparmor=` key. */
const statusByType: Record<string, string> = {
  APPARMOR_AUDIT: 'AUDIT',
  APPARMOR_ALLOWED: 'ALLOWED',
  APPARMOR_DENIED: 'DENIED',
  APPARMOR_HINT: 'HINT',
  APPARMOR_STATUS: 'STATUS',
  APPARMOR_ERROR: 'ERROR',
  APPARMOR_KILL: 'KILLED',
}

export function statusFromRecordType(typeName: string): string | undefined {
  return statusByType[typeName]
}

/** Parses a number the way the kernel prints it; anything else (ausearch's names) stays text. */
function toNumber(v: string): number | string {
  // Plain decimals (nearly all of them) by a digit loop; the rest (hex, exponents, names) by Number().
  const len = v.length
  if (len > 0 && len < 16) {
    const negative = v.charCodeAt(0) === 0x2d && len > 1
    let x = 0
    let i = negative ? 1 : 0
    for (; i < len; i++) {
      const d = v.charCodeAt(i) - 0x30
      if (d < 0 || d > 9) break
      x = x * 10 + d
    }
    if (i === len) return negative ? -x : x
  }
  const n = Number(v)
  return v !== '' && Number.isFinite(n) ? n : v
}

export interface AppArmorMapOptions {
  /** `ausearch -i` output: values are already decoded. */
  interpreted: boolean
  /** A user-space record (USER_AVC): its trailer keys go to `audit.*`. */
  userSpace: boolean
}

/**
 * Writes the `apparmor.*` fields of tokens [from, to) into `out`. Later keys win, as in
 * libapparmor. Returns the inner `type=` if the body carried one (old kernels' `type=1503`).
 */
export function mapAppArmorTokens(tokens: Tokens, from: number, to: number, opts: AppArmorMapOptions, out: Fields): string | undefined {
  let innerType: string | undefined
  const { keys, values, quotes } = tokens
  for (let i = from; i < to; i++) {
    const key = keys[i]
    const value = values[i]
    if (key === '') continue
    if (opts.userSpace && userTrailer.has(key)) {
      out['audit.' + key] = key === 'uid' || key === 'auid' || key === 'ses' || key === 'sauid' ? toNumber(value) : value
      continue
    }
    const m = keyMap.get(key)
    if (m === undefined) {
      if (key === 'type') innerType = value
      else if (key !== 'msg') out['apparmor.' + key] = value
      continue
    }
    mapAppArmorValue(m[1], m[2], value, quotes[i], opts.interpreted, out)
  }
  return innerType
}

/** Writes one value of a known key (`field` and `conv` from {@link appArmorKeys}) into `out`. */
export function mapAppArmorValue(field: string, conv: Conv, value: string, quote: QuoteKind, interpreted: boolean, out: Fields): void {
  switch (conv) {
    case Conv.Text:
      out[field] = value
      break
    case Conv.Safe:
      out[field] = auditString(value, quote, interpreted)
      break
    case Conv.Address: {
      const decoded = quote === Quote.Bare && !interpreted && isHexEncoded(value) ? decodeHex(value, '\0') : value
      out[field] = decoded.charCodeAt(0) === 0 ? '@' + decoded.slice(1).replaceAll('\0', '') : decoded
      break
    }
    case Conv.Number:
      out[field] = toNumber(value)
      break
    case Conv.Protocol: {
      const n = toNumber(value)
      if (typeof n === 'number') {
        out['apparmor.protocol'] = protocolName(n)
        out['apparmor.protocol_number'] = n
      } else {
        out['apparmor.protocol'] = value
        const num = protocolNumber(value)
        if (num !== undefined) out['apparmor.protocol_number'] = num
      }
      break
    }
    case Conv.Capability: {
      const n = toNumber(value)
      out[field] = n
      if (typeof n === 'number' && out['apparmor.capname'] === undefined && capabilityNames[n] !== undefined) {
        out['apparmor.capname'] = capabilityNames[n]
        out['apparmor.capability'] = 'cap_' + capabilityNames[n]
      }
      break
    }
    case Conv.Capname:
      out['apparmor.capname'] = value
      out['apparmor.capability'] = 'cap_' + value
      break
  }
}
