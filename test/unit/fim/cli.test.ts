import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempTree } from './helpers.js'

// Runs the CLI from source (bin/armorwatch runs dist/, which may be stale while developing).
const main = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url))
const script = `import(${JSON.stringify(main)}).then(async (m) => { process.exitCode = await m.main(process.argv) })`
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', '-e', script, 'armorwatch', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })

test('fim baseline, then scan reports changes (exit 1) with diffs; --json carries the events', (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const ad = join(dir, 'apparmor.d')
  mkdirSync(ad)
  writeFileSync(join(ad, 'usr.bin.x'), 'profile x {\n}\n')
  const db = join(dir, 'state', 'fim.db')
  const b = run('fim', 'baseline', '--dir', ad, '--db', db)
  assert.equal(b.status, 0, b.stderr)
  assert.match(b.stdout, /baseline: 1 entries/)
  assert.equal(run('fim', 'scan', '--dir', ad, '--db', db).status, 0)
  writeFileSync(join(ad, 'usr.bin.x'), 'profile x flags=(complain) {\n}\n')
  const s = run('fim', 'scan', '--dir', ad, '--db', db)
  assert.equal(s.status, 1)
  assert.match(s.stdout, /^modified .*usr\.bin\.x {2}\(.*sha256\)\n/m)
  assert.match(s.stdout, /\+profile x flags=\(complain\) \{/)
  writeFileSync(join(ad, 'usr.bin.y'), 'y')
  const j = run('fim', 'scan', '--dir', ad, '--db', db, '--json')
  const out = JSON.parse(j.stdout) as { events: { fields: Record<string, unknown> }[] }
  assert.equal(out.events[0]?.fields['syscheck.event'], 'added')
})

test('fim --config takes a Wazuh <syscheck> block; a malformed one is a usage error with its line', (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const conf = join(dir, 'ossec.conf')
  writeFileSync(conf, `<ossec_config>\n  <syscheck>\n    <directories realtime="yes">${dir}/w</directories>\n  </syscheck>\n</ossec_config>\n`)
  mkdirSync(join(dir, 'w'))
  assert.equal(run('fim', 'baseline', '--config', conf, '--db', join(dir, 'db')).status, 0)
  writeFileSync(conf, '<ossec_config>\n  <syscheck>\n    <directories>/x</directoriez>\n')
  const bad = run('fim', 'scan', '--config', conf, '--db', join(dir, 'db'))
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /line 3/)
})
