/**
 * Rule evaluation as analysisd does it (src/analysisd/rules.c `OS_CheckIfRuleMatch`, analysisd.c):
 * roots of the event's decoder type are tried in order; a rule that matches descends into its
 * children in sibling order, the first child that matches (recursively) wins even with a lower
 * level, else the rule itself unless `noalert`; the first root that yields a rule ends the search.
 * A level-0 result drops the event. Conditions are tested in Wazuh's order, cheap ones first and
 * the stateful ones (`check_diff`, correlation) last.
 */
import type { Rule } from './rule.js'
import type { RuleNode, RuleTree } from './tree.js'
import { getField, type LogEvent } from './log-event.js'
import { listMatches, type CdbList } from './lists.js'
import { Correlator } from './correlation.js'

/** The outcome of evaluating one event. */
export interface Verdict {
  /** The rule the walk ended on (may be level 0), or null when no rule matched. */
  readonly rule: Rule | null
  /** True when an alert is due: a rule with level > 0 that is not suppressed by `ignore`. */
  readonly alert: boolean
  readonly firedtimes: number
  /** For correlation rules: the earlier events' logs, newest first (the alert's previous_output). */
  readonly previous?: readonly string[]
}

/** Per-ruleset mutable state: counters, correlation memory, `check_diff` and `ignore` clocks. */
export class EngineState {
  readonly correlator = new Correlator()
  readonly firedtimes = new Map<number, number>()
  readonly lastOutput = new Map<string, string>()
  readonly ignoredSince = new Map<number, number>()
  /** `if_fts` memory: decoder name and fts field values seen (bounded). */
  readonly firstSeen = new Set<string>()
}

/** Bound on the `if_fts` and `check_diff` memories. */
const MAX_FTS = 100_000

/** One step of the walk, for `logtest -v`: a rule tried and whether its own conditions held. */
export interface TraceStep {
  readonly id: number
  readonly depth: number
  readonly matched: boolean
}

export class Evaluator {
  /** When set, every rule tried is appended here (logtest's rule debugging). */
  trace: TraceStep[] | null = null

  constructor(
    private readonly tree: RuleTree,
    private readonly lists: ReadonlyMap<string, CdbList>,
    readonly state: EngineState,
  ) {
    for (const node of tree.nodes.values()) state.correlator.register(node.rule)
  }

  evaluate(ev: LogEvent): Verdict {
    this.state.correlator.previous.clear()
    const type = ev.decoder?.type ?? 'syslog'
    let result: Rule | null = null
    for (const root of this.tree.roots) {
      if ((root.rule.category ?? 'syslog') !== type) continue
      result = this.check(root, ev, 0)
      if (result !== null) break
    }
    if (result === null) return { rule: null, alert: false, firedtimes: 0 }
    if (result.level === 0) return { rule: result, alert: false, firedtimes: 0 }
    if (result.ignoreSeconds > 0) {
      const since = this.state.ignoredSince.get(result.id)
      if (since !== undefined && ev.time - since < result.ignoreSeconds * 1000) return { rule: result, alert: false, firedtimes: 0 }
      this.state.ignoredSince.set(result.id, ev.time)
    }
    const fired = (this.state.firedtimes.get(result.id) ?? 0) + 1
    this.state.firedtimes.set(result.id, fired)
    this.state.correlator.remember(result, ev)
    const previous = this.state.correlator.previous.get(result.id)
    return { rule: result, alert: true, firedtimes: fired, ...(previous !== undefined ? { previous } : {}) }
  }

  private check(node: RuleNode, ev: LogEvent, depth: number): Rule | null {
    if (depth > 64) return null
    const ok = this.matches(node.rule, ev)
    this.trace?.push({ id: node.rule.id, depth, matched: ok })
    if (!ok) return null
    for (const child of node.children) {
      const r = this.check(child, ev, depth + 1)
      if (r !== null) return r
    }
    return node.rule.noalert ? null : node.rule
  }

  /** Every condition of one rule, without its children. */
  matches(r: Rule, ev: LogEvent): boolean {
    if (r.decodedAs !== undefined && ev.decoder?.name !== r.decodedAs) return false
    for (const s of r.statics) {
      const v = getField(ev, s.name)
      if (v === undefined || !s.expr.test(v)) return false
    }
    if (r.match !== undefined && !r.match.test(ev.log)) return false
    if (r.regex !== undefined && !r.regex.test(ev.log)) return false
    if (r.location !== undefined && !r.location.test(ev.location)) return false
    for (const f of r.fields) {
      const v = getField(ev, f.name)
      if (v === undefined || !f.expr.test(v)) return false
    }
    if (r.srcip !== undefined) {
      const v = ev.statics.srcip
      if (v === undefined || !r.srcip.test(v)) return false
    }
    if (r.dstip !== undefined) {
      const v = ev.statics.dstip
      if (v === undefined || !r.dstip.test(v)) return false
    }
    if (r.compiled !== undefined && !r.compiled(ev)) return false
    if (r.maxsize !== undefined && ev.fullLog.length < r.maxsize) return false
    if (r.time !== undefined && !r.time.test(ev.time)) return false
    if (r.weekday !== undefined && !r.weekday.test(ev.time)) return false
    for (const l of r.lists) {
      const v = getField(ev, l.field)
      if (v === undefined || !listMatches(this.lists.get(l.path), l.lookup, v, l.check)) return false
    }
    if (r.checkDiff && !this.outputChanged(r, ev)) return false
    if (r.ifFts && !this.firstTimeSeen(ev)) return false
    return this.state.correlator.matches(r, ev)
  }

  /**
   * `if_fts`: true the first time this decoder's `<fts>` values are seen. A decoder without `<fts>`
   * never matches (as in Wazuh, where the JSON and our built-in decoders declare none).
   */
  private firstTimeSeen(ev: LogEvent): boolean {
    const fts = ev.decoder?.fts
    if (fts === undefined || fts.length === 0) return false
    const key = [ev.decoder?.name ?? '', ...fts.map((f) => getField(ev, f) ?? '')].join('\u0000')
    if (this.state.firstSeen.has(key)) return false
    if (this.state.firstSeen.size >= MAX_FTS) this.state.firstSeen.clear()
    this.state.firstSeen.add(key)
    return true
  }

  /** `check_diff`: true when this rule's input differs from the last one seen (first time: false). */
  private outputChanged(r: Rule, ev: LogEvent): boolean {
    const key = `${r.id}\u0000${ev.agent.id}\u0000${ev.location}`
    const prev = this.state.lastOutput.get(key)
    // Bounded: one entry per rule, agent and location; start over rather than grow without end.
    if (prev === undefined && this.state.lastOutput.size >= MAX_FTS) this.state.lastOutput.clear()
    this.state.lastOutput.set(key, ev.fullLog)
    return prev !== undefined && prev !== ev.fullLog
  }
}
