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

/** Events in arrival order; those before `head` were pruned (cut off in bulk, not one shift at a time). */
interface Run {
  readonly items: Stored[]
  head: number
}

/**
 * The look-back window of one rule that correlates on a sid or a group: the remembered events of
 * that sid or group in arrival order (bounded and pruned as analysisd's lists are), and the same
 * events bucketed by the rule's correlation key: the agent (unless the frequency is global) and
 * the values of its `same_*` fields. A new event then looks only at the events that can match it.
 * Scanning the whole list instead made every event cost as much as the list is long: a burst of
 * denials from many processes (rule 110050: same pid and profile) held the analysis at about
 * 3,000 events/s.
 */
class Window {
  /** Arrival order, and each entry's bucket key (undefined: it lacks a `same_*` field and can never match). */
  private readonly entries: Stored[] = []
  private readonly keys: (string | undefined)[] = []
  private head = 0
  private readonly buckets = new Map<string, Run>()

  constructor(private readonly rule: Rule) {}

  /** The correlation key of an event; undefined when it lacks one of the rule's `same_*` fields. */
  key(ev: LogEvent): string | undefined {
    let k = this.rule.globalFrequency ? '' : ev.agent.id
    for (const f of this.rule.same) {
      const v = value(ev, f)
      if (v === undefined) return undefined
      k += '\u0000' + v
    }
    return k
  }

  /** The remembered events sharing `key`, oldest first from `head`. */
  bucket(key: string): Readonly<Run> | undefined {
    return this.buckets.get(key)
  }

  push(entry: Stored, now: number, maxTimeframeMs: number): void {
    const key = this.key(entry.ev)
    this.entries.push(entry)
    this.keys.push(key)
    if (key !== undefined) {
      const b = this.buckets.get(key)
      if (b === undefined) this.buckets.set(key, { items: [entry], head: 0 })
      else b.items.push(entry)
    }
    // Drop what no rule can look back to any more, and bound the list (oldest first, so the
    // dropped entry is also the oldest of its bucket).
    while (this.head < this.entries.length && (this.entries.length - this.head > MAX_PER_LIST || (this.entries[this.head] as Stored).ev.time < now - maxTimeframeMs)) {
      const k = this.keys[this.head]
      if (k !== undefined) {
        const b = this.buckets.get(k) as Run
        if (++b.head === b.items.length) this.buckets.delete(k)
        else if (b.head > 64 && b.head * 2 > b.items.length) {
          b.items.splice(0, b.head)
          b.head = 0
        }
      }
      this.head++
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head)
      this.keys.splice(0, this.head)
      this.head = 0
    }
  }
}

export class Correlator {
  /** Windows of the rules correlating on each sid and each group. */
  private readonly bySid = new Map<number, Window[]>()
  private readonly byGroup = new Map<string, Window[]>()
  private readonly windows = new Map<number, Window>()
  private readonly recent: Stored[] = []
  private wantRecent = false
  private maxTimeframeMs = 0
  /** The earlier events each correlation rule matched on during the current event (newest first). */
  readonly previous = new Map<number, string[]>()

  /** Declares which sids and groups are correlated on, so only those are remembered. */
  register(rule: Rule): void {
    const add = <K>(map: Map<K, Window[]>, key: K): void => {
      const w = new Window(rule)
      this.windows.set(rule.id, w)
      map.set(key, [...(map.get(key) ?? []), w])
    }
    if (rule.ifMatchedSid !== undefined) add(this.bySid, rule.ifMatchedSid)
    else if (rule.ifMatchedGroup !== undefined) add(this.byGroup, rule.ifMatchedGroup)
    if (rule.ifMatchedRegex !== undefined) this.wantRecent = true
    if (rule.ifMatchedSid !== undefined || rule.ifMatchedGroup !== undefined || rule.ifMatchedRegex !== undefined) {
      this.maxTimeframeMs = Math.max(this.maxTimeframeMs, rule.timeframe * 1000)
    }
  }

  /** True when the correlation conditions of `rule` hold for `ev` (the current event). */
  matches(rule: Rule, ev: LogEvent): boolean {
    let list: readonly Stored[] | undefined
    let first = 0
    const window = this.windows.get(rule.id)
    if (window !== undefined) {
      const key = window.key(ev)
      const run = key === undefined ? undefined : window.bucket(key)
      list = run?.items
      first = run?.head ?? 0
    } else if (rule.ifMatchedRegex !== undefined) list = this.recent
    else return true
    if (list === undefined || list.length <= first) return false
    const needed = (rule.frequency ?? 2) - 1
    const oldest = ev.time - rule.timeframe * 1000
    let found = 0
    const logs: string[] = []
    for (let i = list.length - 1; i >= first; i--) {
      const s = list[i] as Stored
      if (s.ev.time < oldest) break
      if (!rule.globalFrequency && s.ev.agent.id !== ev.agent.id) continue
      if (window === undefined && rule.ifMatchedRegex !== undefined && !rule.ifMatchedRegex.test(s.ev.log)) continue
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
    for (const w of this.bySid.get(rule.id) ?? []) w.push(entry, ev.time, this.maxTimeframeMs)
    for (const g of rule.groups) for (const w of this.byGroup.get(g) ?? []) w.push(entry, ev.time, this.maxTimeframeMs)
    if (this.wantRecent) {
      this.recent.push(entry)
      if (this.recent.length > MAX_RECENT) this.recent.shift()
    }
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
