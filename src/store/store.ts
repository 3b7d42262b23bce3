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

/** What is committed in the same transaction as a batch of alerts. */
export interface CommitExtras {
  /** Events to archive (Wazuh's `logall`). */
  readonly events?: readonly Event[]
  /**
   * The highest event seq now handled per agent (the dedup marks): committed atomically with the
   * alerts and events they account for, so a crash can neither store a batch without its mark
   * (stored twice on redelivery) nor move a mark past alerts that were not stored. A mark never
   * goes down.
   */
  readonly marks?: ReadonlyMap<string, number>
}

export interface AlertStore {
  /**
   * Stores a batch of alerts, with the events and marks of `extras`, in one transaction; resolves
   * once all of it is durable. A batch with no alerts still commits its events and marks.
   */
  insertAlerts(alerts: readonly AlertDoc[], extras?: CommitExtras): Promise<void>
  /** Archives a batch of events (Wazuh's `logall`) in a transaction of its own. */
  insertEvents(events: readonly Event[]): Promise<void>
  /** The dedup marks as of the last commit: the highest stored event seq per agent. */
  storedSeqs(): ReadonlyMap<string, number>
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
