/**
 * Renders an AppArmorStatus as `aa-status` does: its JSON schema version "2" and its verbose text.
 */
import type { AppArmorStatus, ProcessEntry, ProfileMode } from './read.js'

export interface AaStatusJson {
  version: '2'
  profiles: Record<string, string>
  processes: Record<string, { profile: string; pid: string; status: string }[]>
}

/** aa-status 4 shows the kernel's `user` mode as `prompt`. */
const shown = (mode: string): string => (mode === 'user' ? 'prompt' : mode)

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** aa-status `--json` (schema "2"): profiles by name, processes grouped by executable path. */
export function toAaStatusJson(s: AppArmorStatus): AaStatusJson {
  const profiles: Record<string, string> = {}
  for (const name of Object.keys(s.profiles).sort(byName)) profiles[name] = shown(s.profiles[name] as ProfileMode)
  const processes: AaStatusJson['processes'] = {}
  for (const p of [...s.processes].sort((a, b) => byName(a.exe, b.exe) || Number(a.pid) - Number(b.pid))) {
    ;(processes[p.exe] ??= []).push({ profile: p.profile, pid: p.pid, status: shown(p.status) })
  }
  return { version: '2', profiles, processes }
}

function processLine(p: ProcessEntry): string {
  return p.exe === p.profile ? `   ${p.exe} (${p.pid}) ` : `   ${p.exe} (${p.pid}) ${p.profile}`
}

/** The verbose text of aa-status 3.0: counts per mode, each followed by its members. */
export function formatStatusText(s: AppArmorStatus): string {
  // aa-status 3.0.8's wording where it has one.
  if (!s.module_loaded) return 'apparmor not present.\n'
  if (!s.enabled) return 'apparmor module is loaded.\napparmor is disabled (enabled=N).\n'
  const lines = ['apparmor module is loaded.']
  if (!s.policy_readable) return lines.concat('apparmor filesystem is not mounted.').join('\n') + '\n'
  const names = Object.keys(s.profiles).sort(byName)
  lines.push(`${names.length} profiles are loaded.`)
  for (const mode of ['enforce', 'complain', 'prompt', 'kill', 'unconfined']) {
    const members = names.filter((n) => shown(s.profiles[n] as string) === mode)
    if (mode === 'prompt' && members.length === 0) continue // aa-status 3 has no prompt mode
    lines.push(`${members.length} profiles are in ${mode} mode.`, ...members.map((n) => `   ${n}`))
  }
  const procs = [...s.processes].sort((a, b) => byName(a.exe, b.exe) || Number(a.pid) - Number(b.pid))
  lines.push(`${procs.length} processes have profiles defined.`)
  const section = (status: string, title: string): void => {
    const members = procs.filter((p) => shown(p.status) === status)
    lines.push(`${members.length} processes ${title}.`, ...members.map(processLine))
  }
  section('enforce', 'are in enforce mode')
  section('complain', 'are in complain mode')
  if (procs.some((p) => p.status === 'user' || p.status === 'prompt')) section('prompt', 'are in prompt mode')
  section('unconfined', 'are unconfined but have a profile defined')
  section('mixed', 'are in mixed mode')
  section('kill', 'are in kill mode')
  return lines.join('\n') + '\n'
}
