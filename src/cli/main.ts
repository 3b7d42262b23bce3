/** The armorwatch command line: builds the commander program and maps failures to exit codes. */
import { Command, CommanderError } from 'commander'
import { commands, usageExitCodes } from './commands.js'
import { CliError, Exit, takeExitCode, type ExitCode } from './exit.js'
import { VERSION } from '../version.js'

/**
 * The program with the command `argv` names (as in process.argv), or with every command when it
 * names none (`--help`, `help`, a typo: commander then lists them all).
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('armorwatch')
    .description('AppArmor-aware host intrusion detection')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
  const named = argv.slice(2).find((a) => !a.startsWith('-'))
  const load = named !== undefined && Object.hasOwn(commands, named) ? [commands[named]] : Object.values(commands)
  for (const m of await Promise.all(load.map((l) => l()))) m.register(program)
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
  try {
    const program = await buildProgram(argv)
    await program.parseAsync([...argv])
    return takeExitCode()
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exitCode 0; usage mistakes with 1, which we report as 2
      // (or as the command's own usage code).
      const named = argv.slice(2).find((a) => !a.startsWith('-'))
      return err.exitCode === 0 ? Exit.Ok : ((named !== undefined && Object.hasOwn(usageExitCodes, named) ? usageExitCodes[named] : undefined) ?? Exit.Usage)
    }
    if (err instanceof CliError) {
      process.stderr.write(`armorwatch: ${err.message}\n`)
      return err.exitCode
    }
    process.stderr.write(`armorwatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    return Exit.Usage
  }
}
