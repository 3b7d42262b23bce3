import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { AlertDoc } from '../../../src/store/alert.js'
import { DuckAlertStore } from '../../../src/store/duckdb/alerts.js'
import { ALERT_COLUMNS, columnValue } from '../../../src/store/schema.js'
import { ALERTS } from './dataset.js'

// The aggregated columns are derived by DuckDB from the stored document at insert time; they must
// hold exactly what schema.ts's columnValue() (the reference rules) says, odd documents included.
const odd: AlertDoc[] = [
  { timestamp: '2026-11-20T10:00:00.123+01:00', rule: { id: 7, level: '5' as unknown as number, groups: 'solo' as unknown as string[] }, data: { audit: { type: 'APPARMOR_DENIED', exe: { nested: true } } } },
  { timestamp: 'not a time', rule: { id: 'x', level: 5.5, description: 'dé "quoted" \\ back' }, agent: { id: '001' }, full_log: 'line\nwith newline' },
  { timestamp: '2026-11-20T10:00:00Z', rule: { id: '1', level: 99999999999, groups: [] }, data: { apparmor: { profile: null as unknown as string, name: '/tmp/ünï code' } } },
  { timestamp: '2026-11-20T10:00:00Z', rule: { id: '2', level: 3, mitre: { id: ['T1562.001', 'T1055'] } }, syscheck: { path: '/etc/apparmor.d/x', event: 'modified' } },
]

test('the columns DuckDB derives from each document equal columnValue()', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-columns-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'alerts.duckdb')
  const store = await DuckAlertStore.open(path)
  const docs = [...ALERTS, ...odd]
  await store.insertAlerts(docs.slice(0, 5))
  await store.insertAlerts(docs.slice(5))
  await store.close()

  const conn = await (await DuckDBInstance.create(path)).connect()
  const rows = (await conn.runAndReadAll(`SELECT ${ALERT_COLUMNS.map((c) => `${c.column}::VARCHAR AS ${c.column}`).join(', ')} FROM alerts ORDER BY seq`)).getRowObjectsJson()
  assert.equal(rows.length, docs.length)
  docs.forEach((doc, i) => {
    for (const c of ALERT_COLUMNS) {
      if (c.type === 'time') {
        const ms = Date.parse(doc.timestamp)
        if (!Number.isNaN(ms)) assert.equal(Date.parse(String(rows[i][c.column]) + 'Z'), ms, `row ${i} ${c.field}`)
        continue
      }
      if (c.field === 'id') continue // generated when the document has none
      const expected = columnValue(c, doc)
      const actual = rows[i][c.column]
      const asText = expected === null ? null : Array.isArray(expected) ? `[${expected.join(', ')}]` : String(expected)
      assert.equal(actual, asText, `row ${i} ${c.field}`)
    }
  })
})
