// The whole agent under SIGKILL: a log file keeps growing and rotating while the agent is killed
// and restarted; every line must reach the manager's store exactly once.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { enroll, saveIdentity } from '../../../src/agent/enroll.js'
import { makeTls } from './helpers/tls.js'
import { readStore } from './helpers/file-sink.js'
import { kill, SECRET, startHelper, startManager, until, type Proc } from './helpers/procs.js'

/** Which line numbers are missing or repeated: the failure message of the test. */
function diagnose(raws: string[], written: number): string {
  const counts = new Map<number, number>()
  for (const r of raws) {
    const n = Number(/line (\d+)$/.exec(r)?.[1])
    counts.set(n, (counts.get(n) ?? 0) + 1)
  }
  const missing = Array.from({ length: written }, (_, i) => i).filter((i) => !counts.has(i))
  const twice = [...counts].filter(([, c]) => c > 1).map(([n]) => n)
  return `${raws.length} stored; missing ${missing.length} (first ${missing.slice(0, 10).join(',')}); repeated ${twice.length} (first ${twice.slice(0, 10).join(',')})`
}

test('agent SIGKILLed while the file grows and rotates: every line stored exactly once', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'aw-agent-crash-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  const tlsDir = join(root, 'tls')
  mkdirSync(tlsDir)
  makeTls(tlsDir)
  const managerDir = join(root, 'manager')
  const manager = await startManager(managerDir, tlsDir)
  t.after(() => kill(manager.proc))
  const agentDir = join(root, 'agent')
  const id = await enroll({ manager: `https://127.0.0.1:${manager.port}/`, secret: SECRET, name: 'crashy' })
  await saveIdentity(join(agentDir, 'identity.json'), id)
  const log = join(root, 'logs', 'app.log')
  mkdirSync(join(root, 'logs'))
  const config = [
    'name: crashy',
    `data_dir: ${agentDir}`,
    'sources:',
    '  file:',
    `    include: [${log}]`,
    '    from_beginning: true',
    '    poll_interval_ms: 20',
    'shipper:',
    '  batch_events: 500',
    '  max_backoff_ms: 300',
  ].join('\n')

  // The writer: syslog lines in bursts, rotating (app.log → app.log.1 → app.log.2 ...) every 2,000 lines.
  let written = 0
  let rotations = 0
  const writeBurst = () => {
    const lines: string[] = []
    for (let i = 0; i < 50; i++) lines.push(`Nov 23 01:00:00 host app[42]: line ${written++}`)
    appendFileSync(log, lines.join('\n') + '\n')
    if (written % 2000 === 0) {
      for (let i = rotations; i >= 1; i--) if (existsSync(`${log}.${i}`)) renameSync(`${log}.${i}`, `${log}.${i + 1}`)
      renameSync(log, `${log}.1`)
      rotations++
    }
  }
  const stored = () => readStore(join(managerDir, 'store.ndjson'))
  // The agent must have seen the file once: a file created and rotated away before the agent ever
  // ran is not one it can know about.
  writeBurst()
  let agent: Proc | undefined = (await startHelper('agent', [config], /started/)).proc
  await until(() => stored().length >= 50, 'the first burst stored')
  const writer = setInterval(writeBurst, 10)
  t.after(() => clearInterval(writer))
  for (let round = 1; round <= 3; round++) {
    if (round > 1) agent = (await startHelper('agent', [config], /started/)).proc
    const target = round * 4000
    await until(() => stored().length >= target, `${target} lines stored (round ${round})`)
    await kill(agent)
  }
  agent = (await startHelper('agent', [config], /started/)).proc
  t.after(() => kill(agent!))
  await new Promise((r) => setTimeout(r, 300))
  clearInterval(writer)
  await until(() => stored().length >= written, `all ${written} lines stored`).catch((err: Error) => {
    throw new Error(`${err.message}: ${diagnose(stored().map((e) => e.raw), written)}\nagent stderr: ${agent!.stderr().slice(-2000)}`)
  })
  await new Promise((r) => setTimeout(r, 300)) // anything extra (a duplicate) would arrive now
  await kill(agent, 'SIGTERM')

  const lines = stored().map((e) => Number(/line (\d+)$/.exec(e.raw)?.[1]))
  assert.ok(rotations >= 5, `rotated ${rotations} times`)
  assert.equal(lines.length, written)
  assert.deepEqual([...lines].sort((a, b) => a - b), Array.from({ length: written }, (_, i) => i))
  assert.ok(stored().every((e, i) => e.seq === i + 1 && e.agent === '001' && e.kind === 'syslog' && e.fields['host.hostname']))
})
