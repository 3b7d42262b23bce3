// The manager side of the agent protocol through fastify's inject(): enrollment, authentication
// failures (unenrolled, wrong key, tampered, replayed, revoked), dedup and acks, rate limit, commands.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Event } from '../../../src/event/index.js'
import { AgentChannel, AgentRegistry, PROTOCOL_PREFIX, type ChannelNotice } from '../../../src/manager/agent-channel/index.js'
import { signRequest, verifyReply } from '../../../src/agent/protocol.js'
import { ev, tempDir } from './helpers.js'

const SECRET = 'a-long-enough-enrollment-secret'

class MemorySink {
  readonly stored: Event[] = []
  async store(_agent: string, events: Event[]): Promise<void> {
    this.stored.push(...events)
  }
  async highestSeq(agent: string): Promise<number> {
    return this.stored.filter((e) => e.agent === agent).reduce((m, e) => Math.max(m, e.seq), 0)
  }
}

async function setup(t: { after: (fn: () => void) => void }, opts: { maxEventsPerSecond?: number } = {}) {
  const registry = new AgentRegistry(tempDir(t))
  const sink = new MemorySink()
  const notices: ChannelNotice[] = []
  const channel = new AgentChannel({ enrollmentSecret: SECRET, sink, registry, onNotice: (n) => notices.push(n), ...opts })
  const app: FastifyInstance = Fastify()
  await app.register(channel.plugin, { prefix: PROTOCOL_PREFIX })
  t.after(() => {
    void app.close()
    registry.close()
  })
  const enroll = async (name = 'web-1') => {
    const r = await app.inject({ method: 'POST', url: `${PROTOCOL_PREFIX}/enroll`, payload: { secret: SECRET, name } })
    assert.equal(r.statusCode, 200, r.body)
    return r.json<{ agent_id: string; key: string }>()
  }
  const batch = (id: { agent_id: string; key: string }, events: Event[], tamper?: (b: Buffer) => Buffer) => {
    const url = `${PROTOCOL_PREFIX}/events`
    const body = gzipSync(events.map((e) => JSON.stringify(e)).join('\n') + '\n')
    const authorization = signRequest(id.agent_id, id.key, 'POST', url, body)
    return {
      method: 'POST' as const, url,
      headers: {
        authorization, 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip',
        'x-aw-first-seq': String(events[0].seq), 'x-aw-last-seq': String(events[events.length - 1].seq),
      },
      payload: tamper ? tamper(body) : body,
    }
  }
  return { app, channel, sink, notices, enroll, batch }
}

const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ ...ev(`line ${from + i}`), seq: from + i }))

test('enrollment needs the secret and hands out sequential ids and distinct keys', async (t) => {
  const { app, enroll, notices } = await setup(t)
  const bad = await app.inject({ method: 'POST', url: `${PROTOCOL_PREFIX}/enroll`, payload: { secret: 'nope', name: 'x' } })
  assert.equal(bad.statusCode, 401)
  assert.equal(bad.json<{ code: string }>().code, 'AW_ERR_ENROLL_SECRET')
  const a = await enroll('a')
  const b = await enroll('b')
  assert.deepEqual([a.agent_id, b.agent_id], ['001', '002'])
  assert.match(a.key, /^[0-9a-f]{64}$/)
  assert.notEqual(a.key, b.key)
  assert.deepEqual(notices.map((n) => n.type), ['agent_auth_failed', 'agent_enrolled', 'agent_enrolled'])
})

test('guessing the enrollment secret is throttled per address', async (t) => {
  const { app } = await setup(t)
  const attempt = (secret: string) => app.inject({ method: 'POST', url: `${PROTOCOL_PREFIX}/enroll`, payload: { secret, name: 'x' } })
  for (let i = 0; i < 5; i++) assert.equal((await attempt(`guess-${i}`)).statusCode, 401)
  const r = await attempt(SECRET)
  assert.equal(r.statusCode, 429)
  assert.equal(r.json<{ code: string }>().code, 'AW_ERR_ENROLL_THROTTLED')
})

