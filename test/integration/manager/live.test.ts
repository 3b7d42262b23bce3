/**
 * The live feed's bounds on a real port: heartbeats, a client that stops reading is dropped (and
 * counted) instead of being buffered for, and closing the manager ends open streams.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { buildManager } from '../../../src/manager/app.js'
import { digest, hashPassword } from '../../../src/manager/auth/secrets.js'
import { LiveAlerts } from '../../../src/manager/live.js'
import { ManagerMetrics } from '../../../src/manager/metrics.js'
import { openEmbeddedStore } from '../../../src/store/index.js'
import type { AlertDoc } from '../../../src/store/alert.js'
import { tempDir } from '../../helpers/tmp.js'
import { until } from '../agent/helpers/procs.js'
import { getJson, openStream } from './sse.js'

const BUFFER = 64 * 1024

function alert(i: number, size: number): AlertDoc {
  return {
    timestamp: new Date().toISOString(),
    id: `${Math.floor(Date.now() / 1000)}.${i}`,
    rule: { id: '110001', level: 5 },
    agent: { id: '001', name: 'web1' },
    full_log: 'x'.repeat(size),
    data: { apparmor: { status: 'DENIED', profile: i % 2 ? '/usr/sbin/nginx' : '/usr/bin/man' } },
  }
}

test('heartbeats, slow clients dropped and counted, streams ended on close', { timeout: 60_000 }, async (t) => {
  const store = await openEmbeddedStore(tempDir('live'))
  const metrics = new ManagerMetrics()
  const live = new LiveAlerts({ registry: metrics.registry, heartbeatMs: 50, maxBufferBytes: BUFFER })
  const app = await buildManager({ store, metrics, agents: { list: () => [], revoke: () => undefined }, live })
  let closed = false
  t.after(async () => {
    if (!closed) await app.close()
    await store.close()
  })
  const u = store.state.addUser('viewer', await hashPassword('a long enough password'), 'viewer')
  store.state.addToken('t', u.id, 'test', digest('aw_live'))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const auth = { authorization: 'Bearer aw_live' }

  const fast = await openStream(`${base}/api/alerts/stream?q=${encodeURIComponent('apparmor.profile: "/usr/sbin/nginx"')}`, auth)
  const slow = await openStream(`${base}/api/alerts/stream`, auth)
  await until(() => fast.comments().filter((c) => c === ': ping').length >= 2, 'two heartbeats', 10_000)
  assert.equal(fast.comments()[0], ': connected')

  // The slow client stops reading; alerts are published until its unsent data passes the bound.
  slow.pause()
  let published = 0
  for (let i = 0; i < 4000 && live.size === 2; i++) {
    live.publish([alert(i, 16 * 1024)])
    published++
    // Let the fast client read (client and server share this event loop).
    await new Promise((r) => setImmediate(r))
  }
  assert.equal(live.size, 1, `the slow client was not dropped after ${published} alerts`)
  // Reading on, the client finds its stream cut short: it has far fewer alerts than were published.
  slow.resume()
  await slow.ended
  assert.ok(slow.received('alert').length < published)
  const text = (await getJson(`${base}/metrics`, auth)).text
  assert.match(text, /armorwatch_stream_clients_dropped_total 1/)
  // The fast client got every alert of its filter, in order.
  const want = Math.floor(published / 2)
  await until(() => fast.received('alert').length >= want, 'the fast client to read its alerts', 20_000)
  assert.deepEqual(
    fast.received('alert').map((e) => Number(String(e.data.id).split('.')[1])),
    Array.from({ length: want }, (_, k) => 2 * k + 1),
  )

  // Closing the manager ends the open stream instead of waiting for the client.
  await app.close()
  closed = true
  await fast.ended
  assert.equal(live.size, 0)
})
