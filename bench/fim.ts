/**
 * FIM benchmark: baseline scan throughput of a large tree (default /usr/share, ~47k files) in
 * files/s next to AIDE's `aide --init` with the equivalent rule (perm, inode, links, owner, group,
 * size, mtime, md5, sha1, sha256) on the same tree in the same run; then realtime detection latency
 * (file written → event emitted) over real inotify, p50/p99, with the default configuration
 * (50 ms coalescing; back-to-back writes also pass the bulk-change gate), and the p50 of isolated
 * writes (2.1 s apart).
 *
 * `npm run bench -- fim [--tree DIR] [--samples N]`; `--smoke` uses a small generated tree.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { report, smoke } from './report.js'
import { Baseline, compileFimConfig, FimEngine, FimMonitor } from '../src/sources/fim/index.js'

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

const work = mkdtempSync(join(tmpdir(), 'aw-bench-fim-'))
let tree = arg('--tree') ?? '/usr/share'
if (smoke) {
  tree = join(work, 'tree')
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(tree, `d${d}`), { recursive: true })
    for (let f = 0; f < 50; f++) writeFileSync(join(tree, `d${d}`, `f${f}`), `file ${d}/${f}\n`.repeat(20))
  }
}
const samples = Number(arg('--samples') ?? (smoke ? 20 : 100))

async function ourScan(): Promise<{ files: number; ms: number }> {
  const db = new Baseline(join(work, `fim-${Date.now()}.db`))
  const cfg = compileFimConfig({ directories: [{ path: tree }] })
  const s = await new FimEngine(cfg, db, () => {}).scan()
  db.close()
  return { files: s.files, ms: s.ms }
}

function aideInit(): { files: number; ms: number } | undefined {
  const has = spawnSync('aide', ['--version'], { encoding: 'utf8' })
  if (has.status !== 0) return undefined
  const conf = join(work, 'aide.conf')
  writeFileSync(
    conf,
    [
      `database_out=file:${join(work, 'aide.db.new')}`,
      'gzip_dbout=no',
      'report_url=stdout',
      `num_workers=${cpus().length}`,
      'FIM = p+i+n+u+g+s+m+md5+sha1+sha256',
      `${tree} FIM`,
      '',
    ].join('\n'),
  )
  const t0 = performance.now()
  const r = spawnSync('aide', ['--init', '-c', conf], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })
  const ms = performance.now() - t0
  if (r.status !== 0) {
    process.stderr.write(`aide --init failed (${r.status}): ${r.stderr.slice(0, 500)}\n`)
    return undefined
  }
  // AIDE counts directories too; count what it hashed the way we do: regular files and links.
  const files = Number(execFileSync('sh', ['-c', `find '${tree}' -xdev \\( -type f -o -type l \\) | wc -l`], { encoding: 'utf8' }).trim())
  return { files, ms }
}

/**
 * Write → event latencies over `n` writes: back to back (each write right after the previous event:
 * a burst, so the bulk gate holds each event for bulk_quiet_ms), or `spacedMs` apart (isolated
 * changes, which go out after realtime_delay_ms only).
 */
async function realtimeLatency(n: number, spacedMs = 0): Promise<number[]> {
  const dir = join(work, `rt-${spacedMs}`)
  mkdirSync(dir)
  const seen = new Map<string, number>()
  let waiting: ((path: string) => void) | undefined
  const m = new FimMonitor({
    config: compileFimConfig({ directories: [{ path: dir, realtime: true, report_changes: true }] }),
    database: ':memory:',
    emit: (e) => {
      const p = e.fields['syscheck.path']
      if (typeof p === 'string') {
        seen.set(p, performance.now())
        waiting?.(p)
      }
    },
  })
  await m.start()
  const lat: number[] = []
  for (let i = 0; i < n; i++) {
    if (spacedMs) await new Promise((r) => setTimeout(r, spacedMs))
    const p = join(dir, `profile.${i % 20}`)
    const got = new Promise<void>((resolve) => (waiting = (q) => q === p && resolve()))
    const t0 = performance.now()
    writeFileSync(p, `profile p${i} {\n  /etc/hosts r,\n}\n`)
    await got
    lat.push((seen.get(p) as number) - t0)
  }
  await m.stop()
  return lat.sort((a, b) => a - b)
}

const pct = (xs: number[], q: number): number => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number

// Warm the page cache once so that neither contender pays the cold reads the other did not.
execFileSync('sh', ['-c', `find '${tree}' -xdev -type f -print0 | xargs -0 cat > /dev/null 2>&1 || true`])
const ours = await ourScan()
const aide = aideInit()
const lat = await realtimeLatency(samples)
const isolated = await realtimeLatency(smoke ? 3 : 10, 2100) // > bulk_window_ms (2000)
rmSync(work, { recursive: true, force: true })

const oursRate = ours.files / (ours.ms / 1000)
const aideRate = aide ? aide.files / (aide.ms / 1000) : 0
process.stdout.write(`tree: ${tree} (${ours.files} files); ours ${(ours.ms / 1000).toFixed(1)} s, aide ${aide ? (aide.ms / 1000).toFixed(1) + ' s' : 'not installed'}\n`)
report(
  'fim',
  {
    files_per_s: Math.round(oursRate),
    files: ours.files,
    realtime_p50_ms: Number(pct(lat, 0.5).toFixed(1)),
    realtime_p99_ms: Number(pct(lat, 0.99).toFixed(1)),
    realtime_samples: lat.length,
    realtime_isolated_p50_ms: Number(pct(isolated, 0.5).toFixed(1)),
  },
  aide ? { aide_files_per_s: Math.round(aideRate), aide_workers: cpus().length } : { aide_files_per_s: 'not installed' },
  aide ? oursRate / aideRate : 0,
)
