/**
 * The agent's pipeline: source batches → normalizer (one per source instance, so audit records are
 * assembled per stream) → spool (whose encoder adds the host's fields), with the batch's source position stored in the
 * same spool frame as its events.
 *
 * A batch whose last audit event is still incomplete (records still to come) is held, not flushed:
 * its events and position are committed together with the next batch of the same source, or after
 * `holdMs` with the incomplete event flushed. A crash while holding loses nothing: the position did
 * not move, so the lines are read again.
 */
import type { Event } from '../event/index.js'
import { Normalizer, type ParseError } from '../normalize/index.js'
import { eventsSent, linesReceived, noticeRaised, parseFailed, sourceComponent } from '../sources/events.js'
import { Telemetry, type Component } from '../sources/telemetry.js'
import type { Json, SourceBatch } from '../sources/types.js'
import type { Spool } from './spool.js'
import type { RotatingLog } from './rotating-log.js'

/** An `agent` event: something the agent itself reports (a source noticed lost messages, the spool was full...). */
export function agentEvent(notice: string, message: string, location: string): Event {
  return {
    seq: 0, time: new Date().toISOString(), agent: '', source: 'agent', location, kind: 'agent', raw: message,
    fields: { 'agent.notice': notice },
  }
}

export interface PipelineOptions {
  spool: Spool
  /** The agent's name (Event.agent until the manager stamps the enrolled id). */
  agentName: string
  holdMs?: number
  rawLog?: RotatingLog
  /** Sources whose audit records go to the raw log (those that read the kernel, not audit.log). */
  rawLogSources?: ReadonlySet<string>
  onParseError?: (e: ParseError) => void
  /** Counts and logs per source (src/sources/events.ts). */
  telemetry?: Telemetry
  /** Sees every normalized event before it is spooled (FIM's who-data reads the audit events). */
  tap?: (e: Event) => void
}

interface KeyState {
  component: Component
  normalizer: Normalizer
  pending: Event[]
  position: Json | undefined
  timer: NodeJS.Timeout | undefined
  /** Commits of one source run in order. */
  chain: Promise<void>
}

export interface PipelineStats {
  lines: number
  events: number
  parse_errors: number
}

export class Pipeline {
  readonly #o: PipelineOptions
  readonly #t: Telemetry
  readonly #keys = new Map<string, KeyState>()
  readonly stats: PipelineStats = { lines: 0, events: 0, parse_errors: 0 }

  constructor(opts: PipelineOptions) {
    this.#o = opts
    this.#t = opts.telemetry ?? new Telemetry()
  }

  /** The `emit` given to sources: resolves once the batch is durable (or held), which back-pressures the source. */
  readonly emit = async (batch: SourceBatch): Promise<void> => {
    const st = this.#state(batch)
    linesReceived(this.#t, st.component, batch)
    const run = st.chain.then(async () => {
      // Notices first: they say what happened before these lines (truncation, lost messages).
      for (const n of batch.notices ?? []) {
        noticeRaised(this.#t, st.component, n)
        st.pending.push(agentEvent(n.kind, n.message, batch.key))
      }
      for (const l of batch.lines) st.normalizer.push(l.line)
      this.stats.lines += batch.lines.length
      st.position = batch.position
      if (st.normalizer.inFlight > 0) {
        st.timer ??= setTimeout(() => void this.#flushHeld(batch.key), this.#o.holdMs ?? 2000)
        return
      }
      await this.#commit(batch.key, st)
    })
    st.chain = run.catch(() => {})
    return run
  }

  /** Appends events that come whole, not from lines (AppArmor state, agent notices). */
  async appendEvents(events: Event[]): Promise<void> {
    await this.#o.spool.append(events.map((e) => this.#enrich(e)))
  }

  /** Commits everything held (shutdown). */
  async close(): Promise<void> {
    for (const key of this.#keys.keys()) await this.#flushHeld(key)
  }

  #state(batch: SourceBatch): KeyState {
    let st = this.#keys.get(batch.key)
    if (!st) {
      const location = batch.lines[0]?.location ?? batch.key
      const component = sourceComponent(batch.key, batch.source)
      this.#t.register(component)
      st = {
        component,
        normalizer: new Normalizer({
          location,
          source: batch.source,
          emit: (e) => st!.pending.push(e),
          onError: (e) => {
            this.stats.parse_errors++
            parseFailed(this.#t, component, e)
            this.#o.onParseError?.(e)
          },
        }),
        pending: [], position: undefined, timer: undefined, chain: Promise.resolve(),
      }
      this.#keys.set(batch.key, st)
    }
    return st
  }

  async #flushHeld(key: string): Promise<void> {
    const st = this.#keys.get(key)
    if (!st) return
    const run = st.chain.then(async () => {
      st.normalizer.flush()
      await this.#commit(key, st)
    })
    st.chain = run.catch(() => {})
    await run
  }

  async #commit(key: string, st: KeyState): Promise<void> {
    clearTimeout(st.timer)
    st.timer = undefined
    if (st.position === undefined && st.pending.length === 0) return
    const events = st.pending.splice(0).map((e) => this.#enrich(e))
    if (this.#o.tap) for (const e of events) this.#o.tap(e)
    const positions = st.position === undefined ? {} : { [key]: st.position }
    st.position = undefined
    this.stats.events += events.length
    if (this.#o.rawLog && this.#o.rawLogSources?.has(events[0]?.source ?? '')) {
      await this.#o.rawLog.write(events.filter((e) => e.kind === 'audit' || e.kind === 'apparmor').map((e) => e.raw))
    }
    // Counted before the append: nothing after it may use the events, so they are not kept alive
    // across the spool's fsync (the spool serializes them at once and lets them go).
    let bytes = 0
    for (const e of events) bytes += e.raw.length
    const n = events.length
    await this.#o.spool.append(events, positions)
    eventsSent(this.#t, st.component, n, bytes)
  }

  #enrich(e: Event): Event {
    e.agent = this.#o.agentName
    return e
  }
}
