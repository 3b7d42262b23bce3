import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileQuery, duckdb, parseQuery, QueryError } from '../../../src/store/query/index.js'

function fails(q: string, column: number, message: RegExp): void {
  assert.throws(
    () => compileQuery(parseQuery(q), duckdb),
    (e: unknown) => e instanceof QueryError && e.column === column && message.test(e.message),
    `expected an error at column ${column} for ${q}`,
  )
}

test('field: value, phrases, groups and keywords parse into the expected tree', () => {
  assert.deepEqual(parseQuery('rule.id: 100701').filter, {
    type: 'match', field: 'rule.id', value: { kind: 'term', text: '100701', pos: 9 }, pos: 0,
  })
  const q = parseQuery('rule.groups: apparmor AND data.audit.type: "APPARMOR_DENIED"')
  assert.equal(q.filter.type, 'and')
  const g = parseQuery('rule.id: (100601 OR 100602 OR 100603)').filter
  assert.equal(g.type, 'or')
  assert.deepEqual(parseQuery('rule.id:100701').filter, parseQuery('rule.id: 100701').filter.type === 'match'
    ? { type: 'match', field: 'rule.id', value: { kind: 'term', text: '100701', pos: 8 }, pos: 0 } : null)
})

test('adjacent terms mean AND; lower-case and/or are plain terms', () => {
  const q = parseQuery('shadow passwd').filter
  assert.equal(q.type, 'and')
  const t = parseQuery('and').filter
  assert.deepEqual(t, { type: 'text', value: { kind: 'term', text: 'and', pos: 0 } })
})

test('comparisons in both spellings, existence and wildcards', () => {
  assert.equal(parseQuery('rule.level >= 10').filter.type, 'compare')
  assert.equal(parseQuery('rule.level: >=10').filter.type, 'compare')
  assert.equal(parseQuery('syscheck.path: *').filter.type, 'exists')
  const w = parseQuery('data.audit.exe: /usr/*').filter
  assert.equal(w.type === 'match' && w.value.kind, 'wildcard')
  assert.equal(parseQuery('rule.level != 3').filter.type, 'not')
})

test('pipes parse with their options', () => {
  const q = parseQuery('* | stats count, dc(agent.name) by data.audit.exe, rule.id | sort -count | head 5 | fields rule.id, count')
  assert.deepEqual(q.stages.map((s) => s.type), ['stats', 'sort', 'head', 'fields'])
  const tc = parseQuery('| timechart span=30m count by agent.name').stages[0]
  assert.equal(tc?.type === 'timechart' && tc.spanSeconds, 1800)
  const top = parseQuery('| top 3 apparmor.operation').stages[0]
  assert.equal(top?.type === 'top' && top.n, 3)
})

test('errors point at the offending column', () => {
  fails('rule.id: (1 OR 2', 17, /expected '\)'/)
  fails('rule.id:', 9, /expected a value after 'rule.id:'/)
  fails('"open', 1, /unterminated quoted string/)
  fails('a | frobnicate', 5, /unknown command 'frobnicate'/)
  fails('| dedup', 8, /expected a field name, found end of query/)
  fails('a | head zero', 10, /expected a number/)
  fails('a | head 0', 10, /between 1 and/)
  fails('| timechart span=1y', 18, /invalid span/)
  fails('| stats count by 1bad', 18, /invalid field name/)
  fails('rule.level: high', 13, /rule.level takes a number/)
  fails('a OR', 5, /expected a search term, found end of query/)
  fails('a ! b', 3, /'!' must be followed by '='/)
  fails('| stats count | sort -nope', 22, /unknown column 'nope'/)
  fails('a | head 3 | sort -timestamp', 14, /sort after head/)
  fails('| sort -count', 8, /'count' exists only after stats/)
  fails('a | fields x | stats count', 16, /must be the first command/)
  fails('rule.groups > 3', 15, /is a list/)
  fails(')', 1, /expected a search term/)
  fails('| fields rule.__proto__', 10, /invalid field name/)
  fails('| stats count by constructor', 18, /invalid field name/)
})

test('every value reaches SQL as a parameter, never as text', () => {
  const evil = `x'; DROP TABLE alerts; --`
  const c = compileQuery(parseQuery(`rule.description: "${evil}" OR full_log: "${evil}" OR "${evil}" OR data.x: "${evil}"`), duckdb)
  assert.ok(!c.sql.includes('DROP'), c.sql)
  assert.ok(c.params.some((p) => typeof p === 'string' && p.includes('DROP')))
  // Field names that are not identifiers are rejected before any SQL is made.
  for (const q of [`"a\\"b": 1`, 'rule.id;drop: 1', '| stats count by a"b', '| sort -a;b']) {
    let sql = ''
    try {
      sql = compileQuery(parseQuery(q), duckdb).sql
    } catch (e) {
      assert.ok(e instanceof QueryError)
    }
    assert.ok(!/;|"a"b"/.test(sql.replace(/'[^']*'/g, '')), `${q} → ${sql}`)
  }
})
