/**
 * Our ruleset test format (YAML), for CI: each case feeds a log text through the same parsers,
 * decoders and rules as `analyze` and asserts EVERY alert it produces, in order (Wazuh's `.ini`
 * checks only the last line of a run).
 *
 *   cases:
 *     - name: credential file denied
 *       location: /var/log/audit/audit.log     # optional, default "test"
 *       log: |
 *         type=AVC msg=audit(...): apparmor="DENIED" operation="open" ... name="/etc/shadow" ...
 *       alerts:                                # [] means: no alert at all
 *         - rule: 110002
 *           level: 10                          # optional, like every key below
 *           decoder: apparmor
 *           description: AppArmor blocked access to credential file /etc/shadow by /usr/bin/x
 *           mitre: [T1003.008]
 *           groups: [credential_access]        # each must be present
 *           fields: { apparmor.name: /etc/shadow }   # alert paths (data.* may omit "data.")
 *     - name: events that do not come from log lines (FIM, agent notices, AppArmor state)
 *       events:
 *         - { kind: fim, raw: "File '/etc/x' modified", fields: { syscheck.path: /etc/x, syscheck.event: modified } }
 *       alerts: [...]
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { z } from 'zod'
import type { Alert } from '../../event/alert.js'
import type { Event, Fields } from '../../event/event.js'
import type { Ruleset } from '../ruleset.js'
import type { CaseResult, FileResult } from './runner.js'
import { analyzeText } from '../analyze.js'

const Expected = z.object({
  rule: z.union([z.number(), z.string()]).transform(String),
  level: z.number().optional(),
  decoder: z.string().optional(),
  description: z.string().optional(),
  mitre: z.array(z.string()).optional(),
  groups: z.array(z.string()).optional(),
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
})
type Expected = z.infer<typeof Expected>

const EventInput = z.object({
  kind: z.enum(['apparmor', 'audit', 'syslog', 'fim', 'apparmor-state', 'agent']),
  raw: z.string().default(''),
  time: z.string().default('2026-01-01T00:00:00.000Z'),
  agent: z.string().default(''),
  location: z.string().optional(),
  fields: z.record(z.string(), z.unknown()).default({}),
})

const Case = z
  .object({
    name: z.string(),
    location: z.string().optional(),
    log: z.string().optional(),
    events: z.array(EventInput).optional(),
    alerts: z.array(Expected),
  })
  .refine((c) => (c.log === undefined) !== (c.events === undefined), { message: 'a case needs exactly one of log or events' })

const File = z.object({ cases: z.array(Case) })

function lookup(alert: Alert, path: string): unknown {
  const walk = (root: unknown, parts: string[]): unknown => {
    let cur = root
    for (const p of parts) {
      if (cur === null || typeof cur !== 'object') return undefined
      cur = (cur as Record<string, unknown>)[p]
    }
    return cur
  }
  const parts = path.split('.')
  const direct = walk(alert, parts)
  return direct !== undefined ? direct : walk(alert.data, parts)
}

function compare(got: Alert | undefined, want: Expected, i: number): string | null {
  if (got === undefined) return `alert ${i + 1}: expected rule ${want.rule}, got no alert`
  const diffs: string[] = []
  if (got.rule.id !== want.rule) diffs.push(`rule ${got.rule.id} != ${want.rule}`)
  if (want.level !== undefined && got.rule.level !== want.level) diffs.push(`level ${got.rule.level} != ${want.level}`)
  if (want.decoder !== undefined && got.decoder.name !== want.decoder) diffs.push(`decoder ${got.decoder.name} != ${want.decoder}`)
  if (want.description !== undefined && got.rule.description !== want.description) {
    diffs.push(`description "${got.rule.description}" != "${want.description}"`)
  }
  if (want.mitre !== undefined && JSON.stringify(got.rule.mitre?.id ?? []) !== JSON.stringify(want.mitre)) {
    diffs.push(`mitre ${JSON.stringify(got.rule.mitre?.id ?? [])} != ${JSON.stringify(want.mitre)}`)
  }
  for (const g of want.groups ?? []) if (!got.rule.groups.includes(g)) diffs.push(`group ${g} missing`)
  for (const [k, v] of Object.entries(want.fields ?? {})) {
    const actual = lookup(got, k)
    if (String(actual) !== String(v)) diffs.push(`${k} ${JSON.stringify(actual)} != ${JSON.stringify(v)}`)
  }
  return diffs.length === 0 ? null : `alert ${i + 1} (rule ${got.rule.id}): ${diffs.join('; ')}`
}

export function runYamlFile(ruleset: Ruleset, file: string): FileResult {
  const parsed = File.safeParse(parse(readFileSync(file, 'utf8')))
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    return { file, passed: 0, failed: 1, skipped: 0, cases: [{ file, name: '(file)', line: 0, passed: false, detail }] }
  }
  const cases: CaseResult[] = []
  for (const c of parsed.data.cases) {
    ruleset.reset()
    const location = c.location ?? 'test'
    const alerts =
      c.log !== undefined
        ? analyzeText(ruleset, c.log, location).alerts
        : (c.events ?? []).flatMap((e) => {
            const ev: Event = { seq: 0, source: 'test', location: e.location ?? location, ...e, fields: e.fields as Fields }
            const a = ruleset.analyze(ev)
            return a === null ? [] : [a]
          })
    const problems: string[] = []
    c.alerts.forEach((want, i) => {
      const d = compare(alerts[i], want, i)
      if (d !== null) problems.push(d)
    })
    if (alerts.length > c.alerts.length) {
      problems.push(`${alerts.length - c.alerts.length} unexpected alert(s): ${alerts.slice(c.alerts.length).map((a) => a.rule.id).join(', ')}`)
    }
    cases.push({ file, name: c.name, line: 0, passed: problems.length === 0, ...(problems.length > 0 ? { detail: problems.join(' | ') } : {}) })
  }
  const passed = cases.filter((c) => c.passed).length
  return { file, passed, failed: cases.length - passed, skipped: 0, cases }
}
