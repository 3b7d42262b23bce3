import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ruleset } from '../../../../src/rules/ruleset.js'
import { IpMatcher } from '../../../../src/rules/ip.js'
import { TimeWindow, WeekdaySet } from '../../../../src/rules/time.js'
import { parseList, listMatches } from '../../../../src/rules/lists.js'
import { Expression } from '../../../../src/rules/match/expression.js'
import { tempDir } from '../../../helpers/tmp.js'

/** A ruleset folder with one JSON decoder and the given rules. */
function ruleset(rules: string, lists: Record<string, string> = {}): Ruleset {
  const dir = tempDir('cond')
  for (const d of ['decoders', 'rules', 'lists']) mkdirSync(join(dir, d))
  writeFileSync(join(dir, 'decoders', 'json.xml'), '<decoder name="json"><prematch>^{\\s*"</prematch><plugin_decoder>JSON_Decoder</plugin_decoder></decoder>')
  writeFileSync(join(dir, 'rules', 'r.xml'), `<group name="t,">${rules}</group>`)
  for (const [k, v] of Object.entries(lists)) writeFileSync(join(dir, 'lists', k), v)
  const rs = new Ruleset({ ruleset: dir })
  assert.deepEqual(rs.problems, [])
  return rs
}
const json = (o: object) => JSON.stringify(o)

test('IP conditions: CIDR, negation with ! and negate="yes"', () => {
  const m = new IpMatcher()
  m.add('10.0.0.0/8')
  assert.ok(m.test('10.2.3.4'))
  assert.ok(!m.test('192.0.2.1'))
  const n = new IpMatcher()
  n.add('!192.168.0.0/16')
  assert.ok(n.test('10.0.0.1'))
  assert.ok(!n.test('192.168.1.1'))
  m.negate = true
  assert.ok(m.test('192.0.2.1'))
})

test('time windows across midnight, weekdays and ranges', () => {
  const night = new TimeWindow('6 pm - 8:30 am', 1)
  const at = (h: number, m = 0, day = 7) => new Date(2026, 0, day, h, m).getTime() // 2026-01-07 is a Wednesday
  assert.ok(night.test(at(23)))
  assert.ok(night.test(at(8, 29)))
  assert.ok(!night.test(at(12)))
  assert.ok(new TimeWindow('!09:00 - 17:00', 1).test(at(18)))
  assert.ok(new WeekdaySet('weekdays', 1).test(at(12)))
  assert.ok(!new WeekdaySet('weekends', 1).test(at(12)))
  assert.ok(new WeekdaySet('monday - wednesday', 1).test(at(12)))
  assert.throws(() => new WeekdaySet('someday', 4), /invalid weekday/)
})

test('CDB lists: quoted keys, all lookups', () => {
  const l = parseList('evil:bad\n"a:b":ok\n10.1:net\nplain\n')
  assert.equal(l.get('a:b'), 'ok')
  assert.equal(l.get('plain'), '')
  assert.ok(listMatches(l, 'match_key', 'evil'))
  assert.ok(listMatches(l, 'not_match_key', 'good'))
  assert.ok(listMatches(l, 'match_key_value', 'evil', new Expression('osmatch', 'bad')))
  assert.ok(!listMatches(l, 'match_key_value', 'a:b', new Expression('osmatch', 'bad')))
  assert.ok(listMatches(l, 'address_match_key', '10.1.2.3'))
  assert.ok(listMatches(l, 'not_address_match_key', '10.2.0.1'))
  assert.ok(listMatches(l, 'address_match_key_value', '10.1.9.9', new Expression('osmatch', '^net$')))
  assert.ok(!listMatches(undefined, 'match_key', 'evil'))
})

test('check_diff alerts only when the output changed', () => {
  const rs = ruleset('<rule id="100" level="3"><decoded_as>json</decoded_as><check_diff /><description>changed</description></rule>')
  const ids = ['{"n": 1}', '{"n": 1}', '{"n": 2}', '{"n": 2}'].map((l) => rs.analyzeLine(l).alert?.rule.id ?? null)
  assert.deepEqual(ids, [null, null, '100', null])
})

test('field, static, negate, list and description conditions on JSON events', () => {
  const rs = ruleset(
    `<rule id="100" level="0"><decoded_as>json</decoded_as><description>json</description></rule>
     <rule id="101" level="5"><if_sid>100</if_sid><field name="user.name" type="pcre2">^ro+t$</field><srcip>10.0.0.0/8</srcip><description>root from $(srcip) as $(user.name) $(missing)!</description></rule>
     <rule id="102" level="4"><if_sid>100</if_sid><list field="user.name" lookup="match_key">etc/lists/admins</list><description>admin</description></rule>
     <rule id="103" level="3"><if_sid>100</if_sid><action>Block</action><description>exact action</description></rule>
     <rule id="104" level="2"><if_sid>100</if_sid><field name="user.name" negate="yes">^guest$</field><description>not guest</description><options>no_full_log</options><options>no_counter</options></rule>`,
    { admins: 'alice:\n' },
  )
  const a = rs.analyzeLine(json({ srcip: '10.1.1.1', user: { name: 'root' } })).alert
  assert.deepEqual([a?.rule.id, a?.rule.description], ['101', 'root from 10.1.1.1 as root !'])
  assert.equal(rs.analyzeLine(json({ srcip: '192.0.2.1', user: { name: 'alice' } })).alert?.rule.id, '102')
  assert.equal(rs.analyzeLine(json({ action: 'Block', user: { name: 'guest' } })).alert?.rule.id, '103')
  assert.equal(rs.analyzeLine(json({ action: 'block', user: { name: 'guest' } })).verdict.rule?.id, 100)
  const b = rs.analyzeLine(json({ user: { name: 'bob' } })).alert
  assert.equal(b?.rule.id, '104')
  assert.equal(b?.full_log, undefined)
  assert.equal(b?.rule.firedtimes, undefined)
})
