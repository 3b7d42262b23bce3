// The seed guide's FIM flow end to end: its <syscheck> block, real inotify on a profile directory,
// and its rules 100601-100603 (children of Wazuh's 550/553/554) evaluated on our events.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadRuleset } from '../../../src/rules/ruleset.js'
import { Baseline, compileFimConfig, FimEngine, FimMonitor, parseSyscheck } from '../../../src/sources/fim/index.js'
import { collector, tempTree, until } from './helpers.js'

const fixtures = fileURLToPath(new URL('../../fixtures/fim/', import.meta.url))
const PROFILE = '#include <tunables/global>\n\n/usr/bin/seedtest {\n  #include <abstractions/base>\n  /etc/hosts r,\n}\n'

test('seed flow: add, modify, set complain, delete a profile → rules 100601, 100602 (diff), 100602, 100603', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  // The seed rules match `/etc/apparmor.d/` anywhere in the path: keep that suffix under the temp dir.
  const ad = join(dir, 'etc', 'apparmor.d')
  mkdirSync(ad, { recursive: true })
  writeFileSync(join(ad, 'usr.sbin.existing'), 'profile existing {}\n')
  const seedConf = readFileSync(join(fixtures, 'ossec-syscheck.conf'), 'utf8').replace('>/etc/apparmor.d<', `>${ad}<`)
  const cfg = compileFimConfig({ ...parseSyscheck(seedConf).config, realtime_delay_ms: 30 })
  const rs = loadRuleset({ ruleset: join(fixtures, 'ruleset'), nativeDecoders: true, rules: [join(fixtures, 'apparmor_fim_rules.xml')] })
  const c = collector()
  const m = new FimMonitor({ config: cfg, database: ':memory:', emit: c.emit })
  t.after(() => m.stop())
  await m.start()

  const alertsFor = async (step: () => void, n = 1) => {
    c.take()
    step()
    await until(() => c.fim().length >= n, 'FIM event')
    return c.fim().map((e) => ({ event: e, alert: rs.analyze(e) }))
  }

  const file = join(ad, 'usr.bin.seedtest')
  const [added] = await alertsFor(() => writeFileSync(file, PROFILE))
  assert.equal(added?.alert?.rule.id, '100601')
  assert.equal(added?.alert?.rule.level, 3)
  assert.match(String(added?.alert?.rule.description), /AppArmor profile added: .*usr\.bin\.seedtest/)

  const [modified] = await alertsFor(() => writeFileSync(file, PROFILE.replace('/etc/hosts r,', '/etc/hosts r,\n  /tmp/** rw,')))
  assert.equal(modified?.alert?.rule.id, '100602')
  assert.deepEqual(modified?.alert?.rule.mitre?.id, ['T1562.001'])
  assert.match(String(modified?.event.fields['syscheck.diff']), /\+ {2}\/tmp\/\*\* rw,/)

  const [complain] = await alertsFor(() => writeFileSync(file, readFileSync(file, 'utf8').replace('/usr/bin/seedtest {', '/usr/bin/seedtest flags=(complain) {')))
  assert.equal(complain?.alert?.rule.id, '100602')
  assert.match(String(complain?.event.fields['syscheck.diff']), /-\/usr\/bin\/seedtest \{\n\+\/usr\/bin\/seedtest flags=\(complain\) \{/)

  const [deleted] = await alertsFor(() => rmSync(file))
  assert.equal(deleted?.alert?.rule.id, '100603')
  assert.equal(deleted?.alert?.rule.level, 7)
})

test('a package upgrade of 30 profiles: one top-level alert (bulk summary), per-file alerts kept low', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const ad = join(dir, 'etc', 'apparmor.d')
  mkdirSync(ad, { recursive: true })
  for (let i = 0; i < 30; i++) writeFileSync(join(ad, `usr.bin.p${i}`), PROFILE)
  const rs = loadRuleset({ ruleset: join(fixtures, 'ruleset'), nativeDecoders: true, rules: [join(fixtures, 'apparmor_fim_rules.xml'), join(fixtures, 'fim_bulk_rules.xml')] })
  const c = collector()
  const engine = new FimEngine(compileFimConfig({ directories: [{ path: ad, report_changes: true }] }), new Baseline(':memory:'), c.emit)
  await engine.scan()
  for (let i = 0; i < 30; i++) writeFileSync(join(ad, `usr.bin.p${i}`), PROFILE.replace('r,', 'rw,'))
  await engine.scan()
  const alerts = c.events.map((e) => rs.analyze(e)).filter((a) => a !== null)
  const top = alerts.filter((a) => a.rule.level >= 3)
  assert.equal(top.length, 1)
  assert.equal(top[0]?.rule.id, '100610')
  assert.match(String(top[0]?.rule.description), new RegExp(`^Bulk file change: 30 files under ${ad}$`))
  assert.equal(alerts.filter((a) => a.rule.id === '100611').length, 30)
})
