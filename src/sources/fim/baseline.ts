/**
 * The FIM baseline in the agent's SQLite database (better-sqlite3): one row per monitored file,
 * for report_changes paths the previous content, deflate-compressed, within a disk quota, and an
 * outbox of changes whose events are not yet known to be spooled.
 */
import Database from 'better-sqlite3'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import type { FileEntry } from './entry.js'

const SCHEMA_VERSION = '1'

/** A baseline row is exactly a file entry (the table's columns are FileEntry's fields). */
type Row = FileEntry

export class Baseline {
  readonly #db: Database.Database
  readonly #get: Database.Statement<[string], Row>
  readonly #put: Database.Statement<[Row]>
  readonly #del: Database.Statement<[string]>
  readonly #under: Database.Statement<[{ root: string; base: string }], Row>
  readonly #getContent: Database.Statement<[string], { data: Buffer }>
  readonly #putContent: Database.Statement<[string, Buffer, number]>
  readonly #delContent: Database.Statement<[string]>
  readonly #contentSize: Database.Statement<[string], { n: number }>
  readonly #putOutbox: Database.Statement<[string]>
  readonly #delOutbox: Database.Statement<[number]>
  #contentBytes: number

  /** Opens (creating) the baseline at `file`; `:memory:` for a throwaway one. */
  constructor(file: string) {
    this.#db = new Database(file)
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('synchronous = NORMAL')
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS fim_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS fim_entry (
        path TEXT PRIMARY KEY, type TEXT NOT NULL, size INTEGER NOT NULL, perm TEXT NOT NULL,
        uid INTEGER NOT NULL, gid INTEGER NOT NULL, uname TEXT NOT NULL, gname TEXT NOT NULL,
        inode INTEGER NOT NULL, dev INTEGER NOT NULL, mtime INTEGER NOT NULL,
        md5 TEXT NOT NULL, sha1 TEXT NOT NULL, sha256 TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS fim_content (path TEXT PRIMARY KEY, data BLOB NOT NULL, raw_size INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS fim_outbox (id INTEGER PRIMARY KEY, change TEXT NOT NULL);
    `)
    const version = this.#db.prepare<[], { value: string }>("SELECT value FROM fim_meta WHERE key = 'schema'").get()
    if (!version) this.#db.prepare("INSERT INTO fim_meta VALUES ('schema', ?)").run(SCHEMA_VERSION)
    else if (version.value !== SCHEMA_VERSION) throw new Error(`${file}: FIM baseline schema ${version.value}, expected ${SCHEMA_VERSION}`)
    this.#get = this.#db.prepare('SELECT * FROM fim_entry WHERE path = ?')
    this.#put = this.#db.prepare(
      'INSERT OR REPLACE INTO fim_entry VALUES (@path, @type, @size, @perm, @uid, @gid, @uname, @gname, @inode, @dev, @mtime, @md5, @sha1, @sha256)',
    )
    this.#del = this.#db.prepare('DELETE FROM fim_entry WHERE path = ?')
    // Paths under a root: the root itself and everything below `root/` (a range scan on the key).
    this.#under = this.#db.prepare("SELECT * FROM fim_entry WHERE path = @root OR (path >= @base || '/' AND path < @base || '0')")
    this.#getContent = this.#db.prepare('SELECT data FROM fim_content WHERE path = ?')
    this.#putContent = this.#db.prepare('INSERT OR REPLACE INTO fim_content VALUES (?, ?, ?)')
    this.#delContent = this.#db.prepare('DELETE FROM fim_content WHERE path = ?')
    this.#contentSize = this.#db.prepare('SELECT length(data) AS n FROM fim_content WHERE path = ?')
    this.#putOutbox = this.#db.prepare('INSERT INTO fim_outbox (change) VALUES (?)')
    this.#delOutbox = this.#db.prepare('DELETE FROM fim_outbox WHERE id = ?')
    this.#contentBytes = this.#db.prepare<[], { n: number | null }>('SELECT sum(length(data)) AS n FROM fim_content').get()?.n ?? 0
  }

  get(path: string): FileEntry | undefined {
    return this.#get.get(path)
  }

  /** Every entry at or below `root`, keyed by path. */
  under(root: string): Map<string, FileEntry> {
    const base = root === '/' ? '' : root
    const out = new Map<string, FileEntry>()
    for (const row of this.#under.iterate({ root, base })) out.set(row.path, row)
    return out
  }

  put(e: FileEntry): void {
    this.#put.run({ path: e.path, type: e.type, size: e.size, perm: e.perm, uid: e.uid, gid: e.gid, uname: e.uname, gname: e.gname, inode: e.inode, dev: e.dev, mtime: e.mtime, md5: e.md5, sha1: e.sha1, sha256: e.sha256 })
  }

  delete(path: string): void {
    this.#del.run(path)
    this.dropContent(path)
  }

  /**
   * Runs an async `fn` inside one transaction (scans write thousands of rows). A call made while a
   * transaction is open joins it.
   */
  async batchAsync<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#db.inTransaction) return fn()
    this.#db.exec('BEGIN')
    try {
      const r = await fn()
      this.#db.exec('COMMIT')
      return r
    } catch (err) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK')
      throw err
    }
  }

  /**
   * Records a change (as JSON) whose event is on its way: written with the baseline update that
   * found it, so that a crash before the event is spooled leaves the change here, not lost.
   */
  putOutbox(changeJson: string): number {
    return Number(this.#putOutbox.run(changeJson).lastInsertRowid)
  }

  /** The change's event is spooled. */
  deleteOutbox(id: number): void {
    this.#delOutbox.run(id)
  }

  /** Changes whose events may not have been spooled (a crash, a stop before the spool took them), oldest first. */
  outbox(): { id: number; change: string }[] {
    return this.#db.prepare<[], { id: number; change: string }>('SELECT id, change FROM fim_outbox ORDER BY id').all()
  }

  /** Whether any change waits in the outbox (without reading them). */
  outboxPending(): boolean {
    return this.#db.prepare<[], { n: number }>('SELECT EXISTS (SELECT 1 FROM fim_outbox) AS n').get()?.n === 1
  }

  /** Whether `root` has had a complete scan (its first scan records files without events). */
  scanned(root: string): boolean {
    return this.#db.prepare<[string], { value: string }>('SELECT value FROM fim_meta WHERE key = ?').get(`scanned:${root}`) !== undefined
  }

  markScanned(root: string): void {
    this.#db.prepare('INSERT OR REPLACE INTO fim_meta VALUES (?, ?)').run(`scanned:${root}`, new Date().toISOString())
  }

  /** The previous content of a report_changes file, if kept. */
  content(path: string): Buffer | undefined {
    const row = this.#getContent.get(path)
    return row ? inflateRawSync(row.data) : undefined
  }

  /**
   * Keeps `data` compressed as the path's previous content. Returns false (and keeps nothing) when
   * that would exceed `quotaBytes` in total: the next diff then says the quota was reached.
   */
  keepContent(path: string, data: Buffer, quotaBytes: number): boolean {
    const packed = deflateRawSync(data)
    const old = this.#contentSize.get(path)?.n ?? 0
    if (this.#contentBytes - old + packed.length > quotaBytes) {
      this.dropContent(path)
      return false
    }
    this.#putContent.run(path, packed, data.length)
    this.#contentBytes += packed.length - old
    return true
  }

  dropContent(path: string): void {
    const old = this.#contentSize.get(path)?.n
    if (old === undefined) return
    this.#delContent.run(path)
    this.#contentBytes -= old
  }

  /** Total compressed bytes of kept content. */
  get contentBytes(): number {
    return this.#contentBytes
  }

  count(): number {
    return this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM fim_entry').get()?.n ?? 0
  }

  close(): void {
    this.#db.close()
  }
}
