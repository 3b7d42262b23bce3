/**
 * The embedded analytical store: alerts, archived events and the per-agent dedup marks in one
 * DuckDB file. Submitted batches are appended at once to in-memory staging slots (slots.ts);
 * commits run one at a time on a dedicated connection, serialized with retention steps, and batches
 * submitted while a commit runs are committed together by the next one, each batch's alerts,
 * events and marks in that one transaction. Reads use their own connection, so dashboards query
 * while ingestion appends (DuckDB is MVCC).
 */
import { statSync } from 'node:fs'
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api'
import type { Event } from '../../event/event.js'
import type { AlertDoc } from '../alert.js'
import { compileQuery, duckdb, parseQuery } from '../query/index.js'
import { plain, projectDoc, projectRow } from '../rows.js'
import { SerialQueue } from '../serial.js'
import type { AlertStore, CommitExtras, QueryOptions, QueryResult, RetentionPolicy, RetentionResult, StoreStats } from '../store.js'
import { crashPointAfterCommit } from './crash-point.js'
import { MARKS_VERSION, MIGRATIONS } from './migrations.js'
import { StagingSlot, type PendingBatch } from './slots.js'
import { encodeAlerts, type StagedChunk } from './staging.js'

const DAY_MS = 86_400_000

/**
 * The database file is attached under this name with small row groups: DuckDB writes a
 * transaction's full row groups straight to the file, compressed once, instead of logging every
 * row to the WAL and compressing it again at the next checkpoint. At the default 122,880 rows per
 * row group, batches of a few ten thousand alerts never got that path (measured: 10 CPU-µs per
 * alert through the WAL, 6 direct).
 */
const DB = 'aw'
const ROW_GROUP_ROWS = 16_384
/**
 * New data is written in DuckDB 1.5's format (DICT_FSST strings: 20% less CPU per alert than the
 * 0.10 format DuckDB writes by default, 4% larger). Files from before stay readable and are
 * upgraded; the file then needs DuckDB 1.5 or later, which package.json pins.
 */
const STORAGE_VERSION = 'v1.5.0'

/**
 * Staging slots: one filling, one full and next to commit, one committing, one being made anew,
 * so that none of those steps waits for another.
 */
const SLOTS = 4

/**
 * Rows (alerts and events) in one transaction at most, unless one batch has more: a slot this
 * full is committed next while a fresh one fills, so a caller keeping several batches in flight
 * always has some being prepared while others commit.
 */
const MAX_COMMIT_ROWS = 131_072

/** Raises an agent's mark (the migration's seed); a mark never goes down, whatever order commits come in. */
const UPSERT_MARK = 'INSERT INTO agent_marks VALUES ($1, $2) ON CONFLICT (agent) DO UPDATE SET seq = greatest(seq, excluded.seq)'

export interface OpenOptions {
  /**
   * Marks kept before they moved into this file (state.sqlite's agent_progress): read once, by the
   * migration that creates the marks table, in its transaction.
   */
  legacyMarks?: () => Iterable<readonly [agent: string, seq: number]>
}

export class DuckAlertStore implements AlertStore {
  private readonly writes = new SerialQueue()
  /** The slot new batches are appended to; undefined while every slot commits or is made anew. */
  private filling: StagingSlot | undefined
  /** Slots made anew, waiting for their turn to fill. */
  private readonly ready: StagingSlot[]
  /** Slots that reached MAX_COMMIT_ROWS, in the order they are to commit. */
  private readonly full: StagingSlot[] = []
  /** Batches submitted while no slot could take them (appended as soon as one can). */
  private waiting: PendingBatch[] = []
  /** A commit is queued or running: batches appended meanwhile go into the next one. */
  private commitQueued = false
  /** Slots being made anew (awaited by close). */
  private readonly recycling = new Set<Promise<void>>()
  /** Why a slot could not be made anew. */
  private broken: unknown = undefined
  private closed = false

  private constructor(
    private readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    private readonly slots: readonly StagingSlot[],
    private seq: bigint,
    private eventSeq: bigint,
    private readonly marks: Map<string, number>,
  ) {
    ;[this.filling, ...this.ready] = slots
  }

