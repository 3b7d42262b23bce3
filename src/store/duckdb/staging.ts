/**
 * Alert batches on their way into DuckDB. JavaScript turns each alert into three texts (time in
 * epoch ms, full_log, the rest of the document as JSON) and joins each kind with a separator, so
 * that a whole chunk of alerts crosses into DuckDB as a handful of values instead of four per
 * alert: per-value native calls were the JavaScript side's main cost. DuckDB splits the chunks
 * and derives the aggregated columns from the document with one json_transform per alert.
 *
 * A commit's alerts, archived events and dedup marks are all staged in in-memory tables as the
 * batches arrive (slots.ts), so that the transaction itself is one statement list (stagedCommit).
 */
import type { AlertDoc } from '../alert.js'
import { ALERT_COLUMNS, type Column } from '../schema.js'

/** One staged chunk: `count` alerts with consecutive seqs from `first`, one line each. */
export interface StagedChunk {
  readonly first: bigint
  readonly count: number
  /** Epoch milliseconds, one per line. */
  readonly ms: string
  /** full_log values separated by RS (`rawLogs`), or as JSON strings (or `null`), one per line. */
  readonly logs: string
  readonly rawLogs: boolean
  /** JSON documents without full_log, one per line. */
  readonly docs: string
}

/** Bounds of a chunk: V8 strings stop at 2^29 characters, and one huge value would be copied whole. */
const CHUNK_ROWS = 16_384
const CHUNK_CHARS = 32 * 2 ** 20

/**
 * The staging tables of slot `slot`, in the instance's in-memory catalog (shared by its
 * connections, never written to the file): alert chunks, one row each (`docs` NULL on the row
 * that carries the commit's marks as JSON `[{"agent","seq"}]` instead), and archived events (the
 * columns of `events`).
 */
export function stagingTables(slot: number): { alerts: string; events: string } {
  return { alerts: `alerts_staging_${slot}`, events: `events_staging_${slot}` }
}

/** The catalog the staging tables live in: the database a DuckDB instance opened on `:memory:` has. */
export const STAGING_CATALOG = 'memory'

/** The archived event columns a slot stages (in the appender's order), as `events` has them. */
const EVENT_COLUMNS = [
  ['seq', 'BIGINT NOT NULL'], ['ts', 'TIMESTAMP NOT NULL'], ['agent', 'VARCHAR'], ['agent_seq', 'BIGINT'], ['source', 'VARCHAR'],
  ['location', 'VARCHAR'], ['kind', 'VARCHAR'], ['raw', 'VARCHAR'], ['fields', 'VARCHAR'],
] as const

/**
 * Makes a slot's staging tables anew, empty. Dropped and made anew, never emptied: DuckDB keeps
 * the memory of deleted rows (measured: +50 MB per 50 MB batch with DELETE or TRUNCATE), not of a
 * dropped table.
 */
export function resetStaging(slot: number): string {
  const t = stagingTables(slot)
  const c = `${STAGING_CATALOG}.main`
  return `DROP TABLE IF EXISTS ${c}.${t.alerts}; DROP TABLE IF EXISTS ${c}.${t.events};
    CREATE TABLE ${c}.${t.alerts} (first BIGINT, ms VARCHAR, logs VARCHAR, raw_logs BOOLEAN, docs VARCHAR, marks VARCHAR);
    CREATE TABLE ${c}.${t.events} (${EVENT_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')})`
}

/**
 * Separates raw full_log values: log lines hold newlines (multi-record audit events) but hardly
 * ever an ASCII record separator. A chunk where one does, or where an alert has no full_log, sends
 * its logs as JSON instead (JSON.stringify costs more than the check).
 */
const RS = '\x1e'

/**
 * A lone UTF-16 surrogate, which JSON.stringify writes as a `\udXXX` escape (a valid pair is
 * written as itself): DuckDB's JSON reader rejects it, which would fail the whole batch. It becomes
 * U+FFFD, as any invalid text does once stored in UTF-8. An escaped backslash before `u` is not one.
 */
const LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g

function wellFormed(json: string): string {
  return json.includes('\\ud') ? json.replace(LONE_SURROGATE, '$1\\ufffd') : json
}

/**
 * Encodes alerts for the staging table; seqs run from `first`. A document without an id gets
 * `<epoch second>.<seq>`; a time that does not parse is stored as `now`.
 */
