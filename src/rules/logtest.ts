/**
 * What `armorwatch logtest` shows for one event: wazuh-logtest's three phases (pre-decoding,
 * decoding, rule matching), optionally the rule walk, or one JSON object per event.
 */
import type { Alert } from '../event/alert.js'
import type { Event } from '../event/event.js'
import { STATIC_FIELDS, type LogEvent } from './log-event.js'
import { dynamicEntries, fieldText } from './log-event.js'
import { ruleJson } from './alert-builder.js'
import type { Outcome, Ruleset } from './ruleset.js'
import type { TraceStep } from './engine.js'

export interface LogtestRecord {
  event: Event | { full_log: string; location: string }
  predecoder: { timestamp?: string; hostname?: string; program_name?: string }
  decoder: { name?: string; parent?: string; type?: string }
  fields: Record<string, string>
  rule: ReturnType<typeof ruleJson> | null
  alert: Alert | null
}

function fieldsOf(ev: LogEvent): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of STATIC_FIELDS) {
    const v = ev.statics[k]
    if (v !== undefined) out[k] = v
  }
  for (const [k, v] of dynamicEntries(ev)) out[k] = fieldText(v) ?? ''
  return out
}

export function logtestRecord(rs: Ruleset, o: Outcome): LogtestRecord {
  const ev = o.event
  const r = o.verdict.rule
  return {
    event: ev.source ?? { full_log: ev.fullLog, location: ev.location },
    predecoder: {
      ...(ev.timestamp !== undefined ? { timestamp: ev.timestamp } : {}),
      ...(ev.hostname !== undefined ? { hostname: ev.hostname } : {}),
      ...(ev.programName !== undefined ? { program_name: ev.programName } : {}),
    },
    decoder: ev.decoder === null ? {} : { name: ev.decoder.name, ...(ev.decoder.parent !== undefined ? { parent: ev.decoder.parent } : {}), type: ev.decoder.type },
    fields: fieldsOf(ev),
    rule: r === null ? null : ruleJson(r, ev, o.verdict.firedtimes, rs.mitre),
    alert: o.alert,
  }
}

const q = (v: unknown) => `'${typeof v === 'string' ? v : JSON.stringify(v)}'`

/** The console rendering, close to wazuh-logtest's. */
export function formatPhases(rs: Ruleset, o: Outcome, trace: readonly TraceStep[] | null): string {
  const rec = logtestRecord(rs, o)
  const lines: string[] = ['', '**Phase 1: Completed pre-decoding.', `\tfull event: ${q(o.event.fullLog)}`]
  for (const [k, v] of Object.entries(rec.predecoder)) lines.push(`\t${k}: ${q(v)}`)
  lines.push('')
  if (o.event.decoder === null) lines.push('**Phase 2: No decoder matched.')
  else {
    lines.push('**Phase 2: Completed decoding.', `\tname: ${q(rec.decoder.name)}`)
    if (rec.decoder.parent !== undefined) lines.push(`\tparent: ${q(rec.decoder.parent)}`)
    for (const [k, v] of Object.entries(rec.fields)) lines.push(`\t${k}: ${q(v)}`)
  }
  if (trace !== null) {
    lines.push('', '**Rule debugging:')
    for (const t of trace) lines.push(`${'    '.repeat(t.depth)}Trying rule: ${t.id} - ${rs.rule(t.id)?.description ?? ''}${t.matched ? `\n${'    '.repeat(t.depth)}*Rule ${t.id} matched` : ''}`)
  }
  const r = rec.rule
  if (r !== null) {
    lines.push('', '**Phase 3: Completed filtering (rules).', `\tid: ${q(r.id)}`, `\tlevel: ${q(String(r.level))}`, `\tdescription: ${q(r.description)}`, `\tgroups: ${q(r.groups)}`)
    if (r.firedtimes !== undefined && o.verdict.alert) lines.push(`\tfiredtimes: ${q(String(r.firedtimes))}`)
    if (r.mitre !== undefined) {
      lines.push(`\tmitre.id: ${q(r.mitre.id)}`, `\tmitre.tactic: ${q(r.mitre.tactic)}`, `\tmitre.technique: ${q(r.mitre.technique)}`)
    }
    for (const k of ['pci_dss', 'gdpr', 'hipaa', 'nist_800_53', 'tsc', 'gpg13'] as const) if (r[k] !== undefined) lines.push(`\t${k}: ${q(r[k])}`)
    if (o.alert !== null) lines.push('**Alert to be generated.')
  }
  return lines.join('\n') + '\n'
}
