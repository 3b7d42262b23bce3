/**
 * `armorwatch agent`: wires the configured sources, the pipeline, the spool, the shipper and the
 * command long poll, and runs them until the signal aborts (SIGTERM) or, in audisp mode, stdin ends.
 * A source that fails is logged, reported to the manager as an agent event, and restarted.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pino, { type Logger } from 'pino'
import type { Event } from '../event/index.js'
import { AppArmorStatePoller } from '../sources/apparmor-state/index.js'
import type * as Fim from '../sources/fim/index.js'
import type { FimConfig, FimEmit, FimMonitor, WhoData } from '../sources/fim/index.js'
import { AudispSource } from '../sources/audisp.js'
import { FileSource } from '../sources/file/index.js'
import { JournaldSource, type JournaldPosition } from '../sources/journald.js'
import { KmsgSource, type KmsgPosition } from '../sources/kmsg.js'
import { sleep, type Json, type Source } from '../sources/types.js'
import { ManagerClient, HttpError } from './client.js'
import { identityPath, type AgentConfig } from './config.js'
import { loadIdentity } from './enroll.js'
import { hostEncoder } from './encode.js'
import { hostFields } from './host.js'
import { agentEvent, Pipeline } from './pipeline.js'
import { Routes, verifyReply, type AgentCommand } from './protocol.js'
import { RotatingLog } from './rotating-log.js'
import { Shipper } from './shipper.js'
import { spooledFimChanges } from './fim-replay.js'
import { Spool } from './spool.js'
import { spoolRecovered } from './events.js'
import { sourceComponent, sourceFailed } from '../sources/events.js'
import { Telemetry } from '../sources/telemetry.js'
import { VERSION } from '../version.js'

export interface RunAgentOptions {
  /** Read audit records on stdin as an auditd plugin. */
  audisp?: boolean
  stdin?: NodeJS.ReadableStream
  log?: Logger
  /** On stop, wait up to this long for the shipper to send what is spooled (default 5 s). */
  drainMs?: number
  /** Active response hooks in here later; for now commands are logged. */
  onCommand?: (cmd: AgentCommand) => Promise<void> | void
}

function buildSources(cfg: AgentConfig, positions: ReadonlyMap<string, Json>, o: RunAgentOptions): Source[] {
  const s = cfg.sources
  const out: Source[] = []
  if (s.file) out.push(new FileSource(s.file, positions))
  if (s.journald) out.push(new JournaldSource(s.journald, positions.get('journald') as JournaldPosition | undefined))
  if (s.kmsg) out.push(new KmsgSource(s.kmsg, positions.get('kmsg') as KmsgPosition | undefined))
  if (o.audisp) out.push(new AudispSource(o.stdin ?? process.stdin))
  return out
}

