/**
 * The AppArmor profile toolkit: parse (with positions), load with includes and variables,
 * check like apparmor_parser, format, match AARE globs, evaluate accesses, lint.
 */
export type * from './ast.js'
export { tokenize } from './lexer.js'
export { parseProfileText, type ParseContext, type ParseResult } from './parser.js'
export { loadPolicy, type Policy, type PolicyOptions, type PlacedRule } from './policy.js'
export { checkFile, type CheckResult } from './check.js'
export { parseMode, formatMode, type FileMode, type Perm } from './mode.js'
export { compileAare, checkAare, aareToRegex, type AareMatcher } from './aare.js'
export { expand, references, type Variables } from './variables.js'
export { formatProfile } from './format.js'
export { Evaluator, findProfile, type Query, type Decision, type DecidingRule } from './evaluate.js'
export { lintPolicy, LINT_RULES, type Finding, type LintRule, type Severity } from './lint.js'
export { toSarif, findingsToResults, type SarifResult } from './sarif.js'
export { toAccess, accessKey, fileMode, type LoggedAccess, type Conversion } from './logaccess.js'
export { replay, describeQuery, type ReplayEntry, type ReplayReport } from './replay.js'
export { suggest, profileIndex, globPath, logprofGlob, escapeAare, newProfileText, fileNameFor, type SuggestOptions, type Style, type ProposedProfile } from './suggest.js'
export { logprofRule, quoteIfNeeded, type LogprofRule } from './logrule.js'
export { readElf, isElf, type ElfInfo } from './elf.js'
export { newProfile, resolveProgram, type NewProfile } from './autodep.js'
export { setMode, setModeInText, newFlags, type Mode, type ModeChange } from './modes.js'
