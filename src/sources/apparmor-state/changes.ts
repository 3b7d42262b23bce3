/**
 * Compares two readings of the kernel's AppArmor state and names what changed: profiles loaded or
 * removed, a mode changed (and whether that weakens the policy), AppArmor disabled or re-enabled,
 * or every profile gone at once (the "AppArmor stopped" case: aa-teardown, a stopped service).
 */
import type { AppArmorStatus, ProfileMode } from '../../apparmor/status/index.js'

export type StateChangeKind = 'profile_loaded' | 'profile_removed' | 'mode_changed' | 'disabled' | 'enabled' | 'all_profiles_removed'

export interface StateChange {
  change: StateChangeKind
  profile?: string
  mode_before?: ProfileMode
  mode_after?: ProfileMode
  /** The change lowers enforcement (enforce → complain, anything → unconfined, disabling...). */
  weakened: boolean
  /** For disabled / all_profiles_removed: the profiles that were loaded before. */
  profiles_removed?: string[]
}

/** How strongly a mode enforces: a move to a lower rank weakens the policy. */
const RANK: Record<ProfileMode, number> = { kill: 4, enforce: 3, user: 2, prompt: 2, complain: 1, unconfined: 0 }

export function isWeakening(before: ProfileMode, after: ProfileMode): boolean {
  return RANK[after] < RANK[before]
}

const active = (s: AppArmorStatus): boolean => s.module_loaded && s.enabled

export function diffStatus(before: AppArmorStatus, after: AppArmorStatus): StateChange[] {
  const was = Object.keys(before.profiles)
  if (active(before) && !active(after)) {
    // One event, not one per profile: the whole policy went away with the module.
    return [{ change: 'disabled', weakened: true, profiles_removed: was }]
  }
  const out: StateChange[] = []
  if (!active(before) && active(after)) out.push({ change: 'enabled', weakened: false })
  if (!active(after)) return out
  const now = after.profiles
  if (was.length > 0 && Object.keys(now).length === 0 && after.policy_readable) {
    return [...out, { change: 'all_profiles_removed', weakened: true, profiles_removed: was }]
  }
  for (const name of was) {
    const m = now[name]
    const b = before.profiles[name] as ProfileMode
    if (m === undefined) out.push({ change: 'profile_removed', profile: name, mode_before: b, weakened: true })
    else if (m !== b) out.push({ change: 'mode_changed', profile: name, mode_before: b, mode_after: m, weakened: isWeakening(b, m) })
  }
  for (const [name, m] of Object.entries(now)) {
    if (before.profiles[name] === undefined) out.push({ change: 'profile_loaded', profile: name, mode_after: m, weakened: false })
  }
  return out
}
