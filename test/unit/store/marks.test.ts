// The dedup marks (highest stored seq per agent) live in the DuckDB file and are committed with
// the alerts and events they account for.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { Event } from '../../../src/event/event.js'
import type { AlertDoc } from '../../../src/store/alert.js'
import { MIGRATIONS } from '../../../src/store/duckdb/migrations.js'
import { ALERTS_DB, openEmbeddedStore, StateStore, STATE_DB } from '../../../src/store/index.js'

const alert = (i: number): AlertDoc => ({
  timestamp: new Date(Date.parse('2026-11-20T00:00:00Z') + i * 1000).toISOString(),
  rule: { id: '100700', level: 5, groups: ['apparmor'] },
  agent: { id: '001', name: 'a' },
  full_log: `line ${i}`,
})

const ev = (seq: number): Event => ({
  seq, time: '2026-11-20T10:00:00.000Z', agent: '001', source: 'file', location: '/var/log/syslog', kind: 'syslog', raw: `event ${seq}`, fields: {},
})

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'aw-marks-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('marks commit with alerts and events, batches without alerts still move them, and they never go down', async (t) => {
  const dir = tmpDir(t)
  let s = await openEmbeddedStore(dir)
  await s.alerts.insertAlerts([alert(1)], { events: [ev(1), ev(2)], marks: new Map([['001', 2]]) })
  // A batch that made no alert and archived nothing: its mark alone must be durable.
  await s.alerts.insertAlerts([], { marks: new Map([['001', 5], ['002', 3]]) })
  // Issued together (one group commit): the highest of each agent wins, a lower one is ignored.
  await Promise.all([
    s.alerts.insertAlerts([alert(2)], { marks: new Map([['001', 9]]) }),
    s.alerts.insertAlerts([alert(3)], { marks: new Map([['001', 7]]) }),
    s.alerts.insertAlerts([], { marks: new Map([['002', 1]]) }),
  ])
  assert.deepEqual([...s.alerts.storedSeqs()].sort(), [['001', 9], ['002', 3]])
  await s.close()

  s = await openEmbeddedStore(dir)
  t.after(() => s.close())
  assert.deepEqual([...s.alerts.storedSeqs()].sort(), [['001', 9], ['002', 3]])
  assert.deepEqual(await s.alerts.stats().then((x) => [x.alerts, x.events]), [3, 2])
})

test('a data directory from before: the marks kept in state.sqlite seed the table once, at the migration', async (t) => {
  const dir = tmpDir(t)
  // The old layout: state.sqlite with agent_progress, alerts.duckdb at schema version 1.
  const state = new StateStore(join(dir, STATE_DB))
  state.setStoredSeqs(new Map([['001', 40], ['000', 7]]))
  const old = await DuckDBInstance.create(join(dir, ALERTS_DB))
  const conn = await old.connect()
  await conn.run('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)')
  for (const m of MIGRATIONS.slice(0, 1)) for (const sql of m.sql) await conn.run(sql)
  await conn.run(`INSERT INTO schema_migrations VALUES (1, 'alerts', current_timestamp)`)
  conn.closeSync()
  old.closeSync()

  let s = await openEmbeddedStore(dir)
  assert.deepEqual([...s.alerts.storedSeqs()].sort(), [['000', 7], ['001', 40]])
  await s.close()
  // From now on state.sqlite is only a copy: what it says later does not move the marks.
  state.setStoredSeqs(new Map([['001', 99], ['003', 5]]))
  state.close()
  s = await openEmbeddedStore(dir)
  t.after(() => s.close())
  assert.deepEqual([...s.alerts.storedSeqs()].sort(), [['000', 7], ['001', 40]])
})

test('batches kept in flight beyond one commit: each alert, event and mark is stored once, in submission order', async (t) => {
  const s = await openEmbeddedStore(tmpDir(t))
  t.after(() => s.close())
  // 16 batches of 9,000 alerts are more than one transaction takes (131,072 rows): the staging
  // slots fill, queue and commit in turn while batches keep arriving.
  const batches = 16
  const size = 9_000
  const pending: Promise<void>[] = []
  for (let b = 0; b < batches; b++) {
    const alerts = Array.from({ length: size }, (_, k) => alert(b * size + k))
    pending.push(s.alerts.insertAlerts(alerts, { events: [ev(b + 1)], marks: new Map([['001', b + 1]]) }))
  }
  await Promise.all(pending)
  assert.deepEqual(await s.alerts.stats().then((x) => [x.alerts, x.events]), [batches * size, batches])
  assert.deepEqual([...s.alerts.storedSeqs()], [['001', batches]])
  // Ids are `<epoch second>.<seq>`: one per alert, and the seqs follow the submission order.
  const r = await s.alerts.query('| stats count, dc(id)')
  assert.deepEqual(r.rows, [{ count: batches * size, 'dc(id)': batches * size }])
  const last = await s.alerts.query('| sort -timestamp | head 1')
  const doc = last.rows[0] as { id: string; full_log: string }
  assert.equal(doc.full_log, `line ${batches * size - 1}`)
  assert.equal(doc.id.split('.')[1], String(batches * size))
})

test('a commit that fails stores none of its batches, rejects each, and the store goes on', async (t) => {
  const s = await openEmbeddedStore(tmpDir(t))
  t.after(() => s.close())
  // The database refuses the next transaction (as a full disk would): its table is gone.
  const writer = (s.alerts as unknown as { writer: { run(sql: string): Promise<unknown> } }).writer
  await writer.run('ALTER TABLE alerts RENAME TO alerts_away')
  const failed = await Promise.allSettled([
    s.alerts.insertAlerts([alert(1)], { marks: new Map([['001', 1]]) }),
    s.alerts.insertAlerts([alert(2)], { events: [ev(2)], marks: new Map([['001', 2]]) }),
  ])
  assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected'])
  assert.deepEqual([...s.alerts.storedSeqs()], [])
  await writer.run('ALTER TABLE alerts_away RENAME TO alerts')
  // Retried, as the analysis loop does: stored once, with the marks.
  for (let round = 0; round < 6; round++) await s.alerts.insertAlerts([alert(10 + round)], { events: [ev(10 + round)], marks: new Map([['001', 10 + round]]) })
  assert.deepEqual(await s.alerts.stats().then((x) => [x.alerts, x.events]), [6, 6])
  assert.deepEqual([...s.alerts.storedSeqs()], [['001', 15]])
})
