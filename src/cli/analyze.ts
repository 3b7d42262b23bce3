/**
 * `armorwatch analyze [FILE|-]...`: offline analysis of log files through the same parsers,
 * decoders and rules as the manager. Prints the alerts (Wazuh alert JSON, one per line, with
 * --json) and a summary by rule (on stderr with --json). Exit 1 when there are alerts.
 */
import { createReadStream, promises as fs } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import type { Alert } from '../event/alert.js'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { formatTable, paint, useColor } from './output.js'
import { addRulesetOptions, loadForCli, type RulesetFlags } from '../rules/cli-options.js'
import { LineAnalyzer } from '../rules/analyze.js'
import { AlertImporter, StoreBusyError } from '../store/import.js'

interface AnalyzeFlags extends RulesetFlags {
  json?: boolean
  level: string
  dataDir?: string
}

const LEVEL_COLOR = (level: number) => (level >= 12 ? 'red' : level >= 7 ? 'yellow' : 'cyan') as 'red' | 'yellow' | 'cyan'

async function run(files: string[], flags: AnalyzeFlags): Promise<ExitCode> {
  const minLevel = Number(flags.level)
  if (!Number.isInteger(minLevel) || minLevel < 0 || minLevel > 16) throw new CliError('--level must be 0-16')
  const sources = files.length > 0 ? files : ['-']
  for (const f of sources) {
    if (f === '-') continue
    const st = await fs.stat(f).catch(() => undefined)
    if (!st?.isFile()) throw new CliError(`cannot read ${f}: ${st ? 'not a regular file' : 'no such file'}`)
  }
  const rs = loadForCli(flags, process.stderr)
  if (rs === null) return Exit.Usage
  // --data-dir: the alerts also go into that store (offline import; the manager must not hold it).
  const importer = flags.dataDir === undefined ? undefined : await AlertImporter.open(flags.dataDir).catch((err: Error) => {
    throw new CliError(err instanceof StoreBusyError ? err.message : `cannot open the store in ${flags.dataDir}: ${err.message}`)
  })
  let importing: Promise<void> = Promise.resolve()
  const color = useColor()
  const byRule = new Map<string, { level: number; description: string; count: number }>()
  let events = 0
  let errors = 0
  let buffered = ''
  const emit = (a: Alert) => {
    const s = byRule.get(a.rule.id) ?? { level: a.rule.level, description: a.rule.description, count: 0 }
    s.count++
    byRule.set(a.rule.id, s)
    if (importer) importing = importer.add(a)
    buffered += flags.json
      ? JSON.stringify(a) + '\n'
      : `${a.timestamp} ${paint(`[${a.rule.level}]`, LEVEL_COLOR(a.rule.level), color)} ${a.rule.id} ${a.rule.description} (${a.location})\n`
  }
  for (const f of sources) {
    const location = f === '-' ? 'stdin' : f
    const analyzer = new LineAnalyzer(
      rs,
      location,
      (o) => {
        events++
        if (o.alert !== null && o.alert.rule.level >= minLevel) emit(o.alert)
      },
      () => errors++,
    )
    const input = f === '-' ? process.stdin : createReadStream(f, { encoding: 'utf8' })
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      analyzer.push(line)
      await importing
      if (buffered.length > 1 << 16) {
        process.stdout.write(buffered)
        buffered = ''
      }
    }
    analyzer.flush()
  }
  process.stdout.write(buffered)
  if (importer) {
    await importer.close()
    process.stderr.write(`${importer.imported} alerts stored in ${flags.dataDir}\n`)
  }
  const alerts = [...byRule.values()].reduce((n, s) => n + s.count, 0)
  const rows = [...byRule.entries()]
    .sort((a, b) => b[1].level - a[1].level || b[1].count - a[1].count)
    .map(([id, s]) => [id, String(s.level), String(s.count), s.description])
  const summary =
    (rows.length > 0 ? formatTable(['rule', 'level', 'count', 'description'], rows) : '') +
    `${events} events, ${alerts} alerts, ${errors} lines analysed as plain log lines (ruleset ${rs.version})\n`
  ;(flags.json ? process.stderr : process.stdout).write((flags.json ? '' : '\n') + summary)
  return alerts > 0 ? Exit.Findings : Exit.Ok
}

export function register(program: Command): void {
  const cmd = program
    .command('analyze')
    .description('Analyze log files offline through the parsers, decoders and rules; print alerts and a summary by rule')
    .argument('[file...]', 'log files (- for stdin)')
    .option('--json', 'print alerts as Wazuh alert JSON, one per line (summary on stderr)')
    .option('--level <n>', 'only alerts of this level or higher', '1')
    .option('--data-dir <dir>', 'also store the alerts in the embedded store in this data directory (offline import)')
  addRulesetOptions(cmd).action(action(run))
}
