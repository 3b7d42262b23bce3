// `armorwatch up` SIGKILLed mid-stream, three times, while its local agent follows a file that
// keeps growing and rotating and FIM sees new profiles: after a restart every line and every FIM
// change is in the store exactly once (the local agent's spool, numbered events, store marks).
import { spawn, type ChildProcess } from 'node:child_process'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { digest } from '../../../src/manager/auth/secrets.js'
import { StateStore } from '../../../src/store/index.js'

const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).href

/** `armorwatch up --json` from source; resolves with its URL and CA once it listens. */
function up(dataDir: string, config: string, children: ChildProcess[]): Promise<{ child: ChildProcess; url: string; ca: Buffer }> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv)`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'armorwatch', 'up', '--data-dir', dataDir, '--config', config, '--json'])
  children.push(child)
  let out = ''
  let err = ''
  child.stderr.on('data', (c: Buffer) => (err += c.toString()))
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      let j: { url: string; ca: string }
      try {
        j = JSON.parse(out) as typeof j
      } catch {
        return
      }
      resolve({ child, url: j.url, ca: readFileSync(j.ca) })
    })
    child.on('exit', (code) => reject(new Error(`armorwatch up exited (${code}) before it listened:\n${err}`)))
  })
}

function count(url: string, ca: Buffer, query: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${url}/api/alerts?q=${encodeURIComponent(`${query} | stats count`)}`, { ca, headers: { authorization: 'Bearer aw_up_crash' } }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve(Number((JSON.parse(body) as { rows: { count?: number }[] }).rows[0]?.count ?? 0)))
    }).on('error', reject).end()
  })
}

const kill = (c: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()).kill(signal))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

test('armorwatch up SIGKILLed while a file grows and rotates and FIM changes happen: every line and change stored once', { timeout: 180_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'aw-up-crash-'))
  const children: ChildProcess[] = []
  const timers: NodeJS.Timeout[] = []
  t.after(async () => {
    timers.forEach(clearInterval)
    for (const c of children) await kill(c)
    rmSync(root, { recursive: true, force: true })
  })
  const dataDir = join(root, 'data')
  const log = join(root, 'logs', 'audit.log')
  const profiles = join(root, 'apparmor.d')
  mkdirSync(join(root, 'logs'))
  mkdirSync(profiles)
  mkdirSync(dataDir)
  // A token for the API: this user exists, so no first admin is made.
  const state = new StateStore(join(dataDir, 'state.sqlite'))
  state.addToken('it', state.addUser('it', 'unused', 'admin').id, 'it', digest('aw_up_crash'))
  state.close()
  const config = join(root, 'armorwatch.yaml')
  // bulk_window_ms: 1, so that every new profile is its own FIM event at once (the burst logic,
  // which holds close changes together, is not what this test is about).
  writeFileSync(config, `listen: { host: 127.0.0.1, port: 0 }
store: { archive_events: true }
local_agent:
  files: [${log}]
  from_beginning: true
  apparmor_state: null
  fim: { directories: [{ path: ${profiles}, realtime: true }], bulk_window_ms: 1 }
`)

  // Every line an AppArmor denial (an alert), in bursts; the file rotates every 2,000 lines, slowly
  // enough that it does not rotate twice while armorwatch restarts (it follows one rotation).
  let written = 0
  let rotations = 0
  const writeBurst = () => {
    const lines: string[] = []
    for (let i = 0; i < 20; i++, written++) {
      lines.push(`type=AVC msg=audit(1795168805.685:${written + 1}): apparmor="DENIED" operation="open" class="file" profile="/usr/bin/x" name="/etc/secret-${written}" pid=4467 comm="x" requested_mask="r" denied_mask="r" fsuid=0 ouid=0`)
    }
    appendFileSync(log, lines.join('\n') + '\n')
    if (written % 2000 === 0) {
      for (let i = rotations; i >= 1; i--) if (existsSync(`${log}.${i}`)) renameSync(`${log}.${i}`, `${log}.${i + 1}`)
      renameSync(log, `${log}.1`)
      rotations++
    }
  }
  let profilesMade = 0
  const addProfile = () => writeFileSync(join(profiles, `usr.bin.p${profilesMade++}`), `/usr/bin/p${profilesMade} {\n}\n`)
  writeBurst()

  let m = await up(dataDir, config, children)
  timers.push(setInterval(writeBurst, 50), setInterval(addProfile, 150))
  // Each run lasts longer than the pipeline's hold of a still-incomplete audit event (2 s): a busy
  // audit.log always ends with one, so positions are committed every 2 s, not at every batch.
  for (let round = 0; round < 3; round++) {
    await sleep(2500 + round * 700)
    await kill(m.child)
    m = await up(dataDir, config, children)
  }
  await sleep(1000)
  timers.forEach(clearInterval)
  const denied = 'agent.id: 000 AND DENIED'
  for (let end = Date.now() + 60_000; (await count(m.url, m.ca, denied)) < written; await sleep(200)) {
    if (Date.now() > end) assert.fail(`${await count(m.url, m.ca, denied)} of ${written} lines stored`)
  }
  await sleep(1000) // FIM's realtime check and anything extra (a duplicate) would arrive now
  await kill(m.child, 'SIGTERM')

  const db = await DuckDBInstance.create(join(dataDir, 'alerts.duckdb'))
  const conn = await db.connect()
  const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRows()
  try {
    const lines = await rows(`SELECT count(*), count(DISTINCT raw), count(DISTINCT agent_seq) FROM events WHERE agent = '000' AND source = 'file'`)
    assert.deepEqual(lines[0]?.map(Number), [written, written, written], 'every line archived once, each under its own seq')
    const fim = await rows(`SELECT json_extract_string(fields, '$."syscheck.path"') AS p, count(*) FROM events WHERE agent = '000' AND source = 'fim' AND json_extract_string(fields, '$."syscheck.event"') = 'added' GROUP BY p`)
    assert.equal(fim.length, profilesMade, 'every new profile reported')
    // DuckDB counts are BigInts, which JSON.stringify refuses: strings for the message.
    assert.deepEqual(fim.filter((r) => Number(r[1]) !== 1).map((r) => `${String(r[0])} ×${String(r[1])}`), [], 'every new profile reported once')
    assert.ok(rotations >= 2, `rotated ${rotations} times`)
  } finally {
    conn.closeSync()
    db.closeSync()
  }
})
