import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ruleset, loadRuleset, RulesetError } from '../../../src/rules/index.js'
import { tempDir } from '../../helpers/tmp.js'

const fixture = fileURLToPath(new URL('../../fixtures/rules/engine', import.meta.url))
const load = () => new Ruleset({ ruleset: fixture })
const ssh = (msg: string) => `Nov 20 10:00:00 host1 sshd[42]: ${msg}`

test('the fixture ruleset loads without problems', () => {
  assert.deepEqual(load().problems, [])
})

test('pre-decoding, sibling decoder chain with after_prematch and after_regex offsets', () => {
  const o = load().analyzeLine(ssh('Failed password for root from 192.0.2.7 port 2222 ssh2'))
  assert.equal(o.event.programName, 'sshd')
  assert.equal(o.event.hostname, 'host1')
  assert.equal(o.event.decoder?.name, 'sshd')
  assert.deepEqual(o.event.statics, { dstuser: 'root', srcip: '192.0.2.7', srcport: '2222' })
})

test('a matching child wins even with a lower level; description substitution', () => {
  const rs = load()
  const a = rs.analyzeLine(ssh('Failed password for root from 192.0.2.7 port 1 ssh2'))
  assert.equal(a.alert?.rule.id, '101')
  assert.equal(a.alert?.rule.description, 'ssh failure for root from 192.0.2.7 port 1')
  assert.deepEqual(a.alert?.rule.groups, ['sshd', 'auth_failure'])
  assert.deepEqual(a.alert?.rule.pci_dss, ['10.2.4'])
  const b = rs.analyzeLine(ssh('Failed password for guest from 192.0.2.8 port 1 ssh2'))
  assert.equal(b.alert?.rule.id, '102')
})

test('level-0 siblings are tried first and a level-0 result drops the event', () => {
  const o = load().analyzeLine(ssh('Failed password for root from 10.1.2.3 port 1 ssh2'))
  assert.equal(o.verdict.rule?.id, 104)
  assert.equal(o.alert, null)
})

test('frequency counts the current event; same_source_ip; firedtimes', () => {
  const rs = load()
  const ids = [1, 2, 3].map(() => rs.analyzeLine(ssh('Failed password for root from 192.0.2.9 port 1 ssh2')).alert?.rule.id)
  assert.deepEqual(ids, ['101', '101', '103'])
  const fired = new Ruleset({ ruleset: fixture })
  const alerts = [1, 2, 3].map((i) => fired.analyzeLine(ssh(`Failed password for root from 192.0.2.9 port ${i} ssh2`)).alert)
  assert.equal(alerts[2]?.rule.frequency, 3)
  assert.equal(alerts[2]?.previous_output, [2, 1].map((i) => ssh(`Failed password for root from 192.0.2.9 port ${i} ssh2`)).join('\n'))
  const other = rs.analyzeLine(ssh('Failed password for root from 192.0.2.10 port 1 ssh2'))
  assert.equal(other.alert?.rule.id, '101')
  assert.equal(other.alert?.rule.firedtimes, 3)
  const again = rs.analyzeLine(ssh('Failed password for root from 192.0.2.9 port 1 ssh2'))
  assert.equal(again.alert?.rule.id, '101', 'consumed events do not count twice')
  rs.reset()
  assert.equal(rs.analyzeLine(ssh('Failed password for root from 192.0.2.9 port 1 ssh2')).alert?.rule.firedtimes, 1)
})

test('correlation windows use event time', () => {
  const rs = load()
  const t0 = Date.parse('2026-11-20T10:00:00Z')
  const at = (s: number) => rs.analyzeLine(ssh('Failed password for root from 192.0.2.9 port 1 ssh2'), { time: t0 + s * 1000 }).alert?.rule.id
  assert.deepEqual([at(0), at(100), at(200), at(210)], ['101', '101', '101', '101'])
  assert.equal(at(215), '103', 'the events at 200 s and 210 s are within 60 s')
})

