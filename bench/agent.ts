/**
 * bench/agent: the agent end to end, file source → normalizer → spool → HTTPS → manager store.
 *
 * 1. Throughput: N syslog lines already in a file, the agent started with from_beginning; events/s
 *    from the agent's start until the manager stored the last one.
 * 2. Cost at a fixed 5,000 events/s: a writer appends 50 lines every 10 ms; the agent's own CPU
 *    (utime+stime from /proc over the steady window) and peak RSS (VmHWM).
 * The agent runs in its own process (this file with `--child`); the manager (the agent-channel
 * plugin on fastify over HTTPS, storing NDJSON with fdatasync) runs here and is not counted.
 * Targets (issue 5): RSS under 80 MB and under 10% of a core at 5,000 events/s; the ratio is the
 * larger share of either budget used (below 1 meets both).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { appendFileSync, closeSync, fdatasyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { report, smoke } from './report.js'
import ts from 'typescript'
import { enroll, saveIdentity } from '../src/agent/enroll.js'
import { AgentChannel, AgentRegistry, PROTOCOL_PREFIX } from '../src/manager/agent-channel/index.js'
import type { Event } from '../src/event/index.js'

/**
 * The agent child runs compiled JavaScript, as installed (tsx would add ~35 MB of its own): the
 * agent's modules are compiled with the TypeScript API into the work dir, whose node_modules is a
 * link to the project's.
 */
function compileAgent(out: string): string {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const entries = ['src/agent/agent.ts', 'src/agent/config.ts'].map((f) => join(root, f))
  const program = ts.createProgram(entries, {
    target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    outDir: out, rootDir: root, skipLibCheck: true, esModuleInterop: true, resolveJsonModule: true, noCheck: true,
  })
  program.emit()
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'))
  writeFileSync(join(out, 'package.json'), '{"type":"module"}')
  const child = join(out, 'child.mjs')
  writeFileSync(child, [
    "import { runAgent } from './src/agent/agent.js'",
    "import { loadAgentConfig } from './src/agent/config.js'",
    'const stop = new AbortController()',
    "process.on('SIGTERM', () => stop.abort())",
    'const running = runAgent(loadAgentConfig(process.argv[2]), stop.signal)',
    "process.stdout.write('started\\n')",
    'await running',
    'process.exit(0)',
  ].join('\n'))
  return child
}

const SECRET = 'bench-agent-enrollment-secret'
const work = mkdtempSync(join(tmpdir(), 'aw-bench-agent-'))
const childScript = compileAgent(join(work, 'js'))
const tls = join(work, 'tls')
mkdirSync(tls)
const ssl = (...a: string[]) => execFileSync('openssl', a, { cwd: tls, stdio: 'pipe' })
ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=bench CA',
  '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign')
ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost')
writeFileSync(join(tls, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n')
ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'ext.cnf')

let stored = 0
const storeFd = openSync(join(work, 'store.ndjson'), 'a')
const registry = new AgentRegistry(join(work, 'manager'))
const channel = new AgentChannel({
  enrollmentSecret: SECRET,
  registry,
  maxEventsPerSecond: 10_000_000, // the bench measures the agent, not the per-agent rate limit
  sink: {
    store: async (_a: string, events: Event[]) => {
      writeSync(storeFd, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
      fdatasyncSync(storeFd)
      stored += events.length
    },
    highestSeq: async () => 0,
  },
})
const app = Fastify({ https: { key: readFileSync(join(tls, 'server.key')), cert: readFileSync(join(tls, 'server.pem'), 'utf8') + readFileSync(join(tls, 'ca.pem'), 'utf8') } })
await app.register(channel.plugin, { prefix: PROTOCOL_PREFIX })
await app.listen({ host: '127.0.0.1', port: 0 })
const manager = `https://127.0.0.1:${(app.server.address() as { port: number }).port}/`

// The agent's garbage is short-lived batches: V8's default 16 MB semi-spaces and a lazily collected
// old space mostly buy RSS. The same flags are in the systemd unit; AW_AGENT_NODE_FLAGS overrides
// (and MALLOC_ARENA_MAX the unit's 2).
const nodeFlags = process.env.AW_AGENT_NODE_FLAGS?.split(' ').filter(Boolean) ?? ['--max-semi-space-size=2', '--max-old-space-size=64']
const line = (i: number) => `Nov 23 01:00:00 web01 sshd[4242]: Accepted publickey for deploy from 10.0.0.${i % 250} port ${40000 + (i % 20000)} ssh2: ED25519 SHA256:bench${i}`

async function startAgent(name: string, log: string): Promise<{ child: ChildProcess; dir: string }> {
  const dir = join(work, name)
  await saveIdentity(join(dir, 'identity.json'), await enroll({ manager, secret: SECRET, name }))
  const cfg = [`name: ${name}`, `data_dir: ${dir}`, 'sources:', '  file:', `    include: [${log}]`, '    from_beginning: true', 'status_interval_ms: 3600000'].join('\n')
  const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' } // as the systemd unit sets it
  const child = spawn(process.execPath, [...nodeFlags, childScript, cfg], { stdio: ['ignore', 'pipe', 'inherit'], env })
  await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('started') && resolve()))
  return { child, dir }
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 20))
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return Number(f[11]) + Number(f[12]) // utime + stime, in clock ticks (100/s)
}
const hwmMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024
const stopAgent = async (c: ChildProcess) => {
  c.kill('SIGTERM')
  await new Promise((r) => c.once('exit', r))
}

