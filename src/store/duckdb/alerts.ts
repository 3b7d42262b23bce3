/**
 * The embedded analytical store: alerts and archived events in one DuckDB file. Writes run one at
 * a time on a dedicated connection, serialized with retention steps; alert batches submitted while
 * a commit runs are committed together by the next one. Reads use their own connection, so
 * dashboards query while ingestion appends (DuckDB is MVCC).
 */
import { statSync } from 'node:fs'
import {
  DuckDBInstance,
  timestampValue,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api'
import type { Event } from '../../event/event.js'
import type { AlertDoc } from '../alert.js'
import { compileQuery, duckdb, parseQuery } from '../query/index.js'
import { plain, projectDoc, projectRow } from '../rows.js'
import { SerialQueue } from '../serial.js'
import type { AlertStore, QueryOptions, QueryResult, RetentionPolicy, RetentionResult, StoreStats } from '../store.js'
import { MIGRATIONS } from './migrations.js'
import { encodeAlerts, STAGED_INSERT, STAGING, STAGING_DDL, type StagedChunk } from './staging.js'

const DAY_MS = 86_400_000

function toMicros(iso: string | undefined, fallback: number): bigint {
  const ms = iso === undefined ? NaN : Date.parse(iso)
  return BigInt(Number.isNaN(ms) ? fallback : ms) * 1000n
}

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

/** Alerts in one transaction at most: bounds the staged text held in memory. */
const MAX_COMMIT_ROWS = 131_072

interface PendingBatch {
  readonly chunks: readonly StagedChunk[]
  readonly rows: number
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

export class DuckAlertStore implements AlertStore {
  private readonly writes = new SerialQueue()
  /** Encoded batches waiting for the next commit (group commit, see insertAlerts). */
  private pending: PendingBatch[] = []
  private closed = false

  private constructor(
    private readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    private seq: bigint,
    private eventSeq: bigint,
  ) {}

  /** Opens (creating and migrating) the database file; `:memory:` for a throwaway store. */
  static async open(path: string): Promise<DuckAlertStore> {
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
    await migrate(writer)
    const reader = await connect()
    const max = async (table: string) =>
      BigInt(String((await writer.runAndReadAll(`SELECT coalesce(max(seq), 0) FROM ${table}`)).getRows()[0]?.[0] ?? 0))
    return new DuckAlertStore(path, instance, writer, reader, await max('alerts'), await max('events'))
  }

  /** Write jobs queued or running, and alert batches waiting for a commit: the analysis loop's view of store backpressure. */
  get writeDepth(): number {
    return this.writes.depth + this.pending.length
  }

  /**
   * The batch is encoded now, on the caller's turn, so that JavaScript prepares the next batch
   * while DuckDB inserts the previous one. Batches that arrive while a commit runs are committed
   * together by the next one (group commit); each batch is all in one transaction.
   */
  insertAlerts(alerts: readonly AlertDoc[]): Promise<void> {
    if (alerts.length === 0) return Promise.resolve()
    let chunks: StagedChunk[]
    try {
      chunks = encodeAlerts(alerts, this.seq + 1n, Date.now())
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
    this.seq += BigInt(alerts.length)
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ chunks, rows: alerts.length, resolve, reject })
      if (this.pending.length === 1) void this.writes.run(() => this.commitPending())
    })
  }

  /** Commits the batches pending now (up to MAX_COMMIT_ROWS) in one transaction. */
  private async commitPending(): Promise<void> {
    const take: PendingBatch[] = []
    let rows = 0
    while (this.pending.length > 0 && (take.length === 0 || rows + (this.pending[0] as PendingBatch).rows <= MAX_COMMIT_ROWS)) {
      const p = this.pending.shift() as PendingBatch
      take.push(p)
      rows += p.rows
    }
    if (this.pending.length > 0) void this.writes.run(() => this.commitPending())
    // Input cannot fail a commit (times are parsed in JavaScript, text is made well-formed, and
    // the columns use TRY_CAST): a failure is the database's (disk full, I/O), and no batch of
    // the transaction is stored, so each caller may retry its own.
    await this.commitChunks(take.flatMap((p) => p.chunks)).then(
      () => take.forEach((p) => p.resolve()),
      (err: unknown) => take.forEach((p) => p.reject(err)),
    )
  }

  private async commitChunks(chunks: readonly StagedChunk[]): Promise<void> {
    // The staging table lives for one commit: DuckDB keeps the memory of deleted rows of a
    // temporary table (measured: +50 MB per 50 MB batch with DELETE or TRUNCATE), not of a dropped one.
    await this.writer.run(STAGING_DDL)
    try {
      const ap = await this.writer.createAppender(STAGING, 'main', 'temp')
      try {
        for (const c of chunks) {
          ap.appendBigInt(c.first)
          ap.appendVarchar(c.ms)
          ap.appendVarchar(c.logs)
          ap.appendBoolean(c.rawLogs)
          ap.appendVarchar(c.docs)
          ap.endRow()
        }
        ap.flushSync()
      } finally {
        ap.closeSync()
      }
      await this.writer.run(STAGED_INSERT)
    } finally {
      await this.writer.run(`DROP TABLE temp.main.${STAGING}`)
    }
  }

  insertEvents(events: readonly Event[]): Promise<void> {
    if (events.length === 0) return Promise.resolve()
    return this.writes.run(async () => {
      const ap: DuckDBAppender = await this.writer.createAppender('events', 'main', DB)
      try {
        const now = Date.now()
        for (const e of events) {
          ap.appendBigInt(++this.eventSeq)
          ap.appendTimestamp(timestampValue(toMicros(e.time, now)))
          ap.appendVarchar(e.agent)
          ap.appendBigInt(BigInt(e.seq))
          ap.appendVarchar(e.source)
          ap.appendVarchar(e.location)
          ap.appendVarchar(e.kind)
          ap.appendVarchar(e.raw)
          ap.appendVarchar(JSON.stringify(e.fields))
          ap.endRow()
        }
        ap.flushSync()
      } finally {
        ap.closeSync()
      }
    })
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

async function migrate(conn: DuckDBConnection): Promise<void> {
  await conn.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)')
  const done = new Set(
    (await conn.runAndReadAll('SELECT version FROM schema_migrations')).getRows().map((r) => Number(r[0])),
  )
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue
    await conn.run('BEGIN TRANSACTION')
    try {
      for (const s of m.sql) await conn.run(s)
      await conn.run('INSERT INTO schema_migrations VALUES ($1, $2, current_timestamp)', [m.version, m.description])
      await conn.run('COMMIT')
    } catch (err) {
      await conn.run('ROLLBACK')
      throw err
    }
  }
}
