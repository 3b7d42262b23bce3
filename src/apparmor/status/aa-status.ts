/**
 * aa-status (AppArmor 4.1's binutils/aa_status.c) as a function of a `/` tree: the same checks in
 * the same order, the same exit codes, filters, counts and outputs. The text it returns is latin1
 * (a character per byte): write it with `Buffer.from(text, 'latin1')` to get aa-status's bytes.
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { compileFilter, FilterSyntaxError, type Filter } from './filter.js'
import { findSecurityfs, paramEnabled, parseProfileLines, readProcesses, type ProcessEntry, type ProfileEntry } from './read.js'
import { renderCompact, renderPretty, type JsonValue } from './format.js'

/** aa-status's exit codes (they are its interface: scripts test them). */
export const AaStatusExit = { Enabled: 0, Disabled: 1, NoPolicy: 2, NoControl: 3, NoPerm: 4, InternalError: 42 } as const
export type AaStatusExitCode = (typeof AaStatusExit)[keyof typeof AaStatusExit]

export interface AaStatusOptions {
  /** `--show`: profiles, processes or both (the default). */
  profiles: boolean
  processes: boolean
  /** `--count` and the legacy count options: numbers instead of lists. */
  count: boolean
  /** Cleared by the legacy count options; only then is "apparmor module is loaded." not printed. */
  verbose: boolean
  json: boolean
  pretty: boolean
  /** `--quiet`: no error messages. */
  quiet: boolean
  /** `--filter.*`: POSIX basic regular expressions, as latin1 text; `.*` matches everything. */
  filter: { mode: string; profiles: string; pid: string; exe: string }
}

export const defaultOptions = (): AaStatusOptions => ({
  profiles: true,
  processes: true,
  count: false,
  verbose: true,
  json: false,
  pretty: false,
  quiet: false,
  filter: { mode: '.*', profiles: '.*', pid: '.*', exe: '.*' },
})

export interface AaStatusResult {
  code: AaStatusExitCode
  stdout: string
  stderr: string
}

const PROFILE_STATUSES = ['enforce', 'complain', 'prompt', 'kill', 'unconfined'] as const
const PROCESS_STATUSES = ['enforce', 'complain', 'prompt', 'kill', 'unconfined', 'mixed'] as const

/** strcmp on latin1 text: by bytes. */
const strcmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** A stable sort, as glibc's qsort (a merge sort for arrays this size) is in practice. */
const sorted = <T>(xs: readonly T[], key: (x: T) => string): T[] => [...xs].sort((a, b) => strcmp(key(a), key(b)))

/** `aa-status --enabled`: the `enabled` parameter says Y and securityfs has an apparmor directory. */
export async function aaEnabled(root: string): Promise<boolean> {
  return (await paramEnabled(root)) && (await findSecurityfs(root)) !== undefined
}

interface Filters {
  mode: Filter
  profile: Filter
  pid: Filter
  exe: Filter
}

/** A listing's sub-filter: aa-status compiles the status name itself as a regex, so it matches any mode containing it. */
const statusFilter = (status: string): Filter => ({ test: (mode) => mode.includes(status) })

const profileMatches = (f: Pick<Filters, 'mode' | 'profile'>, p: ProfileEntry): boolean => f.mode.test(p.mode) && f.profile.test(p.name)
const processMatches = (f: Filters, p: ProcessEntry): boolean =>
  f.mode.test(p.status) && f.pid.test(p.pid) && f.exe.test(p.exe) && f.profile.test(p.profile)

class Output {
  stdout = ''
  stderr = ''
  constructor(private readonly o: AaStatusOptions) {}
  /** eprintf: an error message, unless --quiet. */
  error(line: string): void {
    if (!this.o.quiet) this.stderr += line
  }
  /** dprintf: verbose text, never in JSON mode. */
  verbose(line: string): void {
    if (this.o.verbose && !this.o.json) this.stdout += line
  }
}

async function readProfilesFile(path: string): Promise<{ text: string } | { error: NodeJS.ErrnoException }> {
  try {
    return { text: await readFile(path, 'latin1') }
  } catch (e) {
    const error = e as NodeJS.ErrnoException
    // fopen opens a directory; reading it then gives no line, so no policy.
    return error.code === 'EISDIR' ? { text: '' } : { error }
  }
}

function detailedProfiles(o: AaStatusOptions, out: Output, f: Filters, profiles: ProfileEntry[]): JsonValue {
  const json: [string, JsonValue][] = []
  out.verbose(`${profiles.length} profiles are loaded.\n`)
  for (const status of PROFILE_STATUSES) {
    if (!f.mode.test(status)) continue
    const members = sorted(profiles.filter((p) => profileMatches({ mode: statusFilter(status), profile: f.profile }, p)), (p) => p.name)
    out.verbose(`${members.length} profiles are in ${status} mode.\n`)
    for (const p of members) {
      if (o.json) json.push([p.name, status])
      else out.verbose(`   ${p.name}\n`)
    }
  }
  return { object: json }
}

