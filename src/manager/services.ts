/**
 * What the HTTP API needs from the rest of the manager, as small interfaces, so that the routes
 * are tested with real stores and stand-in rules/agents, and the manager wires in the real ones.
 */
import type { AlertDoc } from '../store/alert.js'

export interface RuleInfo {
  readonly id: number
  readonly level: number
  readonly description: string
  readonly groups: readonly string[]
  readonly file: string
}

export interface RuleTestResult {
  /** The alert the line produces, or null. */
  readonly alert: AlertDoc | null
  /** The matched rule (also when it raises no alert, e.g. level 0). */
  readonly rule: { id: number; level: number; description: string } | null
  readonly decoder: string | null
}

export interface RulesService {
  list(): RuleInfo[]
  /** Runs one log line through a separate copy of the ruleset (live correlation state is untouched). */
  test(line: string, location: string): RuleTestResult
}

export type AgentStatus = 'connected' | 'disconnected' | 'never' | 'revoked'

export interface AgentInfo {
  readonly id: string
  readonly name: string
  readonly enrolled_at: string | null
  readonly revoked_at: string | null
  /** Highest event seq stored for the agent. */
  readonly stored_seq: number
  readonly last_seen_at: string | null
  readonly status: AgentStatus
  readonly version: string | null
  readonly hostname: string | null
  readonly os: string | null
  /** Events stored per second over the last minute. */
  readonly events_per_s: number
  /** Events waiting in the agent's spool, from its last keepalive; null when unknown. */
  readonly spool_depth: number | null
}

export interface AgentsService {
  list(): AgentInfo[]
  /** Revokes an enrolled agent; undefined when there is none, `changed` false when it already was revoked. */
  revoke(id: string): { agent: AgentInfo; changed: boolean } | undefined
}
