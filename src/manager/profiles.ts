/**
 * The fleet's AppArmor profiles, one row per profile and agent, from stored alerts only:
 * - the mode comes from the agent's newest inventory (rule 110307, `data.apparmor_state.profiles`),
 *   updated by the state changes stored after it (loaded, removed, mode changed, disabled);
 * - the last change is the newest of: a state change of the profile, an AppArmor STATUS record
 *   naming it (profile_load/replace/remove), a FIM alert on its file in an `apparmor.d` folder;
 * - denials in the last 24 hours, and alerts and the newest alert in the requested range.
 */
import { fileNameFor } from '../apparmor/profile/suggest.js'
import type { AlertDoc } from '../store/alert.js'
import { MAX_ROWS, type TimeRange } from '../store/query/index.js'
import { phrase } from '../store/query/compose.js'
import { searchAlerts, type RunQuery } from './alert-query.js'
import { DENIAL } from './security.js'

export const MODES = ['enforce', 'complain', 'kill', 'unconfined', 'prompt'] as const
export type Mode = (typeof MODES)[number]

export interface ProfileRow {
  profile: string
  agent: { id: string; name: string }
  mode: Mode | null
  denials_24h: number
  alerts: number
  last_change: string | null
  last_seen: string | null
}

const CHANGES = 'data.apparmor_state.change: (profile_loaded OR profile_removed OR mode_changed OR disabled OR all_profiles_removed)'

/** securityfs says `user` for what aa-status calls prompt mode. */
function modeOf(v: unknown): Mode | null {
  if (v === 'user') return 'prompt'
  return (MODES as readonly unknown[]).includes(v) ? (v as Mode) : null
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v))
const state = (doc: AlertDoc, k: string): unknown => (doc.data?.apparmor_state as Record<string, unknown> | undefined)?.[k]

/** Applies one state-change alert to an agent's profile → mode map. */
function apply(modes: Map<string, Mode | null>, doc: AlertDoc): void {
  const profile = str(state(doc, 'profile'))
  switch (state(doc, 'change')) {
    case 'profile_loaded':
    case 'mode_changed':
      if (profile) modes.set(profile, modeOf(state(doc, 'mode_after')))
      break
    case 'profile_removed':
      modes.delete(profile)
      break
    case 'disabled':
    case 'all_profiles_removed':
      modes.clear()
  }
}

interface AgentModes {
  readonly name: string
  readonly modes: Map<string, Mode | null>
}

/**
 * Each agent's current profile modes (optionally one agent's only), in three queries whatever the
 * size of the fleet: the agents, each one's newest inventory (`dedup`), and the state changes
 * since the oldest of those, applied per agent to what came after its own inventory.
 */
export async function currentModes(run: RunQuery, agent?: string): Promise<Map<string, AgentModes>> {
  const only = agent !== undefined ? ` AND agent.id: ${phrase(agent)}` : ''
  const out = new Map<string, AgentModes>()
  const [agents, inventories] = await Promise.all([
    run(`(data.apparmor_state.change: inventory OR ${CHANGES})${only} | stats max(timestamp) by agent.id, agent.name`, {}),
    searchAlerts(run, `data.apparmor_state.change: inventory${only} | dedup agent.id`, {}, MAX_ROWS),
  ])
  const inventoryOf = new Map(inventories.map((inv) => [str(inv.agent?.id), inv]))
  // Agents without an inventory take every change; the others only those after it.
  const oldest = agents.rows.some((r) => !inventoryOf.has(str(r['agent.id'])))
    ? undefined
    : Math.min(...inventories.map((inv) => Date.parse(inv.timestamp)))
  const range: TimeRange = oldest !== undefined && Number.isFinite(oldest) ? { from: new Date(oldest + 1).toISOString() } : {}
  const changes = await searchAlerts(run, `${CHANGES}${only}`, range, MAX_ROWS)
  const changesOf = new Map<string, AlertDoc[]>()
  // Searches come newest first; changes apply oldest first.
  for (const c of changes.reverse()) {
    const id = str(c.agent?.id)
    const inv = inventoryOf.get(id)
    if (inv && Date.parse(c.timestamp) <= Date.parse(inv.timestamp)) continue
    const list = changesOf.get(id) ?? []
    list.push(c)
    changesOf.set(id, list)
  }
  for (const row of agents.rows) {
    const id = str(row['agent.id'])
    if (out.has(id)) continue
    const inv = inventoryOf.get(id)
    const modes = new Map<string, Mode | null>()
    const profiles = inv ? state(inv, 'profiles') : undefined
    if (profiles && typeof profiles === 'object') for (const [p, m] of Object.entries(profiles)) modes.set(p, modeOf(m))
    for (const c of changesOf.get(id) ?? []) apply(modes, c)
    out.set(id, { name: str(inv?.agent?.name ?? row['agent.name']), modes })
  }
  return out
}

