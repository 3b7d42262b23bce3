/**
 * The manager's configuration: one YAML file (`armorwatch.yaml`), validated strictly (unknown keys
 * are errors, every problem reported with its path), defaults filled in, then frozen. Flags and
 * environment variables override it (see `applyOverrides`). docs/configuration.md documents every
 * option; a test checks that every option appears there.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import YAML from 'yaml'
import { z } from 'zod'
import { AppArmorStateConfig } from '../sources/apparmor-state/index.js'
import { APPARMOR_DEFAULT, FimConfigSchema } from '../sources/fim/config.js'

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share')
  return join(base, 'armorwatch')
}

const size = z.union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i)])

export const ConfigSchema = z.strictObject({
  data_dir: z.string().min(1).optional().describe('Where the store, TLS files and state live. Default: $XDG_DATA_HOME/armorwatch or ~/.local/share/armorwatch.'),
  manager_name: z.string().min(1).default('armorwatch').describe('`manager.name` in alerts.'),
  listen: z
    .strictObject({
      host: z.string().default('0.0.0.0').describe('Address the API, dashboard and agent protocol listen on.'),
      port: z.number().int().min(0).max(65535).default(55000).describe('TCP port (0 picks a free one).'),
    })
    .prefault({}),
  tls: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Serve HTTPS. Without cert/key, the manager makes its own CA and certificate in <data_dir>/tls.'),
      cert: z.string().optional().describe('A PEM certificate (chain) to use instead of the generated one.'),
      key: z.string().optional().describe('The PEM private key of `cert`.'),
      names: z.array(z.string()).default([]).describe('Extra host names and IPs for the generated certificate.'),
    })
    .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'give both tls.cert and tls.key, or neither' })
    .prefault({}),
  api: z
    .strictObject({
      session_hours: z.number().positive().max(24 * 30).default(12).describe('Lifetime of a dashboard login session.'),
      login_max_attempts: z.number().int().positive().default(10).describe('Login attempts allowed per client address and window.'),
      login_window_seconds: z.number().int().positive().default(60).describe('The login rate-limit window.'),
      max_streams: z.number().int().positive().default(100).describe('Live alert streams (GET /api/alerts/stream) open at once; more get 503.'),
    })
    .prefault({}),
  store: z
    .strictObject({
      archive_events: z.boolean().default(false).describe("Keep every event, not only alerts (Wazuh's logall)."),
      retention_days: z.number().positive().optional().describe('Delete alerts and events older than this.'),
      max_size: size.optional().describe('Delete the oldest alerts and archived events when the store grows past this size (e.g. 20GB).'),
      retention_check_minutes: z.number().positive().default(60).describe('How often retention runs (online, in small steps).'),
    })
    .prefault({}),
  outputs: z
    .strictObject({
      alerts_json: z
        .strictObject({
          enabled: z.boolean().default(true).describe('Write <data_dir>/logs/alerts.json, one Wazuh-format alert per line.'),
          max_size: size.default('100MiB').describe('Rotate alerts.json at this size.'),
          keep: z.number().int().min(0).default(10).describe('Rotated alerts.json files kept.'),
        })
        .prefault({}),
    })
    .prefault({}),
  rules: z
    .strictObject({
      ruleset: z.string().optional().describe('A Wazuh-style folder (decoders/, rules/, lists/) used instead of the built-in ruleset.'),
      files: z.array(z.string()).default([]).describe('Extra rule files or folders (e.g. local_rules.xml), loaded after the base set.'),
      decoders: z.array(z.string()).default([]).describe('Extra decoder files or folders.'),
    })
    .prefault({}),
  analysis: z
    .strictObject({
      queue_batches: z.number().int().positive().default(256).describe('Event batches queued for analysis before senders wait (backpressure).'),
    })
    .prefault({}),
  agents: z
    .strictObject({
      enrollment_secret: z.string().min(16).optional().describe('Shared secret agents enroll with. Default: generated once, in <data_dir>/enrollment.secret.'),
    })
    .prefault({}),
  local_agent: z
    .strictObject({
      enabled: z.boolean().default(true).describe('`armorwatch up` only: read this host\'s logs in-process.'),
      files: z
        .array(z.string())
        .default(['/var/log/audit/audit.log', '/var/log/kern.log', '/var/log/syslog'])
        .describe('Log files the local agent follows (missing ones are skipped).'),
      from_beginning: z.boolean().default(false).describe('Read the files from their start on the first run.'),
      fim: FimConfigSchema.nullable()
        .prefault(APPARMOR_DEFAULT)
        .describe('File integrity monitoring by the local agent (docs/fim.md); null turns it off. Default: /etc/apparmor.d in realtime with report_changes.'),
      apparmor_state: AppArmorStateConfig.nullable()
        .prefault({})
        .describe('AppArmor state (profiles, modes, AppArmor stopped) of this host; null turns it off.'),
    })
    .prefault({}),
  profiles: z
    .strictObject({
      dir: z.string().min(1).default('/etc/apparmor.d').describe('Where the manager reads profile texts for the readiness check and rule suggestions (also the include search path).'),
    })
    .prefault({}),
  dashboard_dir: z.string().optional().describe('The built dashboard to serve at `/`. Default: dashboard/dist in the package.'),
})

export type ManagerConfig = z.infer<typeof ConfigSchema>

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly string[],
  ) {
    super(`${file}: invalid configuration:\n  ${issues.join('\n  ')}`)
    this.name = 'ConfigError'
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}

/** Parses and validates YAML text; every problem is listed with its path (and line for YAML syntax). */
export function parseConfig(text: string, file = 'armorwatch.yaml'): ManagerConfig {
  const doc = YAML.parseDocument(text)
  if (doc.errors.length) throw new ConfigError(file, doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`))
  const r = ConfigSchema.safeParse(doc.toJS() ?? {})
  if (!r.success) throw new ConfigError(file, r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`))
  return r.data
}

export function loadConfig(path: string | undefined): ManagerConfig {
  if (path === undefined) return parseConfig('')
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(path, [(err as Error).message])
  }
  return parseConfig(text, path)
}

export interface Overrides {
  dataDir?: string
  port?: number
  host?: string
  tls?: boolean
}

/** Flags over environment over file; the result is frozen. */
export function applyOverrides(cfg: ManagerConfig, o: Overrides, env: NodeJS.ProcessEnv = process.env): Readonly<ManagerConfig> {
  const out = structuredClone(cfg)
  out.data_dir = o.dataDir ?? env.ARMORWATCH_DATA_DIR ?? cfg.data_dir ?? defaultDataDir(env)
  if (o.port !== undefined) out.listen.port = o.port
  else if (env.ARMORWATCH_PORT) out.listen.port = Number(env.ARMORWATCH_PORT)
  if (o.host !== undefined) out.listen.host = o.host
  if (o.tls !== undefined) out.tls.enabled = o.tls
  return deepFreeze(out)
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 }

export function bytesOf(v: number | string): number {
  if (typeof v === 'number') return v
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(v) as RegExpExecArray
  return Math.round(Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number))
}
