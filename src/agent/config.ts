/**
 * The agent's YAML configuration: a strict schema (unknown keys are errors, every problem reported
 * with its path), defaults filled in one place, then frozen (STYLE.md P7, P20).
 */
import { hostname } from 'node:os'
import { join } from 'node:path'
import YAML from 'yaml'
import { z } from 'zod'
import { FileSourceConfig } from '../sources/file/index.js'
import { JournaldSourceConfig } from '../sources/journald.js'
import { KmsgSourceConfig } from '../sources/kmsg.js'
import { FimConfigSchema } from '../sources/fim/config.js'
import { AppArmorStateConfig } from '../sources/apparmor-state/index.js'

export const AgentConfig = z.strictObject({
  name: z
    .string()
    .regex(/^[\w.-]{1,128}$/, 'letters, digits, dots, dashes and underscores only')
    .default(() => hostname().replace(/[^\w.-]/g, '_'))
    .describe('The agent name shown by the manager; default: the host name.'),
  data_dir: z.string().default('/var/lib/armorwatch/agent').describe('Spool, identity and state live here (0700).'),
  identity_file: z.string().optional().describe('The enrollment identity (0600); default: <data_dir>/identity.json.'),
  sources: z
    .strictObject({
      file: FileSourceConfig.optional().describe('Log files to follow.'),
      journald: JournaldSourceConfig.optional().describe('The systemd journal through journalctl.'),
      kmsg: KmsgSourceConfig.optional().describe('Kernel messages from /dev/kmsg.'),
      apparmor_state: AppArmorStateConfig.optional().describe('AppArmor state (profiles, modes) of the host, as events.'),
      fim: FimConfigSchema.optional().describe('File integrity monitoring (of /etc/apparmor.d and more), in our YAML; see docs/fim.md.'),
      fim_syscheck_file: z
        .string()
        .optional()
        .describe("File integrity monitoring configured by a Wazuh ossec.conf (or any file holding a <syscheck> block), used verbatim."),
    })
    .default({ file: { include: ['/var/log/audit/audit.log', '/var/log/syslog', '/var/log/kern.log'], from_beginning: false, poll_interval_ms: 250, max_line_bytes: 102_400 } })
    .describe('What the agent reads.'),
  spool: z
    .strictObject({
      max_bytes: z.number().int().min(1024 * 1024).default(256 * 1024 * 1024).describe('When the spool holds this much, sources pause (an alert says so).'),
      segment_bytes: z.number().int().min(64 * 1024).default(8 * 1024 * 1024).describe('Size of one spool segment file.'),
    })
    .default({ max_bytes: 256 * 1024 * 1024, segment_bytes: 8 * 1024 * 1024 }),
  shipper: z
    .strictObject({
      batch_events: z.number().int().min(1).max(50_000).default(2000).describe('Events per batch sent to the manager.'),
      max_backoff_ms: z.number().int().min(100).default(30_000).describe('Longest wait between retries.'),
      keepalive_ms: z.number().int().min(1000).default(30_000).describe('A keepalive, with the spool depth, goes out at least this often (also between batches).'),
    })
    .default({ batch_events: 2000, max_backoff_ms: 30_000, keepalive_ms: 30_000 }),
  raw_audit_log: z
    .strictObject({
      path: z.string().describe('Where raw audit records read from the kernel are also written (audit.log format).'),
      max_bytes: z.number().int().min(1024).default(8 * 1024 * 1024).describe('Rotate past this size.'),
      keep: z.number().int().min(1).max(100).default(5).describe('Rotated files kept.'),
    })
    .optional(),
  status_interval_ms: z.number().int().min(1000).default(60_000).describe('How often the agent logs its status report.'),
})
export type AgentConfig = z.infer<typeof AgentConfig>

export class ConfigError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'))
  }
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x)
    Object.freeze(v)
  }
  return v
}

/** Parses, validates and freezes a config; every problem is reported with its path. */
export function loadAgentConfig(text: string, origin = 'agent config'): Readonly<AgentConfig> {
  let doc: unknown
  try {
    doc = YAML.parse(text) ?? {}
  } catch (err) {
    throw new ConfigError([`${origin}: ${(err as Error).message}`])
  }
  const r = AgentConfig.safeParse(doc)
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => `${origin}: ${i.path.join('.') || '(top)'}: ${i.message}`))
  return deepFreeze(r.data)
}

export const identityPath = (cfg: AgentConfig): string => cfg.identity_file ?? join(cfg.data_dir, 'identity.json')
