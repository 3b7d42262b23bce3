/**
 * The live alert feed behind `GET /api/alerts/stream`: the analysis loop publishes every batch of
 * stored alerts here, and each open Server-Sent Events stream gets those matching its filter.
 * Bounded on both sides: at most `maxStreams` streams (the route answers 503 beyond), and a client
 * whose socket buffer holds more than `maxBufferBytes` unsent bytes is disconnected (and counted)
 * instead of making the manager buffer alerts for it without end.
 */
import type { ServerResponse } from 'node:http'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { AlertDoc } from '../store/alert.js'
import type { Expr } from '../store/query/ast.js'
import { matchesFilter } from '../store/query/match.js'

export interface LiveOptions {
  /** Where the stream metrics are registered (the manager's /metrics registry). */
  registry: Registry
  maxStreams?: number
  /** Unsent bytes a client may lag behind before it is dropped. */
  maxBufferBytes?: number
  /** How often an idle comment keeps proxies and browsers from closing the stream. */
  heartbeatMs?: number
}

interface Subscriber {
  readonly filter: Expr
  readonly res: ServerResponse
}

export class LiveAlerts {
  readonly maxStreams: number
  private readonly maxBufferBytes: number
  private readonly subscribers = new Set<Subscriber>()
  private readonly dropped: Counter
  private readonly delivered: Counter
  private readonly heartbeat: NodeJS.Timeout

  constructor(o: LiveOptions) {
    this.maxStreams = o.maxStreams ?? 100
    this.maxBufferBytes = o.maxBufferBytes ?? 1 << 20
    this.dropped = new Counter({
      name: 'armorwatch_stream_clients_dropped_total',
      help: 'Live alert streams closed because the client fell too far behind.',
      registers: [o.registry],
    })
    this.delivered = new Counter({
      name: 'armorwatch_stream_alerts_sent_total',
      help: 'Alerts written to live alert streams (one per alert and matching stream).',
      registers: [o.registry],
    })
    const subscribers = this.subscribers
    new Gauge({
      name: 'armorwatch_stream_clients',
      help: 'Open live alert streams.',
      registers: [o.registry],
      collect() {
        this.set(subscribers.size)
      },
    })
    this.heartbeat = setInterval(() => {
      for (const s of this.subscribers) this.write(s, ': ping\n\n')
    }, o.heartbeatMs ?? 15_000)
    this.heartbeat.unref()
  }

  get size(): number {
    return this.subscribers.size
  }

  /** Whether another stream may open. */
  get full(): boolean {
    return this.subscribers.size >= this.maxStreams
  }

  /** Starts streaming to an open response (headers already sent); removed when it closes. */
  subscribe(filter: Expr, res: ServerResponse): void {
    const s: Subscriber = { filter, res }
    this.subscribers.add(s)
    res.on('close', () => this.subscribers.delete(s))
  }

  /** Called with each batch of alerts once it is durably stored. */
  publish(alerts: readonly AlertDoc[]): void {
    if (this.subscribers.size === 0) return
    // Serialized once per alert, not once per subscriber.
    const frames = new Map<AlertDoc, string>()
    for (const s of this.subscribers) {
      for (const a of alerts) {
        if (!matchesFilter(s.filter, a)) continue
        let frame = frames.get(a)
        if (frame === undefined) {
          frame = `event: alert\ndata: ${JSON.stringify(a)}\n\n`
          frames.set(a, frame)
        }
        if (!this.write(s, frame)) break
        this.delivered.inc()
      }
    }
  }

  /** Writes to one client; drops it when its unsent data passes the bound. False when dropped. */
  private write(s: Subscriber, chunk: string): boolean {
    if (!this.subscribers.has(s)) return false
    if (s.res.writableLength > this.maxBufferBytes) {
      this.subscribers.delete(s)
      this.dropped.inc()
      s.res.destroy()
      return false
    }
    s.res.write(chunk)
    return true
  }

  /** Ends every stream (the manager is shutting down). */
  close(): void {
    clearInterval(this.heartbeat)
    // A client with unsent data would hold the connection (and the manager's close) open.
    for (const s of this.subscribers) {
      if (s.res.writableLength > 0) s.res.destroy()
      else s.res.end()
    }
    this.subscribers.clear()
  }
}