function detailedProcesses(o: AaStatusOptions, out: Output, f: Filters, processes: ProcessEntry[]): JsonValue {
  const json: [string, JsonValue][] = []
  out.verbose(`${processes.length} processes have profiles defined.\n`)
  for (const status of PROCESS_STATUSES) {
    if (!f.mode.test(status)) continue
    const members = processes.filter((p) => processMatches({ ...f, mode: statusFilter(status) }, p))
    if (status === 'unconfined') out.verbose(`${members.length} processes are unconfined but have a profile defined.\n`)
    else out.verbose(`${members.length} processes are in ${status} mode.\n`)
    if (!o.json) {
      for (const p of sorted(members, (m) => m.profile)) {
        // The profile is not repeated when it is the executable's own.
        out.verbose(`   ${p.exe} (${p.pid}) ${p.profile === p.exe ? '' : p.profile}\n`)
      }
      continue
    }
    // JSON groups a status's processes by executable; an executable with processes in two
    // statuses is a key twice, as in aa-status.
    let group: JsonValue[] | undefined
    for (const p of sorted(members, (m) => m.exe)) {
      const entry: JsonValue = { object: [['profile', p.profile], ['pid', p.pid], ['status', p.status]] }
      if (group && json.at(-1)?.[0] === p.exe) group.push(entry)
      else json.push([p.exe, (group = [entry])])
    }
  }
  return { object: json }
}

/** Runs aa-status (without `--enabled` and `--help`, which the command line handles) on `root`. */
export async function aaStatus(root: string, o: AaStatusOptions): Promise<AaStatusResult> {
  const out = new Output(o)
  const result = (code: AaStatusExitCode): AaStatusResult => ({ code, stdout: out.stdout, stderr: out.stderr })

  const compiled: Partial<Record<keyof AaStatusOptions['filter'], Filter>> = {}
  for (const [k, name] of [['mode', 'mode'], ['profiles', 'profiles'], ['pid', 'ps'], ['exe', 'exe']] as const) {
    try {
      compiled[k] = await compileFilter(o.filter[k])
    } catch (e) {
      if (!(e instanceof FilterSyntaxError)) throw e
      out.error(`Error: failed to compile ${name} filter '${o.filter[k]}'\n`)
      return result(AaStatusExit.InternalError)
    }
  }
  const filters: Filters = { mode: compiled.mode as Filter, profile: compiled.profiles as Filter, pid: compiled.pid as Filter, exe: compiled.exe as Filter }

  if (!(await stat(join(root, 'sys/module/apparmor')).then(() => true, () => false))) {
    out.error('apparmor not present.\n')
    return result(AaStatusExit.Disabled)
  }
  out.verbose('apparmor module is loaded.\n')
  const securityfs = await findSecurityfs(root)
  if (securityfs === undefined) {
    out.error('apparmor filesystem is not mounted.\n')
    return result(AaStatusExit.NoControl)
  }
  const path = join(securityfs, 'profiles')
  const file = await readProfilesFile(path)
  if ('error' in file) {
    if (file.error.code === 'EACCES') out.error('You do not have enough privilege to read the profile set.\n')
    // aa-status's message has no newline.
    else out.error(`Could not open ${path}: ${errnoText(file.error)}`)
    return result(AaStatusExit.NoPerm)
  }
  const parsed = parseProfileLines(file.text)
  for (const line of parsed.unsplit) out.error(`Error: failed profile name split of '${line}'.\n`)
  const failed = parsed.modeless ? AaStatusExit.InternalError : parsed.profiles.length === 0 ? AaStatusExit.NoPolicy : undefined
  if (failed !== undefined) {
    out.error(`Failed to get profiles: ${failed}....\n`)
    return result(failed)
  }
  const profiles = parsed.profiles

  const doc: [string, JsonValue][] = [['version', '2']]
  if (o.profiles) {
    if (o.count) {
      const n = profiles.filter((p) => profileMatches(filters, p)).length
      if (o.json) doc.push(['profile_count', n])
      else out.stdout += `${n}\n`
    } else {
      const listed = detailedProfiles(o, out, filters, profiles)
      if (o.json) doc.push(['profiles', listed])
    }
  }
  if (o.processes) {
    const processes = await readProcesses(root, new Set(profiles.map((p) => p.name)))
    if (processes === undefined) {
      out.error(`Failed to get processes: ${AaStatusExit.InternalError}....\n`)
      return result(AaStatusExit.InternalError)
    }
    if (o.count) {
      const n = processes.filter((p) => processMatches(filters, p)).length
      if (o.json) doc.push(['process_count', n])
      else out.stdout += `${n}\n`
    } else {
      const listed = detailedProcesses(o, out, filters, processes)
      if (o.json) doc.push(['processes', listed])
    }
  }
  if (o.json) out.stdout += (o.pretty ? renderPretty({ object: doc }) : renderCompact({ object: doc })) + '\n'
  return result(AaStatusExit.Enabled)
}

/** strerror's text for the errors opening a file can give. */
function errnoText(e: NodeJS.ErrnoException): string {
  const texts: Record<string, string> = {
    ENOENT: 'No such file or directory',
    ENOTDIR: 'Not a directory',
    EPERM: 'Operation not permitted',
    ELOOP: 'Too many levels of symbolic links',
  }
  return texts[e.code ?? ''] ?? e.message
}
