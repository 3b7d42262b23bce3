// GET /api/agents and POST /api/agents/{id}/revoke on a real manager app (real store, registry and
// agent channel), the agent side driven through inject() with signed requests.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { signRequest } from '../../../src/agent/protocol.js'
import type { Event } from '../../../src/event/index.js'
import { AgentChannel, AgentRegistry, agentsService, EventRate, PROTOCOL_PREFIX, type ChannelNotice } from '../../../src/manager/agent-channel/index.js'
import type { AgentInfo } from '../../../src/manager/services.js'
import { harness } from '../manager/harness.js'
import { ev, tempDir } from './helpers.js'

const SECRET = 'a-long-enough-enrollment-secret'

async function setup(t: { after: (fn: () => unknown) => void }) {
  const registry = new AgentRegistry(tempDir(t))
  const stored: Event[] = []
  const notices: ChannelNotice[] = []
  const rate = new EventRate()
  const channel = new AgentChannel({
    enrollmentSecret: SECRET,
    registry,
    rate,
    onNotice: (n) => notices.push(n),
    sink: { store: async (_a, events) => void stored.push(...events), highestSeq: async () => 0 },
  })
  const h = await harness({
    agentChannel: channel.plugin,
    agents: agentsService({ registry, channel, rate, progress: () => [], local: { id: '000', version: '9.9.9', hostname: 'mgr', os: 'Debian' } }),
  })
  t.after(async () => {
    await h.close()
    registry.close()
  })
  const signed = (id: { agent_id: string; key: string }, url: string, body: Buffer, headers: Record<string, string>) =>
    h.app.inject({ method: 'POST', url, headers: { ...headers, authorization: signRequest(id.agent_id, id.key, 'POST', url, body) }, payload: body })
  const enroll = async (name: string) =>
    (await h.app.inject({ method: 'POST', url: `${PROTOCOL_PREFIX}/enroll`, payload: { secret: SECRET, name } })).json<{ agent_id: string; key: string }>()
  const keepalive = (id: { agent_id: string; key: string }, report: Record<string, unknown>) =>
    signed(id, `${PROTOCOL_PREFIX}/keepalive`, Buffer.from(JSON.stringify(report)), { 'content-type': 'application/json' })
  const batch = (id: { agent_id: string; key: string }, from: number, n: number) =>
    signed(
      id,
      `${PROTOCOL_PREFIX}/events`,
      gzipSync(Array.from({ length: n }, (_, i) => JSON.stringify({ ...ev(`line ${from + i}`), seq: from + i })).join('\n') + '\n'),
      { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', 'x-aw-first-seq': String(from), 'x-aw-last-seq': String(from + n - 1) },
    )
  const agents = async () => {
    const r = await h.app.inject({ url: '/api/agents', headers: h.auth.viewer })
    assert.equal(r.statusCode, 200, r.body)
    return new Map(r.json<{ agents: AgentInfo[] }>().agents.map((a) => [a.id, a]))
  }
  return { h, registry, notices, stored, enroll, keepalive, batch, agents }
}

test('agent rows: status, version, host, OS, event rate and spool depth from the keepalive; never the key', async (t) => {
  const { enroll, keepalive, batch, agents } = await setup(t)
  const a = await enroll('web-1')
  const b = await enroll('web-2')
  assert.equal((await keepalive(a, { version: '1.2.3', hostname: 'web-1.example', os: 'Ubuntu 24.04 LTS', spool_depth: 1234, extra: 'ignored' })).statusCode, 200)
  assert.equal((await batch(a, 1, 120)).statusCode, 200)

  const rows = await agents()
  const ra = rows.get(a.agent_id)!
  assert.equal(ra.status, 'connected')
  assert.equal(ra.version, '1.2.3')
  assert.equal(ra.hostname, 'web-1.example')
  assert.equal(ra.os, 'Ubuntu 24.04 LTS')
  assert.equal(ra.spool_depth, 1234)
  assert.equal(ra.events_per_s, 2) // 120 events over the one-minute window
  assert.equal(ra.stored_seq, 120)
  assert.match(ra.last_seen_at ?? '', /^\d{4}-\d\d-\d\dT/)
  assert.ok(!('key' in ra) && !('extra' in ra))

  const rb = rows.get(b.agent_id)!
  assert.deepEqual([rb.status, rb.version, rb.spool_depth, rb.events_per_s, rb.last_seen_at], ['never', null, null, 0, null])

  const local = rows.get('000')!
  assert.deepEqual([local.name, local.status, local.version, local.hostname, local.os], ['local', 'connected', '9.9.9', 'mgr', 'Debian'])

  // A keepalive with bad field types keeps what was known.
  await keepalive(a, { version: 7, spool_depth: -1, hostname: 'x'.repeat(1000) })
  const again = (await agents()).get(a.agent_id)!
  assert.deepEqual([again.version, again.hostname, again.spool_depth], ['1.2.3', 'web-1.example', 1234])
})

test('revoke: admin only, 404 for an unknown agent, idempotent; the revoked agent is refused and a notice raised', async (t) => {
  const { h, enroll, keepalive, batch, agents, notices, stored } = await setup(t)
  const a = await enroll('web-1')
  assert.equal((await batch(a, 1, 3)).statusCode, 200)
  const revoke = (id: string, who: 'admin' | 'analyst' | 'viewer') => h.app.inject({ method: 'POST', url: `/api/agents/${id}/revoke`, headers: h.auth[who] })

  assert.equal((await revoke(a.agent_id, 'analyst')).statusCode, 403)
  assert.equal((await revoke('042', 'admin')).json<{ code: string }>().code, 'AW_ERR_NOT_FOUND')
  assert.equal((await revoke('bad%20id', 'admin')).statusCode, 400)
  const r = await revoke(a.agent_id, 'admin')
  assert.equal(r.statusCode, 200, r.body)
  const body = r.json<{ agent: AgentInfo; changed: boolean }>()
  assert.equal(body.changed, true)
  assert.equal(body.agent.status, 'revoked')
  assert.match(body.agent.revoked_at ?? '', /^\d{4}-/)
  assert.ok(!('key' in body.agent))
  assert.deepEqual(notices.filter((n) => n.type === 'agent_revoked').map((n) => n.agent), [a.agent_id])
  assert.equal((await revoke(a.agent_id, 'admin')).json<{ changed: boolean }>().changed, false)

  // Batches and keepalives are refused; a retrying agent raises one notice a minute, not one per try.
  const refused = await batch(a, 4, 2)
  assert.deepEqual([refused.statusCode, refused.json<{ code: string }>().code], [403, 'AW_ERR_AGENT_REVOKED'])
  assert.equal((await keepalive(a, {})).statusCode, 403)
  assert.deepEqual(stored.map((e) => e.seq), [1, 2, 3])
  assert.equal(notices.filter((n) => n.type === 'agent_auth_failed' && n.agent === a.agent_id).length, 1)
  assert.equal((await agents()).get(a.agent_id)!.status, 'revoked')
})

test('what an agent reported survives a manager restart (registry), shown as disconnected until heard from', async (t) => {
  const dir = tempDir(t)
  const first = new AgentRegistry(dir)
  const rec = first.enroll('web-1', 'ab'.repeat(32))
  first.setInfo(rec.id, { version: '1.0.0', os: 'Debian 12' })
  first.setInfo(rec.id, { hostname: 'web-1' })
  first.setLastSeen(rec.id, new Date('2026-01-02T03:04:05.000Z'))
  first.close()
  const registry = new AgentRegistry(dir)
  t.after(() => registry.close())
  const channel = new AgentChannel({ enrollmentSecret: SECRET, registry, sink: { store: async () => {}, highestSeq: async () => 0 } })
  const row = channel.liveStatus(registry.get(rec.id)!)
  assert.deepEqual(
    { ...row },
    { status: 'disconnected', last_seen_at: '2026-01-02T03:04:05.000Z', version: '1.0.0', hostname: 'web-1', os: 'Debian 12', events_per_s: 0, spool_depth: null },
  )
})
