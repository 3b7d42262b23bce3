/**
 * Random queries from the language's own pieces (seeded, so failures reproduce): every one either
 * is rejected with a QueryError or runs on DuckDB without a SQL error; nothing else may happen.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { DuckAlertStore } from '../../../src/store/duckdb/alerts.js'
import { QueryError } from '../../../src/store/query/index.js'
import { ALERTS } from './dataset.js'
import { prng } from '../../helpers/prng.js'

let store: DuckAlertStore
before(async () => {
  store = await DuckAlertStore.open(':memory:')
  await store.insertAlerts(ALERTS)
})
after(() => store.close())


const FIELDS = ['rule.id', 'rule.level', 'rule.groups', 'timestamp', 'agent.name', 'apparmor.profile', 'data.x.y', 'full_log', 'syscheck.path', 'rule.firedtimes']
const VALUES = ['10', '100701', 'apparmor', '/usr/*', '"a phrase"', '*', 'x?y', '"2026-11-20T12:00:00Z"', "'", '%', '_', '-1', '1e3', '"\\""']
const PIECES = [...FIELDS.map((f) => `${f}:`), ...VALUES, 'AND', 'OR', 'NOT', '(', ')', '>=', '<', '!=', '=', '|', 'stats', 'count', 'dc(agent.name)', 'avg(rule.level)', 'by', ',', 'top', '3', 'timechart', 'span=1h', 'sort', '-count', 'head', 'fields', ...FIELDS]

test('random queries are either rejected with a position or run', async () => {
  const rnd = prng(42)
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T
  let ran = 0
  let rejected = 0
  for (let i = 0; i < 1500; i++) {
    const q = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => pick(PIECES)).join(' ')
    try {
      await store.query(q)
      ran++
    } catch (err) {
      assert.ok(err instanceof QueryError, `query ${JSON.stringify(q)} failed with ${String(err)}`)
      assert.ok(err.column >= 1 && err.column <= q.length + 1, `column ${err.column} out of ${JSON.stringify(q)}`)
      rejected++
    }
  }
  assert.ok(ran > 100 && rejected > 100, `ran ${ran}, rejected ${rejected}`)
})
