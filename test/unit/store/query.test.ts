import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { DuckAlertStore } from '../../../src/store/duckdb/alerts.js'
import { QueryError } from '../../../src/store/query/index.js'
import { ALERTS, nums } from './dataset.js'

let store: DuckAlertStore
before(async () => {
  store = await DuckAlertStore.open(':memory:')
  await store.insertAlerts(ALERTS)
})
after(() => store.close())

const search = async (q: string, opts = {}) => nums((await store.query(q, opts)).rows)
const agg = async (q: string, opts = {}) => (await store.query(q, opts)).rows

test("the seed's queries work as written", async () => {
  assert.deepEqual(await search('rule.groups: apparmor AND data.audit.type: "APPARMOR_DENIED"'), [1, 2, 3, 4, 5, 9, 12])
  assert.deepEqual(await search('rule.id: (100601 OR 100602 OR 100603)'), [6, 7, 8])
  assert.deepEqual(await search('rule.id: 100701'), [1, 12])
  assert.deepEqual(await agg('rule.id: 100702 | stats count by data.audit.exe'), [
    { 'data.audit.exe': '/usr/local/bin/test-app', count: 1 },
    { 'data.audit.exe': '/usr/local/bin/webapp', count: 1 },
    { 'data.audit.exe': '/usr/sbin/database-server', count: 1 },
  ])
})

test('terms, phrases, decoder names without data., and JSON-only fields', async () => {
  assert.deepEqual(await search('apparmor.operation: connect'), [2, 3])
  assert.deepEqual(await search('audit.exe: "/usr/sbin/database-server"'), [3, 5, 11])
  assert.deepEqual(await search('data.apparmor.capability: cap_sys_admin'), [5])
  assert.deepEqual(await search('srcuser: alice'), [10])
  assert.deepEqual(await search('agent.name: web1 AND rule.level: 10'), [1, 12])
})

test('wildcards with * and ?, and LIKE metacharacters taken literally', async () => {
  assert.deepEqual(await search('data.audit.exe: /usr/local/*'), [1, 2, 4, 12])
  assert.deepEqual(await search('agent.name: d?1'), [3, 5, 7, 11])
  assert.deepEqual(await search('rule.groups: cred*'), [1, 12])
  assert.deepEqual(await search('apparmor.name: "/tmp/x_100%"'), [9])
  assert.deepEqual(await search('apparmor.name: /tmp/x_1*'), [9])
  assert.deepEqual(await search('apparmor.name: /tmp/x%'), [])
  assert.deepEqual(await search('rule.level: 1*'), [1, 11, 12])
})

test('AND, OR, NOT, parentheses and precedence', async () => {
  assert.deepEqual(await search('rule.id: 100701 OR rule.id: 100703 AND agent.name: db1'), [1, 5, 12])
  assert.deepEqual(await search('(rule.id: 100701 OR rule.id: 100703) AND agent.name: db1'), [5])
  assert.deepEqual(await search('rule.groups: apparmor AND NOT rule.groups: access_denied'), [6, 7, 8, 11])
  // NOT keeps alerts that lack the field, as in Lucene.
  assert.deepEqual(await search('NOT data.audit.type: APPARMOR_DENIED'), [6, 7, 8, 10, 11])
  assert.deepEqual(await search('rule.id: (100701 OR 100702) AND NOT agent.name: (web1 OR build)'), [3])
})

test('comparisons on numbers, numeric text and time', async () => {
  assert.deepEqual(await search('rule.level >= 10'), [1, 11, 12])
  assert.deepEqual(await search('rule.level > 3 AND rule.level < 8'), [6, 7, 8, 9])
  assert.deepEqual(await search('rule.level: <=3'), [10])
  assert.deepEqual(await search('rule.level != 7 AND rule.groups: fim'), [])
  assert.deepEqual(await search('rule.id >= 100700 AND rule.id < 100702'), [1, 9, 12])
  assert.deepEqual(await search('timestamp >= "2026-11-20T13:00:00Z"'), [9, 10, 11, 12])
  assert.deepEqual(await search('rule.firedtimes > 1'), [3, 4, 12])
})

