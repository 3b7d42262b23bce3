/**
 * Logged AppArmor accesses (Events from src/normalize, `apparmor.*` fields) as evaluation
 * queries: what `replay` re-decides and what `suggest` writes rules for.
 */
import { fieldString, type Event } from '../../event/event.js'
import type { Query } from './evaluate.js'

export interface LoggedAccess {
  /** `apparmor.profile` as logged (may be `name//hat`). */
  readonly profile: string
  readonly status: string
  readonly operation: string
  readonly query: Query
  /** The requested mask as logged, for messages. */
  readonly requested: string
  readonly event: Event
}

/** Why an event is not an access we can evaluate, or the access. */
export type Conversion = { ok: true; access: LoggedAccess } | { ok: false; reason: string }

const FILE_MASK: Record<string, string> = { r: 'r', w: 'w', c: 'w', d: 'w', a: 'a', x: 'x', m: 'm', l: 'l', k: 'k' }

/** Kernel masks (`wc`, `r`, and AppArmor 2.x's `owner::other` as in `rw::` or `::r`) → our permission letters, deduplicated. */
export function fileMode(mask: string): string {
  const out = new Set<string>()
  for (const c of mask.replace('::', '')) {
    const p = FILE_MASK[c]
    if (p) out.add(p)
  }
  return [...out].join('')
}

export function toAccess(event: Event): Conversion {
  const f = (k: string) => fieldString(event, `apparmor.${k}`)
  const profile = f('profile')
  const status = f('status') ?? ''
  const operation = f('operation') ?? ''
  if (!profile) return { ok: false, reason: 'no apparmor.profile' }
  if (!['ALLOWED', 'DENIED', 'AUDIT', 'KILLED'].includes(status)) return { ok: false, reason: `status ${status || 'missing'}` }
  const requested = f('requested_mask') ?? f('denied_mask') ?? ''
  const base = { profile, status, operation, requested, event }
  const cls = f('class')
  if (operation === 'capable' || cls === 'cap') {
    // AppArmor 2.x records name the capability `name=`.
    const name = f('capname') ?? f('capability')?.replace(/^cap_/, '') ?? f('name')
    return name ? { ok: true, access: { ...base, query: { kind: 'capability', name } } } : { ok: false, reason: 'capability without a name' }
  }
  if (operation === 'signal' || cls === 'signal') {
    const access = /send/.test(requested) ? 'send' : 'receive'
    return { ok: true, access: { ...base, query: { kind: 'signal', access, signal: f('signal') ?? '', peer: f('peer') ?? f('peer_profile') ?? 'unconfined' } } }
  }
  if (operation === 'ptrace' || cls === 'ptrace') {
    const access = (['tracedby', 'readby', 'trace', 'read'].find((a) => requested.includes(a)) ?? 'read') as 'read'
    return { ok: true, access: { ...base, query: { kind: 'ptrace', access, peer: f('peer') ?? f('peer_profile') ?? 'unconfined' } } }
  }
  const family = f('family')
  // Some exec records carry network fields too (libapparmor's test_multi testcase01): an exec is an exec.
  if (operation !== 'exec' && (cls === 'net' || (family && f('sock_type')))) {
    const type = f('sock_type')
    return family ? { ok: true, access: { ...base, query: { kind: 'network', domain: family, ...(type ? { type } : {}) } } } : { ok: false, reason: 'network access without a family' }
  }
  const name = f('name')
  if ((cls === 'file' || cls === undefined) && name?.startsWith('/')) {
    const mode = operation === 'exec' ? 'x' : fileMode(requested)
    if (!mode) return { ok: false, reason: `file access with mask '${requested}'` }
    const fsuid = event.fields['apparmor.fsuid']
    const ouid = event.fields['apparmor.ouid']
    const owner = typeof fsuid === 'number' && typeof ouid === 'number' ? { fsuid, ouid } : {}
    return { ok: true, access: { ...base, query: { kind: 'file', path: name, mode, ...owner } } }
  }
  return { ok: false, reason: `${cls ?? operation} accesses are not evaluated` }
}

/** A stable key for grouping identical accesses. */
export function accessKey(q: Query): string {
  switch (q.kind) {
    case 'file':
      return `file ${q.path} ${q.mode}${q.fsuid !== undefined && q.fsuid === q.ouid ? ' owner' : ''}`
    case 'capability':
      return `capability ${q.name}`
    case 'network':
      return `network ${q.domain} ${q.type ?? ''}`.trim()
    case 'signal':
      return `signal ${q.access} ${q.signal} ${q.peer}`
    case 'ptrace':
      return `ptrace ${q.access} ${q.peer}`
  }
}