export async function runAgent(cfg: AgentConfig, signal: AbortSignal, o: RunAgentOptions = {}): Promise<void> {
  const log = o.log ?? pino({ name: 'armorwatch-agent' }, pino.destination(2))
  const identity = await loadIdentity(identityPath(cfg))
  let fullSince = 0
  let host = await hostFields()
  const telemetry = new Telemetry(log)
  const spool = await Spool.open(join(cfg.data_dir, 'spool'), {
    encode: hostEncoder(() => host),
    telemetry,
    maxBytes: cfg.spool.max_bytes,
    segmentBytes: cfg.spool.segment_bytes,
    onFull: (full) => {
      if (full) {
        fullSince = Date.now()
        log.warn({ max_bytes: cfg.spool.max_bytes }, 'The spool is full; sources are paused until the manager acknowledges events.')
      } else {
        const secs = Math.round((Date.now() - fullSince) / 1000)
        log.info({ paused_s: secs }, 'The spool has room again; sources resume.')
        void pipeline
          .appendEvents([agentEvent('spool_full', `The agent spool was full for ${secs} s (max ${cfg.spool.max_bytes} bytes); sources were paused and nothing was dropped.`, 'spool')])
          .catch(() => {})
      }
    },
  })
  if (spool.recovery.message) spoolRecovered(telemetry, spool.recovery.droppedBytes, spool.recovery.message)
  const quarantine = new RotatingLog({ path: join(cfg.data_dir, 'parse-errors.log'), maxBytes: 4 * 1024 * 1024, keep: 2 })
  const rawLog = cfg.raw_audit_log ? new RotatingLog(cfg.raw_audit_log) : undefined
  // FIM (loaded only when configured: it brings SQLite and inotify) attributes file changes to
  // processes through who-data, from the audit events the agent reads.
  const fimModule = cfg.sources.fim || cfg.sources.fim_syscheck_file ? await import('../sources/fim/index.js') : undefined
  const whodata = fimModule ? new fimModule.WhoData({ names: await fimModule.IdNames.load() }) : undefined
  const pipeline = new Pipeline({
    tap: whodata ? (e) => e.kind === 'audit' && whodata.push(e) : undefined,
    spool,
    agentName: cfg.name,
    rawLog,
    rawLogSources: new Set(['kmsg', 'audisp', 'journald']),
    onParseError: (e) => void quarantine.write([`${e.location}:${e.line}:${e.column}: ${e.message}\t${e.raw}`]).catch(() => {}),
    telemetry,
  })
  const client = new ManagerClient(identity)
  const shipper = new Shipper(spool, client, {
    batchEvents: cfg.shipper.batch_events,
    maxBackoffMs: cfg.shipper.max_backoff_ms,
    keepaliveMs: cfg.shipper.keepalive_ms,
    telemetry,
    report: () => ({ version: VERSION, hostname: String(host['host.hostname']), os: String(host['host.os']), spool_depth: spool.depth }),
    log: (level, msg, data) => log[level](data ?? {}, msg),
  })
  log.info({ agent_id: identity.agent_id, manager: identity.manager, spooled: spool.depth }, 'Agent started.')

  const stopSources = new AbortController()
  const onStop = (): void => stopSources.abort()
  signal.addEventListener('abort', onStop, { once: true })
  const stopShipping = new AbortController()
  const hostTimer = setInterval(() => void hostFields().then((h) => (host = h)), 60_000)
  const statusTimer = setInterval(
    () =>
      log.info(
        { ...pipeline.stats, shipped: shipper.stats, spool: { last_seq: spool.lastSeq, acked: spool.acked, bytes: spool.bytes }, metrics: telemetry.snapshot() },
        'Status.',
      ),
    cfg.status_interval_ms,
  )
  /** Events that come whole (FIM, AppArmor state) go into the spool as they come; the promise settles once spooled. */
  const spoolNow = (what: string) => (e: Event) =>
    pipeline.appendEvents([e]).catch((err: Error) => {
      log.error({ err }, `Could not spool ${what} event.`)
      throw err
    })
  const aaState = cfg.sources.apparmor_state
    ? new AppArmorStatePoller({ ...cfg.sources.apparmor_state, emit: spoolNow('an AppArmor state'), stateFile: join(cfg.data_dir, 'apparmor-state.json') })
    : undefined
  await aaState?.start()
  const fim = fimModule ? await startFim(fimModule, cfg, whodata, spoolNow('a FIM'), spool, log) : undefined

  const shipping = shipper.run(stopShipping.signal)
  const polling = pollCommands(client, identity.key, stopShipping.signal, log, o.onCommand)
  const sources = buildSources(cfg, spool.positions(), o).map(async (src) => {
    const audisp = src instanceof AudispSource
    await runSource(src, pipeline, stopSources.signal, telemetry, audisp)
    // auditd closed our stdin (it stops or restarts us): commit what was read and exit.
    if (audisp) stopSources.abort()
  })
  try {
    await Promise.all(sources)
    // An agent with only FIM and AppArmor state (no line sources) runs until it is stopped.
    if (sources.length === 0) await new Promise<void>((resolve) => (stopSources.signal.aborted ? resolve() : stopSources.signal.addEventListener('abort', () => resolve(), { once: true })))
  } finally {
    signal.removeEventListener('abort', onStop)
    clearInterval(hostTimer)
    clearInterval(statusTimer)
    await aaState?.stop()
    await fim?.stop()
    await pipeline.close()
    // Give the shipper a moment to send what was just committed; the rest waits in the spool.
    await spool.drained(o.drainMs ?? 5000)
    stopShipping.abort()
    await Promise.all([shipping, polling])
    client.close()
    await spool.close()
    await quarantine.close()
    await rawLog?.close()
    log.info({ ...pipeline.stats, unshipped: spool.depth }, 'Agent stopped.')
  }
}