test('stores a batch, stamps the authenticated agent, acks the highest seq, drops a resent batch', async (t) => {
  const { app, enroll, batch, sink } = await setup(t)
  const id = await enroll()
  const r1 = await app.inject(batch(id, seqs(1, 3).map((e) => ({ ...e, agent: 'spoofed' }))))
  assert.equal(r1.statusCode, 200, r1.body)
  assert.deepEqual(r1.json(), { stored_seq: 3, duplicates: 0 })
  assert.deepEqual(sink.stored.map((e) => [e.seq, e.agent]), [[1, '001'], [2, '001'], [3, '001']])
  // The agent did not get the ack and resends, with more events behind: only 4-5 are new.
  const r2 = await app.inject(batch(id, seqs(2, 5)))
  assert.deepEqual(r2.json(), { stored_seq: 5, duplicates: 2 })
  assert.deepEqual(sink.stored.map((e) => e.seq), [1, 2, 3, 4, 5])
})

test('refuses unenrolled agents, wrong keys, tampered and replayed batches, and revoked agents', async (t) => {
  const { app, enroll, batch, channel, sink, notices } = await setup(t)
  const id = await enroll()
  const code = async (req: ReturnType<typeof batch>) => {
    const r = await app.inject(req)
    return [r.statusCode, r.json<{ code: string }>().code]
  }
  assert.deepEqual(await code(batch({ agent_id: '042', key: id.key }, seqs(1, 1))), [401, 'AW_ERR_AGENT_AUTH'])
  assert.deepEqual(await code(batch({ ...id, key: 'ab'.repeat(32) }, seqs(1, 1))), [401, 'AW_ERR_AGENT_AUTH'])
  assert.deepEqual(await code(batch(id, seqs(1, 1), (b) => Buffer.concat([b, Buffer.from([0])]))), [401, 'AW_ERR_AGENT_AUTH'])
  const once = batch(id, seqs(1, 2))
  assert.equal((await app.inject(once)).statusCode, 200)
  assert.deepEqual(await code(once), [401, 'AW_ERR_AGENT_AUTH'])
  assert.equal(channel.revoke(id.agent_id), true)
  assert.deepEqual(await code(batch(id, seqs(3, 3))), [403, 'AW_ERR_AGENT_REVOKED'])
  assert.deepEqual(sink.stored.map((e) => e.seq), [1, 2])
  assert.ok(notices.some((n) => n.type === 'agent_revoked'))
  assert.equal(notices.filter((n) => n.type === 'agent_auth_failed').length, 5)
})

test('a nonce is remembered for as long as its request could pass the clock check', async (t) => {
  const t0 = Date.parse('2026-11-20T10:00:00Z')
  t.mock.timers.enable({ apis: ['Date'], now: t0 + 5 * 60_000 })
  const { app, enroll, batch } = await setup(t)
  const id = await enroll()
  const refusal = async (req: ReturnType<typeof batch>) => {
    const r = await app.inject(req)
    return [r.statusCode, r.statusCode === 200 ? '' : r.json<{ message: string }>().message]
  }
  // Signed by an agent whose clock is 5 minutes ahead (the most the window allows), received at t0.
  const ahead = batch(id, seqs(1, 2))
  t.mock.timers.setTime(t0)
  assert.equal((await app.inject(ahead)).statusCode, 200)
  // Almost 10 minutes later its timestamp still passes the clock check: only the nonce stops the
  // replay, even after a new request has pruned the nonces that can no longer be replayed.
  t.mock.timers.setTime(t0 + 9 * 60_000 + 50_000)
  assert.deepEqual(await refusal(batch(id, seqs(3, 3))), [200, ''])
  assert.deepEqual(await refusal(ahead), [401, 'replayed request'])
  t.mock.timers.setTime(t0 + 10 * 60_000 + 1)
  assert.deepEqual(await refusal(ahead), [401, 'timestamp outside the allowed window'])
})

