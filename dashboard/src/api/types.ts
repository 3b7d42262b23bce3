/**
 * The API's response shapes as the dashboard reads them (docs/api.md, the dashboard API contract).
 * Alert documents, rules and agents are the manager's own types; the rest mirrors route schemas.
 * Fields added by newer managers are optional so that the dashboard tolerates older ones.
 */
import type { AlertDoc } from '../../../src/store/alert.js'
import type { AgentInfo, RuleInfo, RuleTestResult } from '../../../src/manager/services.js'

export type { AlertDoc, RuleInfo, RuleTestResult }

/** A stored alert: the document always has its id when it comes from the API. */
export type Alert = AlertDoc & { id: string }

export type Row = Record<string, unknown>

export interface QueryResult {
  kind: 'search' | 'aggregate'
  columns: string[]
  rows: Row[]
}

export interface ApiErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
}

export interface User {
  id: number
  name: string
  role: 'admin' | 'analyst' | 'viewer'
}

export interface Named {
  name: string
  count: number
}

export interface Overview {
  total: QueryResult
  by_level: QueryResult
  top_profiles: QueryResult
  top_operations: QueryResult
  top_agents: QueryResult
  timeline: QueryResult
  mitre_tactics?: Named[] | QueryResult
  mitre_techniques?: (Named & { id: string })[] | QueryResult
}

export interface Field {
  name: string
  type: 'string' | 'number' | 'boolean' | 'array'
  example?: string
}

export interface Point {
  t: string
  count: number
}

export interface SecuritySection {
  query: string
  total: number
  previous_total: number
  timeline: Point[]
}

export interface SecurityMetrics {
  from: string
  to: string
  previous: { from: string; to: string }
  privilege_escalation: SecuritySection & {
    by_kind: { kind: 'capability' | 'exec' | 'ptrace'; query: string; count: number; previous: number }[]
    top_profiles: { profile: string; count: number }[]
  }
  data_access: SecuritySection & { top_paths: { path: string; count: number }[]; top_profiles: { profile: string; count: number }[] }
  network: SecuritySection & {
    by_family: { family: string; count: number; previous: number }[]
    by_profile_family: { profile: string; family: string; count: number }[]
  }
}

export type ProfileMode = 'enforce' | 'complain' | 'kill' | 'unconfined' | 'prompt' | null

export interface FleetProfile {
  profile: string
  agent: { id: string; name: string }
  mode: ProfileMode
  denials_24h: number
  alerts: number
  last_change: string | null
  last_seen: string | null
}

/** `GET /api/profiles/{name}/readiness`. */
export type { Readiness } from '../../../src/manager/readiness.js'

/** An agent row as `GET /api/agents` returns it. */
export type Agent = AgentInfo
