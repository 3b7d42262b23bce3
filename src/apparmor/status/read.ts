/**
 * Reads the kernel's AppArmor state the way `aa-status` (AppArmor 4.1, with libapparmor's
 * `aa_find_mountpoint`, `aa_splitcon` and `aa_getprocattr`) does, from securityfs and procfs under
 * a configurable root (`/` on a host, a fixture tree in tests): module presence, the securityfs
 * mount, loaded profiles and their modes, and the confinement of every process.
 *
 * Files are read as latin1, one character per byte, so that names the kernel prints in any
 * encoding survive unchanged, sort by bytes (as strcmp does) and are written back byte for byte.
 */
import { readFile, readdir, readlink, realpath, stat } from 'node:fs/promises'
import { join } from 'node:path'

/** Profile modes as securityfs prints them; `user` is shown as `prompt` by aa-status 4. */
export type ProfileMode = 'enforce' | 'complain' | 'kill' | 'unconfined' | 'prompt' | 'user'

export interface ProcessEntry {
  /** The pid as a string, as aa-status prints it. */
  pid: string
  /** The executable: `/proc/PID/exe` resolved (realpath, else the link's text, ` (deleted)` included). */
  exe: string
  /** The confining label without its mode (`a//&b` for a stack), or the unconfined exe's profile name. */
  profile: string
  /** The mode the kernel shows (`enforce`, `complain`, `kill`, `mixed` for a stack whose members differ …; `user` as `prompt`), `unconfined` for the exe rule. */
  status: string
}

export interface ProfileEntry {
  name: string
  /** The mode as aa-status shows it: the kernel's, with `user` shown as `prompt`. */
  mode: string
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

/** Paths of the kernel interfaces under `root` (securityfs at its usual mount point). */
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

async function readText(path: string, encoding: BufferEncoding = 'utf8'): Promise<string | undefined> {
  try {
    return await readFile(path, encoding)
  } catch {
    return undefined
  }
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false)

/** Undoes the octal escapes of /proc/mounts fields (`\040` for a space), as getmntent does. */
const unescapeMount = (field: string): string => field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))

/**
 * libapparmor's `aa_find_mountpoint`: the first securityfs mount in `/proc/mounts` that has an
 * `apparmor` directory. A root without `proc/mounts` (a fixture tree) has securityfs at its usual
 * place, `sys/kernel/security`.
 */
export async function findSecurityfs(root: string): Promise<string | undefined> {
  const mounts = await readText(join(root, 'proc/mounts'), 'latin1')
  const dirs = mounts === undefined ? ['/sys/kernel/security'] : mounts
    .split('\n')
    .map((l) => l.split(/[ \t]+/))
    .filter((f) => f[2] === 'securityfs' && f[1] !== undefined)
    .map((f) => unescapeMount(f[1] as string))
  for (const d of dirs) {
    const dir = join(root, d, 'apparmor')
    if (await exists(dir)) return dir
  }
  return undefined
}

/**
 * libapparmor's `aa_splitcon`: strips one trailing newline; `unconfined` has no mode; otherwise
 * the mode is what follows the last ` (` of a context ending in `)` (so a name may contain spaces
 * and parentheses). Anything else is not a context.
 */
export function splitcon(con: string): { label: string; mode?: string } | undefined {
  const c = con.endsWith('\n') ? con.slice(0, -1) : con
  if (c === 'unconfined') return { label: c }
  if (c.length <= 3 || !c.endsWith(')')) return undefined
  const pos = c.lastIndexOf(' (', c.length - 2)
  if (pos <= 0) return undefined
  return { label: c.slice(0, pos), mode: c.slice(pos + 2, -1) }
}

/** aa-status 4 shows the kernel's `user` mode as `prompt`. */
const shown = (mode: string): string => (mode === 'user' ? 'prompt' : mode)

export interface ParsedProfiles {
  /** Every `NAME (MODE)` line, in securityfs order, whatever the mode. */
  profiles: ProfileEntry[]
  /** Lines that are not a context (aa-status reports each and goes on). */
  unsplit: string[]
  /** A line that is a context without a mode (`unconfined`): aa-status gives up with an internal error. */
  modeless: boolean
}

/** Parses securityfs `profiles` as aa-status's `get_profiles` does, line by line. */
export function parseProfileLines(text: string): ParsedProfiles {
  const out: ParsedProfiles = { profiles: [], unsplit: [], modeless: false }
  // getline: every line keeps its newline; a last line without one counts too.
  for (const line of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const s = splitcon(line)
    if (!s) out.unsplit.push(line)
    else if (s.mode === undefined) out.modeless = true
    else out.profiles.push({ name: s.label, mode: shown(s.mode) })
  }
  return out
}

