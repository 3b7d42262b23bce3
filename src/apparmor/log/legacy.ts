/**
 * AppArmor 2.0-era records (≈2006-2007), which libapparmor stopped parsing in 2011:
 * `REJECTING r access to /etc/shadow (passwd(7890) profile /usr/bin/passwd active /usr/bin/passwd)`,
 * `PERMITTING …`, `AUDITING …`, `REJECTING [access to ]capability 'net_raw' (…)`, `REJECTING link access from A to B (…)`,
 * `REJECTING attribute (mode) change to PATH (…)`, `REJECTING access to syscall 'sysctl (write)' (…)`,
 * `REJECTING xattr set on PATH (…)`, `LOGPROF-HINT fork pid=1 child=2 profile P active H` and
 * `LOGPROF-HINT unknown_hat HAT pid=1 profile=P active=H`.
 * Rare enough that regular expressions are fine here; they run on re2js, in linear time, because
 * the text (paths, command names) is attacker-influenced and some of these patterns would
 * backtrack badly on a backtracking engine.
 */
import { createRequire } from 'node:module'
import type * as Re2js from 're2js'
import type { RE2JS } from 're2js'
import type { Fields } from '../../event/index.js'

const statusByVerb: Record<string, string> = { REJECTING: 'DENIED', PERMITTING: 'ALLOWED', AUDITING: 'AUDIT' }

const task = String.raw`\((.*)\((\d+)\) profile (\S+) active (\S+)\)\s*$`
const sources = {
  access: String.raw`^(REJECTING|PERMITTING|AUDITING) ([a-zA-Z:]+) access to (.+?) ` + task,
  link: String.raw`^(REJECTING|PERMITTING|AUDITING) link access from (.+?) to (.+?) ` + task,
  capability: String.raw`^(REJECTING|PERMITTING|AUDITING) (?:access to )?capability '([a-z_]+)' ` + task,
  syscall: String.raw`^(REJECTING|PERMITTING|AUDITING) access to syscall '([^']*)' ` + task,
  attribute: String.raw`^(REJECTING|PERMITTING|AUDITING) attribute \((.*?)\) change to (.+?) ` + task,
  generic: String.raw`^(REJECTING|PERMITTING|AUDITING) ([a-z_]+(?: [a-z_]+)?) on (.+?) ` + task,
  hint: String.raw`^LOGPROF-HINT (\S+)(?: ([^\s=]+))?((?: [a-z_]+=\S+)*)(?: profile (\S+) active (\S+))?\s*$`,
}
let compiled: Record<keyof typeof sources, RE2JS> | undefined

/**
 * The patterns, compiled on the first legacy record: re2js and its Unicode tables take ~1.7 MB of
 * heap, which every agent paid at start although almost no host still logs these records. Loaded
 * with require (its CommonJS build) because parsing is synchronous.
 */
function patterns(): Record<keyof typeof sources, RE2JS> {
  if (!compiled) {
    const { RE2JS: engine } = createRequire(import.meta.url)('re2js') as typeof Re2js
    compiled = {
      access: engine.compile(sources.access),
      link: engine.compile(sources.link),
      capability: engine.compile(sources.capability),
      syscall: engine.compile(sources.syscall),
      attribute: engine.compile(sources.attribute),
      generic: engine.compile(sources.generic),
      hint: engine.compile(sources.hint),
    }
  }
  return compiled
}

/**
 * Runs a pattern; the groups as an array like RegExp.exec's (index 0 the whole match; a group that
 * did not take part is null, where RegExp.exec gives undefined), or null.
 */
function exec(re: RE2JS, text: string): string[] | null {
  const m = re.matcher(text)
  if (!m.find()) return null
  const out: string[] = []
  for (let g = 0; g <= m.groupCount(); g++) out.push(m.group(g) as string)
  return out
}

/** True when `text` at `start` opens a legacy record. */
export function isLegacyRecord(text: string, start: number): boolean {
  const c = text.charCodeAt(start)
  // Upper-case R, P, A or L first: every other record is ruled out without a string comparison.
  if (c !== 0x52 && c !== 0x50 && c !== 0x41 && c !== 0x4c) return false
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
  const { access, link, capability, syscall, attribute, generic, hint } = patterns()
  let m: string[] | null
  if ((m = exec(access, text))) {
    const [, verb, mask, name, comm, pid, profile, active] = m
    out['apparmor.status'] = statusByVerb[verb]
    out['apparmor.operation'] = mask.includes('x') ? 'exec' : 'open'
    out['apparmor.class'] = 'file'
    out['apparmor.name'] = name
    out['apparmor.requested_mask'] = mask
    if (verb === 'REJECTING') out['apparmor.denied_mask'] = mask
    taskFields(out, comm, pid, profile, active)
  } else if ((m = exec(link, text))) {
    const [, verb, from, to, comm, pid, profile, active] = m
    Object.assign(out, { 'apparmor.status': statusByVerb[verb], 'apparmor.operation': 'link', 'apparmor.class': 'file', 'apparmor.name': from, 'apparmor.name2': to })
    taskFields(out, comm, pid, profile, active)
  } else if ((m = exec(capability, text))) {
    const [, verb, cap, comm, pid, profile, active] = m
    Object.assign(out, { 'apparmor.status': statusByVerb[verb], 'apparmor.operation': 'capable', 'apparmor.class': 'cap', 'apparmor.capname': cap, 'apparmor.capability': 'cap_' + cap })
    taskFields(out, comm, pid, profile, active)
  } else if ((m = exec(syscall, text))) {
    const [, verb, name, comm, pid, profile, active] = m
    Object.assign(out, { 'apparmor.status': statusByVerb[verb], 'apparmor.operation': 'syscall', 'apparmor.name': name })
    taskFields(out, comm, pid, profile, active)
  } else if ((m = exec(attribute, text))) {
    const [, verb, attr, name, comm, pid, profile, active] = m
    Object.assign(out, { 'apparmor.status': statusByVerb[verb], 'apparmor.operation': 'setattr', 'apparmor.class': 'file', 'apparmor.attribute': attr, 'apparmor.name': name })
    taskFields(out, comm, pid, profile, active)
  } else if ((m = exec(generic, text))) {
    const [, verb, op, name, comm, pid, profile, active] = m
    Object.assign(out, { 'apparmor.status': statusByVerb[verb], 'apparmor.operation': op, 'apparmor.name': name })
    taskFields(out, comm, pid, profile, active)
  } else if ((m = exec(hint, text))) {
    const [, op, hat, kv, profile, active] = m
    out['apparmor.status'] = 'HINT'
    out['apparmor.operation'] = op
    // unknown_hat names the hat it could not find.
    if (hat) out['apparmor.name'] = hat
    const pairs: Record<string, string> = {}
    for (const pair of kv.trim().split(' ').filter(Boolean)) {
      const eq = pair.indexOf('=')
      pairs[pair.slice(0, eq)] = pair.slice(eq + 1)
    }
    const hintProfile = profile ?? pairs.profile
    const hintActive = active ?? pairs.active
    delete pairs.profile
    delete pairs.active
    for (const [key, value] of Object.entries(pairs)) {
      const n = Number(value)
      out[key === 'child' ? 'apparmor.task' : 'apparmor.' + key] = value !== '' && Number.isFinite(n) ? n : value
    }
    if (hintProfile !== undefined) out['apparmor.profile'] = hintProfile
    if (hintActive !== undefined && hintActive !== hintProfile) out['apparmor.active_hat'] = hintActive
  } else return undefined
  out['apparmor.syntax'] = 'v1'
  return out
}
