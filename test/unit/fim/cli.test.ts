import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempTree, until } from './helpers.js'

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

test('fim watch prints each change as an NDJSON event and exits 0 on SIGINT', async (t) => {
  const { spawn } = await import('node:child_process')
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const ad = join(dir, 'apparmor.d')
  mkdirSync(ad)
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, 'armorwatch', 'fim', 'watch', '--dir', ad, '--db', join(dir, 'db'), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => child.kill('SIGKILL'))
  let out = ''
  let err = ''
  child.stdout.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr.on('data', (b: Buffer) => (err += b.toString()))
  await until(() => err.includes('watching'), 'the watch to start', 20_000)
  writeFileSync(join(ad, 'usr.bin.w'), 'profile w {}\n')
  await until(() => out.includes('\n'), 'an event line', 20_000)
  const ev = JSON.parse(out.split('\n')[0] as string) as { kind: string; fields: Record<string, unknown> }
  assert.equal(ev.kind, 'fim')
  assert.equal(ev.fields['syscheck.event'], 'added')
  assert.equal(ev.fields['syscheck.mode'], 'realtime')
  const code = new Promise<number | null>((resolve) => child.on('exit', resolve))
  child.kill('SIGINT')
  assert.equal(await code, 0)
})
