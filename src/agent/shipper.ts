/**
 * Ships the spool to the manager: NDJSON batches with a contiguous seq range, one batch in
 * flight, the spool acknowledged (and trimmed) only up to what the manager says it stored. Batches
 * go over HTTPS (gzip), or in-process for the local agent of `armorwatch up` (a ShipTarget).
 * Failures are retried for ever with exponential backoff and full jitter; a rate-limited agent
 * waits as told (`retry-after`) and its events wait in the spool. A revoked agent stops shipping
 * but keeps spooling, so nothing is lost if it is enrolled again.
 */
import { gzipSync } from 'node:zlib'
import type { Spool } from './spool.js'
import { HttpError, ManagerClient } from './client.js'
import { Headers, Routes, type AgentReport } from './protocol.js'
import { Telemetry } from '../sources/telemetry.js'
import { sleep } from '../sources/types.js'
import { batchAcknowledged, batchRead, SHIPPER, shipFailed } from './events.js'

/** A contiguous run of spooled events, as the spool's readBatch returns it. */
export interface SpoolBatch {
  readonly first: number
  readonly last: number
  readonly ndjson: Buffer
}

/** Where batches go. Both calls resolve with the highest seq of this agent the manager has stored. */
export interface ShipTarget {
  keepalive(report: AgentReport, signal: AbortSignal): Promise<number>
  /** `bytes`: what went over the wire. */
  send(batch: SpoolBatch, signal: AbortSignal): Promise<{ stored: number; bytes: number }>
}

/** The manager over HTTPS: signed requests, gzip bodies, the seq range in headers. */
export function httpsTarget(client: ManagerClient): ShipTarget {
  return {
    async keepalive(report, signal) {
      const r = await client.call('POST', Routes.keepalive, {
        body: Buffer.from(JSON.stringify(report)),
        headers: { 'content-type': 'application/json' },
        signal,
      })
      return (JSON.parse(r.body) as { stored_seq: number }).stored_seq
    },
    async send({ first, last, ndjson }, signal) {
      // On this thread: a batch (at most batch_events lines) takes a few ms at level 1, and zlib's
      // state then lives in the main malloc arena instead of a worker thread's (bench/agent: ~1.5 MB
      // less peak RSS, no CPU difference).
      const body = gzipSync(ndjson, { level: 1 })
      const r = await client.call('POST', Routes.events, {
        body,
        headers: {
          'content-type': 'application/x-ndjson',
          'content-encoding': 'gzip',
          [Headers.firstSeq]: String(first),
          [Headers.lastSeq]: String(last),
        },
        signal,
        timeoutMs: 120_000,
      })
      return { stored: (JSON.parse(r.body) as { stored_seq: number }).stored_seq, bytes: body.length }
    },
  }
}

export interface ShipperOptions {
  batchEvents?: number
  minBackoffMs?: number
  maxBackoffMs?: number
  /** A keepalive (with the agent's report) is sent at least this often, between batches too. */
  keepaliveMs?: number
  /**
   * A batch smaller than `batchEvents` waits this long for more events first (default 50 ms). Each
   * request costs a spool read, a gzip stream, a signature and TLS records; without the wait, a
   * steady 5,000 events/s went out as one request per spool frame (~50 a second).
   */
  lingerMs?: number
  /** What the keepalive tells the manager about this agent (version, host, spool depth). */
  report?: () => AgentReport
  log?: (level: 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void
  /** Test hook and status: called after each acknowledged batch. */
  onAck?: (storedSeq: number) => void
  random?: () => number
  telemetry?: Telemetry
}

export interface ShipperStats {
  batches: number
  events: number
  bytes: number
  retries: number
  lastError: string | undefined
}

export class Shipper {
  readonly #o: Required<Omit<ShipperOptions, 'onAck' | 'telemetry'>> & Pick<ShipperOptions, 'onAck'>
  readonly #t: Telemetry
  readonly stats: ShipperStats = { batches: 0, events: 0, bytes: 0, retries: 0, lastError: undefined }
  readonly #target: ShipTarget
  #lastKeepalive = 0