test('free text searches full_log, case-insensitively', async () => {
  assert.deepEqual(await search('shadow'), [1])
  assert.deepEqual(await search('"operation=\\"connect\\""'), [2, 3])
  assert.deepEqual(await search('DENIED mysqld'), [3])
  assert.deepEqual(await search('full_log: apparmor.d'), [6, 7, 8])
  assert.deepEqual(await search('complain'), [])
  assert.deepEqual(await search('*'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
  assert.deepEqual(await search(''), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
})

test('existence', async () => {
  assert.deepEqual(await search('syscheck.path: *'), [6, 7, 8])
  assert.deepEqual(await search('rule.mitre.id: *'), [1, 2, 3, 5, 12])
  assert.deepEqual(await search('decoder.parent: *'), [10])
  assert.deepEqual(await search('data.apparmor.capability: *'), [5])
})

test('time range from/to', async () => {
  assert.deepEqual(await search('*', { from: '2026-11-20T12:00:00.000Z', to: '2026-11-20T13:00:00.000Z' }), [6, 7, 8])
  assert.deepEqual(await search('rule.groups: fim', { from: '2026-11-20T12:01:00.000Z' }), [7, 8])
})

test('stats: count, dc, min, max, avg, sum, several group fields, list fields unnested', async () => {
  assert.deepEqual(await agg('| stats count'), [{ count: 12 }])
  assert.deepEqual(await agg('rule.groups: apparmor | stats count, dc(agent.name), max(rule.level), min(rule.level)'), [
    { count: 11, 'dc(agent.name)': 3, 'max(rule.level)': 12, 'min(rule.level)': 7 },
  ])
  assert.deepEqual(await agg('rule.groups: fim | stats sum(rule.level), avg(rule.level)'), [{ 'sum(rule.level)': 21, 'avg(rule.level)': 7 }])
  assert.deepEqual(await agg('rule.id: 100702 | stats count by agent.name, apparmor.operation'), [
    { 'agent.name': 'web1', 'apparmor.operation': 'connect', count: 2 - 1 },
    { 'agent.name': 'db1', 'apparmor.operation': 'connect', count: 1 },
    { 'agent.name': 'web1', 'apparmor.operation': 'bind', count: 1 },
  ].sort((a, b) => a['agent.name'].localeCompare(b['agent.name']) || a['apparmor.operation'].localeCompare(b['apparmor.operation'])))
  const groups = await agg('| stats count by rule.groups | head 3')
  assert.deepEqual(groups, [
    { 'rule.groups': 'apparmor', count: 11 },
    { 'rule.groups': 'access_denied', count: 7 },
    { 'rule.groups': 'fim', count: 3 },
  ])
})

test('top, sort, head and fields', async () => {
  assert.deepEqual(await agg('| top 2 apparmor.operation'), [
    { 'apparmor.operation': 'connect', count: 2 },
    { 'apparmor.operation': 'open', count: 2 },
  ])
  assert.deepEqual(await agg('| top 2 apparmor.operation | sort apparmor.operation'), [
    { 'apparmor.operation': 'connect', count: 2 },
    { 'apparmor.operation': 'open', count: 2 },
  ])
  assert.deepEqual(await agg('apparmor.operation: * | stats count by agent.name | sort agent.name | head 2'), [
    { 'agent.name': 'build', count: 1 },
    { 'agent.name': 'db1', count: 4 - 1 },
  ])
  assert.deepEqual(await agg('rule.groups: fim | sort -timestamp | head 2 | fields rule.id, syscheck.event, apparmor.profile'), [
    { 'rule.id': '100603', 'syscheck.event': 'deleted', 'apparmor.profile': null },
    { 'rule.id': '100602', 'syscheck.event': 'added', 'apparmor.profile': null },
  ])
  assert.deepEqual(await agg('rule.id: 100701 | fields apparmor.name'), [{ 'apparmor.name': '/etc/passwd' }, { 'apparmor.name': '/etc/shadow' }])
  assert.deepEqual(await agg('| stats count by agent.name | fields agent.name'), [{ 'agent.name': 'web1' }, { 'agent.name': 'db1' }, { 'agent.name': 'build' }])
})

test('dedup keeps the first alert of each value in the search order, and leaves out alerts without one', async () => {
  const ids = async (q: string) => (await store.query(q)).rows.map((r) => Number(String(r.id).split('.')[1]))
  assert.deepEqual(await ids('| dedup agent.name'), [12, 11, 10])
  assert.deepEqual(await ids('| sort rule.level | dedup agent.name'), [10, 8, 7])
  assert.deepEqual(await ids('| dedup agent.name | head 2'), [12, 11])
  assert.deepEqual(await search('apparmor.operation: * | dedup agent.name, apparmor.operation'), [2, 3, 4, 5, 9, 11, 12])
  assert.deepEqual(await search('| dedup srcuser'), [10])
  assert.deepEqual(await agg('rule.groups: fim | dedup agent.name | fields agent.name, rule.id'), [
    { 'agent.name': 'web1', 'rule.id': '100603' },
    { 'agent.name': 'db1', 'rule.id': '100602' },
  ])
  for (const q of ['| stats count | dedup agent.name', '| dedup rule.groups', '| head 2 | dedup agent.name', '| dedup agent.name | stats count']) {
    await assert.rejects(store.query(q), QueryError, q)
  }
})

test('timechart buckets by span, split by a field', async () => {
  assert.deepEqual(await agg('rule.groups: apparmor | timechart span=1h count'), [
    { time: '2026-11-20T10:00:00.000Z', count: 3 },
    { time: '2026-11-20T11:00:00.000Z', count: 2 },
    { time: '2026-11-20T12:00:00.000Z', count: 3 },
    { time: '2026-11-20T13:00:00.000Z', count: 1 },
    { time: '2026-11-20T14:00:00.000Z', count: 1 },
    { time: '2026-11-20T15:00:00.000Z', count: 1 },
  ])
  assert.deepEqual(await agg('rule.id: 100702 | timechart span=1d count by agent.name'), [
    { time: '2026-11-20T00:00:00.000Z', 'agent.name': 'db1', count: 1 },
    { time: '2026-11-20T00:00:00.000Z', 'agent.name': 'web1', count: 2 },
  ])
})

test('search results are newest first, limited, and fetchable by id', async () => {
  const r = await store.query('rule.groups: apparmor', { limit: 2 })
  assert.deepEqual(r.rows.map((x) => x.id), ['1763650800.12', '1763647200.11'])
  const one = await store.getAlert('1763632800.1')
  assert.equal(one?.rule.id, '100701')
  assert.deepEqual(one, ALERTS[0])
  assert.equal(await store.getAlert('1763632800.999'), undefined)
  assert.equal(await store.getAlert("x' OR 1=1 --"), undefined)
})

test('injection attempts through values, fields and pipes are inert', async () => {
  const attempts = [
    `rule.id: "1' OR '1'='1"`,
    `"%' OR 1=1 --"`,
    `rule.description: "x'); DROP TABLE alerts; --"`,
    `data.x: "' UNION SELECT doc FROM alerts --"`,
    `apparmor.name: "*' OR ''='"`,
    `rule.id;DROP: 1`,
  ]
  for (const q of attempts) assert.deepEqual(await search(q), [], q)
  for (const q of [`| stats count by x") FROM alerts; --`, `| sort -"count"`, `| head 1; DROP TABLE alerts`, `| timechart span=1h); DROP TABLE alerts count`]) {
    await assert.rejects(store.query(q), QueryError, q)
  }
  assert.equal((await store.stats()).alerts, 12)
})
