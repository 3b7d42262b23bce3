import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { AlertDoc } from '../../../src/store/alert.js'
import { DuckAlertStore } from '../../../src/store/duckdb/alerts.js'
import { MIGRATIONS } from '../../../src/store/duckdb/migrations.js'
import { encodeAlerts } from '../../../src/store/duckdb/staging.js'

const alert = (i: number, extra: Partial<AlertDoc> = {}): AlertDoc => ({
  timestamp: new Date(Date.parse('2026-11-20T00:00:00Z') + i * 1000).toISOString(),
  rule: { id: String(100700 + (i % 3)), level: 5, groups: ['apparmor'] },
  agent: { id: '001', name: 'a' },
  full_log: `line ${i}`,
  ...extra,
})

function tmpStore(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'aw-staging-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'alerts.duckdb')
}

test('chunks keep seqs contiguous; raw full_log unless one holds the separator or is missing', () => {
  const docs = Array.from({ length: 40_000 }, (_, i) => alert(i))
  const chunks = encodeAlerts(docs, 101n, 0)
  assert.deepEqual(chunks.map((c) => [c.first, c.count, c.rawLogs]), [[101n, 16_384, true], [16_485n, 16_384, true], [32_869n, 7_232, true]])
  assert.equal(chunks[0]?.logs.split('\x1e')[3], 'line 3')
  const [rs] = encodeAlerts([alert(0), alert(1, { full_log: 'a\x1eb' })], 1n, 0)
  assert.equal(rs?.rawLogs, false)
  assert.equal(rs?.logs, '"line 0"\n"a\\u001eb"')
  const [missing] = encodeAlerts([alert(0, { full_log: undefined })], 1n, 0)
  assert.deepEqual([missing?.rawLogs, missing?.logs], [false, 'null'])
  // A lone surrogate would make DuckDB's JSON reader reject the batch; an escaped backslash is kept.
  const [lone] = encodeAlerts([alert(0, { rule: { id: 'x\ud800', level: 1, description: '\\ud800 literal' } })], 1n, 0)
  assert.ok(lone?.docs.includes('"id":"x\\ufffd"'), lone?.docs)
  assert.ok(lone?.docs.includes('"description":"\\\\ud800 literal"'), lone?.docs)
})

test('odd full_log and text round-trip; a batch failing to encode fails alone', async (t) => {
  const path = tmpStore(t)
  const s = await DuckAlertStore.open(path)
  const odd = [
    alert(1, { full_log: 'multi\nline\r\nrecord\x1eseparated', id: 'a.1' }),
    alert(2, { full_log: '', id: 'a.2' }),
    alert(3, { full_log: undefined, id: 'a.3' }),
    alert(4, { full_log: 'lone \udc00 surrogate', rule: { id: 'r\ud83d', level: 3 }, id: 'a.4' }),
    alert(5, { full_log: 'dé 😀 ünï', id: 'a.5' }),
  ]
  const poison = alert(6, { data: { big: 1n as unknown as number } })
  // Issued together: the first commit takes one batch, the rest are grouped into the next one.
  const results = await Promise.allSettled([odd.slice(0, 1), [poison], odd.slice(1, 2), odd.slice(2, 3), odd.slice(3)].map((b) => s.insertAlerts(b)))
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'])
  assert.match(String((results[1] as PromiseRejectedResult).reason), /BigInt/)
  assert.deepEqual(await s.getAlert('a.1'), odd[0])
  assert.deepEqual(await s.getAlert('a.2'), odd[1])
  const three = await s.getAlert('a.3')
  assert.ok(three && !('full_log' in three), 'a missing full_log stays missing')
  assert.deepEqual(await s.getAlert('a.4'), { ...odd[3], full_log: 'lone \ufffd surrogate', rule: { id: 'r\ufffd', level: 3 } })
  assert.deepEqual(await s.getAlert('a.5'), odd[4])
  await s.close()
})

test('batches issued together commit in call order; large ones take the direct row-group path; the file opens plainly', async (t) => {
  const path = tmpStore(t)
  const s = await DuckAlertStore.open(path)
  const sizes = [3, 20_000, 5, 40_000, 1]
  let n = 0
  const batches = sizes.map((size) => Array.from({ length: size }, () => alert(n++, { id: undefined })))
  await Promise.all(batches.map((b) => s.insertAlerts(b)))
  await s.insertAlerts([alert(n++, { id: undefined })])
  await s.close()

  const conn = await (await DuckDBInstance.create(path)).connect()
  const rows = (await conn.runAndReadAll('SELECT seq, alert_id, full_log FROM alerts ORDER BY seq')).getRows()
  assert.equal(rows.length, n)
  rows.forEach(([seq, id, log], i) => {
    assert.equal(Number(seq), i + 1)
    assert.equal(log, `line ${i}`)
    assert.equal(String(id).split('.')[1], String(i + 1), 'generated ids carry the seq')
  })
  // 60,009 alerts in 16,384-row groups, not one 122,880-row group: the big batches were written as row groups.
  const groups = Number((await conn.runAndReadAll(`SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('alerts')`)).getRows()[0]?.[0])
  assert.ok(groups >= 4, `${groups} row groups`)
  conn.closeSync()
})

test('a file written by DuckDB defaults (earlier armorwatch) opens, keeps its alerts and takes new ones', async (t) => {
  const path = tmpStore(t)
  const old = await DuckDBInstance.create(path)
  const conn = await old.connect()
  for (const m of MIGRATIONS.slice(0, 1)) for (const sql of m.sql) await conn.run(sql)
  await conn.run(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)`)
  await conn.run(`INSERT INTO schema_migrations VALUES (1, 'alerts', current_timestamp)`)
  await conn.run(`INSERT INTO alerts (seq, ts, alert_id, rule_id, rule_level, full_log, doc) VALUES (7, TIMESTAMP '2026-11-19 10:00:00', 'old.7', '100700', 5, 'old line', '{"timestamp":"2026-11-19T10:00:00.000Z","id":"old.7","rule":{"id":"100700","level":5}}')`)
  conn.closeSync()
  old.closeSync()

  const s = await DuckAlertStore.open(path)
  await s.insertAlerts([alert(1, { id: undefined })])
  assert.deepEqual((await s.query('| stats count by rule.id | sort rule.id')).rows, [{ 'rule.id': '100700', count: 1 }, { 'rule.id': '100701', count: 1 }])
  assert.equal((await s.getAlert('old.7'))?.full_log, 'old line')
  assert.match(String((await s.query('full_log: "line 1"')).rows[0]?.id), /\.8$/, 'seqs continue after the stored ones')
  await s.close()
})
