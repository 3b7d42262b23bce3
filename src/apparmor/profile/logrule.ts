/**
 * What aa-logprof's log parser makes of one AppArmor record, before it asks anything: the rule
 * its rule classes build from the record (`hashlog_from_event`, `from_hashlog`) and print
 * (`get_clean`), after AppArmor 4.1's utils/apparmor/logparser.py and rule/*.py. File accesses
 * and execs come back as data, since suggest still merges, globs and widens them.
 */
import { fieldString, type Event } from '../../event/event.js'
import { CAPABILITIES } from './tables.js'

export type LogprofRule =
  /** A file access as logged: the denied permissions (`mrwalk`), owner when fsuid == ouid (or `r::` masks). */
  | { readonly kind: 'file'; readonly path: string; readonly perms: string; readonly owner: boolean }
  /** An exec: aa-logprof asks for the transition. */
  | { readonly kind: 'exec'; readonly path: string }
  /**
   * Any other kind, as aa-logprof prints it; `coarse` is the rule without accesses or addresses
   * (network); `v4` when the rule needs AppArmor 4's language (abi 4.0).
   */
  | { readonly kind: 'rule'; readonly text: string; readonly coarse?: string; readonly v4?: true }

/** Network and unix accesses that take no peer (rule/network.py's non_peer_accesses). */
const NON_PEER = new Set(['create', 'bind', 'listen', 'shutdown', 'getattr', 'setattr', 'getopt', 'setopt'])

/** Operations that are file or network accesses depending on the record (logparser.py's OP_TYPE_FILE_OR_NET). */
const FILE_OR_NET = new Set(['create', 'post_create', 'bind', 'connect', 'listen', 'accept', 'sendmsg', 'recvmsg', 'getsockname', 'getpeername', 'getsockopt', 'setsockopt', 'socket_create', 'sock_shutdown', 'open', 'truncate', 'mkdir', 'mknod', 'chmod', 'chown', 'rename_src', 'rename_dest', 'unlink', 'rmdir', 'symlink', 'symlink_create', 'link', 'sysctl', 'getattr', 'setattr', 'xattr'])

/** rule/network.py's domain and type/protocol keywords: anything else makes no rule. */
const DOMAINS = new Set(['unspec', 'unix', 'inet', 'ax25', 'ipx', 'appletalk', 'netrom', 'bridge', 'atmpvc', 'x25', 'inet6', 'rose', 'netbeui', 'security', 'key', 'netlink', 'packet', 'ash', 'econet', 'atmsvc', 'rds', 'sna', 'irda', 'pppox', 'wanpipe', 'llc', 'ib', 'mpls', 'can', 'tipc', 'bluetooth', 'iucv', 'rxrpc', 'isdn', 'phonet', 'ieee802154', 'caif', 'alg', 'nfc', 'vsock', 'kcm', 'qipcrtr', 'smc', 'xdp', 'mctp'])
const TYPES = new Set(['stream', 'dgram', 'seqpacket', 'rdm', 'raw', 'packet', 'tcp', 'udp', 'icmp'])

/** Upstream's quote_if_needed: only whitespace forces quotes. */
export function quoteIfNeeded(s: string): string {
  return s.includes(' ') ? `"${s}"` : s
}

const words = (s: string | undefined) => (s ?? '').split(/\s+/).filter(Boolean)
/** ` x` for one access, ` (x y)` for several (signal, ptrace, dbus, mqueue, io_uring). */
const accessWord = (list: readonly string[]) => (list.length === 1 ? ` ${list[0]}` : ` (${[...list].sort().join(' ')})`)
/** ` k=v k=v` of the defined values, or ` peer=(k=v ...)`. */
function conds(pairs: readonly [string, string | number | undefined][], prefix?: string): string {
  const set = pairs.filter((p): p is [string, string | number] => p[1] !== undefined && p[1] !== '')
  if (!set.length) return ''
  const text = set.map(([k, v]) => `${k}=${quoteIfNeeded(String(v))}`).join(' ')
  return prefix ? ` ${prefix}=(${text})` : ` ${text}`
}

