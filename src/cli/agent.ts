/** `armorwatch agent`: runs the agent (sources → spool → manager) until SIGTERM/SIGINT. */
import type { Command } from 'commander'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { printJson } from './output.js'
import { loadConfigFile } from './enroll.js'
import { runAgent } from '../agent/agent.js'
import { EnrollError } from '../agent/enroll.js'

interface AgentOptions {
  config?: string
  audisp?: boolean
  checkConfig?: boolean
  json?: boolean
}

export async function run(o: AgentOptions): Promise<ExitCode> {
  const cfg = await loadConfigFile(o.config)
  if (o.checkConfig) {
    if (o.json) printJson({ ok: true, config: cfg })
    else process.stdout.write('The agent config is valid.\n')
    return Exit.Ok
  }
  const stop = new AbortController()
  const onSignal = (): void => stop.abort()
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  try {
    await runAgent(cfg, stop.signal, { audisp: o.audisp })
  } catch (err) {
    if (err instanceof EnrollError) throw new CliError(err.message)
    throw err
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
  }
  return Exit.Ok
}

export function register(program: Command): void {
  program
    .command('agent')
    .description('Run the agent: read logs, the kernel and AppArmor state, spool them durably, ship them to the manager')
    .option('-c, --config <file>', 'agent config, YAML (default /etc/armorwatch/agent.yaml)')
    .option('--audisp', "also read audit records on stdin, as auditd's plugin dispatcher sends them")
    .option('--check-config', 'validate the config (every error, with its path) and exit')
    .option('--json', 'with --check-config: print the config with its defaults as JSON')
    .action(action((opts: AgentOptions) => run(opts)))
}