  /** Opens (creating and migrating) the database file; `:memory:` for a throwaway store. */
  static async open(path: string, o: OpenOptions = {}): Promise<DuckAlertStore> {
    // The instance's own database is an empty in-memory one; spills go next to the file, as they
    // would if DuckDB had opened the file itself (not to `.tmp` in the working directory).
    const instance = await DuckDBInstance.create(':memory:', path === ':memory:' ? {} : { temp_directory: `${path}.tmp` })
    const connect = async () => {
      const c = await instance.connect()
      await c.run(`USE ${DB}`)
      return c
    }
    try {
      const setup = await instance.connect()
      // The path is the operator's data directory, never event data; quoted as a SQL literal.
      await setup.run(`ATTACH '${path.replaceAll("'", "''")}' AS ${DB} (ROW_GROUP_SIZE ${ROW_GROUP_ROWS}, STORAGE_VERSION '${STORAGE_VERSION}')`)
      setup.closeSync()
    } catch (err) {
      instance.closeSync()
      throw err
    }
    const writer = await connect()
    // Fewer, larger checkpoints for what still goes through the WAL (small batches, events).
    await writer.run("SET wal_autocheckpoint = '256MB'")
    await migrate(writer, {
      [MARKS_VERSION]: async (c) => {
        for (const [agent, seq] of o.legacyMarks?.() ?? []) await c.run(UPSERT_MARK, [agent, seq])
      },
    })
    const reader = await connect()
    const slots: StagingSlot[] = []
    for (let k = 0; k < SLOTS; k++) slots.push(await StagingSlot.open(instance, k))
    const max = async (table: string) =>
      BigInt(String((await writer.runAndReadAll(`SELECT coalesce(max(seq), 0) FROM ${table}`)).getRows()[0]?.[0] ?? 0))
    const marks = new Map((await writer.runAndReadAll('SELECT agent, seq FROM agent_marks')).getRows().map((r) => [String(r[0]), Number(r[1])]))
    return new DuckAlertStore(path, instance, writer, reader, slots, await max('alerts'), await max('events'), marks)
  }

  /** Write jobs queued or running, and alert batches waiting for a commit: the analysis loop's view of store backpressure. */
  get writeDepth(): number {
    let staged = this.waiting.length + (this.filling?.batches.length ?? 0)
    for (const slot of this.full) staged += slot.batches.length
    return this.writes.depth + staged
  }

  storedSeqs(): ReadonlyMap<string, number> {
    return this.marks
  }

