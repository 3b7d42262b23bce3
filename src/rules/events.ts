/**
 * The rules engine's counters (its only place to count, per STYLE's telemetry rule): what the
 * manager exports as metrics and `analyze` could summarise. Plain numbers, no I/O.
 */

export interface RulesStats {
  /** Events evaluated. */
  events: number
  /** Events by the decoder that decoded them; `''` for none. */
  byDecoder: Record<string, number>
  /** Events that matched no rule at all. */
  noRule: number
  /** Events whose final rule had level 0 (dropped, as in Wazuh). */
  dropped: number
  /** Alerts suppressed by a rule's `ignore` window or its `no_log` option. */
  suppressed: number
  /** Alerts produced, by level. */
  alertsByLevel: Record<number, number>
}

export function newStats(): RulesStats {
  return { events: 0, byDecoder: {}, noRule: 0, dropped: 0, suppressed: 0, alertsByLevel: {} }
}

/** Counts one evaluated event. */
export function countEvent(s: RulesStats, decoder: string, level: number | null, alerted: boolean): void {
  s.events++
  s.byDecoder[decoder] = (s.byDecoder[decoder] ?? 0) + 1
  if (level === null) s.noRule++
  else if (level === 0) s.dropped++
  else if (!alerted) s.suppressed++
  else s.alertsByLevel[level] = (s.alertsByLevel[level] ?? 0) + 1
}
