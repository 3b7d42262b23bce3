import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AlertImporter, AlertsJsonWriter, openEmbeddedStore, parseRange, parseTime, TimeRangeError } from '../../../src/store/index.js'
import type { AlertDoc } from '../../../src/store/index.js'
import type { Event } from '../../../src/event/event.js'
import { ALERTS } from './dataset.js'

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'aw-store-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const DAY = 86_400_000
const alertAt = (ms: number, i: number): AlertDoc => ({
  timestamp: new Date(ms).toISOString(),
  rule: { id: '100700', level: 7, groups: ['apparmor'] },
  agent: { id: '001', name: 'a' },
  full_log: `line ${i}`,
})

test('the embedded store keeps alerts and events in real files across reopen, with migrations applied once', async (t) => {
  const dir = tmp(t)
  let s = await openEmbeddedStore(dir)
  await s.alerts.insertAlerts(ALERTS)
  const ev: Event = { seq: 1, time: '2026-11-20T10:00:00.000Z', agent: '001', source: 'file', location: '/var/log/audit/audit.log', kind: 'apparmor', raw: 'type=AVC ...', fields: { 'audit.type': 'APPARMOR_DENIED' } }
  await s.alerts.insertEvents([ev])
  s.state.setSetting('k', 'v')
  await s.close()
  s = await openEmbeddedStore(dir)
  t.after(() => s.close())
  const st = await s.alerts.stats()
  assert.equal(st.alerts, 12)
  assert.equal(st.events, 1)
  assert.ok(st.bytes > 0)
  assert.equal(s.state.getSetting('k'), 'v')
  // New alerts continue the sequence: generated ids do not collide with stored ones.
  await s.alerts.insertAlerts([{ ...alertAt(Date.parse('2026-11-21T00:00:00Z'), 0) }])
  const r = await s.alerts.query('full_log: "line 0"')
  assert.equal(r.rows[0]?.id, `${Date.parse('2026-11-21T00:00:00Z') / 1000}.13`)
  assert.deepEqual(readdirSync(dir).filter((f) => !/(\.wal|-wal|-shm)$/.test(f)).sort(), ['alerts.duckdb', 'state.sqlite'])
})

test('odd values in list and time columns are stored faithfully, never failing the batch', async (t) => {
  const s = await openEmbeddedStore(tmp(t))
  t.after(() => s.close())
  const odd: AlertDoc = {
    timestamp: '2026-11-20T10:01:05.905+0100',
    rule: { id: '1', level: 3, groups: ['NULL', 'a,b', '[x]', 'with space', "qu'ote", ''] },
    full_log: 'odd',
  }
  const bad: AlertDoc = { timestamp: '2026-13-45T99:99:99Z', rule: { id: '2', level: 3, groups: ['apparmor'] }, full_log: 'bad time' }
  await s.alerts.insertAlerts([odd, bad])
  const r = await s.alerts.query('| stats count by rule.groups | sort rule.groups')
  assert.deepEqual(r.rows.map((x) => x['rule.groups']), ['', 'NULL', '[x]', 'a,b', 'apparmor', "qu'ote", 'with space'])
  const t1 = await s.alerts.query('| timechart span=1h count')
  assert.equal(t1.rows[0]?.time, '2026-11-20T09:00:00.000Z', 'offsets are normalized to UTC')
  assert.deepEqual((await s.alerts.query('rule.groups: "a,b" | fields rule.id')).rows, [{ 'rule.id': '1' }])
})

test('retention by age deletes old alerts and events, day by day, while inserts go on', async (t) => {
  const s = await openEmbeddedStore(tmp(t))
  t.after(() => s.close())
  const now = Date.parse('2026-11-23T00:00:00Z')
  await s.alerts.insertAlerts(Array.from({ length: 30 }, (_, i) => alertAt(now - i * DAY - 1000, i)))
  const [res] = await Promise.all([
    s.alerts.applyRetention({ maxAgeDays: 10 }, new Date(now)),
    s.alerts.insertAlerts([alertAt(now, 99)]),
  ])
  assert.equal(res.deletedAlerts, 20)
  const left = await s.alerts.query('| stats count')
  assert.deepEqual(left.rows, [{ count: 11 }])
})

