// `armorwatch agent --audisp`: auditd's records on stdin go through the whole agent to the manager;
// when auditd closes stdin the agent commits, ships and exits.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import pino from 'pino'
import { runAgent } from '../../../src/agent/agent.js'
import { loadAgentConfig } from '../../../src/agent/config.js'
import { parseLines } from '../../../src/normalize/index.js'
import { enrolledAgent } from './helpers/enrolled.js'
import { readStore } from './helpers/file-sink.js'

test('audisp mode: every audit event of a capture reaches the store, then the agent exits on EOF', async (t) => {
  const { agentDir, storePath } = await enrolledAgent(t, 'aw-audisp-', 'auditd-host')
  const capture = readFileSync(new URL('../../fixtures/normalize/real-capture.log', import.meta.url), 'utf8')
  // auditd writes records in arbitrary chunks.
  const chunks: string[] = []
  for (let i = 0; i < capture.length; i += 777) chunks.push(capture.slice(i, i + 777))
  const cfg = loadAgentConfig(`name: auditd-host\ndata_dir: ${agentDir}\nsources: {}\n`)
  await runAgent(cfg, new AbortController().signal, { audisp: true, stdin: Readable.from(chunks), log: pino({ level: 'silent' }) })
  const stored = readStore(storePath)
  const expected = parseLines(capture, { location: 'audisp', source: 'audisp' }).events
  assert.equal(stored.length, expected.length)
  assert.deepEqual(stored.map((e) => e.raw), expected.map((e) => e.raw))
  assert.ok(stored.every((e) => e.source === 'audisp' && e.agent === '001'))
})
