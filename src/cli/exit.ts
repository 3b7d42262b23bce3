import type { AaStatusExitCode } from '../apparmor/status/index.js'

/** Exit codes shared by every command: 0 ok, 1 findings or failures, 2 usage, config or I/O error. */
export const Exit = { Ok: 0, Findings: 1, Usage: 2 } as const
/**
 * `status` is a drop-in for aa-status and keeps its codes instead (docs/fim.md): 0 enabled,
 * 1 not present or disabled (and usage errors), 2 no policy, 3 no securityfs, 4 unreadable, 42 internal.
 */
export type ExitCode = (typeof Exit)[keyof typeof Exit] | AaStatusExitCode

/** An error that ends a command with a message for the user and an exit code, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = Exit.Usage,
  ) {
    super(message)
    this.name = 'CliError'
  }
}

const state: { code: ExitCode } = { code: Exit.Ok }

/**
 * Wraps a command's implementation as a commander action: commander ignores an action's return
 * value, so the exit code is kept here for `main` to return.
 */
export function action<A extends unknown[]>(run: (...args: A) => Promise<ExitCode>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    state.code = await run(...args)
  }
}

/** The exit code of the last action run, read once by `main`; reading resets it. */
export function takeExitCode(): ExitCode {
  const code = state.code
  state.code = Exit.Ok
  return code
}