test('retention by size keeps the newest alerts and events that fit', async (t) => {
  const s = await openEmbeddedStore(tmp(t))
  t.after(() => s.close())
  const now = Date.parse('2026-11-23T00:00:00Z')
  await s.alerts.insertAlerts(Array.from({ length: 5000 }, (_, i) => alertAt(now - i * 60_000, i)))
  await s.alerts.insertEvents(Array.from({ length: 3000 }, (_, i) => ({ seq: i + 1, time: new Date(now - i * 60_000).toISOString(), agent: 'a', source: 'file', location: 'x', kind: 'syslog' as const, raw: `e ${i}`, fields: {} })))
  const res = await s.alerts.applyRetention({ maxBytes: 1 }, new Date(now))
  const { alerts, events } = await s.alerts.stats()
  assert.ok(alerts <= 1 && events <= 1, `kept ${alerts} alerts, ${events} events`)
  assert.ok(res.deletedAlerts >= 4999 && res.deletedEvents >= 2999)
  const before = (await s.alerts.stats()).alerts
  await s.alerts.applyRetention({ maxBytes: 10 * 2 ** 30 }, new Date(now))
  assert.equal((await s.alerts.stats()).alerts, before)
})

test('users, tokens and sessions live in SQLite; secrets are stored only as given digests', async (t) => {
  const s = await openEmbeddedStore(tmp(t))
  t.after(() => s.close())
  const u = s.state.addUser('alice', 'scrypt$hash', 'analyst')
  assert.equal(s.state.userCount(), 1)
  assert.throws(() => s.state.addUser('alice', 'x', 'viewer'), /UNIQUE/)
  assert.throws(() => s.state.addUser('bob', 'x', 'root' as 'admin'), /CHECK/)
  s.state.addToken('t1', u.id, 'ci', 'digest1')
  assert.deepEqual(s.state.useToken('digest1'), { id: 't1', user_id: u.id })
  assert.equal(s.state.useToken('nope'), undefined)
  s.state.addSession('sid', u.id, 'csrf', new Date(Date.now() + 60_000))
  assert.equal(s.state.session('sid')?.csrf, 'csrf')
  s.state.setPassword('alice', 'scrypt$new')
  assert.equal(s.state.session('sid'), undefined, 'a password change ends sessions')
  s.state.addSession('old', u.id, 'c', new Date(Date.now() - 1))
  assert.equal(s.state.session('old'), undefined, 'expired sessions are gone')
  assert.ok(s.state.deleteUser('alice'))
  assert.equal(s.state.useToken('digest1'), undefined, 'tokens die with their user')
})

test('alerts.json gets one alert per line and rotates by size, keeping the newest files', async (t) => {
  const dir = tmp(t)
  const w = new AlertsJsonWriter(join(dir, 'alerts.json'), { maxBytes: 600, keep: 2 })
  for (let i = 0; i < 12; i++) await w.write([ALERTS[i] as AlertDoc])
  const files = readdirSync(dir).sort()
  assert.ok(files.includes('alerts.json'))
  assert.ok(files.length <= 3, files.join(' '))
  const lines = readFileSync(join(dir, 'alerts.json'), 'utf8').trim().split('\n')
  assert.deepEqual(JSON.parse(lines.at(-1) as string), ALERTS[11])
})

test('time ranges: relative, now and absolute; bad input is a clear error', () => {
  const now = new Date('2026-11-23T00:00:00Z')
  assert.equal(parseTime('24h', now), '2026-11-22T00:00:00.000Z')
  assert.equal(parseTime('2w', now), '2026-11-09T00:00:00.000Z')
  assert.equal(parseTime('2026-11-20T10:00:00+01:00', now), '2026-11-20T09:00:00.000Z')
  assert.deepEqual(parseRange('7d', 'now', now), { from: '2026-11-16T00:00:00.000Z' })
  assert.throws(() => parseTime('yesterday', now), TimeRangeError)
  assert.throws(() => parseRange('1h', '2h', now), /must be before/)
})

test('offline import: alerts go to the store and alerts.json in batches', async (t) => {
  const dir = tmp(t)
  const imp = await AlertImporter.open(dir, 5)
  for (const a of ALERTS) await imp.add(a)
  assert.equal(imp.imported, 12)
  await imp.close()
  const s = await openEmbeddedStore(dir)
  t.after(() => s.close())
  assert.deepEqual((await s.alerts.query('rule.id: 100701 | stats count')).rows, [{ count: 2 }])
  assert.equal(readFileSync(join(dir, 'logs/alerts.json'), 'utf8').trim().split('\n').length, 12)
})
