/**
 * `armorwatch profile`: the AppArmor profile toolkit (check, fmt, eval, lint). Logic lives in
 * src/apparmor/profile; this file parses options, prints and picks the exit code.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import type { Command } from 'commander'
import { createPatch } from 'diff'
import {
  checkFile,
  Evaluator,
  findProfile,
  findingsToResults,
  formatProfile,
  lintPolicy,
  LINT_RULES,
  loadPolicy,
  parseProfileText,
  newProfile,
  profileIndex,
  replay,
  setMode,
  suggest,
  type Mode,
  toSarif,
  type CheckResult,
  type Decision,
  type PolicyOptions,
  type Query,
  describeQuery,
} from '../apparmor/profile/index.js'
import { parseLines } from '../normalize/index.js'
import type { Event } from '../event/event.js'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { paint, printJson } from './output.js'

interface PolicyFlags {
  include?: string[]
  abi?: string
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v]

function policyOptions(o: PolicyFlags): PolicyOptions {
  if (o.abi !== undefined && o.abi !== '3' && o.abi !== '4') throw new CliError(`--abi must be 3 or 4, not '${o.abi}'`)
  return { ...(o.include?.length ? { includeDirs: o.include } : {}), abi: o.abi === '4' ? 4 : 3 }
}

const SKIPPED = /(^\.|~$|\.(dpkg-(new|old|dist|bak|remove)|rpmnew|rpmsave|orig|rej)$|^README$)/

/** Files named on the command line; a directory stands for the profile files directly in it. */
function expandPaths(paths: readonly string[]): { files: string[]; missing: string[] } {
  const files: string[] = []
  const missing: string[] = []
  for (const p of paths) {
    const st = statSync(p, { throwIfNoEntry: false })
    if (!st) missing.push(p)
    else if (st.isDirectory()) {
      for (const n of readdirSync(p).sort()) {
        const f = join(p, n)
        if (!SKIPPED.test(n) && statSync(f, { throwIfNoEntry: false })?.isFile()) files.push(f)
      }
    } else files.push(p)
  }
  return { files, missing }
}

function withPolicyFlags(cmd: Command): Command {
  return cmd
    .option('-I, --include <dir>', 'include search directory (repeatable; default /etc/apparmor.d)', collect)
    .option('--abi <level>', 'language level: 3 (apparmor 3.x, default) or 4 (4.x/5.x syntax)')
}

