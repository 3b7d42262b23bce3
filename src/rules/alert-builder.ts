/** Builds the Wazuh-shaped alert (src/event/alert.ts) for an event and the rule it ended on. */
import type { Alert, AlertData, AlertRule, AlertValue } from '../event/alert.js'
import type { FieldValue } from '../event/event.js'
import { dynamicEntries, getField, STATIC_FIELDS, type LogEvent } from './log-event.js'
import type { Rule } from './rule.js'
import type { Mitre } from './mitre.js'

const COMPLIANCE = ['pci_dss', 'gdpr', 'hipaa', 'nist_800_53', 'tsc', 'gpg13'] as const

/** `$(field)` substitution (Wazuh's ParseRuleComment): absent fields expand to the empty string. */
export function expandDescription(text: string, ev: LogEvent): string {
  if (!text.includes('$(')) return text
  return text.replace(/\$\(([^)\s]+)\)/g, (_all, name: string) => getField(ev, name) ?? '')
}

/** Fields with dotted names become nested objects (`audit.exe` → `{audit: {exe}}`). */
const pathCache = new Map<string, string[]>()

export function nest(into: AlertData, name: string, value: AlertValue): void {
  let parts = pathCache.get(name)
  if (parts === undefined) {
    parts = name.split('.')
    // Field names repeat endlessly; bound the cache anyway (JSON keys are attacker-chosen).
    if (pathCache.size < 10_000) pathCache.set(name, parts)
  }
  let obj = into
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i] as string
    const cur = obj[k]
    if (cur === undefined || cur === null || typeof cur !== 'object' || Array.isArray(cur)) {
      const fresh: AlertData = {}
      obj[k] = fresh
      obj = fresh
    } else obj = cur as AlertData
  }
  obj[parts[parts.length - 1] as string] = value
}

export function eventData(ev: LogEvent): AlertData {
  const data: AlertData = {}
  for (const k of STATIC_FIELDS) {
    const v = ev.statics[k]
    if (v !== undefined) data[k] = v
  }
  for (const [k, v] of dynamicEntries(ev)) nest(data, k, v as FieldValue as AlertValue)
  return data
}

/** Wazuh's alert timestamp: `2026-11-20T10:01:05.905+0000`. */
export function alertTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000')
}

export function ruleJson(rule: Rule, ev: LogEvent, firedtimes: number, mitre: Mitre | undefined): AlertRule {
  const groups: string[] = []
  const out: AlertRule = {
    id: String(rule.id),
    level: rule.level,
    description: expandDescription(rule.description, ev),
    groups,
    mail: rule.options.has('alert_by_email'),
  }
  if (!rule.options.has('no_counter')) out.firedtimes = firedtimes
  if (rule.frequency !== undefined) out.frequency = rule.frequency
  if (rule.mitre.length > 0) out.mitre = mitre !== undefined ? mitre.resolve(rule.mitre) : { id: [...rule.mitre], tactic: [], technique: [] }
  for (const g of rule.groups) {
    const c = COMPLIANCE.find((p) => g.startsWith(p + '_'))
    if (c === undefined) groups.push(g)
    else (out[c] ??= []).push(g.slice(c.length + 1))
  }
  return out
}

export interface AlertContext {
  readonly manager: string
  readonly mitre?: Mitre
  /** Makes `<epoch>.<counter>` ids unique within a process. */
  nextId(epochSeconds: number): string
}

export function buildAlert(
  rule: Rule,
  ev: LogEvent,
  firedtimes: number,
  ctx: AlertContext,
  syscheck?: AlertData,
  previous?: readonly string[],
): Alert {
  const alert: Alert = {
    timestamp: alertTimestamp(ev.time),
    rule: ruleJson(rule, ev, firedtimes, ctx.mitre),
    agent: { ...ev.agent },
    manager: { name: ctx.manager },
    id: ctx.nextId(Math.floor(ev.time / 1000)),
    decoder: {},
    location: ev.location,
  }
  if (!rule.options.has('no_full_log')) alert.full_log = ev.fullLog
  if (syscheck !== undefined) alert.syscheck = syscheck
  if (ev.programName !== undefined || ev.hostname !== undefined || ev.timestamp !== undefined) {
    alert.predecoder = {
      ...(ev.programName !== undefined ? { program_name: ev.programName } : {}),
      ...(ev.timestamp !== undefined ? { timestamp: ev.timestamp } : {}),
      ...(ev.hostname !== undefined ? { hostname: ev.hostname } : {}),
    }
  }
  if (ev.decoder !== null) {
    alert.decoder = ev.decoder.parent !== undefined ? { parent: ev.decoder.parent, name: ev.decoder.name } : { name: ev.decoder.name }
  }
  // FIM alerts carry their fields in `syscheck`, not `data`, as in Wazuh.
  const data = syscheck === undefined ? eventData(ev) : {}
  if (Object.keys(data).length > 0) alert.data = data
  if (previous !== undefined && previous.length > 0) alert.previous_output = previous.join('\n')
  return alert
}
