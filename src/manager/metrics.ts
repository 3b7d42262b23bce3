/**
 * The manager's Prometheus metrics, on a registry of its own (served at /metrics): events in (per
 * agent, so rate() gives per-agent event rates), alerts out by level, queue depths, store latency.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export class ManagerMetrics {
  readonly registry = new Registry()
  readonly eventsReceived = new Counter({
    name: 'armorwatch_events_received_total',
    help: 'Events received for analysis, by agent.',
    labelNames: ['agent'] as const,
    registers: [this.registry],
  })
  readonly duplicates = new Counter({
    name: 'armorwatch_events_duplicate_total',
    help: 'Events dropped because their (agent, seq) was already stored.',
    registers: [this.registry],
  })
  readonly analysisErrors = new Counter({
    name: 'armorwatch_analysis_errors_total',
    help: 'Events the rules engine failed on (counted and skipped).',
    registers: [this.registry],
  })
  readonly alerts = new Counter({
    name: 'armorwatch_alerts_total',
    help: 'Alerts stored, by rule level.',
    labelNames: ['level'] as const,
    registers: [this.registry],
  })
  readonly storeWrite = new Histogram({
    name: 'armorwatch_store_write_seconds',
    help: 'Time to durably store one analysis batch (alerts, archived events, alerts.json).',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  })
  readonly storeQuery = new Histogram({
    name: 'armorwatch_store_query_seconds',
    help: 'Time to answer one API query.',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  })

  constructor(queues: Record<string, () => number> = {}) {
    collectDefaultMetrics({ register: this.registry, prefix: 'armorwatch_' })
    new Gauge({
      name: 'armorwatch_queue_depth',
      help: 'Items waiting in the manager queues (bus: event batches; store: write jobs).',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      collect() {
        for (const [name, depth] of Object.entries(queues)) this.set({ queue: name }, depth())
      },
    })
  }
}