  /** `to`: the manager's client (HTTPS), or another target. */
  constructor(
    private readonly spool: Spool,
    to: ManagerClient | ShipTarget,
    opts: ShipperOptions = {},
  ) {
    this.#target = to instanceof ManagerClient ? httpsTarget(to) : to
    this.#o = {
      batchEvents: 2000,
      minBackoffMs: 200,
      maxBackoffMs: 30_000,
      keepaliveMs: 30_000,
      lingerMs: 50,
      report: () => ({}),
      log: () => {},
      random: Math.random,
      ...opts,
    }
    this.#t = opts.telemetry ?? new Telemetry()
    this.#t.register(SHIPPER)
  }

  async run(signal: AbortSignal): Promise<void> {
    let attempt = 0
    let synced = false
    while (!signal.aborted) {
      try {
        if (!synced) {
          await this.#sync(signal)
          synced = true
        }
        const next = this.spool.acked + 1
        if (this.spool.lastSeq < next) {
          const idle = new AbortController()
          const t = setTimeout(() => idle.abort(), this.#o.keepaliveMs)
          const onAbort = (): void => idle.abort()
          signal.addEventListener('abort', onAbort, { once: true })
          await this.spool.waitFor(next, idle.signal)
          clearTimeout(t)
          signal.removeEventListener('abort', onAbort)
          if (this.spool.lastSeq < next && !signal.aborted) await this.#keepalive(signal)
          continue
        }
        if (this.spool.lastSeq - next + 1 < this.#o.batchEvents) await sleep(this.#o.lingerMs, signal)
        await this.#ship(next, signal)
        // A busy agent still reports its spool depth: the manager shows it.
        if (Date.now() - this.#lastKeepalive >= this.#o.keepaliveMs) await this.#keepalive(signal)
        attempt = 0
      } catch (err) {
        if (signal.aborted) break
        attempt++
        this.stats.retries++
        this.stats.lastError = (err as Error).message
        let delay = Math.min(this.#o.maxBackoffMs, this.#o.minBackoffMs * 2 ** Math.min(attempt, 20))
        if (err instanceof HttpError && err.status === 429) {
          delay = err.retryAfterMs ?? 1000
          this.#o.log('info', 'The manager rate-limits this agent; events wait in the spool.', { retry_ms: delay })
        } else if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
          delay = this.#o.maxBackoffMs
          const why = err.body.includes('AW_ERR_AGENT_REVOKED') ? 'this agent was revoked' : 'unknown agent or key, or the clock is off by minutes'
          shipFailed(this.#t, true, `The manager refuses this agent (${why}); events keep spooling.`, { status: err.status, reply: err.body.slice(0, 300) })
        } else {
          shipFailed(this.#t, false, 'Shipping failed; retrying.', { reason: (err as Error).message, attempt })
          synced = false // the manager may have restarted: ask it what it stored
        }
        // Full jitter: agents that lost the manager together do not come back together.
        await sleep(Math.floor(this.#o.random() * delay) + 50, signal)
      }
    }
  }

  /** Learns what the manager already stored (an ack lost in a crash) and trims the spool to it. */
  async #sync(signal: AbortSignal): Promise<void> {
    const stored = await this.#keepalive(signal)
    if (stored > this.spool.lastSeq) {
      this.#o.log('warn', 'The manager holds more events of this agent than its spool; numbering skips ahead.', { stored, spooled: this.spool.lastSeq })
      await this.spool.skipTo(stored)
    } else if (stored > this.spool.acked) {
      await this.spool.ack(stored)
    }
  }

  async #keepalive(signal: AbortSignal): Promise<number> {
    this.#lastKeepalive = Date.now()
    return this.#target.keepalive(this.#o.report(), signal)
  }

  async #ship(from: number, signal: AbortSignal): Promise<void> {
    const batch = await this.spool.readBatch(from, this.#o.batchEvents)
    if (!batch) return
    const { first, last } = batch
    batchRead(this.#t, last - first + 1, batch.ndjson.length)
    const { stored, bytes } = await this.#target.send(batch, signal)
    this.stats.batches++
    this.stats.events += last - first + 1
    this.stats.bytes += bytes
    await this.spool.ack(Math.min(stored, this.spool.lastSeq))
    batchAcknowledged(this.#t, last - first + 1, bytes)
    this.#o.onAck?.(stored)
  }
}
