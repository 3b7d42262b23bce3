/**
 * Starts a manager: store, rules, bus, analysis loop, agent channel, TLS, HTTP API and dashboard,
 * retention, and (for `armorwatch up`) the local agent. Closing stops intake first, drains the
 * bus into the store, then closes the store.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { hostFields } from '../agent/host.js'
import { agentEvent } from '../agent/pipeline.js'
import { InProcessBus } from '../bus/index.js'
import { packageRoot } from '../rules/files.js'
import { loadRuleset, type RulesetOptions } from '../rules/ruleset.js'
import { AlertsJsonWriter } from '../store/alerts-json.js'
import { openEmbeddedStore, type EmbeddedStore } from '../store/embedded.js'
import type { RetentionPolicy } from '../store/store.js'
import { AgentChannel, AgentRegistry, agentsService, countingBus, EventRate } from './agent-channel/index.js'
import { AnalysisLoop } from './analysis.js'
import { buildManager } from './app.js'
import { newPassword, newSecret, hashPassword, MIN_PASSWORD_LENGTH } from './auth/secrets.js'
import { bytesOf, type ManagerConfig } from './config.js'
import { LiveAlerts } from './live.js'
import { LOCAL_AGENT_ID, startLocalAgent, type LocalAgent } from './local-agent.js'
import { ManagerMetrics } from './metrics.js'
import { rulesService } from './rules-service.js'
import { ensureTls } from './tls.js'
import { VERSION } from '../version.js'
import type { Json } from '../sources/types.js'

export interface StartOptions {
  config: Readonly<ManagerConfig>
  /** The first admin's password (flag or ARMORWATCH_ADMIN_PASSWORD); generated when absent. */
  adminPassword?: string
  /** Run the local agent (the all-in-one). */
  localAgent: boolean
  /** Human-readable notices (the CLI prints them). */
  notice?: (line: string) => void
  /** fastify's logger option (pino); off by default. */
  logger?: boolean | { level: string }
}

export interface RunningManager {
  readonly url: string
  readonly port: number
  readonly dataDir: string
  /** The CA agents and browsers should trust, and its fingerprint (TLS only). */
  readonly caPath?: string
  readonly fingerprint?: string
  /** Set on the first start only: the admin account created. */
  readonly firstAdmin?: { name: string; password: string; generated: boolean }
  readonly enrollmentSecretPath: string
  readonly localFiles: readonly string[]
  /** Local agent files that are missing or unreadable. */
  readonly localSkipped: readonly string[]
  readonly store: EmbeddedStore
  close(): Promise<void>
}

/** `<data dir>/manager.json`: `{url, pid, ca}` of the running manager. */
export const RUNTIME_FILE = 'manager.json'

export class StartError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StartError'
  }
}