test('rejects malformed batches with a clear error', async (t) => {
  const { app, enroll, batch } = await setup(t)
  const id = await enroll()
  const wrongRange = batch(id, seqs(1, 2))
  wrongRange.headers['x-aw-last-seq'] = '3'
  const r = await app.inject(wrongRange)
  assert.equal(r.statusCode, 400)
  assert.match(r.json<{ message: string }>().message, /holds 2 events but its range 1-3 says 3/)
  const gapInside = await app.inject(batch(id, [seqs(1, 1)[0], seqs(3, 3)[0]]))
  assert.equal(gapInside.statusCode, 400)
})

test('an agent above its rate limit gets 429 and an alert; nothing is stored or lost', async (t) => {
  const { app, enroll, batch, notices, sink } = await setup(t, { maxEventsPerSecond: 10 })
  const id = await enroll()
  assert.equal((await app.inject(batch(id, seqs(1, 10)))).statusCode, 200)
  const r = await app.inject(batch(id, seqs(11, 20)))
  assert.equal(r.statusCode, 429)
  assert.equal(r.headers['retry-after'], '1')
  assert.equal(sink.stored.length, 10)
  assert.ok(notices.some((n) => n.type === 'agent_rate_limited'))
})

test('commands come back on the long poll, signed with the agent key', async (t) => {
  const { app, enroll, channel } = await setup(t)
  const id = await enroll()
  const url = `${PROTOCOL_PREFIX}/commands?wait=5`
  const poll = app.inject({ method: 'GET', url, headers: { authorization: signRequest(id.agent_id, id.key, 'GET', url, '') } })
  setTimeout(() => channel.sendCommand(id.agent_id, 'restart-source', { name: 'file' }), 20)
  const r = await poll
  assert.equal(r.statusCode, 200)
  assert.ok(verifyReply(id.key, r.body, r.headers['x-aw-signature'] as string))
  assert.ok(!verifyReply('00'.repeat(32), r.body, r.headers['x-aw-signature'] as string))
  assert.deepEqual(r.json<{ commands: { type: string }[] }>().commands.map((c) => c.type), ['restart-source'])
})

test('a silent agent is reported disconnected, and reconnected when it is heard from again', async (t) => {
  const registry = new AgentRegistry(tempDir(t))
  const notices: ChannelNotice[] = []
  const channel = new AgentChannel({ enrollmentSecret: SECRET, sink: new MemorySink(), registry, onNotice: (n) => notices.push(n), disconnectAfterMs: 30 })
  const app = Fastify()
  await app.register(channel.plugin, { prefix: PROTOCOL_PREFIX })
  t.after(async () => {
    await app.close()
    registry.close()
  })
  const id = (await app.inject({ method: 'POST', url: `${PROTOCOL_PREFIX}/enroll`, payload: { secret: SECRET, name: 'quiet' } })).json<{ agent_id: string; key: string }>()
  const keepalive = () => {
    const url = `${PROTOCOL_PREFIX}/keepalive`
    return app.inject({ method: 'POST', url, headers: { authorization: signRequest(id.agent_id, id.key, 'POST', url, '{}'), 'content-type': 'application/json' }, payload: '{}' })
  }
  assert.deepEqual((await keepalive()).json(), { stored_seq: 0 })
  while (!notices.some((n) => n.type === 'agent_disconnected')) await new Promise((r) => setTimeout(r, 10))
  assert.equal(channel.liveStatus(registry.get(id.agent_id)!).status, 'disconnected')
  await keepalive()
  assert.equal(notices.at(-1)?.type, 'agent_reconnected')
  assert.equal(channel.liveStatus(registry.get(id.agent_id)!).status, 'connected')
})
