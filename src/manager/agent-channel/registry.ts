/**
 * The manager's registry of enrolled agents, in SQLite (`agents.db` in the manager's data dir,
 * created 0600 because it holds the agents' keys): id, name, key, enrollment and revocation
 * times, the highest seq durably stored for each agent, and what the agent last reported about
 * itself (when it was last heard from, its version, host name and OS), so that the agents list
 * survives a manager restart.
 */
import Database from 'better-sqlite3'
import { chmodSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

export interface AgentRecord {
  id: string
  name: string
  key: string
  enrolled_at: string
  revoked_at: string | null
  stored_seq: number
  last_seen_at: string | null
  version: string | null
  hostname: string | null
  os: string | null
}

/** Columns added after the first release, with their SQL types; added to older files on open. */
const LATER_COLUMNS = { last_seen_at: 'TEXT', version: 'TEXT', hostname: 'TEXT', os: 'TEXT' } as const

export class AgentRegistry {
  readonly #db: Database.Database
  readonly #byId: Database.Statement<[string], AgentRecord>
  readonly #setStored: Database.Statement<[number, string]>
  readonly #setSeen: Database.Statement<[string, string]>
  readonly #setInfo: Database.Statement<[string | null, string | null, string | null, string]>

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const file = join(dataDir, 'agents.db')
    this.#db = new Database(file)
    chmodSync(file, 0o600)
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('synchronous = FULL')
    this.#db.exec(`CREATE TABLE IF NOT EXISTS agents (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, key TEXT NOT NULL, enrolled_at TEXT NOT NULL,
      revoked_at TEXT, stored_seq INTEGER NOT NULL DEFAULT 0)`)
    const have = new Set((this.#db.pragma('table_info(agents)') as { name: string }[]).map((c) => c.name))
    for (const [col, type] of Object.entries(LATER_COLUMNS)) if (!have.has(col)) this.#db.exec(`ALTER TABLE agents ADD COLUMN ${col} ${type}`)
    this.#byId = this.#db.prepare('SELECT * FROM agents WHERE id = ?')
    this.#setStored = this.#db.prepare('UPDATE agents SET stored_seq = max(stored_seq, ?) WHERE id = ?')
    this.#setSeen = this.#db.prepare('UPDATE agents SET last_seen_at = ? WHERE id = ?')
    this.#setInfo = this.#db.prepare('UPDATE agents SET version = coalesce(?, version), hostname = coalesce(?, hostname), os = coalesce(?, os) WHERE id = ?')
  }

  /** Adds an agent with the next free id (`001`, `002`... as Wazuh numbers them). */
  enroll(name: string, key: string, now = new Date()): AgentRecord {
    return this.#db.transaction(() => {
      const row = this.#db.prepare('SELECT max(CAST(id AS INTEGER)) AS n FROM agents').get() as { n: number | null }
      const id = String((row.n ?? 0) + 1).padStart(3, '0')
      this.#db.prepare('INSERT INTO agents (id, name, key, enrolled_at) VALUES (?, ?, ?, ?)').run(id, name, key, now.toISOString())
      return this.#byId.get(id)!
    })()
  }

  get(id: string): AgentRecord | undefined {
    return this.#byId.get(id)
  }

  list(): AgentRecord[] {
    return this.#db.prepare('SELECT * FROM agents ORDER BY id').all() as AgentRecord[]
  }

  /** Marks an agent revoked; false when there is no such agent. */
  revoke(id: string, now = new Date()): boolean {
    return this.#db.prepare('UPDATE agents SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now.toISOString(), id).changes > 0
  }

  setStoredSeq(id: string, seq: number): void {
    this.#setStored.run(seq, id)
  }

  setLastSeen(id: string, at: Date): void {
    this.#setSeen.run(at.toISOString(), id)
  }

  /** Keeps what the agent reported; fields it left out keep their previous value. */
  setInfo(id: string, info: { version?: string; hostname?: string; os?: string }): void {
    this.#setInfo.run(info.version ?? null, info.hostname ?? null, info.os ?? null, id)
  }

  close(): void {
    this.#db.close()
  }
}