export function encodeAlerts(alerts: readonly AlertDoc[], first: bigint, now: number): StagedChunk[] {
  const chunks: StagedChunk[] = []
  let ms: string[] = []
  let logs: (string | null)[] = []
  let rawLogs = true
  let docs: string[] = []
  let chars = 0
  let start = first
  const close = () => {
    chunks.push({
      first: start,
      count: docs.length,
      ms: ms.join('\n'),
      logs: rawLogs ? logs.join(RS) : wellFormed(logs.map((l) => (l === null ? 'null' : JSON.stringify(l))).join('\n')),
      rawLogs,
      docs: wellFormed(docs.join('\n')),
    })
    start += BigInt(docs.length)
    ms = []
    logs = []
    rawLogs = true
    docs = []
    chars = 0
  }
  let seq = first
  for (const a of alerts) {
    const time = Date.parse(a.timestamp)
    const doc = a.id === undefined ? { ...a, id: `${Math.floor(time / 1000) || 0}.${seq}` } : a
    seq++
    ms.push(String(Number.isNaN(time) ? now : time))
    // full_log has its own column: the document keeps the rest, so the largest field is stored once.
    const { full_log: fullLog, ...rest } = doc
    const log = typeof fullLog === 'string' ? fullLog : null
    if (log === null || log.includes(RS)) rawLogs = false
    const json = JSON.stringify(rest)
    logs.push(log)
    docs.push(json)
    chars += (log?.length ?? 0) + json.length
    if (docs.length >= CHUNK_ROWS || chars >= CHUNK_CHARS) close()
  }
  if (docs.length > 0) close()
  return chunks
}

/** The document columns, read from the staged document by one json_transform. */
const DOC_COLUMNS = ALERT_COLUMNS.filter((c) => c.type !== 'time' && c.column !== 'full_log')

type Shape = { [key: string]: Shape | string }

/** json_transform's target: text and int columns as VARCHAR (cast below), lists as JSON. */
function transformShape(): string {
  const root: Shape = {}
  for (const c of DOC_COLUMNS) {
    let node = root
    c.path.slice(0, -1).forEach((part) => {
      const next = node[part]
      if (typeof next === 'object') node = next
      else node = node[part] = {}
    })
    node[c.path[c.path.length - 1] as string] = c.type === 'list' ? 'JSON' : 'VARCHAR'
  }
  return JSON.stringify(root)
}

/**
 * SQL reading one column with the rules of schema.ts's columnValue(): text as text (objects as
 * JSON), integers only when integral, lists from arrays or single values.
 */
function columnSql(c: Column): string {
  if (c.type === 'time') return 'make_timestamp(CAST(ms AS BIGINT) * 1000)'
  if (c.column === 'full_log') return `CASE WHEN raw_logs THEN fl ELSE json_extract_string(fl, '$') END`
  const v = `j.${c.path.map((p) => `"${p}"`).join('.')}`
  switch (c.type) {
    case 'text':
      return v
    case 'int': {
      const n = `TRY_CAST(${v} AS DOUBLE)`
      return `CASE WHEN ${n} = trunc(${n}) THEN TRY_CAST(${n} AS INTEGER) END`
    }
    case 'list':
      return `CASE WHEN json_type(${v}) = 'ARRAY' THEN ${v}::VARCHAR[] WHEN ${v} IS NULL OR json_type(${v}) = 'NULL' THEN []::VARCHAR[] ELSE [json_extract_string(${v}, '$')] END`
  }
}

/** Moves every staged chunk of `table` into `alerts`, one row per line, in seq order. */
const stagedAlertsInsert = (table: string): string => `INSERT INTO alerts (seq, ${ALERT_COLUMNS.map((c) => c.column).join(', ')}, doc)
  SELECT seq, ${ALERT_COLUMNS.map(columnSql).join(', ')}, doc
  FROM (SELECT seq, ms, fl, raw_logs, doc, json_transform(doc, '${transformShape()}') AS j
    FROM (SELECT unnest(range(first, first + len(d))) AS seq, unnest(string_split(ms, chr(10))) AS ms,
      unnest(string_split(logs, CASE WHEN raw_logs THEN chr(30) ELSE chr(10) END)) AS fl, raw_logs, unnest(d) AS doc
      FROM (SELECT first, ms, logs, raw_logs, string_split(docs, chr(10)) AS d FROM ${table} WHERE docs IS NOT NULL)))`

/**
 * One transaction storing slot `slot`'s alerts, events and marks (a mark never goes down), made
 * once per slot (StagingSlot.commitSql). DuckDB runs the list in one call: each call waits for a turn of the JavaScript thread, which is busy
 * encoding the next batches while DuckDB writes. COMMIT is the last statement, so a failure
 * anywhere in the list means nothing was committed.
 */
export function stagedCommit(slot: number): string {
  const t = stagingTables(slot)
  const c = `${STAGING_CATALOG}.main`
  return `BEGIN TRANSACTION;
    ${stagedAlertsInsert(`${c}.${t.alerts}`)};
    INSERT INTO events (${EVENT_COLUMNS.map(([name]) => name).join(', ')}) SELECT * FROM ${c}.${t.events};
    INSERT INTO agent_marks SELECT m.agent, m.seq
      FROM (SELECT unnest(from_json(marks, '[{"agent":"VARCHAR","seq":"BIGINT"}]')) AS m FROM ${c}.${t.alerts} WHERE marks IS NOT NULL)
      ON CONFLICT (agent) DO UPDATE SET seq = greatest(agent_marks.seq, excluded.seq);
    COMMIT`
}
