/**
 * Differential test: `armorwatch status --root FIXTURE ARGS` against the real aa-status run on the
 * same fixture tree, for every option. This machine's kernel may have no AppArmor at all, so each
 * aa-status run gets a private mount namespace (`unshare -m`) in which the fixture's sys/module,
 * sys/kernel/security and proc are bind-mounted over the host's: aa-status then reads the
 * fixture as it would read a kernel. Two references:
 * - AppArmor 4.1.0's aa-status, built from its vendored source (test/fixtures/aa-status-4.1.0/)
 *   against Debian's libapparmor: every option; stdout, stderr and exit code must be equal.
 * - Debian 12's /usr/sbin/aa-status (3.0.8): its own options, one at a time; stdout and exit code,
 *   through the documented 3.0 → 4.1 differences (docs/fim.md) that we follow 4.1 on.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../../helpers/tmp.js'
import { missingTool } from '../../helpers/tool.js'

const fixtures = fileURLToPath(new URL('../../fixtures/securityfs/', import.meta.url))
const upstream = fileURLToPath(new URL('../../fixtures/aa-status-4.1.0/', import.meta.url))
const DEBIAN_AA_STATUS = '/usr/sbin/aa-status'

const FIXTURES = ['enforcing', 'stacked', 'disabled', 'no-module', 'policy-dir', 'empty', 'bad-policy', 'unsplit-line']

/**
 * Runs in the new mount namespace: copies the fixture into a tmpfs (pid directories created so
 * that the tmpfs lists them in ascending order, as procfs does: aa-status keeps that order for
 * processes that sort equal), adds a mount table naming securityfs, and, when the fixture has the
 * stacking interface (attr/apparmor/), gives aa-status's own pid that directory too, since
 * libapparmor looks at its own task to choose the interface. Then mounts the copy and runs $@.
 */
const NAMESPACE_SCRIPT = `
set -e
F=$1; W=$2; shift 2
mount -t tmpfs tmpfs "$W"
mkdir -p "$W/sys/module" "$W/sys/kernel/security" "$W/proc"
if [ -d "$F/sys/module" ]; then cp -a "$F/sys/module/." "$W/sys/module/"; fi
if [ -d "$F/sys/kernel/security" ]; then cp -a "$F/sys/kernel/security/." "$W/sys/kernel/security/"; fi
if [ -d "$F/proc" ]; then
  pids=$(ls "$F/proc" | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' ')
  for e in $(ls "$F/proc" | sort -rn); do cp -a "$F/proc/$e" "$W/proc/$e"; done
  if [ "$(ls -U "$W/proc" | grep -E '^[0-9]+$' | tr '\\n' ' ')" != "$pids" ]; then
    rm -rf "$W/proc"/*
    for e in $(ls "$F/proc" | sort -n); do cp -a "$F/proc/$e" "$W/proc/$e"; done
    [ "$(ls -U "$W/proc" | grep -E '^[0-9]+$' | tr '\\n' ' ')" = "$pids" ] || { echo "tmpfs lists pids out of order" >&2; exit 99; }
  fi
  if ls -d "$F"/proc/*/attr/apparmor >/dev/null 2>&1; then mkdir -p "$W/proc/$$/attr/apparmor"; fi
fi
[ -f "$F/proc/mounts" ] || echo 'securityfs /sys/kernel/security securityfs rw 0 0' > "$W/proc/mounts"
mount --bind "$W/sys/module" /sys/module
mount --bind "$W/sys/kernel/security" /sys/kernel/security
mount --bind "$W/proc" /proc
exec "$@"
`

interface Run {
  code: number
  stdout: string
  stderr: string
}

let workdir: string | undefined

