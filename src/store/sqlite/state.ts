/**
 * Small transactional state in SQLite (WAL, prepared statements): users, API tokens, sessions,
 * per-agent progress and settings. Secrets are never stored: passwords as scrypt hashes (made by the caller),
 * tokens and session ids as SHA-256 digests.
 */
import Database from 'better-sqlite3'
import type { Database as Db, Statement } from 'better-sqlite3'
import { STATE_MIGRATIONS } from './migrations.js'

export type Role = 'admin' | 'analyst' | 'viewer'
export const ROLES: readonly Role[] = ['admin', 'analyst', 'viewer']

export interface User {
  readonly id: number
  readonly name: string
  readonly role: Role
  readonly created_at: string
  readonly updated_at: string
}

export interface UserWithHash extends User {
  readonly password_hash: string
}

export interface TokenInfo {
  readonly id: string
  readonly user_id: number
  readonly name: string
  readonly created_at: string
  readonly last_used_at: string | null
}

export interface SessionRow {
  readonly user_id: number
  readonly csrf: string
  readonly expires_at: string
}

export interface AgentProgress {
  readonly agent_id: string
  /** Highest event seq of this agent durably handled by the analysis loop (as of the last copy). */
  readonly stored_seq: number
  readonly last_seen_at: string
}

const USER_COLS = 'id, name, role, created_at, updated_at'

export class StateStore {
  private readonly db: Db
  private readonly stmts: Record<string, Statement>

