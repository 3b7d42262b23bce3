// Enrollment and shipping against a real manager process over HTTPS, killed with SIGKILL mid-stream.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { enroll, EnrollError, loadIdentity, saveIdentity } from '../../../src/agent/enroll.js'
import { ManagerClient } from '../../../src/agent/client.js'
import { Shipper } from '../../../src/agent/shipper.js'
import { Spool } from '../../../src/agent/spool.js'
import type { Event } from '../../../src/event/index.js'
import { makeTls } from './helpers/tls.js'
import { readStore } from './helpers/file-sink.js'
import { kill, SECRET, startManager, until } from './helpers/procs.js'

function events(from: number, n: number): Event[] {
  return Array.from({ length: n }, (_, i) => ({
    seq: 0, time: '2026-01-01T00:00:00.000Z', agent: '', source: 'test', location: 'gen', kind: 'syslog', raw: `event ${from + i}`, fields: {},
  }))
}

test('enroll, ship, survive manager SIGKILLs and a long outage: every event stored exactly once, in order', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'aw-ship-'))
  // Cleanups run last-registered first: the spool closes (writing its state) before the dir goes.
  const cleanups: (() => unknown)[] = [() => rmSync(root, { recursive: true, force: true })]
  t.after(async () => {
    for (const c of cleanups.reverse()) await c()
  })
  const tlsDir = join(root, 'tls')
  const dataDir = join(root, 'manager')
  mkdirSync(tlsDir)
  const tls = makeTls(tlsDir)
  let manager = await startManager(dataDir, tlsDir)
  cleanups.push(() => kill(manager.proc))
  const url = `https://127.0.0.1:${manager.port}/`

  // Enrollment: a wrong pinned fingerprint or secret is refused before anything is saved.
  await assert.rejects(enroll({ manager: url, secret: SECRET, name: 'h1', caFingerprint: 'AA:BB' }), EnrollError)
  await assert.rejects(enroll({ manager: url, secret: 'wrong-secret-wrong-secret', name: 'h1' }), /enrollment refused \(401\)/)
  const id = await enroll({ manager: url, secret: SECRET, name: 'h1', caFingerprint: tls.caFingerprint })
  assert.equal(id.agent_id, '001')
  assert.equal(id.ca_fingerprint, tls.caFingerprint)
  const idFile = join(root, 'agent', 'identity.json')
  await saveIdentity(idFile, id)
  assert.equal(statSync(idFile).mode & 0o777, 0o600)
  const client = new ManagerClient(await loadIdentity(idFile))
  cleanups.push(() => client.close())

  const spool = await Spool.open(join(root, 'agent', 'spool'), { segmentBytes: 1024 * 1024 })
  let stored = 0
  const shipper = new Shipper(spool, client, { batchEvents: 2000, minBackoffMs: 50, maxBackoffMs: 400, onAck: (s) => (stored = s) })
  const stop = new AbortController()
  const shipping = shipper.run(stop.signal)
  cleanups.push(async () => {
    stop.abort()
    await shipping
    await spool.close()
  })

  // 100,000 events, the manager SIGKILLed twice in the middle of the stream and restarted.
  const TOTAL = 100_000
  for (let i = 0; i < TOTAL; i += 5000) await spool.append(events(i, 5000))
  for (const at of [25_000, 60_000]) {
    await until(() => stored >= at, `${at} events stored`)
    await kill(manager.proc)
    manager = await startManager(dataDir, tlsDir, manager.port)
  }
  await until(() => stored >= TOTAL, 'all events stored')

  // A long outage: the spool holds everything, then drains in order once the manager is back.
  await kill(manager.proc)
  for (let i = TOTAL; i < TOTAL + 5000; i += 1000) await spool.append(events(i, 1000))
  await new Promise((r) => setTimeout(r, 1500))
  assert.equal(spool.lastSeq - spool.acked, 5000)
  manager = await startManager(dataDir, tlsDir, manager.port)
  await until(() => stored >= TOTAL + 5000, 'the spool drained')
  assert.equal(spool.acked, TOTAL + 5000)

  const inStore = readStore(join(dataDir, 'store.ndjson'))
  assert.equal(inStore.length, TOTAL + 5000)
  assert.ok(inStore.every((e, i) => e.seq === i + 1 && e.raw === `event ${i}` && e.agent === '001'))
  assert.ok(shipper.stats.retries > 0)
})
