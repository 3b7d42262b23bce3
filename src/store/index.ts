/** The store: interfaces, the embedded implementation, the alert shape and the query language. */
export type { AlertStore, CommitExtras, QueryOptions, QueryResult, RetentionPolicy, RetentionResult, Store, StoreStats } from './store.js'
export type { AlertDoc } from './alert.js'
export { openEmbeddedStore, ALERTS_DB, STATE_DB, type EmbeddedStore } from './embedded.js'
export { StateStore, ROLES, type Role, type User, type AgentProgress, type TokenInfo } from './sqlite/state.js'
export { QueryError, parseRange, parseTime, TimeRangeError } from './query/index.js'
export { AlertsJsonWriter } from './alerts-json.js'
export { AlertImporter, StoreBusyError } from './import.js'
