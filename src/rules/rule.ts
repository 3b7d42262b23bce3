/**
 * A Wazuh rule compiled from its XML (src/analysisd/rules.c, `Rules_OP_ReadRules`): attributes,
 * conditions with their expression types, tree links and correlation options. Repeated string
 * elements are concatenated with the last one's `type`/`negate`, as Wazuh does.
 */
import type { XmlNode } from './xml.js'
import { Expression, EXPRESSION_TYPES, PatternError, type ExpressionType } from './match/expression.js'
import { LIST_LOOKUPS, type ListLookup } from './lists.js'
import { applyVars } from './decoders/xml-decoders.js'
import type { LogEvent } from './log-event.js'
import { COMPILED_RULES } from './compiled.js'
import { IpMatcher } from './ip.js'
import { TimeWindow, WeekdaySet } from './time.js'
import { RuleError } from './rule-error.js'

export interface ListCondition {
  readonly field: string
  readonly lookup: ListLookup
  readonly path: string
  readonly check?: Expression
}

export interface Rule {
  readonly id: number
  level: number
  readonly file: string
  readonly line: number
  description: string
  groups: string[]
  /** Alert frequency as configured (N events including the current one), when set. */
  frequency?: number
  timeframe: number
  ignoreSeconds: number
  noalert: boolean
  maxsize?: number
  accuracy: boolean
  overwrite: boolean
  category?: string
  decodedAs?: string
  ifSid: number[]
  ifGroup?: string
  ifLevel?: number
  ifMatchedSid?: number
  ifMatchedGroup?: string
  ifMatchedRegex?: Expression
  /** Static-field conditions by element name (`program_name`, `srcport`, `user`, `hostname`...). */
  statics: { name: string; expr: Expression }[]
  match?: Expression
  regex?: Expression
  location?: Expression
  fields: { name: string; expr: Expression }[]
  srcip?: IpMatcher
  dstip?: IpMatcher
  time?: TimeWindow
  weekday?: WeekdaySet
  lists: ListCondition[]
  checkDiff: boolean
  /** `<if_fts/>`: only the first time the decoder's `<fts>` field values are seen. */
  ifFts: boolean
  /** A `<compiled_rule>` hook by name (src/rules/compiled.ts). */
  compiled?: (ev: LogEvent) => boolean
  same: string[]
  different: string[]
  globalFrequency: boolean
  options: Set<string>
  mitre: string[]
  info: { type: string; text: string }[]
}

const OPTIONS = new Set(['alert_by_email', 'no_email_alert', 'log_alert', 'no_log', 'no_ar', 'no_full_log', 'no_counter'])

/** Static elements and the field each reads; order is Wazuh's test order. */
const STATIC_ELEMENTS: Record<string, string> = {
  program_name: 'program_name',
  id: 'id',
  system_name: 'system_name',
  protocol: 'protocol',
  action: 'action',
  url: 'url',
  srcport: 'srcport',
  dstport: 'dstport',
  user: 'user',
  data: 'data',
  extra_data: 'extra_data',
  hostname: 'hostname',
  status: 'status',
  srcgeoip: 'srcgeoip',
  dstgeoip: 'dstgeoip',
}

// `same_*`/`different_*` elements and the field they compare.
const CORRELATION_FIELDS: Record<string, string> = {
  source_ip: 'srcip',
  srcip: 'srcip',
  dstip: 'dstip',
  srcport: 'srcport',
  src_port: 'srcport',
  dstport: 'dstport',
  dst_port: 'dstport',
  protocol: 'protocol',
  action: 'action',
  id: 'id',
  url: 'url',
  data: 'data',
  extra_data: 'extra_data',
  status: 'status',
  system_name: 'system_name',
  srcuser: 'srcuser',
  user: 'user',
  location: 'location',
  srcgeoip: 'srcgeoip',
  dstgeoip: 'dstgeoip',
}

export { RuleError }

function int(value: string | undefined, what: string, line: number, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\s*\d+\s*$/.test(value)) throw new RuleError(`${what} "${value}" is not a number`, line)
  const n = Number(value)
  if (n < min || n > max) throw new RuleError(`${what} ${n} is out of range ${min}-${max}`, line)
  return n
}

