/**
 * network and unix rules: access, family and type, and the socket conditionals, with
 * apparmor_parser's checks (network.cc, af_unix.cc, af_rule.cc).
 */
import { isIPv4, isIPv6 } from 'node:net'
import type { Rule, Word } from './ast.js'
import { splitArgs, type Cond } from './conds.js'
import { NETWORK_ACCESS, NETWORK_DOMAINS, NETWORK_PROTOCOLS, NETWORK_TYPES, RW_LETTERS } from './tables.js'
import type { Report, ValidateOptions } from './validate.js'

/** Accesses that concern the local socket only: never together with peer conditionals. */
const LOCAL_ONLY: ReadonlySet<string> = new Set(['create', 'shutdown', 'setattr', 'getattr', 'bind', 'listen', 'setopt', 'getopt'])

const isAccess = (w: Word): boolean => !w.quoted && (NETWORK_ACCESS.has(w.text) || RW_LETTERS.test(w.text)) && !NETWORK_DOMAINS.has(w.text)

/** A peer group with a local-only access in the rule's accesses. */
function localWithPeer(perms: readonly Word[] | undefined, peer: readonly Cond[]): Word | undefined {
  return peer.length > 0 ? perms?.find((p) => LOCAL_ONLY.has(p.text)) : undefined
}

function accessList(kind: string, perms: readonly Word[] | undefined, report: Report): boolean {
  const bad = perms?.find((p) => !isAccess(p))
  if (bad) report(bad, `invalid access '${bad.text}' in ${kind} rule`)
  return bad === undefined
}

export function network(rule: Rule, args: readonly Word[], opts: ValidateOptions, report: Report): void {
  const split = splitArgs(rule, args, isAccess)
  if (!split.ok) return report(split.at, split.message)
  const { perms, ids, conds, group } = split.args
  // 3.0.8 knows only `network [DOMAIN] [TYPE|PROTOCOL],`: accesses and conditionals are 4.x.
  if (opts.abi < 4 && perms) return report(perms[0] ?? rule, 'Invalid network entry: access lists need AppArmor 4 (use --abi 4)')
  if (opts.abi < 4 && (conds.length > 0 || group)) return report(rule, 'Invalid network entry: ip=/port=/peer= need AppArmor 4 (use --abi 4)')
  if (!accessList('network', perms, report)) return
  if (group && group.name.text !== 'peer') return report(group.name, `network rule: invalid conditional group ${group.name.text}=()`)
  const after = ids.find((x) => x.afterConds)
  if (after) return report(after.word, `unexpected '${after.word.text}' after the conditionals of a network rule`)
  const ipError = ipCondsError(conds) ?? ipCondsError(group?.conds ?? [])
  if (ipError) return report(ipError.at, ipError.message)
  const local = localWithPeer(perms, group?.conds ?? [])
  if (local) return report(local, `network '${local.text}' access cannot be used with peer socket conditionals`)
  const [first, second, third] = ids.map((x) => x.word)
  if (third) return report(third, 'Invalid network entry.')
  if (!first) return
  const inet = first.text === 'inet' || first.text === 'inet6'
  if (NETWORK_DOMAINS.has(first.text)) {
    if ((conds.length > 0 || group) && !inet) return report(first, 'network family does not support local or peer conditionals')
    if (!second || NETWORK_TYPES.has(second.text)) return
    if (NETWORK_PROTOCOLS.has(second.text) && inet) return
    return report(second, 'Invalid network entry.')
  }
  if ((NETWORK_TYPES.has(first.text) || NETWORK_PROTOCOLS.has(first.text)) && !second) return
  report(first, 'Invalid network entry.')
}

