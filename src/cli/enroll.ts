/** `armorwatch enroll`: enrolls this host's agent with a manager and pins the manager's CA. */
import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { paint, printJson } from './output.js'
import { identityPath, loadAgentConfig, ConfigError, type AgentConfig } from '../agent/config.js'
import { enroll, EnrollError, saveIdentity } from '../agent/enroll.js'

interface EnrollOptions {
  manager: string
  secret?: string
  secretFile?: string
  name?: string
  caFingerprint?: string
  caFile?: string
  config?: string
  identity?: string
  json?: boolean
}

export async function loadConfigFile(path: string | undefined): Promise<Readonly<AgentConfig>> {
  const file = path ?? '/etc/armorwatch/agent.yaml'
  let text = ''
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    // The default path may be absent (defaults apply); a path the user named must exist.
    if (path !== undefined) throw new CliError(`${file}: cannot read the config (${(err as NodeJS.ErrnoException).code})`)
  }
  try {
    return loadAgentConfig(text, file)
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message)
    throw err
  }
}

export async function run(o: EnrollOptions): Promise<ExitCode> {
  const cfg = await loadConfigFile(o.config)
  const secret = o.secret ?? (o.secretFile ? (await readFile(o.secretFile, 'utf8').catch(() => {
    throw new CliError(`${o.secretFile}: cannot read the secret file`)
  })).trim() : process.env.ARMORWATCH_ENROLLMENT_SECRET)
  if (!secret) throw new CliError('the enrollment secret is required: --secret, --secret-file or ARMORWATCH_ENROLLMENT_SECRET')
  const caPem = o.caFile ? await readFile(o.caFile, 'utf8').catch(() => {
    throw new CliError(`${o.caFile}: cannot read the CA file`)
  }) : undefined
  let id
  try {
    id = await enroll({ manager: o.manager, secret, name: o.name ?? cfg.name, caFingerprint: o.caFingerprint, caPem })
  } catch (err) {
    if (err instanceof EnrollError) throw new CliError(err.message, Exit.Findings)
    throw new CliError(`cannot reach the manager at ${o.manager}: ${(err as Error).message}`, Exit.Findings)
  }
  const file = o.identity ?? identityPath(cfg)
  await saveIdentity(file, id)
  const pinnedBy = o.caFingerprint ? 'verified against --ca-fingerprint' : o.caFile ? 'from --ca-file' : 'trusted on first use'
  if (o.json) {
    printJson({ agent_id: id.agent_id, name: id.name, manager: id.manager, ca_fingerprint: id.ca_fingerprint, ca_pinned_by: pinnedBy, identity_file: file })
  } else {
    process.stdout.write(`Enrolled as agent ${paint(id.agent_id, 'bold')} (${id.name}) with ${id.manager}\n`)
    process.stdout.write(`Manager CA SHA-256 fingerprint: ${id.ca_fingerprint} (${pinnedBy})\n`)
    if (!o.caFingerprint && !o.caFile) {
      process.stdout.write(paint('Compare it with the fingerprint the manager printed at its first start.\n', 'yellow'))
    }
    process.stdout.write(`Identity and key saved to ${file} (mode 0600)\n`)
  }
  return Exit.Ok
}

export function register(program: Command): void {
  program
    .command('enroll')
    .description("Enroll this host's agent with a manager: get an agent id and key, pin the manager's CA")
    .requiredOption('--manager <url>', 'the manager, e.g. https://manager.example:8443')
    .option('--secret <secret>', 'the enrollment secret (visible in ps: prefer --secret-file or ARMORWATCH_ENROLLMENT_SECRET)')
    .option('--secret-file <file>', 'read the enrollment secret from FILE')
    .option('--name <name>', 'the agent name (default: from the config, else the host name)')
    .option('--ca-fingerprint <sha256>', "refuse unless the manager's CA has this SHA-256 fingerprint")
    .option('--ca-file <file>', 'trust this CA certificate instead of the one the manager presents')
    .option('-c, --config <file>', 'agent config (default /etc/armorwatch/agent.yaml)')
    .option('--identity <file>', 'where to save the identity (default <data_dir>/identity.json)')
    .option('--json', 'print the result as JSON')
    .action(action((opts: EnrollOptions) => run(opts)))
}