function exprType(node: XmlNode, fallback: ExpressionType): ExpressionType {
  const t = node.attrs.type
  return t !== undefined && (EXPRESSION_TYPES as readonly string[]).includes(t) ? (t as ExpressionType) : fallback
}

function makeExpr(node: XmlNode, text: string, fallback: ExpressionType): Expression {
  try {
    return new Expression(exprType(node, fallback), text, node.attrs.negate === 'yes')
  } catch (e) {
    if (e instanceof PatternError) throw new RuleError(`<${node.name}>: ${e.message}`, node.line)
    throw e
  }
}

export function splitGroups(text: string): string[] {
  return text
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '')
}

/** Compiles one `<rule>`; `groupNames` are the enclosing `<group name=...>` groups. */
export function compileRule(
  node: XmlNode,
  groupNames: readonly string[],
  file: string,
  vars: ReadonlyMap<string, string>,
): Rule {
  const a = (k: string) => {
    const v = node.attrs[k]
    return v === undefined ? undefined : applyVars(v, vars)
  }
  const id = int(a('id'), 'rule id', node.line, 0, 999999)
  if (id === undefined) throw new RuleError('rule without id', node.line)
  const level = int(a('level'), 'level', node.line, 0, 16)
  if (level === undefined) throw new RuleError(`rule ${id} without level`, node.line)
  const frequency = int(a('frequency'), 'frequency', node.line, 1, 9999)
  const rule: Rule = {
    id,
    level,
    file,
    line: node.line,
    description: '',
    groups: [...groupNames],
    timeframe: int(a('timeframe'), 'timeframe', node.line, 0, 99999) ?? 360,
    ignoreSeconds: int(a('ignore'), 'ignore', node.line, 0, 999999) ?? 0,
    noalert: a('noalert') !== undefined && a('noalert') !== '0',
    accuracy: a('accuracy') !== '0',
    overwrite: a('overwrite') === 'yes',
    ifSid: [],
    statics: [],
    fields: [],
    lists: [],
    checkDiff: false,
    ifFts: false,
    same: [],
    different: [],
    globalFrequency: false,
    options: new Set(),
    mitre: [],
    info: [],
  }
  if (frequency !== undefined) rule.frequency = frequency
  const maxsize = int(a('maxsize'), 'maxsize', node.line, 1, 9999999)
  if (maxsize !== undefined) rule.maxsize = maxsize

  // Repeated string elements are concatenated (Wazuh's loadmemory), last attributes win.
  const concat = new Map<string, { node: XmlNode; text: string }>()
  const descriptions: string[] = []
  const extraGroups: string[] = []
  for (const c of node.children) {
    const text = applyVars(c.text, vars)
    const name = c.name
    if (name in STATIC_ELEMENTS || name === 'match' || name === 'regex' || name === 'location' || name === 'if_matched_regex') {
      // Concatenated like Wazuh's loadmemory; attributes given on any occurrence hold unless a
      // later occurrence gives them again.
      const prev = concat.get(name)
      const node = prev === undefined ? c : { ...c, attrs: { ...prev.node.attrs, ...c.attrs } }
      concat.set(name, { node, text: (prev?.text ?? '') + text })
      continue
    }
    if (name.startsWith('same_') || name.startsWith('different_') || name.startsWith('not_same_')) {
      const isSame = name.startsWith('same_')
      const key = name.replace(/^(same|different|not_same)_/, '')
      if (key === 'field') (isSame ? rule.same : rule.different).push('field:' + text.trim())
      else if (key === 'agent') continue // deprecated in Wazuh: ignored with a warning
      else {
        const f = CORRELATION_FIELDS[key]
        if (f === undefined) throw new RuleError(`unknown correlation element <${name}>`, c.line)
        ;(isSame ? rule.same : rule.different).push(f)
      }
      continue
    }
    switch (name) {
      case 'description':
        descriptions.push(text)
        break
      case 'group':
        extraGroups.push(text)
        break
      case 'if_sid': {
        const t = text.trim()
        if (!/^[\d,\s]+$/.test(t)) throw new RuleError(`invalid <if_sid> "${t}"`, c.line)
        rule.ifSid.push(...t.split(/[\s,]+/).filter((s) => s !== '').map(Number))
        break
      }
      case 'if_group':
        rule.ifGroup = text.trim()
        break
      case 'if_level':
        rule.ifLevel = int(text.trim(), 'if_level', c.line, 0, 16)
        break
      case 'if_matched_sid':
        rule.ifMatchedSid = int(text.trim(), 'if_matched_sid', c.line, 0, 999999)
        break
      case 'if_matched_group':
        rule.ifMatchedGroup = text.trim()
        break
      case 'decoded_as':
        rule.decodedAs = text.trim()
        break
      case 'category':
        rule.category = text.trim()
        break
      case 'field': {
        const fname = c.attrs.name
        if (fname === undefined || fname === '') throw new RuleError('<field> without name', c.line)
        rule.fields.push({ name: fname, expr: makeExpr(c, text, 'osregex') })
        break
      }
      case 'srcip':
      case 'dstip': {
        const m = rule[name] ?? new IpMatcher()
        m.add(text.trim())
        m.negate = c.attrs.negate === 'yes'
        rule[name] = m
        break
      }
      case 'time':
        rule.time = new TimeWindow(text.trim(), c.line)
        break
      case 'weekday':
        rule.weekday = new WeekdaySet(text.trim(), c.line)
        break
      case 'list': {
        const field = c.attrs.field
        const lookup = (c.attrs.lookup ?? 'match_key') as ListLookup
        if (field === undefined) throw new RuleError('<list> without field', c.line)
        if (!LIST_LOOKUPS.includes(lookup)) throw new RuleError(`invalid list lookup "${lookup}"`, c.line)
        const cond: ListCondition = { field, lookup, path: text.trim() }
        const cv = c.attrs.check_value
        rule.lists.push(cv !== undefined ? { ...cond, check: new Expression('osmatch', cv) } : cond)
        break
      }
      case 'check_diff':
        rule.checkDiff = true
        break
      case 'global_frequency':
        rule.globalFrequency = true
        break
      case 'options': {
        for (const o of splitGroups(text)) {
          if (!OPTIONS.has(o)) throw new RuleError(`invalid option "${o}"`, c.line)
          rule.options.add(o)
        }
        break
      }
      case 'mitre':
        for (const m of c.children) {
          if (m.name === 'id' || m.name === 'techniqueID') rule.mitre.push(m.text.trim())
        }
        break
      case 'info':
        rule.info.push({ type: c.attrs.type ?? 'text', text: text.trim() })
        break
      case 'cve':
        rule.info.push({ type: 'cve', text: text.trim() })
        break
      case 'compiled_rule': {
        const fn = COMPILED_RULES[text.trim()]
        if (fn === undefined) throw new RuleError(`unknown compiled_rule "${text.trim()}"`, c.line)
        rule.compiled = fn
        break
      }
      case 'if_fts':
        rule.ifFts = true
        break
      case 'check_if_ignored':
      case 'ignore':
      case 'var':
        // Accepted and not evaluated (documented in docs/rules.md).
        break
      default:
        throw new RuleError(`unknown element <${name}>`, c.line)
    }
  }
  for (const [name, { node: n, text }] of concat) {
    switch (name) {
      case 'match':
        rule.match = makeExpr(n, text, 'osmatch')
        break
      case 'regex':
        rule.regex = makeExpr(n, text, 'osregex')
        break
      case 'location':
        rule.location = makeExpr(n, text, 'osmatch')
        break
      case 'if_matched_regex':
        rule.ifMatchedRegex = makeExpr(n, text, 'osregex')
        break
      default:
        rule.statics.push({ name: STATIC_ELEMENTS[name] as string, expr: makeExpr(n, text, name === 'action' ? 'string' : 'osmatch') })
    }
  }
  if (descriptions.length === 0) throw new RuleError(`rule ${id} has no <description>`, node.line)
  rule.description = descriptions.join('').replace('\n', ' ').trim()
  for (const g of extraGroups) rule.groups.push(...splitGroups(g))
  rule.groups = [...new Set(rule.groups)]
  if (rule.frequency !== undefined && rule.ifMatchedSid === undefined && rule.ifMatchedGroup === undefined && rule.ifMatchedRegex === undefined) {
    throw new RuleError(`rule ${id} has frequency without if_matched_sid or if_matched_group`, node.line)
  }
  return rule
}