/** aa-status (`bin`) on `fixture`, in its own mount namespace. Output as latin1: bytes, one per character. */
function reference(bin: string, fixture: string, args: readonly string[]): Run {
  workdir ??= tempDir('aa-status-ns')
  const r = spawnSync('unshare', ['-m', 'sh', '-c', NAMESPACE_SCRIPT, 'sh', join(fixtures, fixture), workdir, bin, ...args], { encoding: 'latin1' })
  if (r.status === 99 || r.status === null) throw new Error(`namespace harness failed: ${r.stderr}`)
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const batch = fileURLToPath(new URL('./batch.ts', import.meta.url))

/**
 * `armorwatch status --root FIXTURE ARGS` for each case, all in one child process (see batch.ts).
 * aa-status names a file it could not open by its path from `/`; we name it under --root, which
 * is taken out.
 */
function ours(cases: readonly { fixture: string; args: readonly string[] }[]): Run[] {
  const input = JSON.stringify(cases.map((c) => ({ root: join(fixtures, c.fixture), args: c.args })))
  const r = spawnSync(process.execPath, ['--import', 'tsx', batch], { input, encoding: 'utf8', maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`batch.ts failed: ${r.stderr}`)
  const results = JSON.parse(r.stdout) as { code: number; stdout: string; stderr: string }[]
  return results.map((x, i) => ({
    code: x.code,
    stdout: Buffer.from(x.stdout, 'base64').toString('latin1'),
    stderr: Buffer.from(x.stderr, 'base64').toString('latin1').replaceAll(join(fixtures, cases[i]?.fixture ?? ''), ''),
  }))
}

/** The option lists compared with aa-status 4.1: each alone and in combinations whose order matters. */
const CASES: readonly (readonly string[])[] = [
  [], ['--verbose'], ['-v'], ['--json'], ['--pretty-json'], ['--quiet'],
  ['--count'], ['--count', '--json'], ['--count', '--pretty-json'], ['--count', '--quiet'],
  ['--show=profiles'], ['--show=processes'], ['--show=all'], ['--show', 'processes', '--json'], ['--show=profiles', '--pretty-json'],
  ['--profiled'], ['--enforced'], ['--complaining'], ['--prompt'], ['--kill'], ['--special-unconfined'], ['--process-mixed'],
  ['--enforced', '--json'], ['--json', '--kill'], ['--enforced', '--show=all'], ['--process-mixed', '--show=profiles'],
  ['--enforced', '--filter.mode=complain'], ['--filter.mode=complain', '--enforced'], ['--complaining', '--verbose'], ['--profiled', '--pretty-json'],
  ['--filter.mode=enforce'], ['--filter.mode=^e'], ['--filter.mode=forc', '--json'], ['--filter.mode=c.*n'],
  ['--filter.mode=\\(kill\\|mixed\\)'], ['--filter.mode=un', '--pretty-json'], ['--filter.mode=complain', '--json'],
  ['--filter.mode=^[ck]'], ['--filter.mode=e$', '--count'], ['--filter.mode=x*'], ['--filter.mode=*e'],
  ['--filter.profiles=nginx'], ['--filter.profiles=^/usr/'], ['--filter.profiles=[[:digit:]]', '--count'], ['--filter.profiles=//', '--json'],
  ['--filter.pid=^1'], ['--filter.pid=0$', '--json'], ['--filter.pid=^[0-9]\\{2\\}$'], ['--filter.pid=9', '--show=processes', '--count'],
  ['--filter.exe=editor'], ['--filter.exe=\\.', '--count', '--json'], ['--filter.exe=/usr/s\\?bin/'], ['--filter.exe=n\\+g', '--pretty-json'],
  ['--filter.exe=caf', '--filter.profiles=caf'],
  ['--filter.mode=\\('], ['--filter.profiles=[a'], ['--filter.pid=\\(', '--quiet'],
  ['--enabled'], ['--json', '--enabled'], ['--enabled', '--show=bogus'],
]

/** Usage errors: aa-status prints its usage text, we commander's; only the exit code is compared. */
const USAGE_CASES: readonly (readonly string[])[] = [['--show=bogus'], ['--bogus'], ['--help=nope'], ['extra']]

/**
 * aa-status 4.1's two JSON bugs we do not copy (docs/fim.md): the first profile listed gets a
 * leading `, ` when no enforce-mode profile is listed (`{, "x": "complain"}`), and --pretty-json
 * then fails on its own output (exit 42, "Failed to parse json output"). Returns the output we
 * give instead, or undefined when the run is not affected.
 */
function knownJsonBug(ref: Run): Run | undefined {
  if (ref.stdout.includes('"profiles": {, ')) return { ...ref, stdout: ref.stdout.replace('"profiles": {, ', '"profiles": {') }
  if (ref.code === 42 && ref.stderr === 'Failed to parse json output') return ref
  return undefined
}

function prerequisites(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux: no mount namespaces'
  if (!existsSync(DEBIAN_AA_STATUS)) return missingTool('aa-status not installed; .ci/run installs apparmor')
  if (spawnSync('unshare', ['--version']).status !== 0) return missingTool('unshare (util-linux) not installed')
  const probe = spawnSync('unshare', ['-m', 'true'], { encoding: 'utf8' })
  if (probe.status !== 0) return missingTool(`unshare -m failed (root and CAP_SYS_ADMIN needed): ${probe.stderr.trim()}`)
  return undefined
}

function buildUpstream(): string | undefined {
  const out = join(tempDir('aa-status-4.1'), 'aa-status')
  const r = spawnSync('cc', ['-o', out, join(upstream, 'aa_status.c'), join(upstream, 'cJSON.c'), '-lapparmor'], { encoding: 'utf8' })
  return r.status === 0 ? out : undefined
}

test('differential: armorwatch status and aa-status 4.1.0 agree on every option, fixture by fixture', (t) => {
  const missing = prerequisites()
  if (missing) return void t.skip(missing)
  const bin = buildUpstream()
  if (!bin) return void t.skip(missingTool('cc or libapparmor-dev not installed; .ci/run installs libapparmor-dev'))
  let compared = 0
  let jsonBugs = 0
  const disagreements: string[] = []
  const runs = FIXTURES.flatMap((fixture) => [...CASES, ...USAGE_CASES].map((args) => ({ fixture, args })))
  const got = ours(runs)
  runs.forEach(({ fixture, args }, i) => {
    const mine = got[i] as Run
    let ref = reference(bin, fixture, args)
    const what = `${fixture} [${args.join(' ')}]`
    if (USAGE_CASES.includes(args)) {
      compared++
      if (mine.code !== ref.code) disagreements.push(`${what} usage exit code: aa-status ${ref.code}, armorwatch ${mine.code}`)
      return
    }
    const fixed = knownJsonBug(ref)
    if (fixed) {
      jsonBugs++
      if (fixed.code === 42) {
        // Our --pretty-json is the document aa-status meant: valid, exit 0.
        if (mine.code !== 0 || parsed(mine.stdout) === undefined) disagreements.push(`${what}: not valid JSON`)
        return
      }
      ref = fixed
    }
    compared++
    for (const k of ['code', 'stdout', 'stderr'] as const) {
      if (mine[k] !== ref[k]) disagreements.push(`${what} ${k}:\n--- aa-status\n${ref[k]}\n--- armorwatch\n${mine[k]}`)
    }
  })
  assert.equal(disagreements.length, 0, `${disagreements.length} disagreements; the first:\n${disagreements.slice(0, 3).join('\n')}`)
  // 8 fixtures × (59 option lists + 4 usage errors), less the --pretty-json runs aa-status fails.
  assert.ok(compared >= 490, `compared ${compared}`)
  assert.ok(jsonBugs > 0, 'the fixtures exercise the leading-comma bug')
  t.diagnostic(`${compared} runs compared with aa-status 4.1.0 (stdout, stderr, exit code); ${jsonBugs} hit its JSON leading-comma bug`)
})

/**
 * Our text in aa-status 3.0's layout: no prompt mode (3.0 has none), and the kill-mode processes
 * after the mixed ones (4.1 lists them before the unconfined ones).
 */
function as30(text: string): string {
  const sections = text.split(/(?=^\d+ (?:profiles|processes) )/m)
  const kept = sections.filter((s) => !/^\d+ (?:profiles|processes) are in prompt mode\./.test(s))
  const kill = kept.findIndex((s) => /^\d+ processes are in kill mode\./.test(s))
  if (kill >= 0) kept.push(...kept.splice(kill, 1))
  return kept.join('')
}

/** aa-status 3.0 JSON as a value, prompt entries removed (3.0 does not list them); undefined if it is not JSON. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text, (_, v: unknown) => {
      if (Array.isArray(v)) {
        const kept = v.filter((e: { status?: string }) => e.status !== 'prompt')
        return kept.length ? kept : undefined
      }
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== 'prompt' && x !== undefined))
      return v
    }) as unknown
  } catch {
    return undefined
  }
}

test("differential: Debian 12's aa-status 3.0.8 and armorwatch status agree on 3.0's options, through 3.0 → 4.1 layout changes", (t) => {
  const missing = prerequisites()
  if (missing) return void t.skip(missing)
  // 3.0 takes one option; its error messages are printed only without one, so stderr is not compared.
  const options = [[], ['--verbose'], ['-v'], ['--json'], ['--pretty-json'], ['--profiled'], ['--enforced'], ['--complaining'], ['--kill'], ['--special-unconfined'], ['--process-mixed'], ['--enabled']]
  let compared = 0
  let invalidJson = 0
  const disagreements: string[] = []
  // unsplit-line: 3.0 gives up on a line it cannot split (exit 42); 4.1 reports it and goes on.
  const runs = FIXTURES.filter((f) => f !== 'unsplit-line').flatMap((fixture) => options.map((args) => ({ fixture, args })))
  const got = ours(runs)
  runs.forEach(({ fixture, args }, i) => {
    const mine = got[i] as Run
    const ref = reference(DEBIAN_AA_STATUS, fixture, args)
    const json = args[0] === '--json' || args[0] === '--pretty-json'
    // 3.0's --json exits 0 with no output when it fails (fixed in 4.x).
    if (args[0] === '--json' && mine.code !== 0 && ref.code === 0 && ref.stdout === '') return
    // 3.0 leaves out the `, ` between the groups of two statuses (fixed in 4.x); --pretty-json
    // then fails on it (exit 42).
    if ((json && ref.code === 0 && parsed(ref.stdout) === undefined) || (args[0] === '--pretty-json' && ref.code === 42 && mine.code === 0)) {
      invalidJson++
      return
    }
    compared++
    const what = `${fixture} [${args.join(' ')}]`
    if (mine.code !== ref.code) disagreements.push(`${what} exit code: aa-status ${ref.code}, armorwatch ${mine.code}`)
    const same = json ? isDeepEqual(parsed(ref.stdout), parsed(mine.stdout)) : as30(mine.stdout) === ref.stdout
    if (!same) disagreements.push(`${what} stdout:\n--- aa-status 3.0.8\n${ref.stdout}\n--- armorwatch (3.0 layout)\n${json ? mine.stdout : as30(mine.stdout)}`)
  })
  assert.equal(disagreements.length, 0, `${disagreements.length} disagreements; the first:\n${disagreements.slice(0, 3).join('\n')}`)
  assert.ok(compared >= 70, `compared ${compared}`)
  t.diagnostic(`${compared} runs compared with aa-status 3.0.8 (stdout, exit code); ${invalidJson} where its JSON is invalid`)
})

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b)
    return true
  } catch {
    return false
  }
}