// 1. Throughput.
const N = smoke ? 20_000 : 200_000
const bulk = join(work, 'bulk.log')
const lines: string[] = []
for (let i = 0; i < N; i++) lines.push(line(i))
writeFileSync(bulk, lines.join('\n') + '\n')
// Timed from the agent process being up (enrollment and Node's start-up are not throughput).
const a1 = await startAgent('bulk', bulk)
const t0 = performance.now()
await until(() => stored >= N)
const throughput = N / ((performance.now() - t0) / 1000)
await stopAgent(a1.child)

// 2. Cost at 5,000 events/s.
stored = 0
const paced = join(work, 'paced.log')
writeFileSync(paced, '')
const a2 = await startAgent('paced', paced)
const pid = a2.child.pid!
let written = 0
const pacedStart = performance.now()
// Writes whatever the clock says is due, so timer drift does not lower the rate.
const writer = setInterval(() => {
  const due = Math.floor(((performance.now() - pacedStart) / 1000) * 5000)
  const burst: string[] = []
  while (written < due) burst.push(line(written++))
  if (burst.length) appendFileSync(paced, burst.join('\n') + '\n')
}, 10)
const warmMs = smoke ? 1000 : 3000
const windowMs = smoke ? 3000 : 20_000
await new Promise((r) => setTimeout(r, warmMs))
const c0 = cpuTicks(pid)
const w0 = performance.now()
const s0 = stored
await new Promise((r) => setTimeout(r, windowMs))
const cpuPercent = ((cpuTicks(pid) - c0) / 100 / ((performance.now() - w0) / 1000)) * 100
const achieved = (stored - s0) / ((performance.now() - w0) / 1000)
clearInterval(writer)
await until(() => stored >= written)
const rss = hwmMb(pid)
await stopAgent(a2.child)
await app.close()
registry.close()
closeSync(storeFd)
rmSync(work, { recursive: true, force: true })

process.stdout.write(`throughput run: ${N} events; paced run: ${Math.round(achieved)} events/s stored over ${windowMs / 1000} s\n`)
report(
  'agent',
  { events_per_s: Math.round(throughput), rss_mb: Number(rss.toFixed(1)), cpu_percent: Number(cpuPercent.toFixed(1)), paced_events_per_s: Math.round(achieved) },
  { rss_mb: 80, cpu_percent: 10 },
  Math.max(rss / 80, cpuPercent / 10),
)