/**
 * Starts FIM when configured (our YAML, or a Wazuh <syscheck> block read verbatim); resolves once
 * its first scan is done. Its events are complete Events and go to the spool directly.
 */
async function startFim(
  m: typeof Fim,
  cfg: AgentConfig,
  whodata: WhoData | undefined,
  emit: FimEmit,
  spool: Spool,
  log: Logger,
): Promise<FimMonitor | undefined> {
  let config: FimConfig | undefined
  if (cfg.sources.fim) config = m.compileFimConfig(cfg.sources.fim)
  else if (cfg.sources.fim_syscheck_file) {
    const parsed = m.parseSyscheck(await readFile(cfg.sources.fim_syscheck_file, 'utf8'))
    for (const w of parsed.warnings) log.warn({ file: cfg.sources.fim_syscheck_file }, w)
    config = m.compileFimConfig(parsed.config)
  }
  if (!config) return undefined
  const fim = new m.FimMonitor({ config, database: join(cfg.data_dir, 'fim.db'), emit, whodata })
  // Before the shipper starts (see fim-replay.ts).
  await fim.start(fim.engine.outboxPending ? await spooledFimChanges(spool) : undefined)
  return fim
}

/** Runs one source for ever, restarting it after a failure; `once`: stop when it ends (stdin closed). */
async function runSource(src: Source, pipeline: Pipeline, signal: AbortSignal, telemetry: Telemetry, once: boolean): Promise<void> {
  while (!signal.aborted) {
    try {
      await src.run(pipeline.emit, signal)
      if (once) return
    } catch (err) {
      if (signal.aborted) return
      sourceFailed(telemetry, sourceComponent(src.key, src.key.split(':')[0]), err as Error)
      await pipeline.appendEvents([agentEvent('source_failed', `Source ${src.key} failed: ${(err as Error).message}`, src.key)]).catch(() => {})
    }
    await sleep(5000, signal)
  }
}

/** The command long poll; only replies signed with this agent's key are acted on. */
async function pollCommands(
  client: ManagerClient,
  key: string,
  signal: AbortSignal,
  log: Logger,
  onCommand: RunAgentOptions['onCommand'],
): Promise<void> {
  let failures = 0
  while (!signal.aborted) {
    try {
      const r = await client.call('GET', `${Routes.commands}?wait=30`, { signal, timeoutMs: 45_000 })
      failures = 0
      if (!verifyReply(key, r.body, r.headers['x-aw-signature'] as string | undefined)) {
        log.error('A command reply without a valid signature was ignored.')
        continue
      }
      for (const cmd of (JSON.parse(r.body) as { commands: AgentCommand[] }).commands) {
        log.info({ id: cmd.id, type: cmd.type }, 'Command received.')
        await onCommand?.(cmd)
      }
    } catch (err) {
      if (signal.aborted) return
      failures++
      if (!(err instanceof HttpError) || failures === 1) log.debug({ err: (err as Error).message }, 'Command poll failed.')
      await sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)) * Math.random() + 100, signal)
    }
  }
}
