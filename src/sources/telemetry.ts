/**
 * The agent's counters (Prometheus-style names and labels) and its rate-limited logging, shared by
 * the stages' telemetry catalogues (`src/sources/events.ts`, `src/agent/events.ts`): those are the
 * only places that count or log. Plain counters in a Map, not prom-client: the agent serves no
 * HTTP and reports them in its periodic status line instead (STYLE.md P9); a scraper can read
 * that line from the journal. Series keys use Prometheus's `name{label="v"}` notation.
 */

/** Where a counter comes from: a source instance, the spool or the shipper. */
export interface Component {
  /** `file:/var/log/audit/audit.log`, `kmsg`, `spool`, `shipper`. */
  id: string
  kind: 'source' | 'buffer' | 'sink'
  /** `file`, `journald`, `kmsg`, `audisp`, `spool`, `shipper`. */
  type: string
}

/** The fixed, low-cardinality list of error types (P9). */
export type ErrorType = 'reader_failed' | 'parser_failed' | 'line_truncated' | 'io_failed' | 'request_failed' | 'rejected'
export type Stage = 'receiving' | 'processing' | 'sending'

export interface TelemetryLog {
  debug(obj: Record<string, unknown>, msg: string): void
  info(obj: Record<string, unknown>, msg: string): void
  warn(obj: Record<string, unknown>, msg: string): void
  error(obj: Record<string, unknown>, msg: string): void
}

/** Every counter each component has from the start (at 0), so that a missing one is a bug. */
export const COMPONENT_COUNTERS = [
  'armorwatch_component_received_events_total',
  'armorwatch_component_received_bytes_total',
  'armorwatch_component_sent_events_total',
  'armorwatch_component_sent_bytes_total',
  'armorwatch_component_errors_total',
  'armorwatch_component_discarded_events_total',
] as const
export type CounterName = (typeof COMPONENT_COUNTERS)[number]

const ERROR_LOG_INTERVAL_MS = 10_000
const silent: TelemetryLog = { debug() {}, info() {}, warn() {}, error() {} }

const labelText = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',')

interface Counter {
  name: CounterName
  labels: Record<string, string>
  value: number
}

const NO_LABELS: Record<string, string> = Object.freeze({})

export class Telemetry {
  readonly #counters = new Map<string, Counter>()
  /** The counters without extra labels, per component: the per-batch counts find theirs without building a series key. */
  readonly #plain = new WeakMap<Component, Map<CounterName, Counter>>()
  readonly #lastError = new Map<string, number>()
  constructor(readonly log: TelemetryLog = silent) {}

  /** Registers a component: its counters exist from now on, at 0. */
  register(c: Component): void {
    for (const name of COMPONENT_COUNTERS) {
      if (name === 'armorwatch_component_errors_total') continue // labelled by error type: created on first use
      if (name === 'armorwatch_component_discarded_events_total') {
        for (const intentional of ['true', 'false']) this.add(c, name, 0, { intentional })
      } else this.add(c, name, 0)
    }
  }

  add(c: Component, name: CounterName, n: number, extra: Record<string, string> = NO_LABELS): void {
    const plain = extra === NO_LABELS ? this.#plain.get(c)?.get(name) : undefined
    if (plain) {
      plain.value += n
      return
    }
    const labels = { component_id: c.id, component_kind: c.kind, component_type: c.type, ...extra }
    const key = `${name}{${labelText(labels)}}`
    let ctr = this.#counters.get(key)
    if (ctr) ctr.value += n
    else this.#counters.set(key, (ctr = { name, labels, value: n }))
    if (extra === NO_LABELS) {
      let m = this.#plain.get(c)
      if (!m) this.#plain.set(c, (m = new Map()))
      m.set(name, ctr)
    }
  }

  /** Counts an error and logs it, at most once per 10 s per component and error type (P9). */
  error(c: Component, errorType: ErrorType, stage: Stage, msg: string, data: Record<string, unknown> = {}): void {
    this.add(c, 'armorwatch_component_errors_total', 1, { error_type: errorType, stage })
    const key = `${c.id}\n${errorType}`
    const now = Date.now()
    if (now - (this.#lastError.get(key) ?? -Infinity) < ERROR_LOG_INTERVAL_MS) return
    this.#lastError.set(key, now)
    this.log.error({ component_id: c.id, error_type: errorType, stage, ...data }, msg)
  }

  /** The counters' current values. */
  values(): { name: CounterName; labels: Readonly<Record<string, string>>; value: number }[] {
    return [...this.#counters.values()].map((c) => ({ ...c }))
  }

  /** Every series as `name{labels}` → value (Prometheus's notation), for the status report. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counters].map(([key, c]) => [key, c.value]))
  }
}