/** `ip=` (an IPv4 or IPv6 address, or `none`) and `port=` (a number or `from-to`), each once. */
function ipCondsError(conds: readonly Cond[]): { at: Word; message: string } | undefined {
  const seen = new Set<string>()
  for (const c of conds) {
    const name = c.key.text
    if (c.op === 'in') return { at: c.key, message: 'keyword "in" is not allowed in network rules' }
    if (name !== 'ip' && name !== 'port') return { at: c.key, message: `invalid network rule conditional "${name}"` }
    if (seen.has(name)) return { at: c.key, message: `network conditional "${name}" can only be specified once` }
    seen.add(name)
    const v = c.values[0]
    if (c.list || !v) return { at: c.key, message: `network conditional "${name}" takes one value` }
    if (name === 'ip' && !isIp(v.value)) return { at: v, message: `network invalid ip='${v.value}'` }
    if (name === 'port' && !isPortOrRange(v.value)) return { at: v, message: `network invalid port='${v.value}'` }
  }
  return undefined
}

/** What inet_pton(3) accepts (no zone index, no prefix length), or `none`. */
function isIp(s: string): boolean {
  return s === 'none' || isIPv4(s) || (isIPv6(s) && !s.includes('%'))
}

function isPortOrRange(s: string): boolean {
  const port = (p: string): number | undefined => (/^\d+$/.test(p) && Number(p) <= 65535 ? Number(p) : undefined)
  const dash = s.indexOf('-')
  if (dash < 0) return port(s) !== undefined
  const from = port(s.slice(0, dash))
  const to = port(s.slice(dash + 1))
  return from !== undefined && to !== undefined && from <= to
}

/** Which unix conditionals exist, where they may appear, and how many values they take. */
const UNIX_CONDS: Readonly<Record<string, { side: 'local' | 'peer' | 'either'; unsupported?: true }>> = {
  addr: { side: 'either' },
  type: { side: 'local' },
  protocol: { side: 'local', unsupported: true },
  label: { side: 'peer' },
}

export function unix(rule: Rule, args: readonly Word[], opts: ValidateOptions, report: Report, aare: (w: Word) => boolean): void {
  const split = splitArgs(rule, args, isAccess)
  if (!split.ok) return report(split.at, split.message)
  const { perms, ids, conds, group } = split.args
  if (!accessList('unix', perms, report)) return
  if (ids[0]) return report(ids[0].word, `unexpected '${ids[0].word.text}' in unix rule`)
  if (group && group.name.text !== 'peer') return report(group.name, `unix rule: invalid conditional group ${group.name.text}=()`)
  for (const [list, peer] of [[conds, false], [group?.conds ?? [], true]] as const) {
    const seen = new Set<string>()
    for (const c of list) {
      const name = c.key.text
      const spec = UNIX_CONDS[name]
      if (!spec) return report(c.key, `unix rule: invalid ${peer ? 'peer ' : ''}conditional '${name}'`)
      if (spec.unsupported) return report(c.key, `socket rule: '${name}' conditional is not currently supported`)
      if (!peer && spec.side === 'peer') return report(c.key, `unix rule: '${name}' conditional is only valid in the peer expression`)
      if (peer && spec.side === 'local') return report(c.key, `unix rule: '${name}' conditional is not allowed in the peer expression`)
      if (c.op === 'in') return report(c.key, `unix rule: keyword 'in' is not allowed in '${name}' socket conditional`)
      if (c.values.length !== 1) return report(c.key, `unix rule: conditional '${name}' only supports a single value`)
      if (seen.has(name)) return report(c.key, `unix conditional "${name}" can only be specified once`)
      seen.add(name)
      const v = c.values[0] as Word
      if (name === 'type' && !NETWORK_TYPES.has(v.value)) return report(v, `socket rule: invalid socket type '${v.value}'`)
      // An abstract (`@name`) address, or the unnamed (`none`) and autobind (`auto`) ones.
      if (name === 'addr' && !(v.value.startsWith('@') || v.value === 'none' || v.value === 'auto')) return report(v, `unix rule: invalid value for addr='${v.value}'`)
      // 3.0.8 does not check the pattern syntax of addr= (4.x does); label= it always checks.
      if ((name === 'label' || (name === 'addr' && opts.abi >= 4)) && !aare(v)) return
    }
  }
  const local = localWithPeer(perms, group?.conds ?? [])
  if (local) report(local, `unix socket '${local.text}' access cannot be used with peer socket conditionals`)
}
