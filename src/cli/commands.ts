/**
 * The list of CLI commands. Each command lives in its own file and exports `register`, which adds
 * it (with its options, `--help` text and action) to the program; add new commands here, under the
 * name they are called by. Modules are loaded on demand: a command run by name loads only its own
 * module, so `armorwatch agent` never loads DuckDB, fastify or the rules engine (30+ MB of RSS).
 */
import type { Command } from 'commander'

export type CommandModule = { register: (program: Command) => void }

export const commands: Readonly<Record<string, () => Promise<CommandModule>>> = {
  parse: () => import('./parse.js'),
  status: () => import('./status.js'),
  fim: () => import('./fim.js'),
  profile: () => import('./profile.js'),
  rules: () => import('./rules.js'),
  analyze: () => import('./analyze.js'),
  logtest: () => import('./logtest.js'),
  up: () => import('./up.js'),
  manager: () => import('./manager.js'),
  query: () => import('./query.js'),
  user: () => import('./user.js'),
  agent: () => import('./agent.js'),
  agents: () => import('./agents.js'),
  enroll: () => import('./enroll.js'),
}

/** Commands whose usage errors do not exit 2: `status` keeps aa-status's 1 (docs/fim.md). */
export const usageExitCodes: Readonly<Record<string, 1>> = { status: 1 }
