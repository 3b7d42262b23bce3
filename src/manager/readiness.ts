/**
 * Is a profile ready for enforce mode? The profile toolkit's answer over the stored alerts of the
 * profile: `replay` re-decides every logged access with the profile text from the manager's
 * profile directory ("N accesses would be denied"), and `suggest` proposes the missing rules as a
 * unified diff of that file (or, when the manager has no copy of it, a new profile from the logs).
 */
import { createTwoFilesPatch } from 'diff'
import type { Event, FieldValue, Fields } from '../event/event.js'
import { describeQuery, findProfile, loadPolicy, profileIndex, replay, suggest } from '../apparmor/profile/index.js'
import type { AlertDoc } from '../store/alert.js'
import { MAX_ROWS, type TimeRange } from '../store/query/index.js'
import { phrase } from '../store/query/compose.js'
import { searchAlerts, type RunQuery } from './alert-query.js'
import { currentModes, type Mode } from './profiles.js'

export interface Readiness {
  profile: string
  mode: Mode | null
  source: string | null
  /** `denied`: what enforce mode would deny, each as a rule would say it, with how often it was logged. */
  readiness: { accesses: number; would_deny: number; ready: boolean; denied: { access: string; count: number; statuses: string[] }[] } | null
  reason?: string
  /** `withheld`: logged accesses to credential files, never proposed as rules (aa-logprof would ask). */
  suggestion: { rules: string[]; diff: string; withheld: string[] }
}

/** Nested alert data back to the flat dotted fields the toolkit reads (`data.apparmor.name` → `apparmor.name`). */
function flatten(obj: Record<string, unknown>, prefix: string, out: Fields): Fields {
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix ? `${prefix}.${k}` : k
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, name, out)
    else out[name] = v as FieldValue
  }
  return out
}

/** A stored AppArmor alert as the normalized Event it was made from (the fields the toolkit uses). */
function alertEvent(doc: AlertDoc): Event {
  return {
    seq: 0,
    time: doc.timestamp,
    agent: doc.agent?.id ?? '',
    source: 'store',
    location: doc.location ?? '',
    kind: 'apparmor',
    raw: doc.full_log ?? '',
    fields: flatten(doc.data ?? {}, '', {}),
  }
}

export interface ReadinessOptions {
  profile: string
  agent?: string
  range: TimeRange
  /** The manager's profile directory (also the include search path). */
  profileDir: string
}

/** The agent's mode of the profile, or the fleet's when every agent that has it agrees. */
async function modeFor(run: RunQuery, profile: string, agent: string | undefined): Promise<Mode | null> {
  const modes = new Set<Mode | null>()
  for (const a of (await currentModes(run, agent)).values()) if (a.modes.has(profile)) modes.add(a.modes.get(profile) ?? null)
  return modes.size === 1 ? ([...modes][0] ?? null) : null
}

export async function profileReadiness(run: RunQuery, o: ReadinessOptions): Promise<Readiness> {
  const top = o.profile.split('//')[0] ?? o.profile
  const source = profileIndex(o.profileDir).get(top) ?? null
  const policy = source ? loadPolicy(source, { includeDirs: [o.profileDir] }) : undefined
  const compiled = policy && policy.errors.length === 0 ? findProfile(policy, o.profile) : undefined
  // The kernel may log a legacy profile under its attachment: ask for both names.
  const names = [o.profile, ...(compiled?.attachment ? [compiled.attachment.value] : [])]
  const only = o.agent !== undefined ? ` AND agent.id: ${phrase(o.agent)}` : ''
  const [mode, found] = await Promise.all([
    modeFor(run, o.profile, o.agent),
    searchAlerts(run, `apparmor.profile: (${names.map(phrase).join(' OR ')})${only}`, o.range, MAX_ROWS),
  ])
  const events = found.map(alertEvent)

  let readiness: Readiness['readiness'] = null
  let reason: string | undefined
  if (!source) reason = `no profile '${top}' in ${o.profileDir}`
  else if (policy && policy.errors.length) {
    const e = policy.errors[0]
    reason = `${e?.file ?? source}:${e?.line ?? 0}:${e?.column ?? 0}: ${e?.message ?? 'does not compile'}`
  } else if (!compiled || !policy) reason = `${source} has no profile '${o.profile}'`
  else {
    const r = replay(policy, compiled, events)
    readiness = {
      accesses: r.accesses,
      would_deny: r.wouldDeny.length,
      ready: r.accesses > 0 && r.wouldDeny.length === 0,
      denied: r.wouldDeny.map((x) => ({ access: describeQuery(x.query), count: x.count, statuses: [...x.statuses] })),
    }
    if (r.accesses === 0) reason = 'no logged accesses of this profile in the range'
  }

  const proposal = suggest(events, { profileDir: o.profileDir }).find((p) => p.name === top)
  const rules = proposal ? [...proposal.added] : []
  const diff = proposal && rules.length ? createTwoFilesPatch(proposal.file, proposal.file, proposal.original, proposal.content, '', '', { context: 3 }) : ''
  return { profile: o.profile, mode, source, readiness, ...(reason !== undefined ? { reason } : {}), suggestion: { rules, diff, withheld: proposal ? [...proposal.withheld] : [] } }
}
