/**
 * The agents as the HTTP API lists them: enrolled agents (registry + the channel's live state) and
 * agents that sent events without being enrolled here (the all-in-one's local agent `000`, agents of
 * a registry that was reset), and revocation.
 */
import type { AgentProgress } from '../../store/index.js'
import type { AgentInfo, AgentsService } from '../services.js'
import type { AgentChannel } from './plugin.js'
import type { EventRate } from './rate.js'
import type { AgentRecord, AgentRegistry } from './registry.js'

export interface AgentsServiceOptions {
  registry: AgentRegistry
  channel: AgentChannel
  /** Per-agent stored seqs and last event times from the store (every agent, enrolled or not). */
  progress: () => AgentProgress[]
  rate: EventRate
  /** The in-process agent of `armorwatch up`, when it runs: shown as connected with this host. */
  local?: { id: string; version: string; hostname: string; os: string; spoolDepth?: () => number | null }
}

export function agentsService(o: AgentsServiceOptions): AgentsService {
  const enrolled = (rec: AgentRecord, progress: AgentProgress | undefined): AgentInfo => {
    const live = o.channel.liveStatus(rec)
    return {
      id: rec.id,
      name: rec.name,
      enrolled_at: rec.enrolled_at,
      revoked_at: rec.revoked_at,
      stored_seq: Math.max(rec.stored_seq, progress?.stored_seq ?? 0),
      ...live,
      last_seen_at: live.last_seen_at ?? progress?.last_seen_at ?? null,
    }
  }
  const unenrolled = (p: Omit<AgentProgress, 'last_seen_at'> & { last_seen_at: string | null }): AgentInfo => {
    const local = o.local?.id === p.agent_id ? o.local : undefined
    return {
      id: p.agent_id,
      name: local ? 'local' : p.agent_id,
      enrolled_at: null,
      revoked_at: null,
      stored_seq: p.stored_seq,
      last_seen_at: p.last_seen_at,
      status: local ? 'connected' : 'disconnected',
      version: local?.version ?? null,
      hostname: local?.hostname ?? null,
      os: local?.os ?? null,
      events_per_s: o.rate.perSecond(p.agent_id),
      spool_depth: local?.spoolDepth?.() ?? null,
    }
  }
  const progressById = (): Map<string, AgentProgress> => new Map(o.progress().map((p) => [p.agent_id, p]))

  return {
    list() {
      const progress = progressById()
      const out = o.registry.list().map((rec) => enrolled(rec, progress.get(rec.id)))
      const known = new Set(out.map((a) => a.id))
      for (const p of progress.values()) if (!known.has(p.agent_id)) out.push(unenrolled(p))
      if (o.local && !known.has(o.local.id) && !progress.has(o.local.id)) out.push(unenrolled({ agent_id: o.local.id, stored_seq: 0, last_seen_at: null }))
      return out
    },
    revoke(id) {
      if (!o.registry.get(id)) return undefined
      const changed = o.channel.revoke(id)
      return { agent: enrolled(o.registry.get(id)!, progressById().get(id)), changed }
    },
  }
}