/** Parses securityfs `profiles` into name → mode; lines of another shape or mode are skipped. */
export function parseProfiles(text: string): Record<string, ProfileMode> {
  const out: Record<string, ProfileMode> = {}
  for (const line of text.split('\n')) {
    const l = splitcon(line)
    if (l?.mode !== undefined && MODES.has(l.mode)) out[l.label] = l.mode as ProfileMode
  }
  return out
}

/**
 * Reads `policy/profiles/<name>.<n>/{name,mode}`: the poller's fallback when `profiles` is not
 * readable (aa-status has none).
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
 * Interprets a task's `attr/current` as `aa_getprocattr` does. The kernel writes `unconfined\n` or
 * `LABEL (MODE)\n`, a stack as `a//&b (enforce)`, or `a//&b (mixed)` when its members' modes
 * differ. Without a mode the task is unconfined; `undefined`: not a context (aa-status skips the
 * task): a text ending in neither a newline nor a NUL, or one that does not split.
 */
export function parseCurrent(text: string): { label: string; mode?: string } | undefined {
  if (text === '' || text.endsWith('\0')) return { label: text.split('\0')[0] as string }
  if (!text.endsWith('\n')) return undefined
  const s = splitcon(text)
  return s && { label: s.label, ...(s.mode !== undefined ? { mode: shown(s.mode) } : {}) }
}

/** The executable as aa-status finds it: realpath of the `exe` link, else the link's own text. */
async function readExe(link: string): Promise<string | undefined> {
  try {
    return Buffer.from(await realpath(link, { encoding: 'buffer' })).toString('latin1')
  } catch {
    try {
      return Buffer.from(await readlink(link, { encoding: 'buffer' })).toString('latin1')
    } catch {
      return undefined // kernel threads and exited tasks have no exe; aa-status skips them
    }
  }
}

/**
 * aa-status's `get_processes`: every task with a mode, and every unconfined task whose executable
 * is the name of a loaded profile (listed as `unconfined`), in pid order (procfs lists pids in
 * ascending order). `undefined` when `proc` cannot be listed.
 */
export async function readProcesses(root: string, profileNames: ReadonlySet<string>): Promise<ProcessEntry[] | undefined> {
  const proc = join(root, 'proc')
  let pids: string[]
  try {
    pids = (await readdir(proc)).filter((p) => /^\d+$/.test(p)).sort((a, b) => Number(a) - Number(b))
  } catch {
    return undefined
  }
  const out: ProcessEntry[] = []
  for (const pid of pids) {
    const dir = join(proc, pid)
    // The stacking-safe interface first, then the shared one, as libapparmor does on a kernel
    // that has both.
    const text = (await readText(join(dir, 'attr/apparmor/current'), 'latin1')) ?? (await readText(join(dir, 'attr/current'), 'latin1'))
    if (text === undefined) continue
    const c = parseCurrent(text)
    if (!c) continue
    const exe = await readExe(join(dir, 'exe'))
    if (exe === undefined) continue
    if (c.mode !== undefined) out.push({ pid, exe, profile: c.label, status: c.mode })
    // aa-status's rule: unconfined, but a loaded profile is named after the executable.
    else if (profileNames.has(exe)) out.push({ pid, exe, profile: exe, status: 'unconfined' })
  }
  return out
}

/** The first byte of `parameters/enabled` is `Y` (libapparmor reads two bytes and looks at one). */
export async function paramEnabled(root: string): Promise<boolean> {
  return (await readText(apparmorPaths(root).enabled, 'latin1'))?.startsWith('Y') === true
}

export interface ReadStatusOptions {
  /** Also walk /proc for confined processes (default true); pollers that only need profiles skip it. */
  processes?: boolean
}

/** From latin1 (bytes) to the UTF-8 text the poller's events carry. */
const utf8 = (s: string): string => Buffer.from(s, 'latin1').toString('utf8')

/** Reads the whole AppArmor state under `root` for the poller. Never throws for a missing or partial tree. */
export async function readStatus(root = '/', o: ReadStatusOptions = {}): Promise<AppArmorStatus> {
  const p = apparmorPaths(root)
  const module_loaded = await exists(p.module)
  const enabled = module_loaded && (await paramEnabled(root))
  const text = await readText(p.profiles)
  const profiles = text !== undefined ? parseProfiles(text) : await readPolicyDir(p.policyProfiles)
  const revision = (await readText(p.revision))?.trim()
  const names = new Set(Object.keys(profiles ?? {}).map((n) => Buffer.from(n, 'utf8').toString('latin1')))
  const processes = enabled && o.processes !== false ? ((await readProcesses(root, names)) ?? []) : []
  const status: AppArmorStatus = {
    module_loaded,
    enabled,
    policy_readable: profiles !== undefined,
    profiles: profiles ?? {},
    processes: processes.map((e) => ({ pid: e.pid, exe: utf8(e.exe), profile: utf8(e.profile), status: e.status })),
  }
  if (revision) status.revision = revision
  return status
}
