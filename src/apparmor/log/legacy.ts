/**
 * AppArmor 2.0-era records (≈2006-2007), which libapparmor stopped parsing in 2011:
 * `REJECTING r access to /etc/shadow (passwd(7890) profile /usr/bin/passwd active /usr/bin/passwd)`,
 * `PERMITTING …`, `AUDITING …`, `REJECTING capability 'net_raw' (…)`, `REJECTING link access from A to B (…)`,
 * `REJECTING attribute (mode) change to PATH (…)` and `LOGPROF-HINT fork pid=1 child=2 profile P active H`.
 * Rare enough that regular expressions are fine here.
 */
import type { Fields } from '../../event/index.js'

const statusByVerb: Record<string, string> = { REJECTING: 'DENIED', PERMITTING: 'ALLOWED', AUDITING: 'AUDIT' }

const task = String.raw`\((.*)\((\d+)\) profile (\S+) active (\S+)\)\s*$`
const access = new RegExp(String.raw`^(REJECTING|PERMITTING|AUDITING) ([a-zA-Z:]+) access to (.+?) ` + task)
const link = new RegExp(String.raw`^(REJECTING|PERMITTING|AUDITING) link access from (.+?) to (.+?) ` + task)
const capability = new RegExp(String.raw`^(REJECTING|PERMITTING|AUDITING) capability '([a-z_]+)' ` + task)
const attribute = new RegExp(String.raw`^(REJECTING|PERMITTING|AUDITING) attribute \((.*?)\) change to (.+?) ` + task)
const generic = new RegExp(String.raw`^(REJECTING|PERMITTING|AUDITING) (\S+) on (.+?) ` + task)
const hint = /^LOGPROF-HINT (\S+)((?: [a-z_]+=\S+)*)(?: profile (\S+) active (\S+))?\s*$/

/** True when `text` at `start` opens a legacy record. */
export function isLegacyRecord(text: string, start: number): boolean {
  return text.startsWith('REJECTING ', start) || text.startsWith('PERMITTING ', start) || text.startsWith('AUDITING ', start) || text.startsWith('LOGPROF-HINT ', start)
}

function taskFields(out: Fields, comm: string, pid: string, profile: string, active: string): void {
  out['apparmor.comm'] = comm
  out['apparmor.pid'] = Number(pid)
  out['apparmor.profile'] = active !== profile && active.startsWith(profile) ? active : profile
  if (active !== profile) out['apparmor.active_hat'] = active
}

/** Parses a legacy record into `apparmor.*` fields; undefined when it is none of the known shapes. */
export function parseLegacyRecord(text: string): Fields | undefined {
  const out: Fields = {}
  let m: RegExpExecArray | null
  if ((m = access.exec(text))) {
    const [, verb, mask, name, comm, pid, profile, active] = m
    out['apparmor.status'] = statusByVerb[verb]
    out['apparmor.operation'] = mask.includes('x') ? 'exec' : 'open'
    out['apparmor.class'] = 'file'
    out['apparmor.name'] = name
    out['apparmor.requested_mask'] = mask
    if (verb === 'REJECTING') out['apparmor.denied_mask'] = mask
    taskFields(out, comm, pid, profile, active)
  } else if ((m = link.exec(text))) {
    const [, verb, from, to, comm, pid, profile, active] = m
    Object.assign(out, { 'apparmor.status': statusByVerb[verb], 'apparmor.operation': 'link', 'apparmor.class': 'file', 'apparmor.name': from, 'apparmor.name2': to })
    taskFields(out, comm, pid, profile, active)
  } else if ((m = capability.exec(text))) {
    const [, verb, cap, comm, pid, profile, active] = m
    Object.assign(out, { 'apparmor.status': statusByVerb[verb], 'apparmor.operation': 'capable', 'apparmor.class': 'cap', 'apparmor.capname': cap, 'apparmor.capability': 'cap_' + cap })
    taskFields(out, comm, pid, profile, active)
  } else if ((m = attribute.exec(text))) {
    const [, verb, attr, name, comm, pid, profile, active] = m
    Object.assign(out, { 'apparmor.status': statusByVerb[verb], 'apparmor.operation': 'setattr', 'apparmor.class': 'file', 'apparmor.attribute': attr, 'apparmor.name': name })
    taskFields(out, comm, pid, profile, active)
  } else if ((m = generic.exec(text))) {
    const [, verb, op, name, comm, pid, profile, active] = m
    Object.assign(out, { 'apparmor.status': statusByVerb[verb], 'apparmor.operation': op, 'apparmor.name': name })
    taskFields(out, comm, pid, profile, active)
  } else if ((m = hint.exec(text))) {
    const [, op, kv, profile, active] = m
    out['apparmor.status'] = 'HINT'
    out['apparmor.operation'] = op
    for (const pair of kv.trim().split(' ').filter(Boolean)) {
      const eq = pair.indexOf('=')
      const key = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      const n = Number(value)
      out[key === 'child' ? 'apparmor.task' : 'apparmor.' + key] = Number.isFinite(n) ? n : value
    }
    if (profile !== undefined) out['apparmor.profile'] = profile
    if (active !== undefined && active !== profile) out['apparmor.active_hat'] = active
  } else return undefined
  out['apparmor.syntax'] = 'v1'
  return out
}
