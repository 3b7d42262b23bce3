// The seed guide's FIM flow through the all-in-one manager: its local agent watches a profile
// directory (realtime, report_changes) and a securityfs tree; adding, modifying (to complain mode)
// and deleting a profile fire the seed's rules 100601-100603 over Wazuh's 550/553/554, and a
// profile switched to complain in the kernel fires our state rule, all stored and queryable.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { applyOverrides, parseConfig } from '../../../src/manager/config.js'
import { startManager } from '../../../src/manager/server.js'

const seedRules = fileURLToPath(new URL('../../fixtures/fim/', import.meta.url))
const securityfs = fileURLToPath(new URL('../../fixtures/securityfs/enforcing', import.meta.url))

test('armorwatch up: FIM of a profile directory and AppArmor state changes become the seed alerts', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-up-fim-'))
  const profiles = join(dir, 'etc', 'apparmor.d')
  mkdirSync(profiles, { recursive: true })
  writeFileSync(join(profiles, 'usr.bin.existing'), '/usr/bin/existing {\n}\n')
  const root = join(dir, 'root')
  cpSync(securityfs, root, { recursive: true })
  const fimRules = join(dir, 'apparmor_fim_rules.xml')
  writeFileSync(fimRules, readFileSync(join(seedRules, 'apparmor_fim_rules.xml')))
  const cfg = applyOverrides(
    parseConfig(`
listen: { host: 127.0.0.1, port: 0 }
rules: { files: [${fimRules}] }
local_agent:
  files: []
  fim: { directories: [{ path: ${profiles}, realtime: true, report_changes: true }] }
  apparmor_state: { interval_ms: 200, root: ${root} }
`),
    { dataDir: join(dir, 'data') },
  )
  const m = await startManager({ config: cfg, localAgent: true, adminPassword: 'a very good password' })
  t.after(async () => {
    await m.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const count = async (query: string): Promise<number> => ((await m.store.alerts.query(`${query} | stats count`)).rows[0]?.count as number | undefined) ?? 0
  const until = async (query: string, n: number): Promise<void> => {
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if ((await count(query)) >= n) return
    assert.fail(`timed out waiting for ${n} × ${query}`)
  }

  const profile = join(profiles, 'usr.local.bin.test-app')
  writeFileSync(profile, '/usr/local/bin/test-app {\n  /tmp/demo_output.txt w,\n}\n')
  await until('rule.id: 100601', 1)
  writeFileSync(profile, '/usr/local/bin/test-app flags=(complain) {\n  /tmp/demo_output.txt w,\n}\n')
  await until('rule.id: 100602', 1)
  unlinkSync(profile)
  await until('rule.id: 100603', 1)
  const modified = (await m.store.alerts.query('rule.id: 100602')).rows[0] as { syscheck?: { path?: string; diff?: string } }
  assert.equal(modified.syscheck?.path, profile)
  assert.match(String(modified.syscheck?.diff), /flags=\(complain\)/)
  assert.deepEqual((await m.store.alerts.query('rule.id: (100601 OR 100602 OR 100603) | stats count by rule.id | sort rule.id')).rows.map((r) => [r['rule.id'], r.count]), [
    ['100601', 1],
    ['100602', 1],
    ['100603', 1],
  ])

  // The kernel's view: a loaded profile switched to complain (defense evasion).
  const profilesFile = join(root, 'sys', 'kernel', 'security', 'apparmor', 'profiles')
  const before = readFileSync(profilesFile, 'utf8')
  const line = before.split('\n').find((l) => l.endsWith('(enforce)'))
  assert.ok(line)
  writeFileSync(profilesFile, before.replace(line, line.replace('(enforce)', '(complain)')))
  // The kernel bumps the policy revision on every change; the poller re-reads on a new revision.
  const revision = join(root, 'sys', 'kernel', 'security', 'apparmor', 'revision')
  writeFileSync(revision, String(Number(readFileSync(revision, 'utf8')) + 1))
  await until('data.apparmor_state.change: mode_changed', 1)
  // The host's inventory of profiles and modes is stored and queryable.
  const inventory = (await m.store.alerts.query('data.apparmor_state.change: inventory | head 1')).rows[0] as { data?: { apparmor_state?: { profile_count?: number } } }
  assert.ok((inventory.data?.apparmor_state?.profile_count ?? 0) > 0)
})
