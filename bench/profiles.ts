/**
 * bench/profiles: `profile check` over Debian's shipped profiles versus apparmor_parser -QK -M on
 * the same files in the same run, and policy-evaluation decisions per second on a 1,000-rule
 * profile. Ratio = apparmor_parser wall time / ours (above 1: we are faster).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkFile, Evaluator, findProfile, loadPolicy } from '../src/apparmor/profile/index.js'
import { report, smoke } from './report.js'

const FEATURES = fileURLToPath(new URL('../test/fixtures/profiles/features-3.0.8', import.meta.url))
const files = ['/etc/apparmor.d', '/usr/share/apparmor/extra-profiles'].flatMap((d) =>
  readdirSync(d)
    .filter((n) => n !== 'README')
    .map((n) => join(d, n))
    .filter((p) => statSync(p).isFile()),
)
const sample = smoke ? files.slice(0, 10) : files

// 1. check: ours in-process (a fresh loader per file, as the CLI does), theirs in one process.
let t0 = performance.now()
const ok = sample.filter((f) => checkFile(f).ok).length
const oursMs = performance.now() - t0
t0 = performance.now()
execFileSync('apparmor_parser', ['-QK', '-M', FEATURES, '-I', '/etc/apparmor.d', ...sample], { stdio: 'ignore' })
const theirsMs = performance.now() - t0

// 2. eval: a generated profile of 1,000 file rules (globs, alternations, denies).
const dir = mkdtempSync(join(tmpdir(), 'aw-bench-profiles-'))
const rules: string[] = []
for (let i = 0; i < 1000; i++) {
  const r = i % 4
  rules.push(
    r === 0 ? `  /srv/app${i}/** r,` : r === 1 ? `  /var/lib/svc${i}/{data,cache}/*.db rw,` : r === 2 ? `  owner /home/*/.config/tool${i}/** rw,` : `  deny /etc/secret${i}/** rw,`,
  )
}
const path = join(dir, 'big')
writeFileSync(path, `profile big /usr/bin/big {\n${rules.join('\n')}\n}\n`)
const policy = loadPolicy(path)
const ev = new Evaluator(policy, findProfile(policy) ?? (policy.profiles[0] as never))
const queries = smoke ? 200 : 5000
const paths = Array.from({ length: 64 }, (_, i) => [`/srv/app${i * 4}/x/y.txt`, `/var/lib/svc${i * 4 + 1}/data/a.db`, `/home/u/.config/tool${i * 4 + 2}/k`, `/etc/secret${i * 4 + 3}/p`, `/nowhere/${i}`]).flat()
ev.evaluate({ kind: 'file', path: '/warm/up', mode: 'r' }) // compiles the matchers outside the timed loop
t0 = performance.now()
for (let i = 0; i < queries; i++) ev.evaluate({ kind: 'file', path: paths[i % paths.length] as string, mode: 'r' })
const evalMs = performance.now() - t0
rmSync(dir, { recursive: true, force: true })

report(
  'profiles',
  {
    files: sample.length,
    files_ok: ok,
    check_ms: Number(oursMs.toFixed(1)),
    check_files_per_s: Number((sample.length / (oursMs / 1000)).toFixed(1)),
    eval_rules: 1000,
    eval_decisions_per_s: Number((queries / (evalMs / 1000)).toFixed(0)),
  },
  { apparmor_parser_ms: Number(theirsMs.toFixed(1)) },
  theirsMs / oursMs,
)
