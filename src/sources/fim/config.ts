/**
 * FIM configuration: a strict zod schema for our YAML, compiled once into matchers. Wazuh's
 * `<syscheck>` block is translated into the same input by `syscheck.ts`.
 */
import { z } from 'zod'
import YAML from 'yaml'
import { compileSregex, type Matcher } from './sregex.js'

const checks = z
  .strictObject({
    size: z.boolean().default(true),
    perm: z.boolean().default(true),
    owner: z.boolean().default(true).describe('uid and user name'),
    group: z.boolean().default(true).describe('gid and group name'),
    mtime: z.boolean().default(true),
    inode: z.boolean().default(true),
    md5: z.boolean().default(true),
    sha1: z.boolean().default(true),
    sha256: z.boolean().default(true),
  })
  .describe('Which attributes are compared (Wazuh check_*); all by default (check_all).')

const pattern = z.strictObject({
  pattern: z.string().min(1),
  type: z.enum(['prefix', 'sregex']).default('prefix').describe('prefix: a path or path prefix; sregex: Wazuh OS_Match'),
})

const directory = z.strictObject({
  path: z.string().min(1).describe('A directory (walked recursively) or a single file.'),
  realtime: z.boolean().default(false).describe('Watch with inotify in addition to the scheduled scan.'),
  whodata: z.boolean().default(false).describe('Attribute changes to a process and user with kernel audit watches (implies realtime).'),
  report_changes: z.boolean().default(false).describe('Keep a compressed copy of each file and send a unified diff of text changes.'),
  checks: checks.default(checks.parse({})),
  recursion_level: z.number().int().min(0).max(320).default(256),
  restrict: z.string().optional().describe('Only files whose path matches this Wazuh sregex.'),
  follow_symbolic_link: z.boolean().default(false).describe('Follow a symlinked monitored directory; links inside are recorded as links.'),
  tags: z.array(z.string()).default([]),
  diff_size_limit_bytes: z.number().int().positive().optional().describe('Per directory: no diff for larger files.'),
})

export const FimConfigSchema = z.strictObject({
  directories: z.array(directory).default([]),
  ignore: z.array(pattern).default([]).describe('Paths never monitored.'),
  nodiff: z.array(pattern).default([]).describe('Paths whose content is never stored nor diffed (keys, secrets).'),
  frequency_secs: z.number().int().positive().default(43_200).describe('Interval of the scheduled full scan.'),
  scan_on_start: z.boolean().default(true),
  realtime_delay_ms: z.number().int().min(0).max(10_000).default(50).describe('Quiet time before a realtime change is checked: coalesces editor saves and bursts.'),
  file_max_size_bytes: z.number().int().positive().default(1024 * 2 ** 20).describe('No hashes above this size.'),
  diff_file_size_limit_bytes: z.number().int().positive().default(50 * 2 ** 20).describe('Default diff limit per file.'),
  diff_disk_quota_bytes: z.number().int().positive().default(2 ** 30).describe('Total compressed previous content kept.'),
  max_diff_bytes: z.number().int().positive().default(64 * 1024).describe('A longer diff is cut and says so.'),
  bulk_threshold: z.number().int().min(2).default(20).describe('This many changes in one scan or realtime burst also yield one summary event.'),
  bulk_window_ms: z.number().int().positive().default(2000).describe('Realtime changes closer than this belong to one burst.'),
  bulk_quiet_ms: z.number().int().positive().default(150).describe('A realtime burst ends after this long without a change; its held events then go out.'),
})

export type FimConfigInput = z.input<typeof FimConfigSchema>
export type FimConfigData = z.output<typeof FimConfigSchema>
export type DirectoryConfig = z.output<typeof directory>
export type Checks = z.output<typeof checks>

export interface CompiledDirectory extends DirectoryConfig {
  restrictMatch?: Matcher
}

/** The validated, compiled configuration: matchers built once. */
export interface FimConfig extends Omit<FimConfigData, 'directories'> {
  directories: CompiledDirectory[]
  isIgnored: (path: string) => boolean
  isNodiff: (path: string) => boolean
}

export class FimConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid FIM configuration:\n  ${issues.join('\n  ')}`)
    this.name = 'FimConfigError'
  }
}

function compilePatterns(list: readonly z.output<typeof pattern>[]): (path: string) => boolean {
  const prefixes = list.filter((p) => p.type === 'prefix').map((p) => p.pattern)
  const regexes = list.filter((p) => p.type === 'sregex').map((p) => compileSregex(p.pattern))
  // Wazuh compares literal ignores as case-insensitive prefixes (fim_check_ignore); we stay case-sensitive on Linux.
  return (path) => prefixes.some((p) => path.startsWith(p)) || regexes.some((r) => r(path))
}

/** Validates and compiles; reports every problem with its path (P13, P20). */
export function compileFimConfig(input: unknown): FimConfig {
  const r = FimConfigSchema.safeParse(input ?? {})
  if (!r.success) throw new FimConfigError(r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`))
  const directories = r.data.directories.map((d): CompiledDirectory => {
    const path = d.path.length > 1 ? d.path.replace(/\/+$/, '') : d.path
    return { ...d, path, restrictMatch: d.restrict ? compileSregex(d.restrict) : undefined, realtime: d.realtime || d.whodata }
  })
  return Object.freeze({
    ...r.data,
    directories,
    isIgnored: compilePatterns(r.data.ignore),
    isNodiff: compilePatterns(r.data.nodiff),
  })
}

/** Parses our YAML (the `fim:` section of the agent config, or a file holding just that section). */
export function loadFimYaml(text: string): FimConfig {
  let doc: unknown
  try {
    doc = YAML.parse(text)
  } catch (err) {
    throw new FimConfigError([err instanceof Error ? err.message : String(err)])
  }
  const section = doc && typeof doc === 'object' && 'fim' in doc ? (doc as { fim: unknown }).fim : doc
  return compileFimConfig(section)
}

/** The default: the seed's configuration, `/etc/apparmor.d` in realtime with report_changes. */
export const APPARMOR_DEFAULT: FimConfigInput = {
  directories: [{ path: '/etc/apparmor.d', realtime: true, report_changes: true }],
  ignore: [{ pattern: '.swp$|~$|.dpkg-new$|.dpkg-tmp$', type: 'sregex' }],
}
