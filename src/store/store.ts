/**
 * The Store interface: alerts and archived events (analytics), plus small transactional state
 * (users, tokens, sessions, per-agent progress). The embedded default puts the first in DuckDB and the second
 * in SQLite; a PostgreSQL implementation follows and must pass the same tests.
 */
import type { Event } from '../event/event.js'
import type { AlertDoc } from './alert.js'
import type { StateStore } from './sqlite/state.js'
import type { TimeRange } from './query/index.js'

export interface QueryOptions extends TimeRange {
  /** Rows of a search without `| head` (default 100). */
  limit?: number
}

export interface QueryResult {
  /** `search`: each row is an alert document; `aggregate`: `{<by fields>..., count, ...}`. */
  readonly kind: 'search' | 'aggregate'
  /** The column names of an aggregate, in order (empty for a search). */
  readonly columns: readonly string[]
  readonly rows: readonly Record<string, unknown>[]
}

export interface RetentionPolicy {
  /** Alerts and events older than this many days are deleted. */
  maxAgeDays?: number
  /** When the database exceeds this many bytes, the oldest alerts and events are deleted (the same fraction of each). */
  maxBytes?: number
}

export interface RetentionResult {
  readonly deletedAlerts: number
  readonly deletedEvents: number
}

export interface StoreStats {
  readonly alerts: number
  readonly events: number
  /** Bytes of the analytical database files on disk. */
  readonly bytes: number
}

export interface AlertStore {
  /** Stores a batch of alerts (one transaction); resolves once they are durable. */
  insertAlerts(alerts: readonly AlertDoc[]): Promise<void>
  /** Archives a batch of events (Wazuh's `logall`). */
  insertEvents(events: readonly Event[]): Promise<void>
  /** Runs a query-language query; throws QueryError with the position for bad input. */
  query(text: string, opts?: QueryOptions): Promise<QueryResult>
  getAlert(id: string): Promise<AlertDoc | undefined>
  applyRetention(policy: RetentionPolicy, now?: Date): Promise<RetentionResult>
  stats(): Promise<StoreStats>
  close(): Promise<void>
}

export interface Store {
  readonly alerts: AlertStore
  readonly state: StateStore
  close(): Promise<void>
}
