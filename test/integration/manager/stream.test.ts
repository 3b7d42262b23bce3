/**
 * The live alert stream for real: a manager (startManager) on a free port whose local agent
 * follows a log file; audit records appended to the file go through parsing, the rules and the
 * store, and arrive on the Server-Sent Events streams whose filter they match, read by a plain
 * HTTP client. Also: authentication, filter errors, the cap on streams, removal on close.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { applyOverrides, parseConfig } from '../../../src/manager/config.js'
import { digest } from '../../../src/manager/auth/secrets.js'
import { startManager } from '../../../src/manager/server.js'
import { tempDir } from '../../helpers/tmp.js'
import { until } from '../agent/helpers/procs.js'
import { getJson, openStream } from './sse.js'

const SEED = new URL('../../fixtures/store/seed-scenario.audit.log', import.meta.url)

/** The records of one audit event of the seed scenario (by its serial), as lines to append. */
function auditEvent(serial: number): string {
  return readFileSync(SEED, 'utf8').split('\n').filter((l) => l.includes(`:${serial}):`)).join('\n') + '\n'
}

test('alerts stored by the analysis loop arrive on the matching streams only', { timeout: 90_000 }, async (t) => {
  const dir = tempDir('stream')
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  const cfg = applyOverrides(
    parseConfig(`
listen: { host: 127.0.0.1, port: 0 }
tls: { enabled: false }
api: { max_streams: 2 }
local_agent: { files: [${log}], from_beginning: true, fim: null, apparmor_state: null }
`),
    { dataDir: join(dir, 'data') },
  )
  const m = await startManager({ config: cfg, localAgent: true, adminPassword: 'a very good password' })
  t.after(() => m.close())
  const admin = m.store.state.userByName('admin')
  assert.ok(admin)
  m.store.state.addToken('it', admin.id, 'it', digest('aw_stream'))
  const auth = { authorization: 'Bearer aw_stream' }
  const url = (q?: string) => `${m.url}/api/alerts/stream${q === undefined ? '' : `?q=${encodeURIComponent(q)}`}`

  // Authenticated like every route; the filter is checked before the stream opens.
  const anonymous = await getJson(url(), {})
  assert.equal(anonymous.status, 401)
  assert.equal(anonymous.body.code, 'AW_ERR_UNAUTHENTICATED')
  const piped = await getJson(url('apparmor.name: x | stats count'), auth)
  assert.equal(piped.status, 400)
  assert.equal(piped.body.code, 'AW_ERR_QUERY')
  const bad = await getJson(url('rule.level: abc'), auth)
  assert.equal(bad.status, 400)
  assert.match(String(bad.body.message), /takes a number/)

  const shadow = await openStream(url('apparmor.name: "/etc/shadow"'), auth)
  const network = await openStream(url('apparmor.operation: connect AND rule.level >= 3'), auth)
  assert.equal(shadow.status, 200)
  assert.match(shadow.contentType, /^text\/event-stream/)
  // The cap: a third stream is refused while two are open.
  const third = await getJson(url(), auth)
  assert.equal(third.status, 503)
  assert.equal(third.body.code, 'AW_ERR_UNAVAILABLE')

  appendFileSync(log, auditEvent(31008))
  appendFileSync(log, auditEvent(31011))
  const denied = await shadow.next('alert', 30_000)
  assert.equal(denied.data.data?.apparmor?.name, '/etc/shadow')
  assert.equal(denied.data.data?.apparmor?.status, 'DENIED')
  assert.equal(typeof denied.data.id, 'string')
  assert.equal(typeof denied.data.full_log, 'string')
  // The network stream's first alert is the connect denial: the /etc/shadow one, stored first, was not sent to it.
  const connect = await network.next('alert', 30_000)
  assert.equal(connect.data.data?.apparmor?.operation, 'connect')
  assert.equal(connect.data.data?.apparmor?.profile, '/usr/sbin/database-server')
  assert.deepEqual(network.received('alert').map((e) => e.data.data?.apparmor?.operation), ['connect'])
  assert.deepEqual(shadow.received('alert').map((e) => e.data.data?.apparmor?.name), ['/etc/shadow'])
  // What was streamed is what was stored.
  const stored = await getJson(`${m.url}/api/alerts/${encodeURIComponent(String(denied.data.id))}`, auth)
  assert.deepEqual(stored.body, denied.data)

  // A closed stream frees its place.
  shadow.close()
  await until(async () => (await getJson(`${m.url}/metrics`, auth)).text.includes('armorwatch_stream_clients 1'), 'the closed stream to be removed', 10_000)
  const again = await openStream(url(), auth)
  assert.equal(again.status, 200)
  const metrics = (await getJson(`${m.url}/metrics`, auth)).text
  assert.match(metrics, /armorwatch_stream_clients 2/)
  assert.match(metrics, /armorwatch_stream_alerts_sent_total 2/)
  again.close()
  network.close()
})