/** The rule aa-logprof proposes for a record, or why it makes none. */
export function logprofRule(event: Event): LogprofRule | { readonly skip: string } {
  const f = (k: string) => fieldString(event, `apparmor.${k}`)
  const num = (k: string) => {
    const v = event.fields[`apparmor.${k}`]
    return typeof v === 'number' && v > 0 ? v : undefined
  }
  const op = f('operation') ?? ''
  const cls = f('class')
  const denied = f('denied_mask')
  const family = f('family')
  // logparser.py's get_event_type(), in its order.
  if (op === 'exec') {
    const name = f('name')
    return name ? { kind: 'exec', path: name } : { skip: 'exec without a program' }
  }
  if (cls === 'namespace') {
    const access = (denied ?? f('requested_mask') ?? '').replace(/^userns_/, '')
    return access ? { kind: 'rule', text: `userns ${access},`, v4: true } : { skip: 'userns without an access' }
  }
  if (cls?.endsWith('mqueue')) {
    const access = words(denied)
    const name = f('name')
    if (!access.length || !name) return { skip: 'mqueue without an access or a name' }
    return { kind: 'rule', text: `mqueue${accessWord(access)} type=${cls.split('_')[0]} ${name},`, v4: true }
  }
  if (cls === 'io_uring') {
    const access = words(denied)
    if (!access.length) return { skip: 'io_uring without an access' }
    return { kind: 'rule', text: `io_uring${accessWord(access)}${conds([['label', f('peer_profile')]])},`, v4: true }
  }
  if (cls === 'mount' || op === 'mount' || op === 'umount') return mountRule(op === 'umount' ? 'umount' : 'mount', f('flags'), f('fstype'), f('srcname'), f('name'))
  if (op === 'pivotroot') {
    const [oldroot, newroot] = [f('srcname'), f('name')]
    return { kind: 'rule', text: `pivot_root${oldroot ? ` oldroot=${quoteIfNeeded(oldroot)}` : ''}${newroot ? ` ${quoteIfNeeded(newroot)}` : ''},` }
  }
  const sockType = f('sock_type')
  if (cls === 'net' && family === 'unix') {
    const access = words(denied)
    if (!access.length) return { skip: 'unix access without a mask' }
    // libapparmor drops `none` (an unbound socket).
    const addr = (k: string) => (f(k) === 'none' ? undefined : f(k))
    const peer = access.some((a) => NON_PEER.has(a)) ? '' : conds([['addr', addr('peer_addr')], ['label', f('peer_profile')]], 'peer')
    const attr = f('attribute')
    const text = `unix (${[...access].sort().join(', ')})${conds([['type', sockType]])}${conds([['addr', addr('addr')], ['attr', attr]])}${peer},`
    return { kind: 'rule', text, ...(attr ? { v4: true as const } : {}) }
  }
  const fileOrNet = op.startsWith('file_') || op.startsWith('inode_') || FILE_OR_NET.has(op)
  const name = f('name')
  if (cls === 'file' || (fileOrNet && !(family && sockType) && cls !== 'net')) {
    if (!name?.startsWith('/')) return { skip: 'file access without a path' }
    return fileAccess(name, denied ?? f('requested_mask') ?? '', event)
  }
  if (op === 'capable' || cls === 'cap') {
    // Old records name the capability `name=`.
    const cap = f('capname') ?? f('capability')?.replace(/^cap_/, '') ?? name
    return cap && CAPABILITIES.has(cap) ? { kind: 'rule', text: `capability ${cap},` } : { skip: `unknown capability '${cap ?? ''}'` }
  }
  if (cls === 'net' || (fileOrNet && family && sockType)) return networkRule(f('requested_mask'), family, sockType, [f('local_addr'), num('local_port')], [f('foreign_addr'), num('foreign_port')])
  if (op === 'change_profile') {
    const target = f('name2')
    return target ? { kind: 'rule', text: `change_profile -> ${quoteIfNeeded(target)},` } : { skip: 'change_profile without a target' }
  }
  if (op === 'ptrace' || op === 'signal') {
    const peer = f('peer')
    // Upstream ignores garbage records without a peer or a mask, and null-* peers.
    if (!peer || !denied || peer.includes('//null-')) return { skip: `${op} without a peer or a mask` }
    const signal = op === 'signal' ? f('signal') : undefined
    const set = signal ? ` set=${signal}` : ''
    return { kind: 'rule', text: `${op}${accessWord(words(denied))}${set} peer=${quoteIfNeeded(peer)},` }
  }
  if (op.startsWith('dbus_')) return dbusRule(words(denied), f)
  return { skip: `${cls ?? op} records make no rule` }
}

