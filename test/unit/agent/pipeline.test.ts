// The pipeline with the real normalizer: events and source positions land in the spool together,
// and an audit event cut across two reads is held until its last record arrives.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseLines } from '../../../src/normalize/index.js'
import { hostEncoder } from '../../../src/agent/encode.js'
import { Pipeline } from '../../../src/agent/pipeline.js'
import { Spool } from '../../../src/agent/spool.js'
import { RotatingLog } from '../../../src/agent/rotating-log.js'
import type { SourceBatch } from '../../../src/sources/types.js'
import { tempDir } from './helpers.js'

const capture = readFileSync(new URL('../../fixtures/normalize/real-capture.log', import.meta.url), 'utf8').split('\n').filter(Boolean)
const batch = (lines: string[], offset: number, source = 'file'): SourceBatch => ({
  key: 'file:/var/log/audit/audit.log',
  source,
  lines: lines.map((line) => ({ line, location: '/var/log/audit/audit.log' })),
  position: { offset },
})

test('an audit capture read in two arbitrary pieces gives the same events as read whole', async (t) => {
  const spool = await Spool.open(join(tempDir(t), 'spool'), { encode: hostEncoder(() => ({ 'host.hostname': 'web01' })) })
  const p = new Pipeline({ spool, agentName: 'web01', holdMs: 60_000 })
  // Cut inside a multi-record event: after a SYSCALL whose PROCTITLE follows.
  const cut = capture.findIndex((l, i) => l.startsWith('type=SYSCALL') && capture[i + 1]?.startsWith('type=PROCTITLE')) + 1
  assert.ok(cut > 0)
  await p.emit(batch(capture.slice(0, cut), 1))
  // Held: the event is incomplete, so neither it nor the position is in the spool yet.
  assert.equal(spool.positions().get('file:/var/log/audit/audit.log'), undefined)
  await p.emit(batch(capture.slice(cut), 2))
  await p.close()
  const whole = parseLines(capture.join('\n'), { location: '/var/log/audit/audit.log' })
  const got = await spool.read(1, 100_000)
  assert.equal(got.length, whole.events.length)
  assert.deepEqual(got.map((e) => e.raw), whole.events.map((e) => e.raw))
  assert.ok(got.every((e, i) => e.seq === i + 1 && e.agent === 'web01' && e.fields['host.hostname'] === 'web01'))
  assert.deepEqual(spool.positions().get('file:/var/log/audit/audit.log'), { offset: 2 })
  await spool.close()
})

test('notices become agent events; unparsable lines are counted and handed to the quarantine', async (t) => {
  const spool = await Spool.open(join(tempDir(t), 'spool'))
  const bad: string[] = []
  const p = new Pipeline({ spool, agentName: 'a', onParseError: (e) => bad.push(`${e.line}:${e.column} ${e.message}`) })
  await p.emit({ ...batch(['type=AVC msg=audit(oops', 'Nov 23 01:00:00 host app[1]: hello'], 5), notices: [{ kind: 'truncated', message: 'x was truncated' }] })
  await p.close()
  const got = await spool.read(1, 10)
  assert.deepEqual(got.map((e) => e.kind), ['agent', 'syslog'])
  assert.equal(got[0].fields['agent.notice'], 'truncated')
  assert.equal(p.stats.parse_errors, 1)
  assert.match(bad[0], /^1:\d+ /)
  await spool.close()
})

test('raw audit passthrough: records read from the kernel are also written to a rotated raw log', async (t) => {
  const dir = tempDir(t)
  const spool = await Spool.open(join(dir, 'spool'))
  const raw = new RotatingLog({ path: join(dir, 'audit.raw.log'), maxBytes: 1000, keep: 2 })
  const p = new Pipeline({ spool, agentName: 'a', rawLog: raw, rawLogSources: new Set(['audisp']) })
  for (let i = 0; i < 40; i += 10) await p.emit(batch(capture.slice(i, i + 10), i, 'audisp'))
  await p.close()
  await raw.close()
  const written = [join(dir, 'audit.raw.log.2'), join(dir, 'audit.raw.log.1'), join(dir, 'audit.raw.log')]
    .flatMap((f) => { try { return readFileSync(f, 'utf8').split('\n').filter(Boolean) } catch { return [] } })
  assert.ok(written.length > 0 && written.every((l) => capture.includes(l)))
  assert.ok(readFileSync(join(dir, 'audit.raw.log.1'), 'utf8').length > 0, 'rotated')
  await spool.close()
})
