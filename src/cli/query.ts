/**
 * `armorwatch query 'QUERY'`: searches or aggregates alerts, on the data directory's store when no
 * manager holds it, else through the running manager's API (its URL is in the data directory;
 * an API token comes from --token or $ARMORWATCH_TOKEN), or any manager with --url.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import type { Command } from 'commander'
import { defaultDataDir } from '../manager/config.js'
import { RUNTIME_FILE } from '../manager/server.js'
import { getPath } from '../store/alert.js'
import { DuckAlertStore } from '../store/duckdb/alerts.js'
import { ALERTS_DB } from '../store/embedded.js'
import { parseRange, QueryError, TimeRangeError, type QueryResult } from '../store/index.js'
import { parseQuery } from '../store/query/index.js'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { managerRequest } from './manager-api.js'
import { formatTable, printJson } from './output.js'

export interface QueryOptions {
  from?: string
  to?: string
  limit?: string
  json?: boolean
  table?: boolean
  dataDir?: string
  url?: string
  token?: string
  ca?: string
}

async function viaApi(base: string, q: string, o: QueryOptions, caPath: string | undefined): Promise<QueryResult> {
  const url = new URL('/api/alerts', base)
  url.searchParams.set('q', q)
  for (const [k, v] of [['from', o.from], ['to', o.to], ['limit', o.limit]] as const) if (v !== undefined) url.searchParams.set(k, v)
  const res = await managerRequest({ url: base, ca: caPath }, o.token, 'GET', url)
  if (res.status !== 200) throw new CliError(`the manager answered ${res.status}: ${String(res.body.message ?? '')}`, Exit.Usage)
  return res.body as unknown as QueryResult
}

async function viaStore(dir: string, q: string, o: QueryOptions): Promise<QueryResult | { manager: { url: string; ca: string | null } }> {
  const file = join(dir, ALERTS_DB)
  if (!existsSync(file)) throw new CliError(`no alert store in ${dir} (run armorwatch up, or pass --data-dir)`)
  let store: DuckAlertStore
  try {
    store = await DuckAlertStore.open(file)
  } catch (err) {
    const runtime = join(dir, RUNTIME_FILE)
    if (/lock/i.test((err as Error).message) && existsSync(runtime)) {
      return { manager: JSON.parse(readFileSync(runtime, 'utf8')) as { url: string; ca: string | null } }
    }
    throw new CliError(`cannot open ${file}: ${(err as Error).message.split('\n')[0]}`)
  }
  try {
    return await store.query(q, { ...parseRange(o.from, o.to), ...(o.limit !== undefined ? { limit: Number(o.limit) } : {}) })
  } finally {
    await store.close()
  }
}

const SEARCH_COLUMNS = ['timestamp', 'rule.id', 'rule.level', 'agent.name', 'rule.description']

function cell(v: unknown): string {
  if (v === null || v === undefined) return ''
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** Aggregate rows are keyed by dotted names (`data.audit.exe`); search rows are nested documents. */
function pick(row: Record<string, unknown>, path: string): unknown {
  return Object.hasOwn(row, path) ? row[path] : getPath(row, path)
}

export async function run(q: string, o: QueryOptions, out: Writable = process.stdout): Promise<ExitCode> {
  if (o.json && o.table) throw new CliError('--json and --table exclude each other')
  if (o.limit !== undefined && !/^\d+$/.test(o.limit)) throw new CliError(`--limit ${o.limit}: not a number`)
  let result: QueryResult
  try {
    // Checked here too, so that a typo is shown with its position before any store or manager is involved.
    parseQuery(q)
    parseRange(o.from, o.to)
    if (o.url) result = await viaApi(o.url, q, o, o.ca)
    else {
      const dir = o.dataDir ?? process.env.ARMORWATCH_DATA_DIR ?? defaultDataDir()
      const r = await viaStore(dir, q, o)
      result = 'manager' in r ? await viaApi(r.manager.url, q, o, o.ca ?? r.manager.ca ?? undefined) : r
    }
  } catch (err) {
    if (err instanceof QueryError) throw new CliError(`query: ${err.message}\n  ${q}\n  ${' '.repeat(err.position)}^`)
    if (err instanceof TimeRangeError) throw new CliError(err.message)
    throw err
  }
  if (o.json) {
    printJson({ rows: result.rows }, out)
    return Exit.Ok
  }
  const columns = result.columns.length ? [...result.columns] : SEARCH_COLUMNS
  out.write(formatTable(columns, result.rows.map((r) => columns.map((c) => cell(pick(r, c))))))
  return Exit.Ok
}

export function register(program: Command): void {
  program
    .command('query')
    .description('Search or aggregate alerts with the query language (see docs/queries.md)')
    .argument('<query>', "e.g. 'rule.id: 100702 | stats count by data.audit.exe'")
    .option('--from <time>', 'start: now, 15m, 24h, 7d or an ISO 8601 time (default: all)')
    .option('--to <time>', 'end: now, a relative age or an ISO 8601 time (default: now)')
    .option('--limit <n>', 'rows of a search without | head (default 100)')
    .option('--json', 'print {"rows": [...]}')
    .option('--table', 'print an aligned table (the default)')
    .option('-d, --data-dir <dir>', 'data directory (default: $ARMORWATCH_DATA_DIR, else ~/.local/share/armorwatch)')
    .option('--url <url>', 'query this manager instead of a data directory')
    .option('--token <token>', 'API token for a manager (default: $ARMORWATCH_TOKEN)')
    .option('--ca <file>', "CA certificate of the manager's TLS (default: the data directory's)")
    .action(action((q: string, opts: QueryOptions) => run(q, opts)))
}
