/**
 * `armorwatch status`: aa-status, read from securityfs and procfs under `--root`. A drop-in for
 * scripts: AppArmor 4.1's options (and 3.0's spellings, all still in 4.1), with its order rules
 * (later options override earlier ones, `--enabled` and `--help` end the parsing) and its exit codes.
 */
import { stat } from 'node:fs/promises'
import type { Command } from 'commander'
import { action, CliError, type ExitCode } from './exit.js'
import { aaEnabled, aaStatus, AaStatusExit, defaultOptions, type AaStatusOptions } from '../apparmor/status/index.js'

interface Parsed {
  o: AaStatusOptions
  /** `--enabled` or `--help[=topic]` came first: aa-status acts on it at once and reads no further option. */
  stop?: { enabled: true } | { help: string | true }
}

/** Arguments arrive decoded from UTF-8; aa-status compares bytes, and so do we (latin1 text). */
const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1')

/** The legacy options as aa-status applies them: a count, of profiles (or processes), in one mode. */
const LEGACY: Record<string, { processes?: true; mode?: string }> = {
  profiled: {},
  enforced: { mode: 'enforce' },
  complaining: { mode: 'complain' },
  prompt: { mode: 'prompt' },
  kill: { mode: 'kill' },
  'special-unconfined': { mode: 'unconfined' },
  'process-mixed': { processes: true, mode: 'mixed' },
}

const LEGACY_HELP = `Legacy options and their equivalent command
  --profiled             --count --show=profiles
  --enforced             --count --show=profiles --filter.mode=enforce
  --complaining          --count --show=profiles --filter.mode=complain
  --kill                 --count --show=profiles --filter.mode=kill
  --prompt               --count --show=profiles --filter.mode=prompt
  --special-unconfined   --count --show=profiles --filter.mode=unconfined
  --process-mixed        --count --show=processes --filter.mode=mixed
`

const FILTERS_HELP = `Usage of filters
Filters are used to reduce the output of information to only
those entries that will match the filter. Filters use posix
regular expression syntax (basic, with GNU's \\+ \\? \\| \\w \\s \\b;
no back-references). The possible values for exes that
support filters are below

  --filter.mode: regular expression to match the profile mode
                 modes: enforce, complain, prompt, kill, unconfined, mixed
  --filter.profiles: regular expression to match displayed profile names
  --filter.pid:  regular expression to match displayed processes pids
  --filter.exe:  regular expression to match executable
`

/** Listens to the options in the order they are given, as aa-status's getopt loop does. */
function listen(cmd: Command, p: Parsed): void {
  const on = (name: string, apply: (value: string | undefined) => void): void => {
    cmd.on(`option:${name}`, (value: unknown) => {
      if (!p.stop) apply(typeof value === 'string' ? value : undefined)
    })
  }
  on('enabled', () => (p.stop = { enabled: true }))
  on('help', (topic) => (p.stop = { help: topic ?? true }))
  on('verbose', () => (p.o.verbose = true))
  on('quiet', () => (p.o.quiet = true))
  on('json', () => (p.o.json = true))
  on('pretty-json', () => ((p.o.json = true), (p.o.pretty = true)))
  on('count', () => (p.o.count = true))
  on('show', (v) => {
    if (v !== 'all' && v !== 'profiles' && v !== 'processes') {
      throw new CliError(`Error: Invalid --show option '${v ?? ''}'.`, AaStatusExit.Disabled)
    }
    p.o.profiles = v !== 'processes'
    p.o.processes = v !== 'profiles'
  })
  for (const [name, legacy] of Object.entries(LEGACY)) {
    on(name, () => {
      Object.assign(p.o, { verbose: false, count: true, profiles: !legacy.processes, processes: legacy.processes === true })
      if (legacy.mode) p.o.filter.mode = legacy.mode
    })
  }
  for (const f of ['mode', 'profiles', 'pid', 'exe'] as const) on(`filter.${f}`, (v) => (p.o.filter[f] = bytes(v ?? '')))
}

