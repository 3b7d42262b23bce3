// FIM and AppArmor state inside the agent: a watched profile directory changed on disk and a
// securityfs fixture whose profile switches to complain reach the manager's store as events.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { runAgent } from '../../../src/agent/agent.js'
import { loadAgentConfig } from '../../../src/agent/config.js'
import { enroll, saveIdentity } from '../../../src/agent/enroll.js'
import { makeTls } from './helpers/tls.js'
import { readStore } from './helpers/file-sink.js'
import { kill, SECRET, startManager } from './helpers/procs.js'

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (check()) return
  assert.fail(`timed out waiting for ${what}`)
}

test('the agent runs FIM and the AppArmor state poller and ships their events', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'aw-agent-fim-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'tls'))
  makeTls(join(root, 'tls'))
  const manager = await startManager(join(root, 'manager'), join(root, 'tls'))
  t.after(() => kill(manager.proc))
  const agentDir = join(root, 'agent')
  await saveIdentity(join(agentDir, 'identity.json'), await enroll({ manager: `https://127.0.0.1:${manager.port}/`, secret: SECRET, name: 'fim-host' }))

  const profiles = join(root, 'apparmor.d')
  mkdirSync(profiles)
  writeFileSync(join(profiles, 'usr.bin.test-app'), '/usr/bin/test-app {\n  /etc/hosts r,\n}\n')
  const sysRoot = join(root, 'sysroot')
  cpSync(fileURLToPath(new URL('../../fixtures/securityfs/enforcing', import.meta.url)), sysRoot, { recursive: true })

  const cfg = loadAgentConfig(
    [
      'name: fim-host',
      `data_dir: ${agentDir}`,
      'sources:',
      '  apparmor_state: { interval_ms: 200, root: ' + JSON.stringify(sysRoot) + ' }',
      '  fim:',
      `    directories: [{ path: ${JSON.stringify(profiles)}, realtime: true, report_changes: true }]`,
      'shipper: { batch_events: 100, max_backoff_ms: 200, keepalive_ms: 1000 }',
    ].join('\n') + '\n',
  )
  const stop = new AbortController()
  const running = runAgent(cfg, stop.signal, { log: pino({ level: process.env.AW_TEST_LOG ?? 'silent' }), drainMs: 5000 })
  running.catch((err: Error) => console.error('agent failed', err))
  const store = () => readStore(join(root, 'manager', 'store.ndjson'))
  await until(() => store().some((e) => e.kind === 'apparmor-state'), 'the first AppArmor inventory')
  // FIM starts after the state poller: its first scan records the tree without events.
  await new Promise((r) => setTimeout(r, 1500))

  writeFileSync(join(profiles, 'usr.bin.test-app'), '/usr/bin/test-app flags=(complain) {\n  /etc/hosts r,\n}\n')
  writeFileSync(join(profiles, 'usr.bin.other'), '/usr/bin/other {\n}\n')
  await until(() => store().filter((e) => e.kind === 'fim').length >= 2, 'two FIM events')

  stop.abort()
  await running
  const fim = store().filter((e) => e.kind === 'fim')
  const modified = fim.find((e) => e.fields['syscheck.event'] === 'modified')
  assert.equal(modified?.fields['syscheck.path'], join(profiles, 'usr.bin.test-app'))
  assert.match(String(modified?.fields['syscheck.diff']), /flags=\(complain\)/)
  assert.ok(fim.some((e) => e.fields['syscheck.event'] === 'added' && e.fields['syscheck.path'] === join(profiles, 'usr.bin.other')))
  assert.ok(store().every((e) => e.agent === '001'))
})