test('stats count events by decoder, alerts by level and level-0 drops', () => {
  const rs = load()
  rs.analyzeLine(ssh('Failed password for root from 192.0.2.7 port 1 ssh2'))
  rs.analyzeLine(ssh('Failed password for root from 10.1.2.3 port 1 ssh2'))
  rs.analyzeLine('no decoder here')
  assert.deepEqual(rs.stats, { events: 3, byDecoder: { sshd: 2, '': 1 }, noRule: 1, dropped: 1, suppressed: 0, alertsByLevel: { 5: 1 } })
})

test('noalert rules route to children but never alert; CDB list match_key_value', () => {
  const rs = load()
  assert.equal(rs.analyzeLine('kv: a=yes b=evil').alert?.rule.id, '201')
  assert.equal(rs.analyzeLine('kv: a=yes b=good').alert?.rule.id, '202')
  assert.equal(rs.analyzeLine('kv: a=no b=evil').verdict.rule, null)
})

test('alerts have the Wazuh JSON shape', () => {
  const a = load().analyzeLine(ssh('Failed password for root from 192.0.2.7 port 1 ssh2'), { location: '/var/log/auth.log', time: Date.parse('2026-11-20T10:00:00.250Z') }).alert
  assert.ok(a)
  assert.equal(a.timestamp, '2026-11-20T10:00:00.250+0000')
  assert.match(a.id, /^\d+\.\d+$/)
  assert.equal(a.location, '/var/log/auth.log')
  assert.deepEqual(a.decoder, { parent: 'sshd', name: 'sshd' })
  assert.deepEqual(a.predecoder, { program_name: 'sshd', timestamp: 'Nov 20 10:00:00', hostname: 'host1' })
  assert.deepEqual(a.data, { srcip: '192.0.2.7', srcport: '1', dstuser: 'root' })
  assert.equal(a.full_log, ssh('Failed password for root from 192.0.2.7 port 1 ssh2'))
})

test('load problems carry file, line and rule id; errors make loadRuleset throw', () => {
  const dir = tempDir('rules')
  const file = join(dir, 'bad.xml')
  writeFileSync(
    file,
    `<group name="x,">\n<rule id="100500" level="3">\n  <if_sid>999999</if_sid>\n  <description>orphan</description>\n</rule>\n<rule id="100501" level="3">\n  <bogus>1</bogus>\n  <description>x</description>\n</rule>\n<rule id="110001" level="3">\n  <match>x</match>\n  <description>dup</description>\n</rule>\n</group>\n`,
  )
  const rs = new Ruleset({ rules: [file] })
  const msgs = rs.problems.filter((p) => p.file === file).map((p) => `${p.line}:${p.severity}:${p.message}`)
  assert.ok(msgs.some((m) => /^2:warning:rule 100500: if_sid 999999/.test(m)), msgs.join('\n'))
  assert.ok(msgs.some((m) => /^7:error:rule 100501: unknown element <bogus>/.test(m)), msgs.join('\n'))
  assert.ok(msgs.some((m) => /^10:warning:duplicate rule id 110001/.test(m)), msgs.join('\n'))
  assert.throws(() => loadRuleset({ rules: [file] }), RulesetError)
})

test('decoded_as naming a renamed child decoder is flagged: it can never match', () => {
  const dir = tempDir('rules')
  writeFileSync(join(dir, 'd.xml'), '<decoder name="k"><program_name>k</program_name></decoder><decoder name="kc"><parent>k</parent><prematch>x</prematch></decoder>')
  writeFileSync(join(dir, 'r.xml'), '<group name="a"><rule id="100001" level="3"><decoded_as>kc</decoded_as><description>x</description></rule></group>')
  const rs = new Ruleset({ decoders: [join(dir, 'd.xml')], rules: [join(dir, 'r.xml')] })
  assert.match(rs.problems.map((p) => p.message).join('\n'), /decoded_as "kc" never matches: .* parent's name "k"/)
})
