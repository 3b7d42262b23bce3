import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ruleset, analyzeText, builtinRulesetDir, runIniFile, runYamlFile } from '../../../src/rules/index.js'
import type { Event } from '../../../src/event/event.js'

const corpus = fileURLToPath(new URL('../../../../shared/corpus', import.meta.url))
const seedRules = join(corpus, 'seed-rules')
const haveCorpus = (() => {
  try {
    readdirSync(corpus)
    return true
  } catch {
    return false
  }
})()

test('the built-in ruleset loads clean and every rule 110000-110999 has MITRE ids, groups and a test', () => {
  const rs = new Ruleset({})
  assert.deepEqual(rs.problems, [])
  const tests = readdirSync(join(builtinRulesetDir(), 'tests'))
    .map((f) => readFileSync(join(builtinRulesetDir(), 'tests', f), 'utf8'))
    .join('\n')
  const untested: number[] = []
  for (const node of rs.tree.nodes.values()) {
    const r = node.rule
    if (r.id < 110000 || r.id > 110999 || r.noalert || r.level === 0) continue
    assert.ok(r.mitre.length > 0, `rule ${r.id} has no MITRE mapping`)
    assert.ok(r.groups.length > 0, `rule ${r.id} has no groups`)
    if (!new RegExp(`rule: ${r.id}\\b`).test(tests)) untested.push(r.id)
  }
  assert.deepEqual(untested, [], 'rules without a test case in rules/tests')
})

for (const f of readdirSync(join(builtinRulesetDir(), 'tests'))) {
  test(`built-in test cases: ${f}`, () => {
    const file = join(builtinRulesetDir(), 'tests', f)
    const r = f.endsWith('.ini') ? runIniFile(new Ruleset({}), file) : runYamlFile(new Ruleset({}), file)
    assert.deepEqual(r.cases.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`), [])
  })
}

const fim = (event: string, path: string): Event => ({
  seq: 1,
  time: '2026-11-20T10:00:00.000Z',
  agent: 'web01',
  source: 'fim',
  location: 'syscheck',
  kind: 'fim',
  raw: `File '${path}' ${event}\nMode: realtime`,
  fields: { 'syscheck.path': path, 'syscheck.event': event, 'syscheck.mode': 'realtime', 'syscheck.md5_after': 'abc' },
})

test('seed FIM rules 100601-100603 fire on AppArmor profile changes, not shadowed by ours', { skip: !haveCorpus && 'corpus absent' }, () => {
  const rs = new Ruleset({ rules: [seedRules] })
  const added = rs.analyze(fim('added', '/etc/apparmor.d/usr.bin.x'))
  assert.equal(added?.rule.id, '100601')
  assert.equal(added?.rule.description, 'AppArmor profile added: /etc/apparmor.d/usr.bin.x')
  assert.equal(added?.syscheck?.path, '/etc/apparmor.d/usr.bin.x')
  assert.equal(added?.data, undefined)
  assert.equal(rs.analyze(fim('modified', '/etc/apparmor.d/usr.bin.x'))?.rule.id, '100602')
  const del = rs.analyze(fim('deleted', '/etc/apparmor.d/usr.bin.x'))
  assert.deepEqual([del?.rule.id, del?.rule.level, del?.rule.mitre?.id], ['100603', 7, ['T1562.001']])
  assert.equal(rs.analyze(fim('modified', '/etc/passwd'))?.rule.id, '550')
  // Without the seed rules, our own AppArmor FIM rule answers.
  assert.equal(new Ruleset({}).analyze(fim('modified', '/etc/apparmor.d/usr.bin.x'))?.rule.id, '110901')
})

for (const envelope of ['audit.log', 'kern.log']) {
  test(`seed scenario (${envelope}): the seed rules fire with their levels and MITRE ids alongside ours`, { skip: !haveCorpus && 'corpus absent' }, () => {
    const rs = new Ruleset({ rules: [seedRules] })
    const file = join(corpus, 'apparmor', `seed-scenario.${envelope}`)
    const { alerts, errors } = analyzeText(rs, readFileSync(file, 'utf8'), file)
    assert.deepEqual(errors, [])
    const denied = alerts.filter((a) => a.data?.apparmor !== undefined && (a.data.apparmor as Record<string, unknown>).status === 'DENIED')
    const byRule = (id: string) => denied.filter((a) => a.rule.id === id)
    assert.deepEqual(byRule('100701').map((a) => [a.rule.level, (a.data?.apparmor as Record<string, unknown>).name]), [
      [10, '/etc/shadow'],
      [10, '/etc/sudoers'],
    ])
    assert.deepEqual(byRule('100701')[0]?.rule.mitre?.id, ['T1003.008'])
    assert.deepEqual(byRule('100702').map((a) => [a.rule.level, a.rule.description]), [[8, 'AppArmor blocked network operation: connect']])
    assert.deepEqual(byRule('100703').map((a) => [a.rule.level, a.rule.description, a.rule.mitre?.id]), [[9, 'AppArmor blocked capability: cap_sys_admin', ['T1548']]])
    assert.ok(byRule('100700').length >= 3)
    assert.equal(denied[0]?.decoder.name, 'apparmor')
    assert.equal((denied[0]?.data?.audit as Record<string, unknown>).type, 'APPARMOR_DENIED')
    // Our ruleset handles what the seed rules do not: policy changes and AppArmor being stopped.
    const ids = new Set(alerts.map((a) => a.rule.id))
    for (const id of ['110200', '110201', '110202', '110203']) assert.ok(ids.has(id), `rule ${id} fired`)
  })
}
