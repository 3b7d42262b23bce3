/**
 * Reads the kernel's AppArmor state the way `aa-status` does, from securityfs and procfs under a
 * configurable root (`/` on a host, a fixture tree in tests): module presence and `enabled`,
 * loaded profiles and their modes, and the confinement of every process.
 */
import { readFile, readdir, readlink } from 'node:fs/promises'
import { join } from 'node:path'

/** Profile modes as securityfs prints them; `user` is shown as `prompt` by aa-status 4. */
export type ProfileMode = 'enforce' | 'complain' | 'kill' | 'unconfined' | 'prompt' | 'user'
/** A process's confinement: a profile mode, or `mixed` for a stack whose members differ. */
export type ProcessStatus = ProfileMode | 'mixed'

export interface ProcessEntry {
  /** The pid as a string, as aa-status prints it. */
  pid: string
  /** The target of `/proc/PID/exe` (the path the process was executed from). */
  exe: string
  /** The confining label without its mode (`a//&b` for a stack), or the unconfined exe's profile name. */
  profile: string
  status: ProcessStatus
}

export interface AppArmorStatus {
  /** `/sys/module/apparmor` exists. */
  module_loaded: boolean
  /** `/sys/module/apparmor/parameters/enabled` says `Y`. */
  enabled: boolean
  /** securityfs `apparmor/` is mounted and its `profiles` (or `policy/profiles/`) readable. */
  policy_readable: boolean
  /** The policy revision counter (increments on every load/replace/remove), when the kernel has one. */
  revision?: string
  /** Loaded profiles: name → mode, in securityfs order. */
  profiles: Record<string, ProfileMode>
  /** Processes confined by a profile, and unconfined processes whose exe path names a loaded profile. */
  processes: ProcessEntry[]
}

const MODES: ReadonlySet<string> = new Set(['enforce', 'complain', 'kill', 'unconfined', 'prompt', 'user'])

/** Paths of the kernel interfaces under `root`. */
export function apparmorPaths(root: string) {
  const securityfs = join(root, 'sys/kernel/security/apparmor')
  return {
    module: join(root, 'sys/module/apparmor'),
    enabled: join(root, 'sys/module/apparmor/parameters/enabled'),
    securityfs,
    profiles: join(securityfs, 'profiles'),
    policyProfiles: join(securityfs, 'policy/profiles'),
    revision: join(securityfs, 'revision'),
    proc: join(root, 'proc'),
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * Splits a `NAME (MODE)` line from securityfs `profiles` or a task's `attr/current`. The name may
 * itself contain spaces and parentheses, so the mode is the last parenthesised word.
 */
export function splitLabel(line: string): { name: string; mode: string } | undefined {
  const m = /^(.*) \(([a-z]+)\)$/.exec(line.trim())
  return m ? { name: m[1], mode: m[2] } : undefined
}

/** Parses securityfs `profiles`: one `NAME (MODE)` per line; lines of another shape are skipped. */
export function parseProfiles(text: string): Record<string, ProfileMode> {
  const out: Record<string, ProfileMode> = {}
  for (const line of text.split('\n')) {
    const l = splitLabel(line)
    if (l && MODES.has(l.mode)) out[l.name] = l.mode as ProfileMode
  }
  return out
}

/**
 * Reads `policy/profiles/<name>.<n>/{name,mode}`: the fallback when `profiles` is not readable
 * (some kernels virtualise it away from a container's namespace).
 */
async function readPolicyDir(dir: string): Promise<Record<string, ProfileMode> | undefined> {
  let entries: string[]
  try {
    entries = (await readdir(dir)).sort()
  } catch {
    return undefined
  }
  const out: Record<string, ProfileMode> = {}
  for (const e of entries) {
    const name = (await readText(join(dir, e, 'name')))?.trim()
    const mode = (await readText(join(dir, e, 'mode')))?.trim()
    if (name && mode && MODES.has(mode)) out[name] = mode as ProfileMode
  }
  return out
}

/**
 * Interprets a task's `attr/current`: `unconfined`, `label (mode)`, a stack with one mode
 * `a//&b (enforce)`, or a stack whose members differ `a (enforce)//&b (complain)` (→ `mixed`).
 */
export function parseCurrent(text: string): { profile: string; status: ProcessStatus } | undefined {
  const t = text.replace(/\0/g, '').trim()
  if (t === '') return undefined
  if (t === 'unconfined') return { profile: 'unconfined', status: 'unconfined' }
  const parts = t.split('//&')
  const modes = new Set<string>()
  const names: string[] = []
  for (const p of parts) {
    const l = splitLabel(p)
    if (l) {
      modes.add(l.mode)
      names.push(l.name)
    } else names.push(p.trim())
  }
  if (modes.size === 0) return { profile: t, status: 'unconfined' }
  const status = modes.size > 1 ? 'mixed' : ([...modes][0] as string)
  if (status !== 'mixed' && !MODES.has(status)) return undefined
  return { profile: names.join('//&'), status: status as ProcessStatus }
}

async function readProcesses(proc: string, profiles: Record<string, ProfileMode>): Promise<ProcessEntry[]> {
  let pids: string[]
  try {
    pids = (await readdir(proc)).filter((p) => /^\d+$/.test(p)).sort((a, b) => Number(a) - Number(b))
  } catch {
    return []
  }
  const out: ProcessEntry[] = []
  for (const pid of pids) {
    const dir = join(proc, pid)
    // The stacking-safe interface first, as libapparmor does.
    const current = (await readText(join(dir, 'attr/apparmor/current'))) ?? (await readText(join(dir, 'attr/current')))
    if (current === undefined) continue
    const c = parseCurrent(current)
    if (!c) continue
    let exe: string
    try {
      exe = await readlink(join(dir, 'exe'))
    } catch {
      continue // kernel threads and exited tasks have no exe; aa-status skips them too
    }
    exe = exe.replace(/ \(deleted\)$/, '')
    if (c.status === 'unconfined' && c.profile === 'unconfined') {
      // aa-status's rule: unconfined, but a loaded profile is named after the executable.
      if (profiles[exe] !== undefined) out.push({ pid, exe, profile: exe, status: 'unconfined' })
      continue
    }
    out.push({ pid, exe, profile: c.profile, status: c.status })
  }
  return out
}

export interface ReadStatusOptions {
  /** Also walk /proc for confined processes (default true); pollers that only need profiles skip it. */
  processes?: boolean
}

/** Reads the whole AppArmor state under `root`. Never throws for a missing or partial tree. */
export async function readStatus(root = '/', o: ReadStatusOptions = {}): Promise<AppArmorStatus> {
  const p = apparmorPaths(root)
  const module_loaded = (await readdir(p.module).then(() => true, () => false))
  const enabled = module_loaded && (await readText(p.enabled))?.trim() === 'Y'
  const text = await readText(p.profiles)
  const profiles = text !== undefined ? parseProfiles(text) : await readPolicyDir(p.policyProfiles)
  const revision = (await readText(p.revision))?.trim()
  const status: AppArmorStatus = {
    module_loaded,
    enabled,
    policy_readable: profiles !== undefined,
    profiles: profiles ?? {},
    processes: enabled && o.processes !== false ? await readProcesses(p.proc, profiles ?? {}) : [],
  }
  if (revision) status.revision = revision
  return status
}
