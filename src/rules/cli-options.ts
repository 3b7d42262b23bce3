/**
 * The ruleset options every rules tool shares (`analyze`, `logtest`, `rules test`): `--rules` and
 * `--decoders` add user files to the built-in set, `--ruleset DIR` replaces it.
 */
import type { Command } from 'commander'
import { Ruleset, type RulesetOptions } from './ruleset.js'
import { formatProblem } from './problems.js'

export interface RulesetFlags {
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
}

export function rulesetOptions(flags: RulesetFlags, extra: Partial<RulesetOptions> = {}): RulesetOptions {
  return {
    ...(flags.ruleset !== undefined ? { ruleset: flags.ruleset } : {}),
    ...(flags.rules !== undefined ? { rules: flags.rules } : {}),
    ...(flags.decoders !== undefined ? { decoders: flags.decoders } : {}),
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