export function register(program: Command): void {
  const profile = program.command('profile').description('AppArmor profiles: check, format, evaluate, lint, replay logs, suggest rules, create, switch modes')

  withPolicyFlags(profile.command('check').description('Validate profiles as apparmor_parser does, with better messages'))
    .argument('<paths...>', 'profile files or directories')
    .option('--json', 'one {file, ok, errors} object per file')
    .option('--sarif', 'SARIF 2.1.0 for CI')
    .action(
      action(async (paths: string[], o: PolicyFlags & { json?: boolean; sarif?: boolean }): Promise<ExitCode> => {
        const opts = policyOptions(o)
        const { files, missing } = expandPaths(paths)
        const results: CheckResult[] = [
          ...files.map((f) => checkFile(f, opts)),
          ...missing.map((f) => ({ file: f, ok: false, errors: [{ line: 0, column: 0, message: 'no such file or directory' }] })),
        ]
        if (o.sarif) {
          const rule = { id: 'AA000', name: 'syntax', severity: 'error' as const, description: 'The profile does not compile.', hint: 'Fix the reported syntax or semantic error.' }
          printJson(toSarif([rule], results.flatMap((r) => r.errors.map((e) => ({ ruleId: 'AA000', level: 'error' as const, message: e.message, file: e.file ?? r.file, line: Math.max(1, e.line), column: Math.max(1, e.column) })))))
        } else if (o.json) printJson(results)
        else {
          for (const r of results) {
            if (r.ok) process.stdout.write(`${r.file}: ${paint('ok', 'green')}\n`)
            for (const e of r.errors) process.stdout.write(`${e.file ?? r.file}:${e.line}:${e.column}: ${paint('error', 'red')}: ${e.message}${e.file ? ` (included from ${r.file})` : ''}\n`)
          }
        }
        if (missing.length) return Exit.Usage
        return results.every((r) => r.ok) ? Exit.Ok : Exit.Findings
      }),
    )

  profile
    .command('fmt')
    .description('Format profiles canonically (comments kept; idempotent)')
    .argument('<files...>', 'profile files')
    .option('-w, --write', 'rewrite the files in place')
    .option('--check', 'exit 1 when a file is not formatted')
    .option('--diff', 'print a unified diff instead of the formatted text')
    .action(
      action(async (files: string[], o: { write?: boolean; check?: boolean; diff?: boolean }): Promise<ExitCode> => {
        let changed = false
        for (const f of files) {
          let text: string
          try {
            if (!statSync(f).isFile()) throw new Error('not a regular file')
            text = readFileSync(f, 'utf8')
          } catch (err) {
            throw new CliError(`cannot read ${f}: ${(err as Error).message}`)
          }
          const parsed = parseProfileText(text, f)
          if (parsed.errors.length) {
            for (const e of parsed.errors) process.stderr.write(`${f}:${e.line}:${e.column}: ${e.message}\n`)
            throw new CliError(`${f} has syntax errors: not formatted`)
          }
          const out = formatProfile(parsed.file)
          if (out !== text) changed = true
          if (o.write) {
            if (out !== text) writeFileSync(f, out)
          } else if (o.diff) process.stdout.write(createPatch(f, text, out))
          else if (!o.check) process.stdout.write(out)
          if (o.check && out !== text) process.stdout.write(`${f}: not formatted\n`)
        }
        return o.check && changed ? Exit.Findings : Exit.Ok
      }),
    )

  withPolicyFlags(profile.command('eval').description('Would this profile allow an access? (exit 0 allowed, 1 denied)'))
    .argument('<profile-file>', 'the profile file')
    .option('--profile <name>', 'which profile in the file (a//hat for hats); default the first')
    .option('--file <path>', 'a file access (with --mode)')
    .option('--mode <perms>', 'requested permissions for --file: r w a l k m x', 'r')
    .option('--exec <path>', 'executing a program (same as --file PATH --mode x)')
    .option('--fsuid <uid>', 'the task fsuid (owner rules need fsuid == ouid)')
    .option('--ouid <uid>', 'the file owner uid')
    .option('--capability <name>', 'a capability, e.g. net_admin')
    .option('--network <spec>', "a socket: 'DOMAIN [TYPE]', e.g. 'inet stream'")
    .option('--signal <spec>', "'send|receive SIGNAL PEER', e.g. 'send term /usr/bin/x'")
    .option('--ptrace <spec>', "'read|trace|readby|tracedby PEER'")
    .option('--json', 'print the decision as JSON')
    .action(
      action(async (file: string, o: PolicyFlags & Record<string, string | boolean | undefined>): Promise<ExitCode> => {
        const query = evalQuery(o)
        const policy = loadPolicy(file, policyOptions(o))
        if (policy.errors.length) {
          for (const e of policy.errors) process.stderr.write(`${e.file ?? file}:${e.line}:${e.column}: ${e.message}\n`)
          throw new CliError(`${file} does not compile: fix it first (armorwatch profile check)`)
        }
        const p = findProfile(policy, o.profile as string | undefined)
        if (!p) throw new CliError(`no profile ${o.profile ? `'${o.profile}' ` : ''}in ${file}`)
        let d: Decision
        try {
          d = new Evaluator(policy, p).evaluate(query)
        } catch (err) {
          throw new CliError((err as Error).message)
        }
        if (o.json) printJson({ profile: p.name.value, query, ...d })
        else printDecision(p.name.value, d)
        return d.decision === 'allowed' ? Exit.Ok : Exit.Findings
      }),
    )

  withPolicyFlags(profile.command('replay').description('What this profile would decide, in enforce mode, for every logged access of it'))
    .argument('<profile-file>', 'the profile file (as you intend to enforce it)')
    .requiredOption('--log <file>', 'a log with AppArmor records: audit.log, kern.log, syslog, journald JSON ... (repeatable)', collect)
    .option('--profile <name>', 'which profile in the file; default the first')
    .option('--json', 'the report as JSON')
    .action(
      action(async (file: string, o: PolicyFlags & { log: string[]; profile?: string; json?: boolean }): Promise<ExitCode> => {
        const policy = loadPolicy(file, policyOptions(o))
        if (policy.errors.length) {
          for (const e of policy.errors) process.stderr.write(`${e.file ?? file}:${e.line}:${e.column}: ${e.message}\n`)
          throw new CliError(`${file} does not compile: fix it first (armorwatch profile check)`)
        }
        const p = findProfile(policy, o.profile)
        if (!p) throw new CliError(`no profile ${o.profile ? `'${o.profile}' ` : ''}in ${file}`)
        const events = readLogs(o.log)
        const r = replay(policy, p, events)
        if (o.json) printJson(r)
        else {
          process.stdout.write(`${r.profile}: ${r.accesses} logged access(es), ${r.entries.length} distinct; ${r.wouldDeny.length} would be denied in enforce mode\n`)
          for (const x of r.wouldDeny) {
            const why = x.decision.rules.length ? `by ${x.decision.rules.map((d) => `${d.file}:${d.line}`).join(', ')}` : 'no rule allows it'
            process.stdout.write(`  ${paint('deny', 'red')} ${describeQuery(x.query)} (${x.count}x, logged ${x.statuses.join('/')}): ${why}\n`)
          }
          for (const [reason, n] of Object.entries(r.skipped)) process.stdout.write(`  skipped ${n}: ${reason}\n`)
        }
        return r.wouldDeny.length ? Exit.Findings : Exit.Ok
      }),
    )

  profile
    .command('suggest')
    .description('Propose the rules profiles need from ALLOWED/DENIED records (aa-logprof without the questions)')
    .requiredOption('--log <file>', 'a log with AppArmor records (repeatable)', collect)
    .option('--profile-dir <dir>', 'the profiles (and include search path)', '/etc/apparmor.d')
    .option('--style <style>', "'default' (tunables, globs, abstractions that cover several accesses), 'logprof' (aa-logprof's default answers) or 'exact' (logged values, no globs or abstractions)", 'default')
    .option('--allow-sensitive', 'also propose rules for credential files (/etc/shadow, ~/.ssh ...)')
    .option('--write', 'write the proposed profiles')
    .option('--diff', 'print unified diffs (the default)')
    .option('--json', '{"profiles": [{name, file, created, content}]}')
    .action(
      action(async (o: { log: string[]; profileDir: string; style: string; allowSensitive?: boolean; write?: boolean; diff?: boolean; json?: boolean }): Promise<ExitCode> => {
        if (o.style !== 'default' && o.style !== 'logprof' && o.style !== 'exact') throw new CliError(`--style must be default, logprof or exact, not '${o.style}'`)
        const proposals = suggest(readLogs(o.log), { profileDir: o.profileDir, style: o.style, allowSensitive: o.allowSensitive === true })
        for (const p of proposals) for (const w of p.withheld) process.stderr.write(`${p.name}: not proposing '${w}' (credential file; use --allow-sensitive)\n`)
        if (o.json) printJson({ profiles: proposals.map(({ name, file, created, content }) => ({ name, file, created, content })) })
        else if (o.write) {
          for (const p of proposals) {
            if (p.added.length === 0) continue
            try {
              writeFileSync(p.file, p.content, { flag: p.created ? 'wx' : 'w' })
            } catch (err) {
              throw new CliError(`cannot write ${p.file}: ${(err as Error).message}`)
            }
            process.stdout.write(`${p.created ? 'created' : 'updated'} ${p.file} (${p.added.length} rule(s))\n`)
          }
          return Exit.Ok
        } else for (const p of proposals) if (p.added.length) process.stdout.write(createPatch(p.file, p.original, p.content))
        return proposals.some((p) => p.added.length) ? Exit.Findings : Exit.Ok
      }),
    )

  profile
    .command('new')
    .description('A new profile for a program (aa-autodep): base abstraction, complain mode, interpreter or shared libraries')
    .argument('<program>', 'the program (a path, or a name looked up on PATH)')
    .option('--profile-dir <dir>', 'where --write puts it', '/etc/apparmor.d')
    .option('--write', 'write it to the profile directory (never overwrites; see --force)')
    .option('--force', 'overwrite an existing profile file')
    .option('--json', '{program, file, content, interpreter, libraries}')
    .action(
      action(async (program: string, o: { profileDir: string; write?: boolean; force?: boolean; json?: boolean }): Promise<ExitCode> => {
        const base = loadPolicy(join(o.profileDir, '.armorwatch-new'), { includeDirs: [o.profileDir] }, 'include <tunables/global>\nprofile probe {\n  include <abstractions/base>\n}\n')
        const probe = base.errors.length ? undefined : findProfile(base)
        const ev = probe ? new Evaluator(base, probe) : undefined
        const r = newProfile(program, (lib) => ev?.evaluate({ kind: 'file', path: lib, mode: 'mr' }).enforce === 'allowed')
        if ('error' in r) throw new CliError(r.error)
        const file = join(o.profileDir, r.program.replace(/^\//, '').replace(/\//g, '.'))
        if (o.json) printJson({ ...r, file })
        else if (!o.write) process.stdout.write(r.content)
        if (o.write) {
          if (existsSync(file) && !o.force) throw new CliError(`${file} exists: use --force to overwrite`)
          try {
            writeFileSync(file, r.content)
          } catch (err) {
            throw new CliError(`cannot write ${file}: ${(err as Error).message}`)
          }
          if (!o.json) process.stdout.write(`wrote ${file} (complain mode); load it with: armorwatch profile mode complain ${file}\n`)
        }
        return Exit.Ok
      }),
    )

  profile
    .command('mode')
    .description('Switch profiles to enforce, complain, audit or disable (edits flags in place, then reloads when the kernel has AppArmor)')
    .argument('<mode>', 'enforce | complain | audit | disable')
    .argument('<names...>', 'profile files, profile names or program paths')
    .option('--profile-dir <dir>', 'the profile directory', '/etc/apparmor.d')
    .option('--remove', "with 'audit': remove the audit flag")
    .option('--no-reload', 'only edit the files')
    .action(
      action(async (mode: string, names: string[], o: { profileDir: string; remove?: boolean; reload: boolean }): Promise<ExitCode> => {
        if (!['enforce', 'complain', 'audit', 'disable'].includes(mode)) throw new CliError(`mode must be enforce, complain, audit or disable, not '${mode}'`)
        const index = profileIndex(o.profileDir)
        const kernel = apparmorEnabled()
        let failed = false
        for (const name of names) {
          const file = statSync(name, { throwIfNoEntry: false })?.isFile() ? name : index.get(name)
          if (!file) {
            process.stderr.write(`${name}: no profile file or profile of that name in ${o.profileDir}\n`)
            failed = true
            continue
          }
          let change
          try {
            change = setMode(file, o.profileDir, mode as Mode, o.remove === true)
          } catch (err) {
            process.stderr.write(`${(err as Error).message}\n`)
            failed = true
            continue
          }
          process.stdout.write(`Setting ${change.profiles.join(', ') || file} to ${mode}${o.remove ? ' (removed)' : ''} mode${change.changed ? '' : ' (already)'}.\n`)
          if (!o.reload) continue
          if (!kernel) {
            process.stdout.write('  AppArmor is not enabled in this kernel: the file is changed but nothing was reloaded.\n')
            continue
          }
          const r = spawnSync('apparmor_parser', [change.reload === 'remove' ? '-R' : '-r', '-I', o.profileDir, file], { encoding: 'utf8' })
          if (r.status !== 0) {
            process.stderr.write(`  apparmor_parser failed: ${(r.stderr || r.error?.message || '').trim()}\n`)
            failed = true
          }
        }
        return failed ? Exit.Usage : Exit.Ok
      }),
    )

  withPolicyFlags(profile.command('lint').description('Security and performance smells, with fix hints'))
    .argument('<paths...>', 'profile files or directories')
    .option('--json', 'findings as JSON')
    .option('--sarif', 'SARIF 2.1.0 for CI')
    .action(
      action(async (paths: string[], o: PolicyFlags & { json?: boolean; sarif?: boolean }): Promise<ExitCode> => {
        const opts = policyOptions(o)
        const { files, missing } = expandPaths(paths)
        if (missing.length) throw new CliError(`no such file or directory: ${missing.join(', ')}`)
        const findings = files.flatMap((f) => lintPolicy(loadPolicy(f, opts)))
        if (o.sarif) printJson(toSarif(LINT_RULES, findingsToResults(findings)))
        else if (o.json) printJson({ findings })
        else {
          const color = { error: 'red', warning: 'yellow', note: 'cyan' } as const
          for (const f of findings) {
            process.stdout.write(`${f.file}:${f.line}:${f.column}: ${paint(f.severity, color[f.severity])} ${f.id}: ${f.message}\n    hint: ${f.hint}\n`)
          }
          process.stdout.write(`${findings.length} finding(s) in ${files.length} file(s)\n`)
        }
        return findings.some((f) => f.severity !== 'note') ? Exit.Findings : Exit.Ok
      }),
    )
}

function evalQuery(o: Record<string, string | boolean | undefined>): Query {
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined)
  const uid = (k: string) => {
    const v = str(k)
    if (v === undefined) return undefined
    if (!/^\d+$/.test(v)) throw new CliError(`--${k} must be a number`)
    return Number(v)
  }
  const asked = ['file', 'exec', 'capability', 'network', 'signal', 'ptrace'].filter((k) => str(k) !== undefined)
  if (asked.length !== 1) throw new CliError('give exactly one of --file, --exec, --capability, --network, --signal, --ptrace')
  const fsuid = uid('fsuid')
  const ouid = uid('ouid')
  const owner = { ...(fsuid !== undefined ? { fsuid } : {}), ...(ouid !== undefined ? { ouid } : {}) }
  if (str('file')) return { kind: 'file', path: str('file') as string, mode: str('mode') ?? 'r', ...owner }
  if (str('exec')) return { kind: 'file', path: str('exec') as string, mode: 'x', ...owner }
  if (str('capability')) return { kind: 'capability', name: str('capability') as string }
  if (str('network')) {
    const [domain, type] = (str('network') as string).split(/\s+/)
    return { kind: 'network', domain: domain ?? '', ...(type ? { type } : {}) }
  }
  const parts = (str('signal') ?? str('ptrace') ?? '').split(/\s+/)
  if (str('signal')) {
    const [access, signal, peer] = parts
    if ((access !== 'send' && access !== 'receive') || !signal) throw new CliError("--signal is 'send|receive SIGNAL [PEER]'")
    return { kind: 'signal', access, signal, peer: peer ?? 'unconfined' }
  }
  const [access, peer] = parts
  if (!['read', 'trace', 'readby', 'tracedby'].includes(access ?? '')) throw new CliError("--ptrace is 'read|trace|readby|tracedby [PEER]'")
  return { kind: 'ptrace', access: access as 'read', peer: peer ?? 'unconfined' }
}

function printDecision(profile: string, d: Decision): void {
  const verdict = d.decision === 'allowed' ? paint('allowed', 'green') : paint('denied', 'red')
  const extra = [d.logged ? 'logged' : 'not logged', `mode ${d.mode}`]
  if (d.mode === 'complain' && d.enforce === 'denied') extra.push('would be denied in enforce mode')
  process.stdout.write(`${profile}: ${verdict} (${extra.join(', ')})\n`)
  if (d.deniedPerms) process.stdout.write(`  denied permissions: ${d.deniedPerms}\n`)
  if (d.exec) process.stdout.write(`  exec transition: ${d.exec}\n`)
  if (d.rules.length === 0) process.stdout.write('  no rule matches: implicitly denied\n')
  for (const r of d.rules) process.stdout.write(`  ${r.effect} ${r.file}:${r.line}:${r.column}: ${r.rule}\n`)
}

/** Reads and normalizes log files; unreadable files are usage errors, bad lines are skipped. */
export function readLogs(paths: readonly string[]): Event[] {
  return paths.flatMap((path) => {
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (err) {
      throw new CliError(`cannot read ${path}: ${(err as Error).message}`)
    }
    return parseLines(text, { location: path }).events
  })
}

/** Whether the running kernel has AppArmor enabled (so that profiles can be loaded). */
function apparmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y' && existsSync('/sys/kernel/security/apparmor')
  } catch {
    return false
  }
}
