/**
 * Correlation state for `if_matched_sid` / `if_matched_group` / `if_matched_regex` with
 * `frequency`, `timeframe` and `same_*`/`different_*` (src/analysisd/eventinfo.c,
 * `Search_LastSids`/`Search_LastGroups`). An event is remembered under its final rule (and that
 * rule's groups) only when it alerted (level > 0), and only for sids and groups some rule
 * correlates on. Lists are bounded; entries older than the largest timeframe are pruned.
 */
import { getField, type LogEvent } from './log-event.js'
import type { Rule } from './rule.js'

interface Stored {
  readonly ev: LogEvent
  /** Level of the correlation rule that consumed this event, 0 when none. */
  matched: number
}

const MAX_PER_LIST = 4096
const MAX_RECENT = 1024

export class Correlator {
  private readonly bySid = new Map<number, Stored[]>()
  private readonly byGroup = new Map<string, Stored[]>()
  private readonly recent: Stored[] = []
  private readonly wantedSids = new Set<number>()
  private readonly wantedGroups = new Set<string>()
  private wantRecent = false
  private maxTimeframeMs = 0
  /** The earlier events each correlation rule matched on during the current event (newest first). */
  readonly previous = new Map<number, string[]>()

  /** Declares which sids and groups are correlated on, so only those are remembered. */
  register(rule: Rule): void {
    if (rule.ifMatchedSid !== undefined) this.wantedSids.add(rule.ifMatchedSid)
    if (rule.ifMatchedGroup !== undefined) this.wantedGroups.add(rule.ifMatchedGroup)
    if (rule.ifMatchedRegex !== undefined) this.wantRecent = true
    if (rule.ifMatchedSid !== undefined || rule.ifMatchedGroup !== undefined || rule.ifMatchedRegex !== undefined) {
      this.maxTimeframeMs = Math.max(this.maxTimeframeMs, rule.timeframe * 1000)
    }
  }

  /** True when the correlation conditions of `rule` hold for `ev` (the current event). */
  matches(rule: Rule, ev: LogEvent): boolean {
    let list: Stored[] | undefined
    if (rule.ifMatchedSid !== undefined) list = this.bySid.get(rule.ifMatchedSid)
    else if (rule.ifMatchedGroup !== undefined) list = this.byGroup.get(rule.ifMatchedGroup)
    else if (rule.ifMatchedRegex !== undefined) list = this.recent
    else return true
    if (list === undefined || list.length === 0) return false
    const needed = (rule.frequency ?? 2) - 1
    const oldest = ev.time - rule.timeframe * 1000
    let found = 0
    const logs: string[] = []
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i] as Stored
      if (s.ev.time < oldest) break
      if (!rule.globalFrequency && s.ev.agent.id !== ev.agent.id) continue
      if (rule.ifMatchedRegex !== undefined && rule.ifMatchedSid === undefined && rule.ifMatchedGroup === undefined) {
        if (!rule.ifMatchedRegex.test(s.ev.log)) continue
      }
      if (!sameAndDifferent(rule, ev, s.ev)) continue
      // A frequency rule stops at events an equal-or-higher correlation already consumed, so it
      // does not fire again on every following event.
      const counting = rule.frequency !== undefined
      if (counting && s.matched > 0 && s.matched >= rule.level) return false
      found++
      // Wazuh keeps up to 10 of them for the alert's previous_output.
      if (logs.length < 10) logs.push(s.ev.fullLog)
      if (found >= needed) {
        if (counting) s.matched = rule.level
        this.previous.set(rule.id, logs)
        return true
      }
    }
    return false
  }

  /** Remembers an event whose final rule alerted. */
  remember(rule: Rule, ev: LogEvent): void {
    const entry: Stored = { ev, matched: 0 }
    if (this.wantedSids.has(rule.id)) this.push(this.bySid, rule.id, entry, ev.time)
    for (const g of rule.groups) if (this.wantedGroups.has(g)) this.push(this.byGroup, g, entry, ev.time)
    if (this.wantRecent) {
      this.recent.push(entry)
      if (this.recent.length > MAX_RECENT) this.recent.shift()
    }
  }

  private push<K>(map: Map<K, Stored[]>, key: K, entry: Stored, now: number): void {
    let list = map.get(key)
    if (list === undefined) {
      list = []
      map.set(key, list)
    }
    list.push(entry)
    // Drop what no rule can look back to any more, and bound the list.
    let drop = 0
    while (drop < list.length && (list[drop] as Stored).ev.time < now - this.maxTimeframeMs) drop++
    if (list.length - drop > MAX_PER_LIST) drop = list.length - MAX_PER_LIST
    if (drop > 0) list.splice(0, drop)
  }
}

function value(ev: LogEvent, key: string): string | undefined {
  return key.startsWith('field:') ? getField(ev, key.slice(6)) : getField(ev, key)
}

function sameAndDifferent(rule: Rule, cur: LogEvent, old: LogEvent): boolean {
  for (const key of rule.same) {
    const a = value(cur, key)
    if (a === undefined || a !== value(old, key)) return false
  }
  for (const key of rule.different) {
    const a = value(cur, key)
    const b = value(old, key)
    if (a !== undefined && b !== undefined && a === b) return false
  }
  return true
}
