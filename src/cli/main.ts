/** The armorwatch command line: builds the commander program and maps failures to exit codes. */
import { Command, CommanderError } from 'commander'
import { commands } from './commands.js'
import { CliError, Exit, takeExitCode, type ExitCode } from './exit.js'
import { VERSION } from '../version.js'

export function buildProgram(): Command {
  const program = new Command('armorwatch')
    .description('AppArmor-aware host intrusion detection')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
  for (const add of commands) add(program)
  // Throw instead of exiting so that main() decides the exit code (2 for usage errors).
  const override = (cmd: Command): void => {
    cmd.exitOverride()
    cmd.commands.forEach(override)
  }
  override(program)
  return program
}

/** Runs the CLI with `argv` (as in process.argv) and resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const program = buildProgram()
  try {
    await program.parseAsync([...argv])
    return takeExitCode()
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exitCode 0; usage mistakes with 1, which we report as 2.
      return err.exitCode === 0 ? Exit.Ok : Exit.Usage
    }
    if (err instanceof CliError) {
      process.stderr.write(`armorwatch: ${err.message}\n`)
      return err.exitCode
    }
    process.stderr.write(`armorwatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    return Exit.Usage
  }
}
