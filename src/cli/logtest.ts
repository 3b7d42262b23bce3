/**
 * `armorwatch logtest`: reads log lines on stdin (interactive or piped) and shows, for each event,
 * pre-decoding, decoding with its fields, and the rule that matched, as wazuh-logtest does; `-v`
 * adds the rule walk, `--json` prints one object per event. It loads exactly the ruleset the
 * manager would (same options, ./armorwatch.yaml by default like `armorwatch up`) and says which
 * files and which version it tested.
 */
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import { action, Exit, type ExitCode } from './exit.js'
import { paint, useColor } from './output.js'
import { addRulesetOptions, loadForCli, type RulesetFlags } from '../rules/cli-options.js'
import { LineAnalyzer } from '../rules/analyze.js'
import { formatPhases, logtestRecord } from '../rules/logtest.js'
import type { Outcome } from '../rules/ruleset.js'

interface LogtestFlags extends RulesetFlags {
  json?: boolean
  verbose?: boolean
  location: string
}

async function run(flags: LogtestFlags): Promise<ExitCode> {
  // Like `armorwatch up`, read ./armorwatch.yaml when present, so the deployed ruleset is tested.
  if (flags.config === undefined && flags.ruleset === undefined && existsSync('armorwatch.yaml')) flags.config = 'armorwatch.yaml'
  const rs = loadForCli(flags, process.stderr)
  if (rs === null) return Exit.Usage
  const interactive = process.stdin.isTTY === true
  const color = useColor(process.stderr)
  const user = rs.files.filter((f) => f.kind !== 'list').length
  process.stderr.write(
    paint(
      `armorwatch logtest: ruleset ${rs.version}, ${user} rule/decoder files, ${rs.tree.nodes.size} rules` +
        (flags.ruleset !== undefined ? ` from ${flags.ruleset}` : ' (built-in)') +
        (flags.config !== undefined ? `, configuration ${flags.config}` : ''),
      'gray',
      color,
    ) + '\n',
  )
  if (flags.verbose) for (const f of rs.files) process.stderr.write(paint(`  ${f.kind}: ${f.path}`, 'gray', color) + '\n')
  if (interactive) process.stderr.write('Type one log line per event (Ctrl-D to end).\n')
  const show = (o: Outcome) => {
    if (flags.json) process.stdout.write(JSON.stringify(logtestRecord(rs, o)) + '\n')
    else process.stdout.write(formatPhases(rs, o, rs.evaluator.trace))
    if (rs.evaluator.trace !== null) rs.evaluator.trace = []
  }
  if (flags.verbose && !flags.json) rs.evaluator.trace = []
  const analyzer = new LineAnalyzer(rs, flags.location, show)
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of rl) {
    analyzer.push(line)
    // Typed lines are complete events: do not wait for more audit records.
    if (interactive) analyzer.flush()
  }
  analyzer.flush()
  return Exit.Ok
}

export function register(program: Command): void {
  const cmd = program
    .command('logtest')
    .description('Test log lines against the ruleset: pre-decoding, decoding and rule matching, like wazuh-logtest')
    .option('--json', 'one JSON object per event: {event, predecoder, decoder, fields, rule, alert}')
    .option('-v, --verbose', 'show the files loaded and every rule tried')
    .option('-l, --location <name>', 'the location the lines come from', 'stdin')
  addRulesetOptions(cmd).action(action(run))
}
