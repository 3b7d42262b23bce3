/**
 * `profile replay`: for every logged access of a profile, what the given profile text would
 * decide in enforce mode. The readiness check before aa-enforce: "these N accesses would be denied".
 */
import type { Event } from '../../event/event.js'
import type { Profile } from './ast.js'
import { Evaluator, type Decision, type Query } from './evaluate.js'
import { accessKey, toAccess } from './logaccess.js'
import type { Policy } from './policy.js'

export interface ReplayEntry {
  readonly query: Query
  /** How often it was logged, and with which statuses (ALLOWED, DENIED ...). */
  readonly count: number
  readonly statuses: readonly string[]
  readonly first: string
  readonly decision: Decision
}

export interface ReplayReport {
  readonly profile: string
  /** Logged accesses of this profile that could be evaluated. */
  readonly accesses: number
  /** Distinct accesses that enforce mode would deny, and all of them. */
  readonly wouldDeny: readonly ReplayEntry[]
  readonly entries: readonly ReplayEntry[]
  /** Events of this profile we could not evaluate, by reason. */
  readonly skipped: Readonly<Record<string, number>>
}

/** Names under which the kernel logs a profile: its name, its attachment (legacy names). */
function logNames(p: Profile): string[] {
  return [p.name.value, ...(p.attachment ? [p.attachment.value] : [])]
}

export function replay(policy: Policy, profile: Profile, events: readonly Event[]): ReplayReport {
  const ev = new Evaluator(policy, profile)
  const names = logNames(profile)
  const groups = new Map<string, { query: Query; count: number; statuses: Set<string>; first: string }>()
  const skipped: Record<string, number> = {}
  let accesses = 0
  for (const e of events) {
    if (e.kind !== 'apparmor') continue
    const c = toAccess(e)
    const logged = typeof e.fields['apparmor.profile'] === 'string' ? (e.fields['apparmor.profile'] as string) : ''
    if (!names.includes(logged)) continue
    if (!c.ok) {
      skipped[c.reason] = (skipped[c.reason] ?? 0) + 1
      continue
    }
    accesses++
    const key = accessKey(c.access.query)
    const g = groups.get(key) ?? { query: c.access.query, count: 0, statuses: new Set<string>(), first: e.time }
    g.count++
    g.statuses.add(c.access.status)
    groups.set(key, g)
  }
  const entries = [...groups.values()].map((g) => ({ query: g.query, count: g.count, statuses: [...g.statuses], first: g.first, decision: ev.evaluate(g.query) }))
  return { profile: profile.name.value, accesses, wouldDeny: entries.filter((x) => x.decision.enforce === 'denied'), entries, skipped }
}

/** One access in the words of a profile rule: `r /etc/shadow`, `capability sys_admin`, `network inet stream`. */
export function describeQuery(q: Query): string {
  switch (q.kind) {
    case 'file':
      return `${q.mode} ${q.path}`
    case 'capability':
      return `capability ${q.name}`
    case 'network':
      return `network ${q.domain}${q.type ? ` ${q.type}` : ''}`
    case 'signal':
      return `signal ${q.access} ${q.signal} peer=${q.peer}`
    case 'ptrace':
      return `ptrace ${q.access} peer=${q.peer}`
  }
}
