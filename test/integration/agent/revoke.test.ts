// Revocation end to end: a real manager (startManager, HTTPS, store, rules), a real agent process
// following a file, and `armorwatch agents revoke` run as a user runs it. The agents list shows the
// agent's report (version, host, spool depth, rate); after the revocation nothing more is stored,
// the agent's events wait in its spool, and the notice became an alert.
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { enroll, saveIdentity } from '../../../src/agent/enroll.js'
import { Spool } from '../../../src/agent/spool.js'
import { digest } from '../../../src/manager/auth/secrets.js'
import { applyOverrides, parseConfig } from '../../../src/manager/config.js'
import { startManager } from '../../../src/manager/server.js'
import type { AgentInfo } from '../../../src/manager/services.js'
import { VERSION } from '../../../src/version.js'
import { kill, startHelper, until } from './helpers/procs.js'

const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).href

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv)`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'armorwatch', ...args], { env: { ...process.env, NO_COLOR: '1', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

function getJson<T>(url: string, token: string, ca: Buffer): Promise<T> {
  return new Promise((resolve, reject) => {
    const r = request(url, { headers: { authorization: `Bearer ${token}` }, ca }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as T) : reject(new Error(`${url}: ${res.statusCode} ${body}`))))
    })
    r.on('error', reject)
    r.end()
  })
}

test('revoke a running agent: refused from then on, its events spool, the notice is an alert', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-revoke-'))
  const dataDir = join(dir, 'manager')
  const m = await startManager({
    config: applyOverrides(parseConfig('listen: { host: 127.0.0.1, port: 0 }\n'), { dataDir }),
    localAgent: false,
    adminPassword: 'a very good password',
  })
  const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true }), () => m.close()]
  t.after(async () => {
    for (const c of cleanups.reverse()) await c()
  })
  const ca = readFileSync(m.caPath as string)
  const admin = m.store.state.userByName('admin')!
  m.store.state.addToken('it', admin.id, 'it', digest('aw_admin_token'))
  const viewer = m.store.state.addUser('watcher', 'x', 'viewer')
  m.store.state.addToken('iv', viewer.id, 'iv', digest('aw_viewer_token'))

  const agentDir = join(dir, 'agent')
  await saveIdentity(join(agentDir, 'identity.json'), await enroll({ manager: m.url, secret: readFileSync(m.enrollmentSecretPath, 'utf8').trim(), name: 'web-1' }))
  const log = join(dir, 'app.log')
  writeFileSync(log, '')
  const line = (i: number) => `Jan  1 00:00:00 web-1 app[1]: line ${i}\n`
  const cfg = [
    'name: web-1', `data_dir: ${agentDir}`,
    `sources: { file: { include: [${log}], from_beginning: true, poll_interval_ms: 50 } }`,
    'shipper: { max_backoff_ms: 300, keepalive_ms: 1000 }',
  ].join('\n')
  const { proc: agent } = await startHelper('agent', [cfg], /started/)
  cleanups.push(() => kill(agent, 'SIGTERM'))

  const agents = async () => (await getJson<{ agents: AgentInfo[] }>(`${m.url}/api/agents`, 'aw_viewer_token', ca)).agents
  for (let i = 0; i < 50; i++) appendFileSync(log, line(i))
  let row: AgentInfo | undefined
  await until(async () => {
    row = (await agents()).find((a) => a.id === '001')
    return row?.stored_seq === 50 && row.spool_depth === 0
  }, 'the first 50 events stored and a keepalive with an empty spool')
  assert.equal(row!.status, 'connected')
  assert.deepEqual([row!.version, row!.hostname, row!.name], [VERSION, hostname(), 'web-1'])
  assert.ok(row!.events_per_s > 0 && row!.events_per_s <= 50 / 60 + 0.01, `events_per_s ${row!.events_per_s}`)

  const env = { ARMORWATCH_TOKEN: '' }
  const asViewer = await cli(['agents', 'revoke', '001', '--data-dir', dataDir, '--token', 'aw_viewer_token'], env)
  assert.equal(asViewer.code, 2)
  assert.match(asViewer.stderr, /403: this needs the admin role/)
  const noToken = await cli(['agents', 'revoke', '001', '--data-dir', dataDir], env)
  assert.equal(noToken.code, 2)
  assert.match(noToken.stderr, /pass --token or set ARMORWATCH_TOKEN/)
  const unknown = await cli(['agents', 'revoke', '042', '--data-dir', dataDir, '--token', 'aw_admin_token'], env)
  assert.equal(unknown.code, 1)

  const r = await cli(['agents', 'revoke', '001', '--data-dir', dataDir, '--token', 'aw_admin_token'], env)
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout, 'agent 001 (web-1) revoked\n')
  const again = await cli(['agents', 'revoke', '001', '--url', m.url, '--ca', m.caPath as string, '--token', 'aw_admin_token', '--json'], env)
  assert.equal(again.code, 0, again.stderr)
  const body = JSON.parse(again.stdout) as { agent: AgentInfo; changed: boolean }
  assert.deepEqual([body.changed, body.agent.status], [false, 'revoked'])

  // The agent keeps reading and spooling; the manager refuses it and stores nothing more.
  for (let i = 50; i < 80; i++) appendFileSync(log, line(i))
  await until(() => /this agent was revoked/.test(agent.stderr()), 'the agent logs that it was revoked')
  await new Promise((res) => setTimeout(res, 1000))
  const after = (await agents()).find((a) => a.id === '001')!
  assert.deepEqual([after.status, after.stored_seq], ['revoked', 50])

  const list = await cli(['agents', 'list', '--data-dir', dataDir, '--token', 'aw_viewer_token', '--json'], env)
  assert.equal(list.code, 0, list.stderr)
  assert.equal((JSON.parse(list.stdout) as { agents: AgentInfo[] }).agents.find((a) => a.id === '001')?.status, 'revoked')

  // The revocation and the refused attempts are alerts (rule 110808, agent notices).
  const q = (s: string) => `${m.url}/api/alerts?q=${encodeURIComponent(s)}`
  await until(async () => {
    const rows = (await getJson<{ rows: { full_log: string }[] }>(q('rule.id: 110808'), 'aw_viewer_token', ca)).rows
    return rows.some((a) => a.full_log === 'Agent 001 was revoked.') && rows.some((a) => /^Revoked agent 001 tried to connect/.test(a.full_log))
  }, 'the agent_revoked and agent_auth_failed alerts')

  // Stopped, the agent holds the refused events in its spool; offline, the registry says revoked.
  await kill(agent, 'SIGTERM')
  await m.close()
  const offline = await cli(['agents', 'list', '--data-dir', dataDir, '--json'], env)
  assert.equal(offline.code, 0, offline.stderr)
  assert.equal((JSON.parse(offline.stdout) as { agents: AgentInfo[] }).agents[0].status, 'revoked')
  const spool = await Spool.open(join(agentDir, 'spool'))
  assert.deepEqual([spool.acked, spool.lastSeq], [50, 80])
  await spool.close()
})
