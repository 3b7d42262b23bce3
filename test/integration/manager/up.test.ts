/**
 * The all-in-one for real: startManager on a temp data directory with its own CA, a real HTTPS
 * port, the real rules (plus the seed's local_rules.xml) and the local agent following a log file
 * with the seed scenario; the seed's queries are then asked over HTTPS.
 */
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { enroll } from '../../../src/agent/enroll.js'
import { ManagerClient } from '../../../src/agent/client.js'
import { Shipper } from '../../../src/agent/shipper.js'
import { Spool } from '../../../src/agent/spool.js'
import { parseLines } from '../../../src/normalize/index.js'
import { applyOverrides, parseConfig } from '../../../src/manager/config.js'
import { digest } from '../../../src/manager/auth/secrets.js'
import { startManager } from '../../../src/manager/server.js'
import { openEmbeddedStore } from '../../../src/store/index.js'

const FIXTURES = new URL('../../fixtures/store/', import.meta.url).pathname

const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).href

/** Runs the CLI from source in a child process (asynchronously: this process serves its requests). */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv)`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'armorwatch', ...args], {
    env: { ...process.env, ARMORWATCH_TOKEN: '', ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

function get(url: string, headers: Record<string, string>, ca?: Buffer): Promise<{ status: number; json: () => Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const r = request(url, { headers, ...(ca ? { ca } : {}) }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: () => JSON.parse(body) as Record<string, unknown> }))
    })
    r.on('error', reject)
    r.end()
  })
}

test('armorwatch up: local agent and an enrolled agent → rules → store → HTTPS API and CLI, with the seed queries', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-up-'))
  const log = join(dir, 'audit.log')
  copyFileSync(join(FIXTURES, 'seed-scenario.audit.log'), log)
  const cfg = applyOverrides(
    parseConfig(`