async function run(cmd: Command, root: string, p: Parsed): Promise<ExitCode> {
  if (p.stop && 'help' in p.stop) {
    if (p.stop.help === true) cmd.outputHelp()
    else if (p.stop.help === 'legacy') process.stdout.write(LEGACY_HELP)
    else if (p.stop.help === 'filters') process.stdout.write(FILTERS_HELP)
    else throw new CliError(`Error: Invalid --help option '${p.stop.help}'.`, AaStatusExit.Disabled)
    return AaStatusExit.Enabled
  }
  // allowUnknownOption: aa-status's usage error is exit 1, which commander would make 2.
  if (cmd.args.length > 0) {
    const what = cmd.args[0]?.startsWith('-') ? `unrecognized option '${cmd.args[0]}'` : `unexpected argument '${cmd.args[0]}'`
    throw new CliError(`status: ${what} (run with --help for usage)`, AaStatusExit.Disabled)
  }
  if (!(await stat(root).then((s) => s.isDirectory(), () => false))) {
    throw new CliError(`--root ${root}: not a directory`, AaStatusExit.Disabled)
  }
  if (p.stop) return (await aaEnabled(root)) ? AaStatusExit.Enabled : AaStatusExit.Disabled
  const r = await aaStatus(root, p.o)
  process.stdout.write(Buffer.from(r.stdout, 'latin1'))
  process.stderr.write(Buffer.from(r.stderr, 'latin1'))
  return r.code
}

export function register(program: Command): void {
  const p: Parsed = { o: defaultOptions() }
  const cmd = program
    .command('status')
    .description(
      'Show the loaded AppArmor profiles by mode and the confined processes, as aa-status does, with its options and exit codes',
    )
    .helpOption(false)
    .option('--root <dir>', 'read DIR/sys/... and DIR/proc/... instead of the host (fixture trees, containers)', '/')
    .option('--enabled', 'print nothing; exit 0 if AppArmor is enabled, 1 if not')
    .option('--show <what>', 'what to show: profiles, processes or all (default)')
    .option('--count', 'print the number of entries instead of listing them')
    .option('--filter.mode <regex>', 'only modes matching this POSIX regular expression (see --help=filters)')
    .option('--filter.profiles <regex>', 'only profile names matching it')
    .option('--filter.pid <regex>', 'only process ids matching it')
    .option('--filter.exe <regex>', 'only executables matching it')
    .option('--json', "aa-status's JSON on one line (schema version \"2\")")
    .option('--pretty-json', 'the same JSON, indented as aa-status prints it')
    .option('-v, --verbose', '(default) the lists, with counts per mode')
    .option('--quiet', 'no error messages')
    .option('--profiled', 'legacy: --count --show=profiles')
    .option('--enforced', 'legacy: --count --show=profiles --filter.mode=enforce')
    .option('--complaining', 'legacy: --count --show=profiles --filter.mode=complain')
    .option('--prompt', 'legacy: --count --show=profiles --filter.mode=prompt')
    .option('--kill', 'legacy: --count --show=profiles --filter.mode=kill')
    .option('--special-unconfined', 'legacy: --count --show=profiles --filter.mode=unconfined')
    .option('--process-mixed', 'legacy: --count --show=processes --filter.mode=mixed')
    .option('-h, --help [topic]', 'this help, or --help=legacy, --help=filters')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      'after',
      '\nOptions apply in order: a later one overrides an earlier one (--enforced --show=all counts enforce-mode\n' +
        'profiles and processes); --enabled and --help act at once.\n' +
        'Exit codes (aa-status\'s): 0 enabled, 1 AppArmor not present or not enabled (and usage errors),\n' +
        '2 no policy loaded, 3 securityfs not mounted, 4 profiles not readable, 42 internal error (a bad filter).\n',
    )
  listen(cmd, p)
  cmd.action(action(async (opts: { root: string }) => run(cmd, opts.root, p)))
}
