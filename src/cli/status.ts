/** `armorwatch status`: what aa-status shows, read from securityfs and procfs under `--root`. */
import { stat } from 'node:fs/promises'
import type { Command } from 'commander'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { printJson } from './output.js'
import { formatStatusText, readStatus, toAaStatusJson } from '../apparmor/status/index.js'

interface StatusOptions {
  root: string
  json?: boolean
}

export async function run(o: StatusOptions): Promise<ExitCode> {
  const isDir = await stat(o.root).then((s) => s.isDirectory(), () => false)
  if (!isDir) throw new CliError(`--root ${o.root}: not a directory`)
  const s = await readStatus(o.root)
  if (o.json) printJson(toAaStatusJson(s))
  else process.stdout.write(formatStatusText(s))
  // Like aa-status: a host where AppArmor is not enabled is a finding, not a usage error.
  return s.enabled && s.policy_readable ? Exit.Ok : Exit.Findings
}

export function register(program: Command): void {
  program
    .command('status')
    .description(
      'Show the loaded AppArmor profiles by mode and the confined processes, as aa-status does ' +
        '(exit 1 when AppArmor is not enabled)',
    )
    .option('--root <dir>', 'read DIR/sys/... and DIR/proc/... instead of the host (fixture trees, containers)', '/')
    .option('--json', "print aa-status's JSON (schema version \"2\")")
    .action(action((opts: StatusOptions) => run(opts)))
}
