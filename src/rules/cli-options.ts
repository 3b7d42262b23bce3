/**
 * The ruleset options every rules tool shares (`analyze`, `logtest`, `rules test`): `--rules` and
 * `--decoders` add user files to the built-in set, `--ruleset DIR` replaces it.
 */
import type { Command } from 'commander'
import { Ruleset, type RulesetOptions } from './ruleset.js'
import { formatProblem } from './problems.js'
import { loadConfig, ConfigError } from '../manager/config.js'
import { CliError } from '../cli/exit.js'

export interface RulesetFlags {
  config?: string
  rules?: string[]
  decoders?: string[]
  ruleset?: string
  nativeDecoders?: boolean
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

export function addRulesetOptions(cmd: Command): Command {
  return cmd
    .option('--rules <file|dir>', 'add a rule file or folder to the ruleset (repeatable)', collect)
    .option('--decoders <file|dir>', 'add a decoder file or folder to the ruleset (repeatable)', collect)
    .option('--ruleset <dir>', 'use this folder (decoders/, rules/, lists/) instead of the built-in ruleset')
    .option('--native-decoders', 'with --ruleset, also run the built-in apparmor/auditd/syscheck decoders')
    .option('--config <file>', "load the ruleset the manager with this configuration loads (its rules: section), then add --rules/--decoders")
}

export function rulesetOptions(flags: RulesetFlags, extra: Partial<RulesetOptions> = {}): RulesetOptions {
  let base: { ruleset?: string; rules: string[]; decoders: string[]; manager?: string } = { rules: [], decoders: [] }
  if (flags.config !== undefined) {
    // Exactly what startManager loads (src/manager/server.ts), so logtest tests the deployed set.
    try {
      const cfg = loadConfig(flags.config)
      base = { ...(cfg.rules.ruleset !== undefined ? { ruleset: cfg.rules.ruleset } : {}), rules: [...cfg.rules.files], decoders: [...cfg.rules.decoders], manager: cfg.manager_name }
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(e.message)
      throw e
    }
  }
  const ruleset = flags.ruleset ?? base.ruleset
  const rules = [...base.rules, ...(flags.rules ?? [])]
  const decoders = [...base.decoders, ...(flags.decoders ?? [])]
  return {
    ...(ruleset !== undefined ? { ruleset } : {}),
    ...(rules.length > 0 ? { rules } : {}),
    ...(decoders.length > 0 ? { decoders } : {}),
    ...(base.manager !== undefined ? { manager: base.manager } : {}),
    ...(flags.nativeDecoders === true ? { nativeDecoders: true } : {}),
    ...extra,
  }
}

/** Loads the ruleset and reports its problems on `err`; returns null when it has errors. */
export function loadForCli(flags: RulesetFlags, err: NodeJS.WritableStream, extra: Partial<RulesetOptions> = {}, tolerateErrors = false): Ruleset | null {
  const rs = new Ruleset(rulesetOptions(flags, extra))
  for (const p of rs.problems) err.write(`armorwatch: ${formatProblem(p)}\n`)
  if (rs.errors.length > 0 && !tolerateErrors) return null
  return rs
}
