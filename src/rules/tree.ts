/**
 * The rule tree (src/analysisd/rules_list.c): rules with id < 10 are roots (category templates);
 * every other rule hangs under each rule of its `if_sid`, else every earlier rule of level >=
 * `if_level`, else every earlier rule in the `if_group` group, else its `if_matched_sid` /
 * `if_matched_group` rule(s), else the root of its `<category>` (syslog by default). Siblings are
 * kept in Wazuh's try order: level-0 rules first, then by descending level (rules with
 * `accuracy="0"` last), ties by load order.
 */
import type { Rule } from './rule.js'
import type { LoadProblem } from './problems.js'

export interface RuleNode {
  rule: Rule
  readonly children: RuleNode[]
  /** Load order, the tie-breaker between siblings of equal level. */
  readonly order: number
}

function sortKey(r: Rule): number {
  if (r.level === 0) return 9900
  return r.accuracy ? r.level * 100 : r.level
}

function addChild(parent: RuleNode, child: RuleNode): void {
  if (parent.children.includes(child)) return
  const k = sortKey(child.rule)
  let at = parent.children.length
  for (let i = 0; i < parent.children.length; i++) {
    if (sortKey((parent.children[i] as RuleNode).rule) < k) {
      at = i
      break
    }
  }
  parent.children.splice(at, 0, child)
}

export class RuleTree {
  readonly roots: RuleNode[] = []
  readonly nodes = new Map<number, RuleNode>()
  private readonly loadOrder: RuleNode[] = []

  /** Adds a rule in load order; an `overwrite="yes"` rule replaces the loaded one in place. */
  add(rule: Rule, problems: LoadProblem[]): void {
    const existing = this.nodes.get(rule.id)
    if (existing !== undefined) {
      if (!rule.overwrite) {
        problems.push({
          file: rule.file,
          line: rule.line,
          severity: 'warning',
          message: `duplicate rule id ${rule.id} ignored (first defined in ${existing.rule.file}:${existing.rule.line}); use overwrite="yes" to replace it`,
        })
        return
      }
      // Parents and correlation sources cannot change on overwrite (Wazuh keeps them).
      const old = existing.rule
      rule.ifSid = old.ifSid
      if (old.ifMatchedSid !== undefined) rule.ifMatchedSid = old.ifMatchedSid
      else delete rule.ifMatchedSid
      if (old.ifMatchedGroup !== undefined) rule.ifMatchedGroup = old.ifMatchedGroup
      else delete rule.ifMatchedGroup
      if (old.ifGroup !== undefined) rule.ifGroup = old.ifGroup
      else delete rule.ifGroup
      if (old.ifLevel !== undefined) rule.ifLevel = old.ifLevel
      else delete rule.ifLevel
      existing.rule = rule
      return
    }
    const node: RuleNode = { rule, children: [], order: this.loadOrder.length }
    const parents = this.parentsOf(rule, problems)
    if (parents === null) return
    this.nodes.set(rule.id, node)
    this.loadOrder.push(node)
    if (parents.length === 0) this.roots.push(node)
    for (const p of parents) addChild(p, node)
  }

  /** The parents of a new rule; [] for a root, null when it cannot be placed. */
  private parentsOf(rule: Rule, problems: LoadProblem[]): RuleNode[] | null {
    const warn = (message: string) => problems.push({ file: rule.file, line: rule.line, severity: 'warning', message })
    if (rule.ifSid.length > 0) {
      const parents: RuleNode[] = []
      for (const sid of rule.ifSid) {
        const p = this.nodes.get(sid)
        if (p === undefined) warn(`rule ${rule.id}: if_sid ${sid} is not a loaded rule`)
        else parents.push(p)
      }
      if (parents.length === 0) {
        warn(`rule ${rule.id} dropped: none of its if_sid rules exist`)
        return null
      }
      return parents
    }
    if (rule.ifLevel !== undefined) {
      const level = rule.ifLevel
      return this.matchingEarlier(rule, (r) => r.level >= level, `if_level ${level}`, problems)
    }
    if (rule.ifGroup !== undefined) {
      const g = rule.ifGroup
      return this.matchingEarlier(rule, (r) => r.groups.includes(g), `if_group ${g}`, problems)
    }
    if (rule.ifMatchedSid !== undefined) {
      const p = this.nodes.get(rule.ifMatchedSid)
      if (p === undefined) {
        warn(`rule ${rule.id} dropped: if_matched_sid ${rule.ifMatchedSid} is not a loaded rule`)
        return null
      }
      return [p]
    }
    if (rule.ifMatchedGroup !== undefined) {
      const g = rule.ifMatchedGroup
      return this.matchingEarlier(rule, (r) => r.groups.includes(g), `if_matched_group ${g}`, problems)
    }
    if (rule.id < 10) return []
    const category = rule.category ?? 'syslog'
    const root = this.roots.find((n) => n.rule.id < 10 && (n.rule.category ?? 'syslog') === category)
    // Without the stock category templates (our own ruleset), a parentless rule is a root itself.
    return root !== undefined ? [root] : []
  }

  private matchingEarlier(rule: Rule, test: (r: Rule) => boolean, what: string, problems: LoadProblem[]): RuleNode[] | null {
    const parents = this.loadOrder.filter((n) => n.rule.id !== rule.id && test(n.rule))
    if (parents.length === 0) {
      problems.push({ file: rule.file, line: rule.line, severity: 'warning', message: `rule ${rule.id} dropped: no earlier rule matches ${what}` })
      return null
    }
    return parents
  }
}
