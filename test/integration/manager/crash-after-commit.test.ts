// The manager SIGKILLed right after a store commit, before anything else ran (the crash point of
// src/store/duckdb/crash-point.ts): restarted, with the agent resending what was never
// acknowledged and a batch replayed on purpose, every event is stored exactly once.
import { spawn, type ChildProcess } from 'node:child_process'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { ManagerClient } from '../../../src/agent/client.js'
import { enroll } from '../../../src/agent/enroll.js'
import { Headers, Routes } from '../../../src/agent/protocol.js'
import { Shipper } from '../../../src/agent/shipper.js'
import { Spool } from '../../../src/agent/spool.js'
import { parseLines } from '../../../src/normalize/index.js'

const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).href

interface Manager {
  child: ChildProcess
  exited: Promise<NodeJS.Signals | number | null>
  url: string
  fingerprint: string
  stderr: () => string
}

/** `armorwatch manager --json` from source; resolves with its URL once it listens. `spawned` sees the child at once (cleanup). */
function startManagerCli(dataDir: string, config: string, env: Record<string, string>, spawned: (c: ChildProcess) => void): Promise<Manager> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv)`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'armorwatch', 'manager', '--data-dir', dataDir, '--config', config, '--json'], {
    env: { ...process.env, ARMORWATCH_ADMIN_PASSWORD: 'a very good password', ...env },
  })
  spawned(child)
  let out = ''
  let err = ''
  child.stderr.on('data', (c: Buffer) => (err += c.toString()))
  const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on('exit', (code, signal) => r(signal ?? code)))
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      let j: { url: string; fingerprint: string }
      try {
        j = JSON.parse(out) as typeof j // the whole (pretty-printed) JSON document has arrived
      } catch {
        return
      }
      resolve({ child, exited, url: j.url, fingerprint: j.fingerprint, stderr: () => err })
    })
    void exited.then((code) => reject(new Error(`the manager exited (${code}) before it listened:\n${err}`)))
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const N = 3000

/** Every third line is an AppArmor denial (an alert); the others are plain syslog lines (no alert). */
function lines(): string {
  const out: string[] = []
  for (let i = 1; i <= N; i++) {
    out.push(
      i % 3 === 0
        ? `type=AVC msg=audit(1795168805.685:${i}): apparmor="DENIED" operation="open" class="file" profile="/usr/bin/x" name="/etc/secret-${i}" pid=4467 comm="x" requested_mask="r" denied_mask="r" fsuid=0 ouid=0`
        : `Nov 23 01:00:00 host app[42]: line ${i}`,
    )
  }
  return out.join('\n') + '\n'
}

test('manager SIGKILLed right after store commits: resent and replayed batches are stored exactly once', { timeout: 120_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'aw-crash-commit-'))
  const children: ChildProcess[] = []
  const closers: (() => unknown)[] = []
  // One hook, in order: processes and files closed before the directory goes.
  t.after(async () => {
    for (const c of closers.reverse()) await c()
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL')
        await new Promise((r) => c.once('exit', r))
      }
    }
    rmSync(root, { recursive: true, force: true })
  })
  const dataDir = join(root, 'data')
  const config = join(root, 'armorwatch.yaml')
  const port = await freePort()
  writeFileSync(config, `listen: { host: 127.0.0.1, port: ${port} }\nstore: { archive_events: true }\n`)
  const start = async (crashAfter?: number): Promise<Manager> => {
    return startManagerCli(dataDir, config, crashAfter ? { ARMORWATCH_TEST_CRASH_AFTER_COMMITS: String(crashAfter) } : {}, (c) => children.push(c))
  }

  let m = await start(2)
  const identity = await enroll({ manager: `${m.url}/`, secret: readFileSync(join(dataDir, 'enrollment.secret'), 'utf8').trim(), name: 'h1', caFingerprint: m.fingerprint })
  const spool = await Spool.open(join(root, 'spool'))
  closers.push(() => spool.close())
  const { events } = parseLines(lines(), { location: '/var/log/mixed.log' })
  assert.equal(events.length, N)
  // Frames of 100 events (as source batches would be): a shipped batch is whole frames.
  for (let i = 0; i < N; i += 100) await spool.append(events.slice(i, i + 100))
  // A batch the test sends again itself at the end, as an agent that lost an ack would.
  const replay = await spool.readBatch(1, 100)
  assert.ok(replay)

  const client = new ManagerClient(identity)
  closers.push(() => client.close())
  let acked = 0
  const stop = new AbortController()
  closers.push(() => stop.abort())
  const shipping = new Shipper(spool, client, { batchEvents: 100, minBackoffMs: 20, maxBackoffMs: 200, onAck: (seq) => (acked = seq) }).run(stop.signal)

  // Three crashes, each right after a commit of this agent's events, then a manager that stays up.
  for (const next of [3, 1, undefined]) {
    assert.equal(await m.exited, 'SIGKILL', `the manager died at its crash point: ${m.stderr().slice(-500)}`)
    m = await start(next)
  }
  await until(() => acked >= N, `all ${N} events acknowledged (acked ${acked})`)
  stop.abort()
  await shipping

  const r = await client.call('POST', Routes.events, {
    body: replay.ndjson,
    headers: { 'content-type': 'application/x-ndjson', [Headers.firstSeq]: String(replay.first), [Headers.lastSeq]: String(replay.last) },
  })
  assert.deepEqual(JSON.parse(r.body), { stored_seq: N, duplicates: replay.last - replay.first + 1 })

  m.child.kill('SIGTERM')
  assert.equal(await m.exited, 0)
  const db = await DuckDBInstance.create(join(dataDir, 'alerts.duckdb'))
  closers.push(() => db.closeSync())
  const conn = await db.connect()
  const one = async (sql: string) => (await conn.runAndReadAll(sql)).getRows()[0]?.map(Number)
  assert.deepEqual(
    await one(`SELECT count(*), count(DISTINCT agent_seq), min(agent_seq), max(agent_seq) FROM events WHERE agent = '${identity.agent_id}' AND agent_seq > 0`),
    [N, N, 1, N],
    'every event archived once (seq 0: the manager\'s own notices about the agent)',
  )
  assert.deepEqual(
    await one(`SELECT count(*), count(DISTINCT full_log) FROM alerts WHERE agent_id = '${identity.agent_id}' AND full_log LIKE '%DENIED%'`),
    [N / 3, N / 3],
    'every denial alerted once',
  )
  assert.deepEqual(await one(`SELECT seq FROM agent_marks WHERE agent = '${identity.agent_id}'`), [N])
  conn.closeSync()
})
