/**
 * `armorwatch fim baseline|scan|watch`: file integrity monitoring from the command line, with the
 * agent's engine and baseline database. Default target: the seed's `/etc/apparmor.d` in realtime
 * with report_changes; `--config` takes our YAML or a Wazuh ossec.conf with a `<syscheck>` block.
 */
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Command } from 'commander'
import type { Event } from '../event/event.js'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { paint, printJson } from './output.js'
import { APPARMOR_DEFAULT, Baseline, compileFimConfig, FimConfigError, FimEngine, FimMonitor, loadFimYaml, parseSyscheck, type FimConfig, type FimConfigInput } from '../sources/fim/index.js'

interface FimOptions {
  config?: string
  dir?: string[]
  db: string
  json?: boolean
}

async function loadConfig(o: FimOptions): Promise<FimConfig> {
  try {
    if (o.dir?.length) return compileFimConfig({ ...APPARMOR_DEFAULT, directories: o.dir.map((path) => ({ path, realtime: true, report_changes: true })) })
    if (!o.config) return compileFimConfig(APPARMOR_DEFAULT)
    const text = await readFile(o.config, 'utf8').catch((err: Error) => {
      throw new CliError(`--config ${o.config}: ${err.message}`)
    })
    if (/^\s*(<\?xml|<!--|<ossec_config|<syscheck)/.test(text)) {
      const { config, warnings } = parseSyscheck(text)
      for (const w of warnings) process.stderr.write(`armorwatch: ${o.config}: ${w}\n`)
      return compileFimConfig(config as FimConfigInput)
    }
    return loadFimYaml(text)
  } catch (err) {
    if (err instanceof FimConfigError) throw new CliError(`${o.config ?? 'config'}: ${err.message}`)
    throw err
  }
}

function openBaseline(file: string): Baseline {
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    return new Baseline(file)
  } catch (err) {
    throw new CliError(`--db ${file}: ${(err as Error).message}`)
  }
}

const COLORS = { added: 'green', modified: 'yellow', deleted: 'red', bulk: 'magenta' } as const

function printEvent(e: Event): void {
  const type = String(e.fields['syscheck.event'] ?? e.fields['agent.notice'] ?? e.kind)
  const color = COLORS[type as keyof typeof COLORS] ?? 'gray'
  const what = e.kind === 'fim' && type !== 'bulk' ? String(e.fields['syscheck.path']) : e.raw.split('\n')[0]
  const changed = e.fields['syscheck.changed_attributes']
  process.stdout.write(`${paint(type.padEnd(8), color)} ${what}${Array.isArray(changed) ? `  (${changed.join(',')})` : ''}\n`)
  const diff = e.fields['syscheck.diff']
  if (typeof diff === 'string') process.stdout.write(diff.replace(/^/gm, '    ').replace(/\s+$/, '') + '\n')
}

async function scan(o: FimOptions, record: boolean): Promise<ExitCode> {
  const cfg = await loadConfig(o)
  const db = openBaseline(o.db)
  const events: Event[] = []
  try {
    const errors: string[] = []
    const engine = new FimEngine(cfg, db, (e) => void events.push(e), { onError: (p, err) => errors.push(`${p}: ${err.message}`) })
    // Changes an earlier run (a `fim watch` that crashed) recorded but never reported come first.
    engine.replayOutbox()
    const stats = await engine.scan('scheduled')
    await engine.settled()
    for (const e of errors) process.stderr.write(`armorwatch: ${e}\n`)
    if (record) {
      // `baseline` accepts the current state: what changed is recorded, not reported.
      const summary = { files: stats.files, entries: db.count(), updated: stats.added + stats.modified + stats.deleted, errors: stats.errors, ms: Math.round(stats.ms) }
      if (o.json) printJson(summary)
      else process.stdout.write(`baseline: ${summary.entries} entries (${summary.files} files scanned, ${summary.updated} updated) in ${summary.ms} ms\n`)
      return Exit.Ok
    }
    if (o.json) printJson({ stats: { ...stats, ms: Math.round(stats.ms) }, events })
    else {
      if (stats.initial) process.stdout.write(`no baseline yet for some directories: recorded ${stats.files} files, nothing to compare\n`)
      events.forEach(printEvent)
      process.stdout.write(`${stats.files} files: ${stats.added} added, ${stats.modified} modified, ${stats.deleted} deleted\n`)
    }
    return events.length > 0 ? Exit.Findings : Exit.Ok
  } finally {
    db.close()
  }
}

async function watch(o: FimOptions): Promise<ExitCode> {
  const cfg = await loadConfig(o)
  const emit = (e: Event): void => {
    if (o.json) process.stdout.write(JSON.stringify(e) + '\n')
    else printEvent(e)
  }
  const db = openBaseline(o.db)
  const monitor = new FimMonitor({ config: cfg, database: db, emit })
  await monitor.start()
  process.stderr.write(`watching ${cfg.directories.map((d) => d.path).join(', ')} (Ctrl-C to stop)\n`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await monitor.stop()
  db.close()
  return Exit.Ok
}

export function register(program: Command): void {
  const fim = program.command('fim').description('File integrity monitoring (default: /etc/apparmor.d, realtime, report_changes)')
  const common = (c: Command): Command =>
    c
      .option('--config <file>', 'FIM configuration: our YAML (a `fim:` section) or a Wazuh ossec.conf with <syscheck>')
      .option('--dir <path...>', 'monitor these directories (realtime, report_changes) instead of the configuration')
      .option('--db <file>', 'baseline database (SQLite)', '/var/lib/armorwatch/fim.db')
      .option('--json', 'print JSON')
  common(fim.command('baseline').description('Record the current state of every monitored file as the baseline')).action(
    action((opts: FimOptions) => scan(opts, true)),
  )
  common(fim.command('scan').description('Compare with the baseline and print added, modified and deleted files (exit 1 on changes)')).action(
    action((opts: FimOptions) => scan(opts, false)),
  )
  common(fim.command('watch').description('Watch in realtime and print each change as it happens (NDJSON events with --json)')).action(
    action((opts: FimOptions) => watch(opts)),
  )
}
