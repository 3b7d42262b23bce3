/**
 * The analysis loop: bus → rules → store and outputs. It takes several queued batches at a time,
 * drops events whose (agent, seq) is already stored, runs the injected analyzer (the rules engine)
 * on the rest, and stores alerts, archived events and alerts.json lines before the batches are
 * acknowledged. The bus is bounded, so a slow store slows publishers down; nothing is dropped.
 *
 * Exactly once: the new dedup marks (highest seq per agent) are committed in the same store
 * transaction as the alerts and events they account for, even when a batch makes no alert. After a
 * crash at any point, the store holds a batch's alerts together with its mark or neither, so a
 * redelivered batch is either dropped whole or stored whole. alerts.json is written after that
 * commit: a crash right after it loses those alerts.json lines (never the stored alerts).
 */
import type { Bus, EventBatch } from '../bus/index.js'
import type { Event } from '../event/event.js'
import type { AlertDoc } from '../store/alert.js'
import type { AlertsJsonWriter } from '../store/alerts-json.js'
import type { StateStore } from '../store/sqlite/state.js'
import type { AlertStore } from '../store/store.js'
import type { ManagerMetrics } from './metrics.js'

/** The rules engine as the loop sees it (src/rules' Ruleset implements it). */
export interface Analyzer {
  analyze(event: Event): AlertDoc | null
}

export interface AnalysisOptions {
  bus: Bus
  analyzer: Analyzer
  alerts: AlertStore
  state: StateStore
  /** Also write each alert to alerts.json. */
  alertsJson?: AlertsJsonWriter
  /** Archive every event (Wazuh's `logall`). */
  archive?: boolean
  metrics?: ManagerMetrics
  /** The enrolled name of an agent id: alerts carry `agent.name` as Wazuh's do. */
  agentName?: (id: string) => string | undefined
  /** Called for an event the analyzer threw on (the event is skipped, never the batch). */
  onError?: (err: unknown, event: Event) => void
  /** Called with each batch of alerts once stored (the live alert stream). */
  onStored?: (alerts: readonly AlertDoc[]) => void
}

export class AnalysisLoop {
  constructor(private readonly o: AnalysisOptions) {}

  start(): void {
    this.o.bus.consume((batches) => this.handle(batches))
  }

  /** The highest seq of `agent` already stored (the agent channel's dedup mark after a restart). */
  highestSeq(agent: string): number {
    return this.o.alerts.storedSeqs().get(agent) ?? 0
  }

  private named(alert: AlertDoc): AlertDoc {
    const id = alert.agent?.id
    const name = id !== undefined ? this.o.agentName?.(id) : undefined
    return name === undefined || name === alert.agent?.name ? alert : { ...alert, agent: { ...alert.agent, name } }
  }

  async handle(batches: readonly EventBatch[]): Promise<void> {
    const { analyzer, metrics } = this.o
    const alerts: AlertDoc[] = []
    const events: Event[] = []
    const marks = new Map<string, number>()
    for (const b of batches) {
      let mark = marks.get(b.agent) ?? this.highestSeq(b.agent)
      for (const e of b.events) {
        // seq 0 means "not from a spool" (offline import): never a duplicate.
        if (e.seq > 0 && e.seq <= mark) {
          metrics?.duplicates.inc()
          continue
        }
        if (e.seq > mark) mark = e.seq
        metrics?.eventsReceived.inc({ agent: b.agent })
        if (this.o.archive) events.push(e)
        let alert: AlertDoc | null = null
        try {
          alert = analyzer.analyze(e)
        } catch (err) {
          metrics?.analysisErrors.inc()
          this.o.onError?.(err, e)
        }
        if (alert) alerts.push(this.named(alert))
      }
      marks.set(b.agent, mark)
    }
    const end = metrics?.storeWrite.startTimer()
    await this.o.alerts.insertAlerts(alerts, { events, marks })
    // The API's copy of the marks (with the time each agent was last seen).
    this.o.state.setStoredSeqs(marks)
    await this.o.alertsJson?.write(alerts)
    end?.()
    for (const a of alerts) metrics?.alerts.inc({ level: String(a.rule.level) })
    if (alerts.length) this.o.onStored?.(alerts)
  }
}