  constructor(path: string) {
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('foreign_keys = ON')
    this.db.pragma('busy_timeout = 5000')
    migrate(this.db)
    const p = (sql: string) => this.db.prepare(sql)
    this.stmts = {
      userCount: p('SELECT count(*) AS n FROM users'),
      userByName: p('SELECT *, password_hash FROM users WHERE name = ?'),
      userById: p(`SELECT ${USER_COLS} FROM users WHERE id = ?`),
      users: p(`SELECT ${USER_COLS} FROM users ORDER BY name`),
      addUser: p('INSERT INTO users (name, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'),
      setPassword: p('UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?'),
      setRole: p('UPDATE users SET role = ?, updated_at = ? WHERE name = ?'),
      deleteUser: p('DELETE FROM users WHERE name = ?'),
      addToken: p('INSERT INTO tokens (id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)'),
      tokenByHash: p('SELECT id, user_id FROM tokens WHERE token_hash = ?'),
      touchToken: p('UPDATE tokens SET last_used_at = ? WHERE id = ?'),
      tokensOf: p('SELECT id, user_id, name, created_at, last_used_at FROM tokens WHERE user_id = ? ORDER BY created_at'),
      deleteToken: p('DELETE FROM tokens WHERE id = ? AND user_id = ?'),
      addSession: p('INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
      session: p('SELECT user_id, csrf, expires_at FROM sessions WHERE id_hash = ?'),
      deleteSession: p('DELETE FROM sessions WHERE id_hash = ?'),
      deleteSessionsOf: p('DELETE FROM sessions WHERE user_id = ?'),
      expireSessions: p('DELETE FROM sessions WHERE expires_at <= ?'),
      progress: p('SELECT agent_id, stored_seq, last_seen_at FROM agent_progress ORDER BY agent_id'),
      storedSeq: p('SELECT stored_seq FROM agent_progress WHERE agent_id = ?'),
      setStoredSeq: p(`INSERT INTO agent_progress (agent_id, stored_seq, last_seen_at) VALUES (?, ?, ?)
        ON CONFLICT(agent_id) DO UPDATE SET stored_seq = max(stored_seq, excluded.stored_seq), last_seen_at = excluded.last_seen_at`),
      getSetting: p('SELECT value FROM settings WHERE key = ?'),
      settingsWithPrefix: p("SELECT key, value FROM settings WHERE substr(key, 1, length(?)) = ? ORDER BY key"),
      setSetting: p('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    }
  }

  // ---- users

  userCount(): number {
    return (this.stmts.userCount!.get() as { n: number }).n
  }
  userByName(name: string): UserWithHash | undefined {
    return this.stmts.userByName!.get(name) as UserWithHash | undefined
  }
  userById(id: number): User | undefined {
    return this.stmts.userById!.get(id) as User | undefined
  }
  listUsers(): User[] {
    return this.stmts.users!.all() as User[]
  }
  addUser(name: string, passwordHash: string, role: Role, now = new Date()): User {
    const t = now.toISOString()
    const r = this.stmts.addUser!.run(name, passwordHash, role, t, t)
    return this.userById(Number(r.lastInsertRowid)) as User
  }
  setPassword(name: string, passwordHash: string, now = new Date()): boolean {
    const changed = this.stmts.setPassword!.run(passwordHash, now.toISOString(), name).changes > 0
    // A new password ends every open session of that user.
    const u = this.userByName(name)
    if (changed && u) this.stmts.deleteSessionsOf!.run(u.id)
    return changed
  }
  setRole(name: string, role: Role, now = new Date()): boolean {
    return this.stmts.setRole!.run(role, now.toISOString(), name).changes > 0
  }
  deleteUser(name: string): boolean {
    return this.stmts.deleteUser!.run(name).changes > 0
  }

  // ---- API tokens (stored as digests)

  addToken(id: string, userId: number, name: string, tokenHash: string, now = new Date()): TokenInfo {
    this.stmts.addToken!.run(id, userId, name, tokenHash, now.toISOString())
    return { id, user_id: userId, name, created_at: now.toISOString(), last_used_at: null }
  }
  /** The token's owner, recording the use. */
  useToken(tokenHash: string, now = new Date()): { id: string; user_id: number } | undefined {
    const row = this.stmts.tokenByHash!.get(tokenHash) as { id: string; user_id: number } | undefined
    if (row) this.stmts.touchToken!.run(now.toISOString(), row.id)
    return row
  }
  listTokens(userId: number): TokenInfo[] {
    return this.stmts.tokensOf!.all(userId) as TokenInfo[]
  }
  deleteToken(id: string, userId: number): boolean {
    return this.stmts.deleteToken!.run(id, userId).changes > 0
  }

  // ---- sessions (id stored as a digest)

  addSession(idHash: string, userId: number, csrf: string, expiresAt: Date, now = new Date()): void {
    this.stmts.addSession!.run(idHash, userId, csrf, now.toISOString(), expiresAt.toISOString())
  }
  session(idHash: string, now = new Date()): SessionRow | undefined {
    const s = this.stmts.session!.get(idHash) as SessionRow | undefined
    if (s && s.expires_at <= now.toISOString()) {
      this.stmts.deleteSession!.run(idHash)
      return undefined
    }
    return s
  }
  deleteSession(idHash: string): void {
    this.stmts.deleteSession!.run(idHash)
  }
  expireSessions(now = new Date()): number {
    return this.stmts.expireSessions!.run(now.toISOString()).changes
  }

  // ---- per-agent progress as the API shows it (stored seq, last event time). A copy written
  // after each store commit: the dedup marks themselves are committed with the alerts (agent_marks
  // in the DuckDB file), so this copy may lag them after a crash, never lead them.

  agentProgress(): AgentProgress[] {
    return this.stmts.progress!.all() as AgentProgress[]
  }
  storedSeq(agentId: string): number {
    return (this.stmts.storedSeq!.get(agentId) as { stored_seq: number } | undefined)?.stored_seq ?? 0
  }
  /** Records batches as handled, in one transaction. */
  setStoredSeqs(seqs: ReadonlyMap<string, number>, now = new Date()): void {
    const t = now.toISOString()
    this.db.transaction(() => {
      for (const [agent, seq] of seqs) this.stmts.setStoredSeq!.run(agent, seq, t)
    })()
  }

  // ---- settings

  getSetting(key: string): string | undefined {
    return (this.stmts.getSetting!.get(key) as { value: string } | undefined)?.value
  }
  /** `[key, value]` of every setting whose key starts with `prefix`. */
  settingsWithPrefix(prefix: string): [string, string][] {
    return (this.stmts.settingsWithPrefix!.all(prefix, prefix) as { key: string; value: string }[]).map((r) => [r.key, r.value])
  }
  setSetting(key: string, value: string): void {
    this.stmts.setSetting!.run(key, value)
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}

function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT, applied_at TEXT)')
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version))
  for (const m of STATE_MIGRATIONS) {
    if (done.has(m.version)) continue
    db.transaction(() => {
      db.exec(m.sql)
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.description, new Date().toISOString())
    })()
  }
}