listen: { host: 127.0.0.1, port: 0 }
rules: { files: [${join(FIXTURES, 'local_rules.xml')}] }
local_agent: { files: [${log}], from_beginning: true, fim: null, apparmor_state: null }
`),
    { dataDir: join(dir, 'data') },
  )
  const m = await startManager({ config: cfg, localAgent: true, adminPassword: 'a very good password' })
  let closed = false
  // One hook, in order: the manager must be closed before its files are removed.
  t.after(async () => {
    if (!closed) await m.close()
    rmSync(dir, { recursive: true, force: true })
  })
  assert.equal(m.firstAdmin?.name, 'admin')
  assert.equal(m.firstAdmin?.generated, false)
  assert.match(m.url, /^https:\/\/127\.0\.0\.1:\d+$/)
  assert.deepEqual(m.localFiles, [log])
  const ca = readFileSync(m.caPath as string)

  const admin = m.store.state.userByName('admin')
  assert.ok(admin)
  m.store.state.addToken('it', admin.id, 'it', digest('aw_integration'))
  const auth = { authorization: 'Bearer aw_integration' }
  const q = async (query: string) => {
    const r = await get(`${m.url}/api/alerts?q=${encodeURIComponent(query)}`, auth, ca)
    assert.equal(r.status, 200)
    return r.json().rows as Record<string, unknown>[]
  }

  // TLS is verified against our own CA; without it the client refuses the certificate.
  await assert.rejects(get(`${m.url}/api/health`, {}), /self[- ]signed|unable to verify|certificate/i)
  assert.equal((await get(`${m.url}/api/health`, {}, ca)).status, 200)
  assert.equal((await get(`${m.url}/api/alerts`, {}, ca)).status, 401)
  // Over TLS the session cookie is Secure as well as HttpOnly and SameSite=Strict.
  const cookie = await new Promise<string>((resolve, reject) => {
    const body = JSON.stringify({ username: 'admin', password: 'a very good password' })
    request(`${m.url}/api/auth/login`, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      resolve(String(res.headers['set-cookie']))
    }).on('error', reject).end(body)
  })
  assert.match(cookie, /aw_session=.+; .*HttpOnly; Secure; SameSite=Strict/)

  // The local agent reads the file; wait until its alerts are stored.
  for (let i = 0; i < 200; i++) {
    const rows = await q('rule.id: 100701 | stats count')
    if ((rows[0]?.count as number) >= 3) break
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.deepEqual(await q('rule.id: 100701 | stats count'), [{ count: 3 }])
  assert.deepEqual(await q('rule.id: 100702 | stats count by data.audit.exe'), [
    { 'data.audit.exe': '/usr/local/bin/test-app', count: 1 },
    { 'data.audit.exe': '/usr/sbin/database-server', count: 1 },
  ])
  const denied = await q('rule.groups: apparmor AND data.audit.type: "APPARMOR_DENIED"')
  assert.ok(denied.length >= 7, `denied alerts: ${denied.length}`)
  const one = denied[0] as { id: string }
  const got = await get(`${m.url}/api/alerts/${encodeURIComponent(one.id)}`, auth, ca)
  assert.deepEqual(got.json(), one)
  const agg = (await get(`${m.url}/api/alerts/aggregations`, auth, ca)).json() as Record<string, { rows: unknown[] }>
  assert.ok((agg.top_profiles?.rows.length ?? 0) > 0)
  const metrics = await new Promise<string>((resolve, reject) => {
    request(`${m.url}/metrics`, { headers: auth, ca }, (res) => {
      let b = ''
      res.on('data', (c: Buffer) => (b += c.toString()))
      res.on('end', () => resolve(b))
    }).on('error', reject).end()
  })
  assert.match(metrics, /armorwatch_alerts_total\{level="10"\} 3/)
  assert.match(metrics, /armorwatch_events_received_total\{agent="000"\}/)

  // A remote agent enrolls (pinning our CA), ships a spool of parsed events, and they are analyzed.
  const agentDir = join(dir, 'agent')
  const identity = await enroll({ manager: `${m.url}/`, secret: readFileSync(m.enrollmentSecretPath, 'utf8').trim(), name: 'h1', caFingerprint: m.fingerprint as string })
  const client = new ManagerClient(identity)
  const spool = await Spool.open(join(agentDir, 'spool'))
  let acked = 0
  const stop = new AbortController()
  const shipping = new Shipper(spool, client, { minBackoffMs: 20, maxBackoffMs: 200, onAck: (seq) => (acked = seq) }).run(stop.signal)
  const { events } = parseLines(readFileSync(join(FIXTURES, 'seed-scenario.audit.log'), 'utf8'), { location: '/var/log/audit/audit.log' })
  await spool.append(events)
  for (let i = 0; i < 300 && acked < events.length; i++) await new Promise((r) => setTimeout(r, 50))
  stop.abort()
  await shipping
  await spool.close()
  client.close()
  assert.equal(acked, events.length)
  assert.deepEqual(await q(`agent.id: ${identity.agent_id} AND rule.id: 100701 | stats count by agent.name`), [{ 'agent.name': 'h1', count: 3 }])
  // The channel's notices are events too: the enrollment is in the store.
  assert.deepEqual(await q(`agent.id: ${identity.agent_id} AND decoder.name: armorwatch | stats count`), [{ count: 1 }])
  const agents = (await get(`${m.url}/api/agents`, auth, ca)).json().agents as { id: string; name: string; stored_seq: number }[]
  assert.deepEqual(
    agents.map((a) => [a.id, a.name, a.stored_seq]),
    // The local agent read the same scenario file, numbered by its spool like a remote agent's.
    [[identity.agent_id, 'h1', events.length], ['000', 'local', events.length]],
  )

  // Another process cannot open the held store: `armorwatch query` finds the manager and asks it.
  const cli = await runCli(['query', 'rule.id: 100702 | stats count by data.audit.exe', '--data-dir', m.dataDir, '--json'], { ARMORWATCH_TOKEN: 'aw_integration' })
  assert.equal(cli.code, 0, cli.stderr)
  assert.deepEqual(JSON.parse(cli.stdout), {
    rows: [
      { 'data.audit.exe': '/usr/local/bin/test-app', count: 2 },
      { 'data.audit.exe': '/usr/sbin/database-server', count: 2 },
    ],
  })
  const noToken = await runCli(['query', '*', '--data-dir', m.dataDir], {})
  assert.equal(noToken.code, 2)
  assert.match(noToken.stderr, /a manager serves this data at https:\/\/127\.0\.0\.1:\d+: pass --token/)

  // Held half-assembled events are sent after a quiet moment: local and shipped alerts agree.
  let local = 0
  for (let i = 0; i < 100 && local < 22; i++) {
    local = ((await q('agent.id: 000 | stats count'))[0]?.count as number) ?? 0
    if (local < 22) await new Promise((r) => setTimeout(r, 100))
  }
  assert.deepEqual(await q('NOT decoder.name: armorwatch | stats count by agent.id | sort agent.id'), [{ 'agent.id': '000', count: 22 }, { 'agent.id': '001', count: 22 }])
  await m.close()
  closed = true
  // Everything is durable in the data directory after a clean stop, alerts.json included.
  const lines = readFileSync(join(dir, 'data/logs/alerts.json'), 'utf8').trim().split('\n')
  const store = await openEmbeddedStore(join(dir, 'data'))
  try {
    const { rows } = await store.alerts.query('| stats count')
    assert.equal(rows[0]?.count, lines.length)
    assert.ok(lines.length >= 20)
  } finally {
    await store.close()
  }
  assert.equal(existsSync(join(dir, 'data/manager.json')), false)

  // A restart resumes the local agent where it stopped: only lines added since are read.
  appendFileSync(log, readFileSync(join(FIXTURES, 'seed-scenario.audit.log')))
  const m2 = await startManager({ config: cfg, localAgent: true })
  try {
    assert.equal(m2.firstAdmin, undefined, 'the admin is created once')
    let n = 0
    for (let i = 0; i < 200 && n < 2 * local; i++) {
      await new Promise((r) => setTimeout(r, 100))
      n = ((await m2.store.alerts.query('agent.id: 000 | stats count')).rows[0]?.count as number) ?? 0
    }
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(((await m2.store.alerts.query('agent.id: 000 | stats count')).rows[0]?.count as number), 2 * local)
  } finally {
    await m2.close()
  }
})