const key = (agent: string, profile: string) => `${agent}\u0000${profile}`

/** The later of two ISO times (either may be missing). */
function later(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b || null
  if (!b) return a
  return Date.parse(b) > Date.parse(a) ? b : a
}

/** Keeps the newest ISO time per key. */
function newest(m: Map<string, string>, k: string, t: string): void {
  const n = later(m.get(k), t)
  if (n !== null) m.set(k, n)
}

export async function profileInventory(run: RunQuery, range: TimeRange, now: Date = new Date()): Promise<ProfileRow[]> {
  const day: TimeRange = { from: new Date(now.getTime() - 86_400_000).toISOString(), to: now.toISOString() }
  const [modes, seen, denials, stateChanges, status, fim] = await Promise.all([
    currentModes(run),
    run('apparmor.profile: * | stats count, max(timestamp) by agent.id, agent.name, apparmor.profile', range),
    run(`${DENIAL} | stats count by agent.id, agent.name, apparmor.profile`, day),
    run('data.apparmor_state.change: (profile_loaded OR profile_removed OR mode_changed) | stats max(timestamp) by agent.id, data.apparmor_state.profile', {}),
    run('apparmor.status: STATUS AND apparmor.operation: (profile_load OR profile_replace OR profile_remove) | stats max(timestamp) by agent.id, apparmor.name', {}),
    run('syscheck.path: */apparmor.d/* | stats max(timestamp) by agent.id, syscheck.path', {}),
  ])
  const rows = new Map<string, ProfileRow>()
  const row = (agentId: string, agentName: string, profile: string): ProfileRow => {
    const k = key(agentId, profile)
    let r = rows.get(k)
    if (!r) {
      r = { profile, agent: { id: agentId, name: agentName }, mode: null, denials_24h: 0, alerts: 0, last_change: null, last_seen: null }
      rows.set(k, r)
    }
    return r
  }
  for (const [id, a] of modes) for (const [p, m] of a.modes) row(id, a.name, p).mode = m
  for (const r of seen.rows) {
    const x = row(str(r['agent.id']), str(r['agent.name']), str(r['apparmor.profile']))
    x.alerts += Number(r.count)
    x.last_seen = later(x.last_seen, str(r['max(timestamp)']))
  }
  for (const r of denials.rows) row(str(r['agent.id']), str(r['agent.name']), str(r['apparmor.profile'])).denials_24h += Number(r.count)
  const changed = new Map<string, string>()
  for (const r of stateChanges.rows) newest(changed, key(str(r['agent.id']), str(r['data.apparmor_state.profile'])), str(r['max(timestamp)']))
  for (const r of status.rows) newest(changed, key(str(r['agent.id']), str(r['apparmor.name'])), str(r['max(timestamp)']))
  const fileChanged = new Map<string, string>()
  for (const r of fim.rows) {
    const path = str(r['syscheck.path'])
    newest(fileChanged, key(str(r['agent.id']), path.slice(path.lastIndexOf('/') + 1)), str(r['max(timestamp)']))
  }
  for (const r of rows.values()) {
    const file = fileNameFor(r.profile.split('//')[0] ?? r.profile)
    r.last_change = later(changed.get(key(r.agent.id, r.profile)), fileChanged.get(key(r.agent.id, file)))
  }
  // `unconfined` labels processes without a profile: it is no profile to manage.
  return [...rows.values()].filter((r) => r.profile !== 'unconfined').sort(
    (a, b) => b.denials_24h - a.denials_24h || b.alerts - a.alerts || a.profile.localeCompare(b.profile) || a.agent.id.localeCompare(b.agent.id),
  )
}
