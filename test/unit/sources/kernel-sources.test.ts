// The kmsg, journald and audisp sources against fixtures: positions, resume, lost-message reports.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { KmsgSource, KmsgSourceConfig, type KmsgPosition } from '../../../src/sources/kmsg.js'
import { JournaldSource, JournaldSourceConfig, type JournaldPosition } from '../../../src/sources/journald.js'
import { AudispSource } from '../../../src/sources/audisp.js'
import type { Source, SourceBatch } from '../../../src/sources/types.js'
import { tempDir } from './helpers.js'

const fixtures = fileURLToPath(new URL('../../fixtures/sources/', import.meta.url))

/** Runs a source until `enough` says stop (or it ends), collecting its batches. */
async function collect(src: Source, enough: (b: SourceBatch[]) => boolean): Promise<SourceBatch[]> {
  const out: SourceBatch[] = []
  const stop = new AbortController()
  await src.run(async (b) => {
    out.push(b)
    if (enough(out)) stop.abort()
  }, stop.signal)
  return out
}

test('kmsg: reads records, skips dictionary lines, reports the seq gap, resumes after the saved seq', async (t) => {
  const dir = tempDir(t)
  const bootId = join(dir, 'boot_id')
  writeFileSync(bootId, 'boot-a\n')
  const path = join(dir, 'kmsg')
  writeFileSync(path, readFileSync(join(fixtures, 'kmsg.txt')))
  const cfg = KmsgSourceConfig.parse({ path, boot_id_path: bootId, from_beginning: true, poll_interval_ms: 10 })
  const first = await collect(new KmsgSource(cfg, undefined), (b) => b.length >= 1)
  assert.deepEqual(first[0].lines.map((l) => l.line.split(';')[0]), ['5,1234,8128400000,-', '6,1235,8129000000,-', '4,1239,8130100000,-'])
  assert.deepEqual(first[0].notices?.map((n) => n.message), ['' + path + ': 3 kernel messages were lost (seq 1236-1238) before they could be read'])
  assert.deepEqual(first[0].position, { boot_id: 'boot-a', seq: 1239 })
  // Same boot: only records after the saved seq. New boot: everything again.
  appendFileSync(path, '6,1240,8131000000,-;later\n')
  const again = await collect(new KmsgSource(cfg, first[0].position as KmsgPosition), (b) => b.length >= 1)
  assert.deepEqual(again[0].lines.map((l) => l.line), ['6,1240,8131000000,-;later'])
  writeFileSync(bootId, 'boot-b\n')
  const rebooted = await collect(new KmsgSource(cfg, { boot_id: 'boot-a', seq: 1240 }), (b) => b.length >= 1)
  assert.equal(rebooted[0].lines.length, 4)
})

test('kmsg: a first run without from_beginning starts after what is already there', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'kmsg')
  writeFileSync(path, readFileSync(join(fixtures, 'kmsg.txt')))
  const cfg = KmsgSourceConfig.parse({ path, boot_id_path: join(dir, 'none'), poll_interval_ms: 10 })
  const src = new KmsgSource(cfg, undefined)
  setTimeout(() => appendFileSync(path, '6,1240,8131000000,-;new\n'), 50)
  const got = await collect(src, (b) => b.length >= 1)
  assert.deepEqual(got[0].lines.map((l) => l.line), ['6,1240,8131000000,-;new'])
})

test('journald: follows from the saved cursor, starts at the end on a first run, restarts journalctl', async (t) => {
  const dir = tempDir(t)
  const journal = join(dir, 'journal.json')
  writeFileSync(journal, readFileSync(new URL('../../fixtures/normalize/journald.json', import.meta.url)))
  const argsLog = join(dir, 'args')
  process.env.FAKE_JOURNAL = journal
  process.env.FAKE_JOURNAL_ARGS = argsLog
  t.after(() => {
    delete process.env.FAKE_JOURNAL
    delete process.env.FAKE_JOURNAL_ARGS
    delete process.env.FAKE_JOURNAL_EXIT
  })
  const entries = readFileSync(journal, 'utf8').split('\n').filter(Boolean)
  const cursors = entries.map((l) => (JSON.parse(l) as { __CURSOR: string }).__CURSOR)
  const cfg = JournaldSourceConfig.parse({ journalctl_path: join(fixtures, 'fake-journalctl'), from_beginning: true, matches: ['_TRANSPORT=audit'], restart_delay_ms: 10 })
  const all = await collect(new JournaldSource(cfg, undefined), (b) => b.flatMap((x) => x.lines).length >= entries.length)
  assert.equal(all.flatMap((b) => b.lines).length, entries.length)
  assert.deepEqual(all[all.length - 1].position, { cursor: cursors[cursors.length - 1] })
  const resumed = new JournaldSource(cfg, { cursor: cursors[0] } satisfies JournaldPosition)
  assert.ok(resumed.args().includes(`--after-cursor=${cursors[0]}`))
  const rest = await collect(resumed, (b) => b.flatMap((x) => x.lines).length >= entries.length - 1)
  assert.equal(rest[0].lines[0].line, entries[1])
  const fresh = new JournaldSource(JournaldSourceConfig.parse({ journalctl_path: 'x' }), undefined)
  assert.ok(fresh.args().includes('--lines=0'))
  // journalctl dying is reported and it is started again from the last cursor.
  process.env.FAKE_JOURNAL_EXIT = '1'
  const failing = await collect(new JournaldSource(cfg, { cursor: cursors[cursors.length - 1] }), (b) => b.filter((x) => x.notices?.length).length >= 2)
  assert.equal(failing[0].notices?.[0].kind, 'source_failed')
  const starts = readFileSync(argsLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[])
  assert.ok(starts.at(-1)!.includes(`--after-cursor=${cursors[cursors.length - 1]}`))
  assert.ok(starts[0].includes('_TRANSPORT=audit'))
})

test('audisp: records on stdin, in order, the last one even without a newline', async () => {
  const input = Readable.from(['type=AVC msg=audit(1.000:1): apparmor="DENIED"\ntype=SYS', 'CALL msg=audit(1.000:1): arch=c000003e\n', 'type=EOE msg=audit(1.000:1):'])
  const got = await collect(new AudispSource(input), () => false)
  assert.deepEqual(got.flatMap((b) => b.lines.map((l) => l.line)), [
    'type=AVC msg=audit(1.000:1): apparmor="DENIED"', 'type=SYSCALL msg=audit(1.000:1): arch=c000003e', 'type=EOE msg=audit(1.000:1):',
  ])
  assert.deepEqual(got.at(-1)!.position, { records: 3 })
})