export async function startManager(o: StartOptions): Promise<RunningManager> {
  const cfg = o.config
  const dataDir = cfg.data_dir as string
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const rulesOpts: RulesetOptions = {
    ...(cfg.rules.ruleset !== undefined ? { ruleset: cfg.rules.ruleset } : {}),
    rules: cfg.rules.files,
    decoders: cfg.rules.decoders,
    manager: cfg.manager_name,
  }
  // Rules first: a broken rule file should stop the start before anything is opened.
  const ruleset = loadRuleset(rulesOpts)

  let store: EmbeddedStore
  try {
    store = await openEmbeddedStore(dataDir)
  } catch (err) {
    const msg = (err as Error).message
    if (/lock/i.test(msg)) throw new StartError(`${dataDir} is in use by another armorwatch process (${msg.split('\n')[0]})`)
    throw err
  }
  const closers: (() => Promise<void> | void)[] = [() => store.close()]
  const fail = async (err: unknown): Promise<never> => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => {})
    throw err
  }

  try {
    const firstAdmin = await ensureFirstAdmin(store, o.adminPassword)
    const bus = new InProcessBus(cfg.analysis.queue_batches)
    const metrics = new ManagerMetrics({ bus: () => bus.depth, store: () => store.alerts.writeDepth })
    const live = new LiveAlerts({ registry: metrics.registry, maxStreams: cfg.api.max_streams })
    const alertsJson = cfg.outputs.alerts_json.enabled
      ? new AlertsJsonWriter(join(dataDir, 'logs', 'alerts.json'), { maxBytes: bytesOf(cfg.outputs.alerts_json.max_size), keep: cfg.outputs.alerts_json.keep })
      : undefined
    if (alertsJson) await mkdir(join(dataDir, 'logs'), { recursive: true })
    const registry = new AgentRegistry(dataDir)
    closers.push(() => registry.close())
    const names = new Map<string, string>()
    const loop = new AnalysisLoop({
      agentName: (id) => {
        let n = names.get(id)
        if (n === undefined) {
          n = registry.get(id)?.name
          if (n !== undefined) names.set(id, n)
        }
        return n
      },
      bus,
      analyzer: ruleset,
      alerts: store.alerts,
      state: store.state,
      ...(alertsJson ? { alertsJson } : {}),
      archive: cfg.store.archive_events,
      metrics,
      onStored: (alerts) => live.publish(alerts),
    })
    loop.start()
    closers.push(() => bus.close())

    const enrollmentSecretPath = join(dataDir, 'enrollment.secret')
    const rate = new EventRate()
    const channel = new AgentChannel({
      enrollmentSecret: cfg.agents.enrollment_secret ?? enrollmentSecret(enrollmentSecretPath),
      registry,
      rate,
      sink: { store: (agent, events) => bus.publish({ agent, events }), highestSeq: async (agent) => loop.highestSeq(agent) },
      // Enrollments, revocations, disconnections... become events, so the rules can alert on them.
      onNotice: (n) => {
        const ev = agentEvent(n.type, n.message, 'armorwatch-manager')
        const event = { ...ev, agent: n.agent ?? '', fields: { ...ev.fields, 'agent.message': n.message } }
        bus.publish({ agent: n.agent ?? LOCAL_AGENT_ID, events: [event] }).catch((err: Error) => o.notice?.(`agent notice lost: ${err.message}`))
      },
    })

    const runLocal = o.localAgent && cfg.local_agent.enabled
    let local: LocalAgent | undefined
    const tls = cfg.tls.enabled
      ? await ensureTls(join(dataDir, 'tls'), cfg.tls.cert && cfg.tls.key ? { cert: cfg.tls.cert, key: cfg.tls.key } : undefined, cfg.tls.names)
      : undefined
    const dashboardDir = cfg.dashboard_dir ?? join(packageRoot(), 'dashboard', 'dist')
    const app = await buildManager({
      store,
      metrics,
      agents: agentsService({
        registry,
        channel,
        rate,
        progress: () => store.state.agentProgress(),
        // The local agent starts after the API: its spool depth is read when asked.
        ...(runLocal ? { local: { ...(await localInfo()), spoolDepth: () => local?.spoolDepth ?? null } } : {}),
      }),
      rules: rulesService(ruleset, () => loadRuleset(rulesOpts)),
      agentChannel: channel.plugin,
      ...(existsSync(dashboardDir) ? { dashboardDir } : {}),
      ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
      logger: o.logger ?? false,
      sessionHours: cfg.api.session_hours,
      loginLimit: { max: cfg.api.login_max_attempts, timeWindowMs: cfg.api.login_window_seconds * 1000 },
      live,
      profileDir: cfg.profiles.dir,
    })
    // Close order (reverse of closers): local agent, HTTP, bus (drains into the store), store.
    closers.push(() => app.close())
    await app.listen({ host: cfg.listen.host, port: cfg.listen.port })
    const addr = app.server.address()
    const port = typeof addr === 'object' && addr ? addr.port : cfg.listen.port
    const shownHost = cfg.listen.host === '0.0.0.0' || cfg.listen.host === '::' ? 'localhost' : cfg.listen.host
    const url = `${tls ? 'https' : 'http'}://${shownHost}:${port}`

    const retention: RetentionPolicy = {
      ...(cfg.store.retention_days !== undefined ? { maxAgeDays: cfg.store.retention_days } : {}),
      ...(cfg.store.max_size !== undefined ? { maxBytes: bytesOf(cfg.store.max_size) } : {}),
    }
    if (retention.maxAgeDays !== undefined || retention.maxBytes !== undefined) {
      const apply = () => void store.alerts.applyRetention(retention).catch((err: Error) => o.notice?.(`retention failed: ${err.message}`))
      // Once soon after the start (not in its way), then periodically.
      const first = setTimeout(apply, 10_000)
      const timer = setInterval(apply, cfg.store.retention_check_minutes * 60_000)
      first.unref()
      timer.unref()
      closers.push(() => {
        clearTimeout(first)
        clearInterval(timer)
      })
    }

    if (runLocal) {
      // Positions kept by versions whose local agent had no spool: read once, until the spool has its own.
      const prefix = 'local_agent.position:'
      local = await startLocalAgent({
        bus: countingBus(bus, rate),
        storedSeq: () => loop.highestSeq(LOCAL_AGENT_ID),
        dir: join(dataDir, 'local-agent'),
        files: cfg.local_agent.files,
        fromBeginning: cfg.local_agent.from_beginning,
        fim: cfg.local_agent.fim ? { config: cfg.local_agent.fim, database: join(dataDir, 'fim.db') } : null,
        apparmorState: cfg.local_agent.apparmor_state,
        legacyPositions: new Map(store.state.settingsWithPrefix(prefix).map(([k, v]) => [k.slice(prefix.length), JSON.parse(v) as Json])),
        onError: (err) => o.notice?.(`local agent: ${err.message}`),
      })
      closers.push(() => local?.stop())
    }

    // Lets `armorwatch query` find this manager while it holds the store.
    const runtimeFile = join(dataDir, RUNTIME_FILE)
    writeFileSync(runtimeFile, JSON.stringify({ url, pid: process.pid, ca: tls?.caPath ?? null }) + '\n', { mode: 0o600 })
    closers.push(() => rmSync(runtimeFile, { force: true }))

    let closed: Promise<void> | undefined
    return {
      url,
      port,
      dataDir,
      ...(tls?.caPath ? { caPath: tls.caPath } : {}),
      ...(tls ? { fingerprint: tls.fingerprint } : {}),
      ...(firstAdmin ? { firstAdmin } : {}),
      enrollmentSecretPath,
      localFiles: local?.files ?? [],
      localSkipped: local?.skipped ?? [],
      store,
      close() {
        closed ??= (async () => {
          for (const c of closers.reverse()) await c()
        })()
        return closed
      },
    }
  } catch (err) {
    return fail(err)
  }
}

async function ensureFirstAdmin(store: EmbeddedStore, given: string | undefined): Promise<RunningManager['firstAdmin']> {
  if (store.state.userCount() > 0) return undefined
  if (given !== undefined && given.length < MIN_PASSWORD_LENGTH) {
    throw new StartError(`the admin password must have at least ${MIN_PASSWORD_LENGTH} characters`)
  }
  const password = given ?? newPassword()
  store.state.addUser('admin', await hashPassword(password), 'admin')
  return { name: 'admin', password, generated: given === undefined }
}

/** The enrollment secret from its file, made (0600) on first use. */
function enrollmentSecret(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim()
  const s = newSecret()
  writeFileSync(path, s + '\n', { mode: 0o600 })
  return s
}

/** The all-in-one's own agent (id 000) as the agents list shows it. */
async function localInfo(): Promise<{ id: string; version: string; hostname: string; os: string }> {
  const h = await hostFields()
  return { id: LOCAL_AGENT_ID, version: VERSION, hostname: String(h['host.hostname']), os: String(h['host.os']) }
}
