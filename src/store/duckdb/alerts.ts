/**
 * The embedded analytical store: alerts and archived events in one DuckDB file. Writes are
 * appender batches on a dedicated connection, serialized with retention steps; reads use their own
 * connection, so dashboards query while ingestion appends (DuckDB is MVCC).
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
import { ALERT_COLUMNS, type Column } from '../schema.js'
import { compileQuery, duckdb, parseQuery } from '../query/index.js'
import { plain, projectDoc, projectRow } from '../rows.js'
import { SerialQueue } from '../serial.js'
import type { AlertStore, QueryOptions, QueryResult, RetentionPolicy, RetentionResult, StoreStats } from '../store.js'
import { MIGRATIONS } from './migrations.js'

const DAY_MS = 86_400_000

/**
 * The alert time as ISO UTC text, which DuckDB casts natively; always re-formatted from the parsed
 * time, so that no odd offset or impossible date can make a whole batch fail in the cast.
 */
function isoUtc(iso: string | undefined, fallback: number): string {
  const ms = iso === undefined ? NaN : Date.parse(iso)
  return new Date(Number.isNaN(ms) ? fallback : ms).toISOString()
}


function toMicros(iso: string | undefined, fallback: number): bigint {
  const ms = iso === undefined ? NaN : Date.parse(iso)
  return BigInt(Number.isNaN(ms) ? fallback : ms) * 1000n
}

/** The writer connection's own staging table for alert batches (see insertAlerts). */
const STAGING = 'alerts_staging'

/** The document columns, read from the staged document with one JSON parse per alert. */
const DOC_COLUMNS = ALERT_COLUMNS.filter((c) => c.type !== 'time' && c.column !== 'full_log')

/**
 * SQL reading one column with the rules of schema.ts's columnValue(): text as text (objects as
 * JSON), integers only when integral, lists from arrays or single values. `e` holds the values of
 * every document column, extracted from the document at once (DOC_COLUMNS order, 1-based).
 */
function columnSql(c: Column): string {
  if (c.type === 'time') return 'CAST(ts AS TIMESTAMP)'
  if (c.column === 'full_log') return 'full_log'
  const v = `e[${DOC_COLUMNS.indexOf(c) + 1}]`
  const text = `json_extract_string(${v}, '$')`
  switch (c.type) {
    case 'text':
      return text
    case 'int': {
      const n = `TRY_CAST(${text} AS DOUBLE)`
      return `CASE WHEN ${n} = trunc(${n}) THEN TRY_CAST(${n} AS INTEGER) END`
    }
    case 'list':
      return `CASE WHEN json_type(${v}) = 'ARRAY' THEN ${v}::VARCHAR[] WHEN ${v} IS NULL OR json_type(${v}) = 'NULL' THEN []::VARCHAR[] ELSE [${text}] END`
  }
}

const STAGED_INSERT = `INSERT INTO alerts (seq, ${ALERT_COLUMNS.map((c) => c.column).join(', ')}, doc)
  SELECT seq, ${ALERT_COLUMNS.map(columnSql).join(', ')}, doc
  FROM (SELECT seq, ts, full_log, doc, json_extract(doc, [${DOC_COLUMNS.map((c) => `'$.${c.path.join('.')}'`).join(', ')}]) AS e FROM temp.main.${STAGING})`

export class DuckAlertStore implements AlertStore {
  private readonly writes = new SerialQueue()
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
    const instance = await DuckDBInstance.create(path)
    const writer = await instance.connect()
    // Fewer, larger checkpoints: appends are already batched, and each checkpoint re-compresses.
    await writer.run("SET wal_autocheckpoint = '256MB'")
    await migrate(writer)
    await writer.run(`CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (seq BIGINT NOT NULL, ts VARCHAR, full_log VARCHAR, doc VARCHAR NOT NULL)`)
    const reader = await instance.connect()
    const max = async (table: string) =>
      BigInt(String((await writer.runAndReadAll(`SELECT coalesce(max(seq), 0) FROM ${table}`)).getRows()[0]?.[0] ?? 0))
    return new DuckAlertStore(path, instance, writer, reader, await max('alerts'), await max('events'))
  }

  /** Write jobs queued or running: the analysis loop's view of store backpressure. */
  get writeDepth(): number {
    return this.writes.depth
  }

  insertAlerts(alerts: readonly AlertDoc[]): Promise<void> {
    if (alerts.length === 0) return Promise.resolve()
    return this.writes.run(async () => {
      // Each alert goes into the staging table as four values (seq, time, full_log, document);
      // DuckDB then derives the aggregated columns from the document in one vectorized INSERT.
      // Appending every column from JavaScript made the per-value native calls the bottleneck.
      const ap = await this.writer.createAppender(STAGING, 'main', 'temp')
      try {
        const now = Date.now()
        for (const a of alerts) {
          this.seq++
          const doc = a.id === undefined ? { ...a, id: `${Math.floor(Date.parse(a.timestamp) / 1000) || 0}.${this.seq}` } : a
          ap.appendBigInt(this.seq)
          // Times go in as text that DuckDB casts natively; always re-formatted from the parsed time.
          ap.appendVarchar(isoUtc(doc.timestamp, now))
          const { full_log: fullLog, ...rest } = doc
          if (typeof fullLog === 'string') ap.appendVarchar(fullLog)
          else ap.appendNull()
          // full_log has its own column: the document keeps the rest, so the largest field is stored once.
          ap.appendVarchar(JSON.stringify(rest))
          ap.endRow()
        }
        ap.flushSync()
      } finally {
        ap.closeSync()
      }
      try {
        await this.writer.run(STAGED_INSERT)
      } finally {
        await this.writer.run(`DELETE FROM temp.main.${STAGING}`)
      }
    })
  }

  insertEvents(events: readonly Event[]): Promise<void> {
    if (events.length === 0) return Promise.resolve()
    return this.writes.run(async () => {
      const ap: DuckDBAppender = await this.writer.createAppender('events')
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
    if (deletedAlerts + deletedEvents > 0) await this.writes.run(() => this.writer.run('CHECKPOINT'))
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
    const r = (await this.reader.runAndReadAll(`SELECT used_blocks, block_size FROM pragma_database_size()`)).getRowObjectsJS()[0]
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
      await this.writer.run('CHECKPOINT')
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
