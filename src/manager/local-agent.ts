/**
 * The all-in-one's local agent (agent `000`, the manager's own host, as in Wazuh): follows this
 * host's log files, watches /etc/apparmor.d (FIM) and the AppArmor state, through the same durable
 * path as a remote agent: the agent's pipeline numbers the events into its spool (with each file's
 * position in the same frame as the events read up to it), and the agent's shipper delivers the
 * spool over the in-process bus instead of HTTPS. The spool is acknowledged only up to the
 * store's dedup mark of agent 000, which is committed with the alerts, so a crash anywhere repeats
 * nothing and loses nothing: unacknowledged events are delivered again under their seqs and the
 * analysis loop drops those already stored. No enrollment: the bus is inside the manager.
 */
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { spooledFimChanges } from '../agent/fim-replay.js'
import { Pipeline } from '../agent/pipeline.js'
import { Shipper, type ShipTarget } from '../agent/shipper.js'
import { Spool } from '../agent/spool.js'
import type { Bus } from '../bus/index.js'
import type { Event } from '../event/event.js'
import type { ParseError } from '../normalize/index.js'
import { AppArmorStatePoller, type AppArmorStateConfig } from '../sources/apparmor-state/index.js'
import { FileSource, FileSourceConfig } from '../sources/file/index.js'
import { compileFimConfig, FimMonitor, type FimConfigInput } from '../sources/fim/index.js'
import type { Json } from '../sources/types.js'

export const LOCAL_AGENT_ID = '000'

export interface LocalAgentOptions {
  bus: Bus
  /** The store's dedup mark of agent 000: the highest seq stored. */
  storedSeq: () => number
  /** Where the local agent keeps its spool (`<dir>/spool`). */
  dir: string
  files: readonly string[]
  fromBeginning: boolean
  /** File positions saved by earlier versions (outside the spool); the spool's own win. */
  legacyPositions?: ReadonlyMap<string, Json>
  onParseError?: (e: ParseError) => void
  /** A source or a whole event (FIM, AppArmor state) that failed. */
  onError?: (err: Error) => void
  /** How long a half-assembled audit event waits for its other records (default 2 s). */
  holdMs?: number
  /** On stop, how long to wait for the spool to be delivered (default 5 s; the rest is delivered at the next start). */
  drainMs?: number
  /** File integrity monitoring (of /etc/apparmor.d by default), and where its baseline lives. */
  fim?: { config: FimConfigInput; database: string } | null
  /** The AppArmor state poller (profile loads, removals, mode changes, AppArmor stopped). */
  apparmorState?: AppArmorStateConfig | null
}

export interface LocalAgent {
  /** The files being followed (readable ones among those configured). */
  readonly files: readonly string[]
  /** Configured files that are missing or not readable by this user. */
  readonly skipped: readonly string[]
  /** Events spooled and not yet acknowledged by the store. */
  readonly spoolDepth: number
  stop(): Promise<void>
}

/** Delivery over the bus: resolves once the analysis loop has stored the batch (or found it stored). */
function busTarget(bus: Bus, storedSeq: () => number): ShipTarget {
  return {
    keepalive: async () => storedSeq(),
    async send(batch) {
      const text = batch.ndjson.toString('utf8')
      const events = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Event)
      await bus.publish({ agent: LOCAL_AGENT_ID, events })
      return { stored: storedSeq(), bytes: batch.ndjson.length }
    },
  }
}

export async function startLocalAgent(o: LocalAgentOptions): Promise<LocalAgent> {
  const readable: string[] = []
  const skipped: string[] = []
  for (const f of o.files) {
    if (await access(f, constants.R_OK).then(() => true, () => false)) readable.push(f)
    else skipped.push(f)
  }
  const spool = await Spool.open(join(o.dir, 'spool'))
  // A spool younger than the store's mark (its directory was removed): number after the mark, or
  // the store would drop the new events as already stored. Done before anything appends.
  if (o.storedSeq() > spool.lastSeq) await spool.skipTo(o.storedSeq())
  const pipeline = new Pipeline({
    spool,
    agentName: LOCAL_AGENT_ID,
    ...(o.holdMs !== undefined ? { holdMs: o.holdMs } : {}),
    ...(o.onParseError ? { onParseError: o.onParseError } : {}),
  })
  // FIM's baseline is opened before the shipper starts: the FIM events a crash left in the spool are read while none can be shipped.
  const fim = o.fim ? new FimMonitor({ config: compileFimConfig(o.fim.config), database: o.fim.database, emit: (e) => spoolNow(e) }) : undefined
  const spooledFim = fim?.engine.outboxPending ? await spooledFimChanges(spool) : undefined
  const stopShipping = new AbortController()
  const shipping = new Shipper(spool, busTarget(o.bus, o.storedSeq), { minBackoffMs: 50, maxBackoffMs: 2000 }).run(stopShipping.signal)

  // FIM and AppArmor state events come whole: into the spool as they come; both wait until they are (FimEmit, the state file).
  const spoolNow = (e: Event): Promise<void> =>
    pipeline.appendEvents([e]).catch((err: Error) => {
      o.onError?.(err)
      throw err
    })
  const state = o.apparmorState ? new AppArmorStatePoller({ ...o.apparmorState, emit: spoolNow, stateFile: join(o.dir, 'apparmor-state.json') }) : undefined
  await state?.start()
  await fim?.start(spooledFim)

  const stopSources = new AbortController()
  let running: Promise<void> = Promise.resolve()
  if (readable.length > 0) {
    const positions = new Map([...(o.legacyPositions ?? []), ...spool.positions()])
    const source = new FileSource(FileSourceConfig.parse({ include: readable, from_beginning: o.fromBeginning }), positions)
    running = source.run(pipeline.emit, stopSources.signal).catch((err: Error) => o.onError?.(err))
  }
  return {
    files: readable,
    skipped,
    get spoolDepth() {
      return spool.depth
    },
    async stop() {
      stopSources.abort()
      await running
      await fim?.stop()
      await state?.stop()
      await pipeline.close()
      // What is not delivered by then waits in the spool for the next start.
      await spool.drained(o.drainMs ?? 5000)
      stopShipping.abort()
      await shipping
      await spool.close()
    },
  }
}
