/**
 * `armorwatch up`: the all-in-one on this host (manager, local agent over the in-process bus, API
 * and dashboard) on the embedded store in a data directory. Ctrl-C stops it cleanly.
 */
import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { applyOverrides, ConfigError, loadConfig } from '../manager/config.js'
import { StartError, startManager, type RunningManager } from '../manager/server.js'
import { RulesetError } from '../rules/ruleset.js'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { paint, printJson } from './output.js'

export interface ServeOptions {
  config?: string
  dataDir?: string
  port?: string
  host?: string
  tls?: boolean
  adminPassword?: string
  json?: boolean
  verbose?: boolean
}

function port(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`--port ${text}: not a TCP port`)
  return n
}

function describe(m: RunningManager): string {
  const lines = [`${paint('armorwatch is running', 'green')}: ${paint(m.url, 'bold')}`, `  data       ${m.dataDir}`]
  if (m.firstAdmin) {
    // A password the operator gave is not echoed back: terminals and journals keep what is printed.
    const password = m.firstAdmin.generated ? `${paint(m.firstAdmin.password, 'bold')} (generated; shown only now)` : 'as given (--admin-password or ARMORWATCH_ADMIN_PASSWORD)'
    lines.push(`  admin      user ${paint(m.firstAdmin.name, 'bold')}, password ${password}`)
  }
  if (m.caPath) lines.push(`  TLS CA     ${m.caPath}`, `             SHA-256 ${m.fingerprint}`)
  lines.push(`  agents     enroll with the secret in ${m.enrollmentSecretPath}`)
  if (m.localFiles.length) lines.push(`  reading    ${m.localFiles.join(', ')}`)
  if (m.localSkipped.length) {
    lines.push(`  ${paint('not read', 'yellow')}   ${m.localSkipped.join(', ')} (missing or not readable: run as root, or join group adm)`)
  }
  lines.push('Press Ctrl-C to stop.')
  return lines.join('\n') + '\n'
}

/** Starts a manager from config + flags + environment and serves until SIGINT/SIGTERM. */
export async function serve(o: ServeOptions, localAgent: boolean): Promise<ExitCode> {
  const configPath = o.config ?? (existsSync('armorwatch.yaml') ? 'armorwatch.yaml' : undefined)
  let m: RunningManager
  try {
    const cfg = applyOverrides(loadConfig(configPath), {
      ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
      ...(o.port !== undefined ? { port: port(o.port) as number } : {}),
      ...(o.host !== undefined ? { host: o.host } : {}),
      ...(o.tls === false ? { tls: false } : {}),
    })
    const adminPassword = o.adminPassword ?? process.env.ARMORWATCH_ADMIN_PASSWORD
    m = await startManager({
      config: cfg,
      localAgent,
      ...(adminPassword !== undefined && adminPassword !== '' ? { adminPassword } : {}),
      notice: (line) => process.stderr.write(`armorwatch: ${line}\n`),
      ...(o.verbose ? { logger: { level: 'info' } } : {}),
    })
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartError || err instanceof RulesetError) throw new CliError(err.message)
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') throw new CliError(`cannot listen: ${e.message}`)
    throw err
  }
  if (o.json) {
    printJson({ url: m.url, data_dir: m.dataDir, ca: m.caPath ?? null, fingerprint: m.fingerprint ?? null, admin: m.firstAdmin ? { name: m.firstAdmin.name, generated: m.firstAdmin.generated, ...(m.firstAdmin.generated ? { password: m.firstAdmin.password } : {}) } : null, reading: m.localFiles, not_read: m.localSkipped })
  } else process.stdout.write(describe(m))
  // A Ctrl-C often arrives twice (the terminal signals npm and node, and npm forwards it): the
  // handler stays installed until the store is closed, so a repeat cannot kill a clean stop.
  let stopping = false
  let stopped: () => void = () => {}
  const signalled = new Promise<void>((resolve) => (stopped = resolve))
  const onSignal = () => {
    if (stopping) return
    stopping = true
    stopped()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    await signalled
    if (!o.json) process.stderr.write('armorwatch: stopping\n')
    await m.close()
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  return Exit.Ok
}

export function addServeOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file (default: ./armorwatch.yaml when present)')
    .option('-d, --data-dir <dir>', 'data directory (default: $ARMORWATCH_DATA_DIR, else ~/.local/share/armorwatch)')
    .option('-p, --port <port>', 'port of the API, dashboard and agent protocol (default 55000; 0 = any free port)')
    .option('--host <addr>', 'address to listen on (default 0.0.0.0)')
    .option('--no-tls', 'serve plain HTTP (testing only)')
    .option('--admin-password <pw>', 'password of the first admin, on first start (also $ARMORWATCH_ADMIN_PASSWORD)')
    .option('--json', 'print the start-up information as JSON')
    .option('-v, --verbose', 'log every request (pino JSON on stdout)')
}

export function register(program: Command): void {
  addServeOptions(
    program
      .command('up')
      .description('Run the all-in-one on this host: manager, local agent (logs, FIM, AppArmor state) and HTTPS API, on the embedded store'),
  ).action(action((opts: ServeOptions) => serve(opts, true)))
}