/** FileRule.hashlog_from_event: `c`/`d` are `w`, `owner::other` masks, `x` only from exec records. */
function fileAccess(path: string, mask: string, event: Event): LogprofRule | { skip: string } {
  let m = mask.replace(/[cd]/g, 'w')
  let owner = false
  if (m.includes('::')) {
    const [own = '', other = ''] = m.split('::')
    owner = own !== ''
    m = owner ? own : other
  }
  const { 'apparmor.fsuid': fsuid, 'apparmor.ouid': ouid } = event.fields
  if (typeof ouid === 'number' && fsuid === ouid) owner = true
  const perms = [...'mrwalk'].filter((p) => m.includes(p) && !(p === 'a' && m.includes('w'))).join('')
  return perms ? { kind: 'file', path, perms, owner } : { skip: `file access with mask '${mask}'` }
}

function mountRule(op: 'mount' | 'umount', flags?: string, fstype?: string, source?: string, dest?: string): LogprofRule {
  const list = (key: string, v?: string) => (v ? ` ${key}=(${v.split(', ').sort().join(', ')})` : '')
  const where = op === 'mount' ? `${source === undefined ? '' : ` ${source === '' ? '""' : quoteIfNeeded(source)}`}${dest ? ` -> ${quoteIfNeeded(dest)}` : ''}` : dest ? ` ${dest}` : ''
  return { kind: 'rule', text: `${op}${list('fstype', fstype)}${list('options', flags)}${where},` }
}

function networkRule(requested: string | undefined, family: string | undefined, type: string | undefined, local: [string?, number?], peer: [string?, number?]): LogprofRule | { skip: string } {
  if (!family || !DOMAINS.has(family) || (type && !TYPES.has(type))) return { skip: `network family '${family ?? ''}' or type '${type ?? ''}' has no rule keyword` }
  const access = words(requested)
  const head = `network${access.length ? ` (${[...access].sort().join(', ')})` : ''} ${family}${type ? ` ${type}` : ''}`
  // Addresses only for inet domains, and no peer for accesses that have none.
  const inet = family.startsWith('inet')
  const at = (p: [string?, number?]) => [['ip', p[0]], ['port', p[1]]] as [string, string | number | undefined][]
  const withPeer = inet && !access.some((a) => NON_PEER.has(a))
  const text = `${head}${inet ? conds(at(local)) : ''}${withPeer ? conds(at(peer), 'peer') : ''},`
  const coarse = `network ${family}${type ? ` ${type}` : ''},`
  return { kind: 'rule', text, coarse, ...(text === coarse ? {} : { v4: true as const }) }
}

/** DbusRule.from_hashlog: each access keeps only the conditionals it can have. */
function dbusRule(access: readonly string[], f: (k: string) => string | undefined): LogprofRule | { skip: string } {
  const a = access.join(' ')
  const bus = conds([['bus', f('bus')]])
  if (a === 'send' || a === 'receive') {
    return { kind: 'rule', text: `dbus ${a}${bus}${conds([['path', f('path')], ['interface', f('interface')], ['member', f('member')]])}${conds([['label', f('peer_profile')]], 'peer')},` }
  }
  if (a === 'bind') return { kind: 'rule', text: `dbus bind${bus}${conds([['name', f('name')]])},` }
  if (a === 'eavesdrop') return { kind: 'rule', text: `dbus eavesdrop${bus},` }
  return { skip: `dbus access '${a}'` }
}