  /**
   * The batch is encoded and appended to the filling slot now, on the caller's turn, so that
   * JavaScript prepares the next batch while DuckDB commits the previous ones. Batches that
   * arrive while a commit runs are committed together by the next one (group commit); each batch
   * is all in one transaction, with its events and marks.
   */
  insertAlerts(alerts: readonly AlertDoc[], extras: CommitExtras = {}): Promise<void> {
    const events = extras.events ?? []
    const marks = extras.marks && [...extras.marks].some(([agent, seq]) => seq > (this.marks.get(agent) ?? 0)) ? extras.marks : undefined
    if (alerts.length === 0 && events.length === 0 && !marks) return Promise.resolve()
    let chunks: StagedChunk[] = []
    if (alerts.length > 0) {
      try {
        chunks = encodeAlerts(alerts, this.seq + 1n, Date.now())
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)))
      }
      this.seq += BigInt(alerts.length)
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ chunks, events, marks, rows: alerts.length + events.length, resolve, reject })
      if (this.stuck()) return this.rejectWaiting()
      this.appendWaiting()
      this.scheduleCommit()
    })
  }

  insertEvents(events: readonly Event[]): Promise<void> {
    return this.insertAlerts([], { events })
  }

  /** Appends the waiting batches to the filling slot, moving on to the next slot when one is full. */
  private appendWaiting(): void {
    let taken = 0
    for (const b of this.waiting) {
      let slot = this.filling
      if (slot !== undefined && slot.rows > 0 && slot.rows + b.rows > MAX_COMMIT_ROWS) {
        this.full.push(slot)
        slot = this.filling = this.ready.shift()
      }
      if (slot === undefined) break
      slot.append(b, () => ++this.eventSeq)
      taken++
    }
    this.waiting = taken === this.waiting.length ? [] : this.waiting.slice(taken)
  }

  private scheduleCommit(): void {
    if (this.commitQueued || (this.full.length === 0 && !this.filling?.batches.length)) return
    this.commitQueued = true
    void this.writes.run(() => this.commitNext())
  }

  /**
   * Commits the next full slot's batches, else the filling slot's (a ready slot takes over), in
   * one transaction. Input cannot fail a commit (times are parsed in JavaScript, text is made
   * well-formed, and the columns use TRY_CAST): a failure is the database's (disk full, I/O), and
   * no batch of the transaction is stored, so each caller may retry its own.
   */
  private async commitNext(): Promise<void> {
    let slot = this.full.shift()
    if (slot === undefined) {
      slot = this.filling as StagingSlot
      this.filling = this.ready.shift()
      this.appendWaiting()
    }
    const batches = slot.batches
    const marks = new Map<string, number>()
    for (const p of batches) for (const [agent, seq] of p.marks ?? []) if (seq > (marks.get(agent) ?? this.marks.get(agent) ?? 0)) marks.set(agent, seq)
    let failure: unknown
    try {
      slot.seal(marks)
      await this.writer.run(slot.commitSql)
      for (const [agent, seq] of marks) this.marks.set(agent, seq)
      if (marks.size > 0) crashPointAfterCommit()
    } catch (err) {
      failure = err
      // A failed COMMIT has already rolled back; ROLLBACK then only says there is no transaction.
      await this.writer.run('ROLLBACK').catch(() => {})
    }
    this.recycle(slot)
    this.commitQueued = false
    // The next commit is queued before the callers of this one continue (they are resumed from
    // the next turn): a caller that encodes its next batch at once would otherwise hold DuckDB
    // idle for as long.
    this.scheduleCommit()
    setImmediate(() => {
      for (const p of batches) {
        if (failure === undefined) p.resolve()
        else p.reject(failure)
      }
    })
  }

  /** Makes a committed slot anew on its own connection, then lets it fill (or wait its turn). */
  private recycle(slot: StagingSlot): void {
    const done = slot.reset().then(
      () => {
        if (this.closed) return
        if (this.filling !== undefined) return void this.ready.push(slot)
        this.filling = slot
        this.appendWaiting()
        this.scheduleCommit()
      },
      (err: unknown) => {
        // The slot leaves the ring and the others go on; only a broken database gets here. With
        // no slot left, waiting batches fail rather than wait forever.
        this.broken = err
      },
    )
    this.recycling.add(done)
    void done.finally(() => {
      this.recycling.delete(done)
      if (this.stuck()) this.rejectWaiting()
    })
  }

  /** True when no slot is left to take batches: every one failed to be made anew. */
  private stuck(): boolean {
    return this.broken !== undefined && this.filling === undefined && this.ready.length === 0 && this.recycling.size === 0
  }

  private rejectWaiting(): void {
    const waiting = this.waiting
    this.waiting = []
    for (const p of waiting) p.reject(this.broken)
  }

  async query(text: string, opts: QueryOptions = {}): Promise<QueryResult> {
    const compiled = compileQuery(parseQuery(text), duckdb, opts)
    const reader = await this.reader.runAndReadAll(compiled.sql, compiled.params as DuckDBValue[])
    const raw = reader.getRowObjectsJS()
    if (compiled.kind === 'search') {
      const docs = raw.map((r) => fromRow(r.doc, r.full_log) as unknown as Record<string, unknown>)
      return {
        kind: 'search',
        columns: compiled.fields ?? [],
        rows: compiled.fields ? docs.map((d) => projectDoc(d, compiled.fields ?? [])) : docs,
      }
    }
    const rows = raw.map((r) => {
      const out: Record<string, unknown> = {}
      for (const c of compiled.columns) {
        const v = r[c.alias]
        out[c.name] = c.role === 'time' && compiled.bucketMs ? new Date(Number(v) * compiled.bucketMs).toISOString() : plain(v)
      }
      return out
    })
    const names = compiled.columns.map((c) => c.name)
    return {
      kind: 'aggregate',
      columns: compiled.fields ?? names,
      rows: compiled.fields ? rows.map((r) => projectRow(r, compiled.fields ?? [])) : rows,
    }
  }

  async getAlert(id: string): Promise<AlertDoc | undefined> {
    // Alert ids start with their epoch second, which lets DuckDB skip row groups by time
    // (make_timestamp: a plain UTC TIMESTAMP like the column, whatever the session time zone).
    const epoch = Number(id.split('.', 1)[0])
    const hint = Number.isFinite(epoch) && /^\d+\.\d+$/.test(id)
    const sql = hint
      ? `SELECT doc, full_log FROM alerts WHERE ts >= make_timestamp(CAST($2 AS BIGINT) * 1000000) AND ts < make_timestamp(CAST($3 AS BIGINT) * 1000000) AND alert_id = $1 LIMIT 1`
      : `SELECT doc, full_log FROM alerts WHERE alert_id = $1 LIMIT 1`
    const params: DuckDBValue[] = hint ? [id, epoch - 1, epoch + 2] : [id]
    let rows = (await this.reader.runAndReadAll(sql, params)).getRows()
    // A producer's own id need not follow the epoch convention: fall back to a full scan.
    if (rows.length === 0 && hint) rows = (await this.reader.runAndReadAll(`SELECT doc, full_log FROM alerts WHERE alert_id = $1 LIMIT 1`, [id])).getRows()
    const row = rows[0]
    return row === undefined ? undefined : fromRow(row[0], row[1])
  }

  /**
   * Deletes by age, then by size, one day of data per write job, so that batches waiting to be
   * inserted run between the steps.
   */
  async applyRetention(policy: RetentionPolicy, now: Date = new Date()): Promise<RetentionResult> {
    let deletedAlerts = 0
    let deletedEvents = 0
    if (policy.maxAgeDays !== undefined) {
      const cutoff = now.getTime() - policy.maxAgeDays * DAY_MS
      for (const table of ['alerts', 'events'] as const) {
        const n = await this.deleteBefore(table, cutoff)
        if (table === 'alerts') deletedAlerts += n
        else deletedEvents += n
      }
    }
    if (policy.maxBytes !== undefined) {
      const counts = await this.stats()
      const used = await this.usedBytes()
      if (used > policy.maxBytes) {
        // Alerts and archived events share the file: both keep the same newest fraction, so a big
        // archive cannot make the alerts vanish (nor the reverse).
        const fraction = policy.maxBytes / used
        for (const table of ['alerts', 'events'] as const) {
          const keep = Math.floor(counts[table] * fraction)
          const row = (
            await this.reader.runAndReadAll(`SELECT epoch_ms(ts) FROM ${table} ORDER BY ts DESC LIMIT 1 OFFSET $1`, [keep])
          ).getRows()[0]
          if (!row) continue
          const n = await this.deleteBefore(table, Number(row[0]) + 1)
          if (table === 'alerts') deletedAlerts += n
          else deletedEvents += n
        }
      }
    }
    if (deletedAlerts + deletedEvents > 0) await this.writes.run(() => this.writer.run(`CHECKPOINT ${DB}`))
    return { deletedAlerts, deletedEvents }
  }

  /** Deletes rows with ts < cutoffMs, oldest day first, each day its own write job. */
  private async deleteBefore(table: 'alerts' | 'events', cutoffMs: number): Promise<number> {
    const first = (await this.reader.runAndReadAll(`SELECT epoch_ms(min(ts)) FROM ${table}`)).getRows()[0]?.[0]
    if (first === null || first === undefined) return 0
    let deleted = 0
    for (let step = Number(first) + DAY_MS; ; step += DAY_MS) {
      const upTo = Math.min(step, cutoffMs)
      deleted += await this.writes.run(async () => {
        const r = await this.writer.run(`DELETE FROM ${table} WHERE ts < make_timestamp(CAST($1 AS BIGINT) * 1000)`, [upTo])
        return r.rowsChanged
      })
      if (upTo >= cutoffMs) return deleted
    }
  }

  private async usedBytes(): Promise<number> {
    const r = (await this.reader.runAndReadAll(`SELECT used_blocks, block_size FROM pragma_database_size() WHERE database_name = '${DB}'`)).getRowObjectsJS()[0]
    const fromPragma = r ? Number(r.used_blocks) * Number(r.block_size) : 0
    return fromPragma || this.fileBytes()
  }

  private fileBytes(): number {
    if (this.path === ':memory:') return 0
    let total = 0
    for (const p of [this.path, `${this.path}.wal`]) {
      try {
        total += statSync(p).size
      } catch {
        // No WAL right after a checkpoint.
      }
    }
    return total
  }

  async stats(): Promise<StoreStats> {
    const count = async (t: string) => Number((await this.reader.runAndReadAll(`SELECT count(*) FROM ${t}`)).getRows()[0]?.[0] ?? 0)
    return { alerts: await count('alerts'), events: await count('events'), bytes: this.fileBytes() }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.writes.run(async () => {
      await this.writer.run(`CHECKPOINT ${DB}`)
    })
    await Promise.all(this.recycling)
    for (const slot of this.slots) slot.close()
    this.reader.closeSync()
    this.writer.closeSync()
    this.instance.closeSync()
  }
}

/** The stored document with its full_log put back. */
function fromRow(doc: unknown, fullLog: unknown): AlertDoc {
  const d = JSON.parse(String(doc)) as AlertDoc
  if (typeof fullLog === 'string') d.full_log = fullLog
  return d
}

/**
 * Applies the migrations not yet recorded, each in its own transaction with its `seeds` step
 * (data a migration carries over from elsewhere, so that a crash cannot leave the schema without it).
 */
async function migrate(conn: DuckDBConnection, seeds: Readonly<Record<number, (c: DuckDBConnection) => Promise<void>>>): Promise<void> {
  await conn.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)')
  const done = new Set(
    (await conn.runAndReadAll('SELECT version FROM schema_migrations')).getRows().map((r) => Number(r[0])),
  )
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue
    await conn.run('BEGIN TRANSACTION')
    try {
      for (const s of m.sql) await conn.run(s)
      await seeds[m.version]?.(conn)
      await conn.run('INSERT INTO schema_migrations VALUES ($1, $2, current_timestamp)', [m.version, m.description])
      await conn.run('COMMIT')
    } catch (err) {
      await conn.run('ROLLBACK')
      throw err
    }
  }
}
