/** `armorwatch query` and `armorwatch user` on a data directory (no manager running). */
import { before, after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { Writable } from 'node:stream'
import { CliError } from '../../../src/cli/exit.js'
import { run as runQuery, type QueryOptions } from '../../../src/cli/query.js'
import { openEmbeddedStore } from '../../../src/store/index.js'
import { ALERTS } from '../store/dataset.js'

let dir: string
const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).href

/** The CLI in a child process (stdout of a test process belongs to the test runner). */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv)`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'armorwatch', ...args], {
    env: { ...process.env, NO_COLOR: '1' },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

/** `armorwatch query` in this process, its output collected. */
async function query(q: string, o: QueryOptions): Promise<string> {
  let text = ''
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString()
      done()
    },
  })
  await runQuery(q, o, out)
  return text
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aw-cli-'))
  const s = await openEmbeddedStore(dir)
  await s.alerts.insertAlerts(ALERTS)
  await s.close()
})
after(() => rmSync(dir, { recursive: true, force: true }))

test('query --json prints {"rows": [...]}; the default is a table', async () => {
  const j = await query('rule.id: 100702 | stats count by data.audit.exe', { dataDir: dir, json: true })
  assert.deepEqual(JSON.parse(j), {
    rows: [
      { 'data.audit.exe': '/usr/local/bin/test-app', count: 1 },
      { 'data.audit.exe': '/usr/local/bin/webapp', count: 1 },
      { 'data.audit.exe': '/usr/sbin/database-server', count: 1 },
    ],
  })
  const t = await query('rule.id: 100701', { dataDir: dir, from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z' })
  assert.deepEqual(t.trim().split('\n').map((l) => l.split(/\s{2,}/).slice(0, 4)), [
    ['timestamp', 'rule.id', 'rule.level', 'agent.name'],
    ['2026-11-20T15:00:00.000Z', '100701', '10', 'web1'],
    ['2026-11-20T10:00:00.000Z', '100701', '10', 'web1'],
  ])
})

test('query errors: the position is shown under the query; bad ranges and missing stores are usage errors', async () => {
  const bad = await cli(['query', 'rule.id: (1 OR', '--data-dir', dir])
  assert.equal(bad.code, 2)
  assert.equal(bad.stderr, "armorwatch: query: expected a value after 'rule.id:', found end of query at column 15\n  rule.id: (1 OR\n                ^\n")
  await assert.rejects(query('*', { dataDir: dir, from: 'yesterday' }), (e: unknown) => e instanceof CliError && /invalid time 'yesterday'/.test(e.message))
  await assert.rejects(query('*', { dataDir: join(dir, 'nope') }), (e: unknown) => e instanceof CliError && /no alert store in/.test(e.message))
})

test('user add, token and list; bad roles and duplicates are refused', async () => {
  const add = await cli(['user', 'add', 'alice', '--role', 'analyst', '--data-dir', dir, '--json'])
  assert.equal(add.code, 0, add.stderr)
  const added = JSON.parse(add.stdout) as { name: string; role: string; password: string }
  assert.deepEqual([added.name, added.role], ['alice', 'analyst'])
  assert.ok(added.password.length >= 24, 'a generated password is shown once')
  const again = await cli(['user', 'add', 'alice', '--role', 'viewer', '--data-dir', dir])
  assert.equal(again.code, 1)
  assert.match(again.stderr, /user 'alice' exists/)
  const role = await cli(['user', 'add', 'bob', '--role', 'root', '--data-dir', dir])
  assert.equal(role.code, 2)
  const tok = await cli(['user', 'token', 'alice', '--data-dir', dir])
  assert.match(tok.stdout, /^aw_[A-Za-z0-9_-]{43}\n$/)
  const list = await cli(['user', 'list', '--data-dir', dir, '--json'])
  assert.deepEqual((JSON.parse(list.stdout) as { users: { name: string; role: string }[] }).users.map((u) => [u.name, u.role]), [['alice', 'analyst']])
})
