// FIM and AppArmor state inside the agent: a watched profile directory changed on disk and a
// securityfs fixture whose profile switches to complain reach the manager's store as events.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { runAgent } from '../../../src/agent/agent.js'
import { loadAgentConfig } from '../../../src/agent/config.js'
import { enrolledAgent } from './helpers/enrolled.js'
import { readStore } from './helpers/file-sink.js'
import { until } from './helpers/procs.js'

test('the agent runs FIM and the AppArmor state poller and ships their events', async (t) => {
  const { root, agentDir, storePath } = await enrolledAgent(t, 'aw-agent-fim-', 'fim-host')

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
  const store = () => readStore(storePath)
  await until(() => store().some((e) => e.kind === 'apparmor-state'), 'the first AppArmor inventory', 30_000)
  // FIM starts after the state poller: its first scan records the tree without events.
  await new Promise((r) => setTimeout(r, 1500))

  writeFileSync(join(profiles, 'usr.bin.test-app'), '/usr/bin/test-app flags=(complain) {\n  /etc/hosts r,\n}\n')
  writeFileSync(join(profiles, 'usr.bin.other'), '/usr/bin/other {\n}\n')
  await until(() => store().filter((e) => e.kind === 'fim').length >= 2, 'two FIM events', 30_000)

  stop.abort()
  await running
  const fim = store().filter((e) => e.kind === 'fim')
  const modified = fim.find((e) => e.fields['syscheck.event'] === 'modified')
  assert.equal(modified?.fields['syscheck.path'], join(profiles, 'usr.bin.test-app'))
  assert.match(String(modified?.fields['syscheck.diff']), /flags=\(complain\)/)
  assert.ok(fim.some((e) => e.fields['syscheck.event'] === 'added' && e.fields['syscheck.path'] === join(profiles, 'usr.bin.other')))
  assert.ok(store().every((e) => e.agent === '001'))
})
