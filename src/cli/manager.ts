/** `armorwatch manager`: the manager alone (agents connect over HTTPS), no local agent. */
import type { Command } from 'commander'
import { action } from './exit.js'
import { addServeOptions, serve, type ServeOptions } from './up.js'

export function register(program: Command): void {
  addServeOptions(
    program.command('manager').description('Run the manager: agent ingestion, analysis, store and HTTPS API'),
  ).action(action((opts: ServeOptions) => serve(opts, false)))
}
