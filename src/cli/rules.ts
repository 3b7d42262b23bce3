/**
 * `armorwatch rules test [PATH]...`: runs ruleset test cases, Wazuh `.ini` files and our YAML
 * files, against the ruleset (built-in plus --rules/--decoders, or --ruleset). Without PATH it runs
 * the built-in ruleset's own tests. The last line is `N passed, N failed`; exit 1 on failures.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { Command } from 'commander'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { formatTable, paint, printJson, useColor } from './output.js'
import { addRulesetOptions, loadForCli, type RulesetFlags } from '../rules/cli-options.js'
import { builtinRulesetDir } from '../rules/ruleset.js'
import { runIniFile, wazuhTestTransform, type FileResult } from '../rules/testing/runner.js'
import { runYamlFile } from '../rules/testing/yaml.js'

interface TestFlags extends RulesetFlags {
  json?: boolean
  verbose?: boolean
  geoip?: boolean
}

const isTestFile = (p: string) => /\.(ini|ya?ml)$/.test(p)

function testFiles(paths: readonly string[]): string[] {
  const out: string[] = []
  for (const p of paths) {
    if (!existsSync(p)) throw new CliError(`no such file or folder: ${p}`)
    if (statSync(p).isDirectory()) {
      for (const n of readdirSync(p).sort()) if (isTestFile(n)) out.push(join(p, n))
    } else out.push(p)
  }
  return out
}

async function run(paths: string[], flags: TestFlags): Promise<ExitCode> {
  const files = testFiles(paths.length > 0 ? paths : [join(builtinRulesetDir(), 'tests')])
  if (files.length === 0) throw new CliError('no test files (.ini, .yaml) found')
  const hasIni = files.some((f) => f.endsWith('.ini'))
  // Wazuh's own test runner edits one stock rule before running its .ini files; so do we.
  const rs = loadForCli(flags, process.stderr, hasIni ? { transform: wazuhTestTransform } : {}, true)
  if (rs === null) return Exit.Usage
  const results: FileResult[] = files.map((f) => (f.endsWith('.ini') ? runIniFile(rs, f, { geoip: flags.geoip === true }) : runYamlFile(rs, f)))
  const passed = results.reduce((n, r) => n + r.passed, 0)
  const failed = results.reduce((n, r) => n + r.failed, 0)
  const summary = `${passed} passed, ${failed} failed`
  if (flags.json) {
    printJson({ ruleset: { version: rs.version, files: rs.files.length }, files: results, passed, failed, summary })
    return failed > 0 ? Exit.Findings : Exit.Ok
  }
  const color = useColor()
  const rows = results.map((r) => {
    const total = r.passed + r.failed
    const rate = total === 0 ? 'skipped' : `${((100 * r.passed) / total).toFixed(1)}%`
    return [relative(process.cwd(), r.file) || r.file, String(r.passed), String(r.failed), rate]
  })
  process.stdout.write(formatTable(['file', 'passed', 'failed', 'rate'], rows))
  const failures = results.flatMap((r) => r.cases.filter((c) => !c.passed))
  const shown = flags.verbose ? failures : failures.slice(0, 20)
  for (const c of shown) process.stdout.write(`${paint('FAIL', 'red', color)} ${relative(process.cwd(), c.file)}: ${c.name}: ${c.detail ?? ''}\n`)
  if (shown.length < failures.length) process.stdout.write(`... ${failures.length - shown.length} more failures (--verbose shows all)\n`)
  process.stdout.write(`ruleset ${rs.version} (${rs.files.length} files)\n`)
  process.stdout.write(summary + '\n')
  return failed > 0 ? Exit.Findings : Exit.Ok
}

export function register(program: Command): void {
  const rules = program.command('rules').description('Ruleset tools (Wazuh-compatible decoders and rules)')
  const test = rules
    .command('test')
    .description('Run ruleset test cases: Wazuh .ini files and armorwatch YAML files (default: the built-in tests)')
    .argument('[path...]', 'test files or folders')
    .option('--json', 'print the results as JSON')
    .option('-v, --verbose', 'list every failure')
    .option('--geoip', 'also run *geoip*.ini files (skipped by default, as Wazuh does)')
  addRulesetOptions(test).action(action(run))
}
