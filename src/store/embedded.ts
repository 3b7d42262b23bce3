/**
 * The embedded default store: `alerts.duckdb` (alerts, archived events, dedup marks) and
 * `state.sqlite` (users, tokens, sessions, agents' progress as the API shows it) in one data directory.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DuckAlertStore } from './duckdb/alerts.js'
import { StateStore } from './sqlite/state.js'
import type { Store } from './store.js'

export const ALERTS_DB = 'alerts.duckdb'
export const STATE_DB = 'state.sqlite'

export interface EmbeddedStore extends Store {
  readonly alerts: DuckAlertStore
}

/**
 * Opens the store in `dir`, creating and migrating it. DuckDB allows one process per file: a
 * second opener fails with DuckDB's lock error, which callers report as "a manager holds it".
 */
export async function openEmbeddedStore(dir: string): Promise<EmbeddedStore> {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const state = new StateStore(join(dir, STATE_DB))
  let alerts: DuckAlertStore
  try {
    // The dedup marks live in the DuckDB file, committed with the alerts; data directories from
    // before kept them in state.sqlite, which seeds them once.
    alerts = await DuckAlertStore.open(join(dir, ALERTS_DB), {
      legacyMarks: () => state.agentProgress().map((p) => [p.agent_id, p.stored_seq] as const),
    })
  } catch (err) {
    state.close()
    throw err
  }
  return {
    alerts,
    state,
    async close() {
      await alerts.close()
      state.close()
    },
  }
}
