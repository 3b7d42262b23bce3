import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { harness, type Harness } from './harness.js'

let h: Harness
before(async () => {
  h = await harness()
})
after(() => h.close())

const get = async (url: string) => {
  const r = await h.app.inject({ url, headers: h.auth.viewer })
  return { status: r.statusCode, body: r.json() as Record<string, unknown> }
}
const q = (query: string, extra = '') => `/api/alerts?q=${encodeURIComponent(query)}${extra}`

test('search and stats through the API', async () => {
  const s = await get(q('rule.id: 100701'))
  assert.equal(s.status, 200)
  assert.equal(s.body.kind, 'search')
  assert.deepEqual((s.body.rows as { id: string }[]).map((r) => r.id), ['1763650800.12', '1763632800.1'])
  const a = await get(q('rule.id: 100702 | stats count by data.audit.exe'))
  assert.deepEqual(a.body, {
    kind: 'aggregate',
    columns: ['data.audit.exe', 'count'],
    rows: [
      { 'data.audit.exe': '/usr/local/bin/test-app', count: 1 },
      { 'data.audit.exe': '/usr/local/bin/webapp', count: 1 },
      { 'data.audit.exe': '/usr/sbin/database-server', count: 1 },
    ],
  })
  const ranged = await get(q('*', '&from=2026-11-20T12:00:00Z&to=2026-11-20T13:00:00Z&limit=2'))
  assert.equal((ranged.body.rows as unknown[]).length, 2)
})

test('query and range errors are 400 with the stable error shape and the column', async () => {
  const bad = await get(q('rule.id: (1 OR'))
  assert.equal(bad.status, 400)
  assert.deepEqual(Object.keys(bad.body).sort(), ['code', 'error', 'message', 'statusCode'])
  assert.equal(bad.body.code, 'AW_ERR_QUERY')
  assert.match(String(bad.body.message), /at column 15/)
  const range = await get(q('*', '&from=yesterday'))
  assert.equal(range.status, 400)
  assert.equal(range.body.code, 'AW_ERR_QUERY')
  const unknownParam = await get('/api/alerts?limit=0')
  assert.equal(unknownParam.status, 400)
  assert.equal(unknownParam.body.code, 'AW_ERR_VALIDATION')
})

test('one alert, 404 for a missing one', async () => {
  const one = await get('/api/alerts/1763632800.1')
  assert.equal(one.status, 200)
  assert.equal((one.body.rule as { id: string }).id, '100701')
  assert.equal(typeof one.body.full_log, 'string')
  const none = await get('/api/alerts/1.2')
  assert.equal(none.status, 404)
  assert.equal(none.body.code, 'AW_ERR_NOT_FOUND')
})

test('FIM events, profiles inventory and the dashboard aggregations', async () => {
  const fim = await get('/api/alerts/fim')
  assert.deepEqual((fim.body.rows as { id: string }[]).map((r) => r.id), ['1763640120.8', '1763640060.7', '1763640000.6'])
  const prof = await get('/api/alerts/profiles')
  const rows = prof.body.rows as Record<string, unknown>[]
  assert.deepEqual(rows[0], {
    'apparmor.profile': '/usr/local/bin/test-app', count: 3, 'dc(agent.name)': 1, 'dc(apparmor.operation)': 2,
    'max(timestamp)': '2026-11-20T15:00:00.000Z', 'max(rule.level)': 10,
  })
  const agg = await get('/api/alerts/aggregations?from=2026-11-19T00:00:00Z&to=2026-11-21T00:00:00Z')
  const body = agg.body as Record<string, { rows: Record<string, unknown>[] }>
  assert.deepEqual(body.total?.rows, [{ count: 12 }])
  assert.deepEqual(body.by_level?.rows.map((r) => r['rule.level']), [12, 10, 9, 8, 7, 3])
  assert.equal(body.top_operations?.rows[0]?.count, 2)
  assert.ok((body.timeline?.rows.length ?? 0) > 0)
})

test('rules list and agents', async () => {
  const rules = await get('/api/rules?group=apparmor')
  assert.deepEqual(rules.body, { rules: [{ id: 100701, level: 10, description: 'critical file', groups: ['apparmor'], file: 'local_rules.xml' }] })
  assert.deepEqual((await get('/api/rules?group=none')).body, { rules: [] })
  assert.deepEqual((await get('/api/agents')).body, { agents: [] })
})

test('metrics in Prometheus text format; unknown routes 404 in the error shape', async () => {
  const r = await h.app.inject({ url: '/metrics', headers: h.auth.viewer })
  assert.equal(r.statusCode, 200)
  assert.match(String(r.headers['content-type']), /text\/plain/)
  assert.match(r.body, /armorwatch_store_query_seconds_count/)
  const nf = await h.app.inject({ url: '/api/nope', headers: h.auth.viewer })
  assert.equal(nf.statusCode, 404)
  assert.equal(nf.json().code, 'AW_ERR_NOT_FOUND')
})

test('the dashboard is served at / with a single-page fallback; API paths never fall back', async (t) => {
  const dash = mkdtempSync(join(tmpdir(), 'aw-dash-'))
  t.after(() => rmSync(dash, { recursive: true, force: true }))
  writeFileSync(join(dash, 'index.html'), '<!doctype html><title>armorwatch</title>')
  writeFileSync(join(dash, 'app.js'), 'console.log(1)')
  const h2 = await harness({ dashboardDir: dash })
  t.after(() => h2.close())
  const index = await h2.app.inject({ url: '/' })
  assert.equal(index.statusCode, 200)
  assert.match(index.body, /armorwatch/)
  assert.match(String(index.headers['content-security-policy']), /default-src 'self'/)
  assert.equal((await h2.app.inject({ url: '/app.js' })).statusCode, 200)
  const deep = await h2.app.inject({ url: '/alerts/123' })
  assert.equal(deep.statusCode, 200)
  assert.match(deep.body, /<title>armorwatch/)
  const api = await h2.app.inject({ url: '/api/nothing-here' })
  assert.equal(api.statusCode, 404)
  assert.equal(api.json().code, 'AW_ERR_NOT_FOUND')
})
