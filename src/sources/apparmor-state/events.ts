/**
 * AppArmor state Events (`kind: "apparmor-state"`): one per change, and the inventory of loaded
 * profiles and confined processes. Field names are documented in docs/fim.md.
 */
import type { Event, Fields } from '../../event/event.js'
import type { AppArmorStatus } from '../../apparmor/status/index.js'
import type { StateChange } from './changes.js'

function stateEvent(raw: string, fields: Fields, location: string, time: Date): Event {
  return { seq: 0, time: time.toISOString(), agent: '', source: 'apparmor-state', location, kind: 'apparmor-state', raw, fields }
}

function describe(c: StateChange): string {
  switch (c.change) {
    case 'profile_loaded':
      return `AppArmor profile '${c.profile}' loaded (${c.mode_after})`
    case 'profile_removed':
      return `AppArmor profile '${c.profile}' removed (was ${c.mode_before})`
    case 'mode_changed':
      return `AppArmor profile '${c.profile}' mode changed from ${c.mode_before} to ${c.mode_after}`
    case 'disabled':
      return `AppArmor disabled: ${c.profiles_removed?.length ?? 0} profiles no longer enforced`
    case 'enabled':
      return 'AppArmor enabled'
    case 'all_profiles_removed':
      return `AppArmor stopped: all ${c.profiles_removed?.length ?? 0} profiles were unloaded`
  }
}

export function changeEvent(c: StateChange, after: AppArmorStatus, location: string, time = new Date()): Event {
  const f: Fields = {
    'apparmor_state.change': c.change,
    'apparmor_state.weakened': c.weakened,
    'apparmor_state.enabled': after.enabled,
    'apparmor_state.profile_count': Object.keys(after.profiles).length,
  }
  if (c.profile !== undefined) f['apparmor_state.profile'] = c.profile
  if (c.mode_before !== undefined) f['apparmor_state.mode_before'] = c.mode_before
  if (c.mode_after !== undefined) f['apparmor_state.mode_after'] = c.mode_after
  if (c.profiles_removed) {
    f['apparmor_state.profiles_removed'] = c.profiles_removed.slice(0, 1000)
    f['apparmor_state.profile_count_before'] = c.profiles_removed.length
  }
  if (after.revision !== undefined) f['apparmor_state.revision'] = after.revision
  return stateEvent(describe(c), f, location, time)
}

/** The inventory: every loaded profile and its mode, counts per mode, confined processes. */
export function inventoryEvent(s: AppArmorStatus, location: string, time = new Date()): Event {
  const modes: Record<string, number> = { enforce: 0, complain: 0, kill: 0, unconfined: 0, prompt: 0 }
  for (const m of Object.values(s.profiles)) modes[m === 'user' ? 'prompt' : m] = (modes[m === 'user' ? 'prompt' : m] ?? 0) + 1
  const f: Fields = {
    'apparmor_state.change': 'inventory',
    'apparmor_state.module_loaded': s.module_loaded,
    'apparmor_state.enabled': s.enabled,
    'apparmor_state.profile_count': Object.keys(s.profiles).length,
    'apparmor_state.modes': modes,
    'apparmor_state.profiles': { ...s.profiles },
    'apparmor_state.process_count': s.processes.length,
    'apparmor_state.processes': s.processes.slice(0, 1000).map((p) => ({ pid: p.pid, exe: p.exe, profile: p.profile, status: p.status })),
  }
  if (s.revision !== undefined) f['apparmor_state.revision'] = s.revision
  const counts = Object.entries(modes).filter(([, n]) => n > 0).map(([m, n]) => `${n} ${m}`).join(', ')
  const raw = s.enabled ? `AppArmor inventory: ${Object.keys(s.profiles).length} profiles loaded (${counts || 'none'}), ${s.processes.length} processes confined` : 'AppArmor inventory: AppArmor is not enabled'
  return stateEvent(raw, f, location, time)
}
