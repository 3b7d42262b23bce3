/**
 * `armorwatch agents list|revoke`: the manager's enrolled agents. With a running manager (found in
 * the data directory, or named by --url) this goes through its API, so that revocation takes effect
 * at once and raises its notice; without one, the data directory's agent registry is changed
 * directly (the agent is refused from the manager's next start on).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { AgentRegistry, type AgentRecord } from '../manager/agent-channel/index.js'
import { defaultDataDir } from '../manager/config.js'
import { RUNTIME_FILE } from '../manager/server.js'
import type { AgentInfo } from '../manager/services.js'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { managerRequest } from './manager-api.js'
import { formatTable, printJson } from './output.js'

interface AgentsOptions {
  dataDir?: string
  url?: string
  token?: string
  ca?: string
  json?: boolean
}

/** The row shape both paths print (the offline one knows no live state). */
type Row = Pick<AgentInfo, 'id' | 'name' | 'status' | 'last_seen_at' | 'revoked_at'> & Partial<AgentInfo>

type Target = { kind: 'api'; url: string; ca: string | undefined } | { kind: 'registry'; dir: string }

function isRunning(pid: unknown): boolean {
  if (typeof pid !== 'number') return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function target(o: AgentsOptions): Target {
  if (o.url) return { kind: 'api', url: o.url, ca: o.ca }
  const dir = o.dataDir ?? process.env.ARMORWATCH_DATA_DIR ?? defaultDataDir()
  const runtime = join(dir, RUNTIME_FILE)
  if (existsSync(runtime)) {
    const m = JSON.parse(readFileSync(runtime, 'utf8')) as { url: string; pid?: number; ca: string | null }
    if (isRunning(m.pid)) return { kind: 'api', url: m.url, ca: o.ca ?? m.ca ?? undefined }
  }
  if (!existsSync(join(dir, 'agents.db'))) throw new CliError(`no agent registry in ${dir} (no manager ran there; pass --data-dir or --url)`)
  return { kind: 'registry', dir }
}

function failed(status: number, body: Record<string, unknown>): CliError {
  // An unknown agent is a finding (1); refusals and bad input are usage errors (2).
  return new CliError(`the manager answered ${status}: ${String(body.message ?? '')}`, status === 404 ? Exit.Findings : Exit.Usage)
}

function offlineRow(a: AgentRecord): Row {
  return { id: a.id, name: a.name, status: a.revoked_at ? 'revoked' : a.last_seen_at ? 'disconnected' : 'never', last_seen_at: a.last_seen_at, revoked_at: a.revoked_at, version: a.version, hostname: a.hostname, os: a.os }
}

function withRegistry<T>(dir: string, fn: (r: AgentRegistry) => T): T {
  const r = new AgentRegistry(dir)
  try {
    return fn(r)
  } finally {
    r.close()
  }
}

export async function list(o: AgentsOptions): Promise<ExitCode> {
  const t = target(o)
  let rows: Row[]
  if (t.kind === 'api') {
    const r = await managerRequest(t, o.token, 'GET', '/api/agents')
    if (r.status !== 200) throw failed(r.status, r.body)
    rows = r.body.agents as AgentInfo[]
  } else rows = withRegistry(t.dir, (reg) => reg.list().map(offlineRow))
  if (o.json) printJson({ agents: rows })
  else {
    const cells = rows.map((a) => [a.id, a.name, a.status, a.hostname ?? '', a.version ?? '', a.events_per_s === undefined ? '' : String(a.events_per_s), a.last_seen_at ?? ''])
    process.stdout.write(formatTable(['id', 'name', 'status', 'host', 'version', 'events/s', 'last seen'], cells))
  }
  return Exit.Ok
}

export async function revoke(id: string, o: AgentsOptions): Promise<ExitCode> {
  if (!/^[\w.-]{1,64}$/.test(id)) throw new CliError(`invalid agent id '${id}'`)
  const t = target(o)
  let result: { agent: Row; changed: boolean }
  if (t.kind === 'api') {
    const r = await managerRequest(t, o.token, 'POST', `/api/agents/${encodeURIComponent(id)}/revoke`)
    if (r.status !== 200) throw failed(r.status, r.body)
    result = r.body as { agent: AgentInfo; changed: boolean }
  } else {
    result = withRegistry(t.dir, (reg) => {
      if (!reg.get(id)) throw new CliError(`no agent '${id}' in ${t.dir}`, Exit.Findings)
      const changed = reg.revoke(id)
      return { agent: offlineRow(reg.get(id)!), changed }
    })
  }
  if (o.json) printJson(result)
  else {
    const who = `agent ${result.agent.id} (${result.agent.name})`
    process.stdout.write(result.changed ? `${who} revoked\n` : `${who} was already revoked at ${result.agent.revoked_at}\n`)
  }
  return Exit.Ok
}

export function register(program: Command): void {
  const agents = program.command('agents').description("List the manager's agents and revoke them")
  const common = (c: Command) =>
    c
      .option('-d, --data-dir <dir>', "the manager's data directory (default: $ARMORWATCH_DATA_DIR, else ~/.local/share/armorwatch)")
      .option('--url <url>', 'a manager to ask instead of a data directory')
      .option('--token <token>', 'API token for the manager (default: $ARMORWATCH_TOKEN; revoking needs an admin)')
      .option('--ca <file>', "CA certificate of the manager's TLS (default: the data directory's)")
      .option('--json', 'print the result as JSON')
  common(agents.command('list').description('List agents: status, host, version, event rate, last seen')).action(action((o: AgentsOptions) => list(o)))
  common(
    agents
      .command('revoke')
      .description("Revoke an agent: the manager refuses its batches, polls and keepalives from now on (its events wait in its spool)")
      .argument('<id>', 'the agent id, e.g. 001'),
  ).action(action((id: string, o: AgentsOptions) => revoke(id, o)))
}
