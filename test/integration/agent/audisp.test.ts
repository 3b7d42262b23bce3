// `armorwatch agent --audisp`: auditd's records on stdin go through the whole agent to the manager;
// when auditd closes stdin the agent commits, ships and exits.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import pino from 'pino'
import { runAgent } from '../../../src/agent/agent.js'
import { loadAgentConfig } from '../../../src/agent/config.js'
import { enroll, saveIdentity } from '../../../src/agent/enroll.js'
import { parseLines } from '../../../src/normalize/index.js'
import { makeTls } from './helpers/tls.js'
import { readStore } from './helpers/file-sink.js'
import { kill, SECRET, startManager } from './helpers/procs.js'

test('audisp mode: every audit event of a capture reaches the store, then the agent exits on EOF', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'aw-audisp-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'tls'))
  makeTls(join(root, 'tls'))
  const manager = await startManager(join(root, 'manager'), join(root, 'tls'))
  t.after(() => kill(manager.proc))
  const agentDir = join(root, 'agent')
  await saveIdentity(join(agentDir, 'identity.json'), await enroll({ manager: `https://127.0.0.1:${manager.port}/`, secret: SECRET, name: 'auditd-host' }))
  const capture = readFileSync(new URL('../../fixtures/normalize/real-capture.log', import.meta.url), 'utf8')
  // auditd writes records in arbitrary chunks.
  const chunks: string[] = []
  for (let i = 0; i < capture.length; i += 777) chunks.push(capture.slice(i, i + 777))
  const cfg = loadAgentConfig(`name: auditd-host\ndata_dir: ${agentDir}\nsources: {}\n`)
  await runAgent(cfg, new AbortController().signal, { audisp: true, stdin: Readable.from(chunks), log: pino({ level: 'silent' }) })
  const stored = readStore(join(root, 'manager', 'store.ndjson'))
  const expected = parseLines(capture, { location: 'audisp', source: 'audisp' }).events
  assert.equal(stored.length, expected.length)
  assert.deepEqual(stored.map((e) => e.raw), expected.map((e) => e.raw))
  assert.ok(stored.every((e) => e.source === 'audisp' && e.agent === '001'))
})
