/**
 * The all-in-one's local agent: watches /etc/apparmor.d (FIM) and the AppArmor state of this host,
 * and follows this host's log files with the file source, normalizes
 * them (one Normalizer per file, so audit records are assembled per stream) and publishes the
 * events on the in-process bus as agent `000` (the manager's own host, as in Wazuh). There is no
 * spool in between: the bus applies backpressure to the tail directly. A file's position is saved
 * (in the state store) once its events are stored and no audit event of it is half-assembled, so a
 * restart resumes where it stopped; lines after the last save are read again (at least once).
 * Events keep seq 0 (no spool numbered them), which the analysis loop never treats as duplicates.
 */
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import type { Bus } from '../bus/index.js'
import type { Event } from '../event/event.js'
import { Normalizer, type ParseError } from '../normalize/index.js'
import { AppArmorStatePoller } from '../sources/apparmor-state/index.js'
import { FileSource, FileSourceConfig } from '../sources/file/index.js'
import { compileFimConfig, FimMonitor, type FimConfigInput } from '../sources/fim/index.js'
import type { Json } from '../sources/types.js'

/** Where file positions are kept between runs. */
export interface PositionStore {
  load(): Map<string, Json>
  save(key: string, position: Json): void
}

interface FileState {
  readonly n: Normalizer
  readonly out: Event[]
  position: Json
  timer: NodeJS.Timeout | undefined
  chain: Promise<void>
}

export interface LocalAgentOptions {
  bus: Bus
  files: readonly string[]
  fromBeginning: boolean
  positions?: PositionStore
  onParseError?: (e: ParseError) => void
  /** A failed delivery of held events (the lines are read again after a restart). */
  onError?: (err: Error) => void
  /** How long a half-assembled audit event waits for its other records (default 2 s). */
  holdMs?: number
  /** File integrity monitoring (of /etc/apparmor.d by default), and where its baseline lives. */
  fim?: { config: FimConfigInput; database: string } | null
  /** The AppArmor state poller (profile loads, removals, mode changes, AppArmor stopped). */
  apparmorState?: { interval_ms: number; root: string } | null
}

export interface LocalAgent {
  /** The files being followed (readable ones among those configured). */
  readonly files: readonly string[]
  /** Configured files that are missing or not readable by this user. */
  readonly skipped: readonly string[]
  stop(): Promise<void>
}

export async function startLocalAgent(o: LocalAgentOptions): Promise<LocalAgent> {
  const readable: string[] = []
  const skipped: string[] = []
  for (const f of o.files) {
    if (await access(f, constants.R_OK).then(() => true, () => false)) readable.push(f)
    else skipped.push(f)
  }
  const abort = new AbortController()
  // FIM and AppArmor state events are whole events: they go to the bus as they come.
  const publishWhole = (e: Event): void => void o.bus.publish({ agent: '000', events: [e] }).catch((err: Error) => o.onError?.(err))
  const state = o.apparmorState ? new AppArmorStatePoller({ ...o.apparmorState, emit: publishWhole }) : undefined
  await state?.start()
  const fim = o.fim ? new FimMonitor({ config: compileFimConfig(o.fim.config), database: o.fim.database, emit: publishWhole }) : undefined
  await fim?.start()
  const stopWhole = async (): Promise<void> => {
    await fim?.stop()
    await state?.stop()
  }
  if (readable.length === 0) return { files: [], skipped, stop: stopWhole }
  const source = new FileSource(FileSourceConfig.parse({ include: readable, from_beginning: o.fromBeginning }), o.positions?.load() ?? new Map())
  const files = new Map<string, FileState>()
  const send = async (key: string, st: FileState): Promise<void> => {
    const events = st.out.splice(0)
    if (events.length) await o.bus.publish({ agent: '000', events })
    if (st.n.inFlight === 0) o.positions?.save(key, st.position)
  }
  /** Runs a step of one file after the previous one; the step's failure goes to its caller only. */
  const step = (st: FileState, work: () => Promise<void>): Promise<void> => {
    const run = st.chain.then(work)
    st.chain = run.catch(() => {})
    return run
  }
  const running = source.run(async (batch) => {
    let st = files.get(batch.key)
    if (!st) {
      const out: Event[] = []
      const location = batch.lines[0]?.location ?? batch.key
      const n = new Normalizer({ location, source: batch.source, emit: (e) => out.push(e), ...(o.onParseError ? { onError: o.onParseError } : {}) })
      st = { n, out, position: batch.position, timer: undefined, chain: Promise.resolve() }
      files.set(batch.key, st)
    }
    const state = st
    clearTimeout(state.timer)
    await step(state, async () => {
      for (const l of batch.lines) state.n.push(l.line)
      state.position = batch.position
      await send(batch.key, state)
    })
    // An audit event still missing records when the file goes quiet is sent as it is after a while,
    // as the agent's pipeline does, rather than waiting for the next line.
    if (state.n.inFlight > 0) {
      state.timer = setTimeout(() => {
        void step(state, async () => {
          state.n.flush()
          await send(batch.key, state)
        }).catch((err: Error) => o.onError?.(err))
      }, o.holdMs ?? 2000)
      state.timer.unref()
    }
  }, abort.signal)
  return {
    files: readable,
    skipped,
    async stop() {
      abort.abort()
      await running.catch(() => {})
      await stopWhole()
      for (const [key, st] of files) {
        clearTimeout(st.timer)
        await step(st, async () => {
          st.n.flush()
          await send(key, st)
        }).catch(() => {})
      }
    },
  }
}
