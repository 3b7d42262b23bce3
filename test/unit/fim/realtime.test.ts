// Real inotify on temporary directories: the monitor sees writes, editor saves, new
// subdirectories, deletions and bursts, and coalesces them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FimMonitor } from '../../../src/sources/fim/index.js'
import { collector, configFor, tempTree, until } from './helpers.js'

const eventFor = (events: { fields: Record<string, unknown> }[], path: string, type: string) =>
  events.find((e) => e.fields['syscheck.path'] === path && e.fields['syscheck.event'] === type)

test('realtime: add, modify (editor save coalesced), new subdirectory, delete', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const ad = join(dir, 'apparmor.d')
  mkdirSync(ad)
  writeFileSync(join(ad, 'usr.bin.a'), 'profile a {}\n')
  const c = collector()
  const m = new FimMonitor({ config: configFor({ directories: [{ path: ad, realtime: true, report_changes: true }] }), database: join(dir, 'fim.db'), emit: c.emit })
  t.after(() => m.stop())
  await m.start()
  assert.equal(c.events.length, 0)

  writeFileSync(join(ad, 'usr.bin.b'), 'profile b {}\n')
  await until(() => !!eventFor(c.fim(), join(ad, 'usr.bin.b'), 'added'), 'added event')
  const added = eventFor(c.fim(), join(ad, 'usr.bin.b'), 'added')
  assert.equal(added?.fields['syscheck.mode'], 'realtime')

  // vim-style save: write a swap/temp file, rename over, several writes in a row.
  c.take()
  writeFileSync(join(ad, '.usr.bin.a.tmp'), 'profile a flags=(complain) {}\n')
  renameSync(join(ad, '.usr.bin.a.tmp'), join(ad, 'usr.bin.a'))
  appendFileSync(join(ad, 'usr.bin.a'), '# edited\n')
  await until(() => !!eventFor(c.fim(), join(ad, 'usr.bin.a'), 'modified'), 'modified event')
  await new Promise((r) => setTimeout(r, 200)) // would let a second, uncoalesced event arrive
  const mods = c.fim().filter((e) => e.fields['syscheck.path'] === join(ad, 'usr.bin.a'))
  assert.equal(mods.length, 1, JSON.stringify(c.fim().map((e) => e.raw)))
  assert.match(String(mods[0]?.fields['syscheck.diff']), /\+profile a flags=\(complain\) \{\}\n\+# edited/)
  assert.equal(c.fim().filter((e) => String(e.fields['syscheck.path']).endsWith('.tmp')).length, 0)

  // A new subdirectory, and a file in it right away.
  mkdirSync(join(ad, 'local'))
  writeFileSync(join(ad, 'local', 'usr.bin.a'), '/tmp/** rw,\n')
  await until(() => !!eventFor(c.fim(), join(ad, 'local', 'usr.bin.a'), 'added'), 'added in new subdirectory')
  // ...and a later write in it, which needs the new directory to be watched.
  writeFileSync(join(ad, 'local', 'usr.bin.a'), '/tmp/** rwx,\n')
  await until(() => !!eventFor(c.fim(), join(ad, 'local', 'usr.bin.a'), 'modified'), 'modified in new subdirectory')

  rmSync(join(ad, 'usr.bin.b'))
  await until(() => !!eventFor(c.fim(), join(ad, 'usr.bin.b'), 'deleted'), 'deleted event')
  // Removing a whole directory deletes what it held.
  rmSync(join(ad, 'local'), { recursive: true })
  await until(() => !!eventFor(c.fim(), join(ad, 'local', 'usr.bin.a'), 'deleted'), 'deleted with its directory')
})

test('realtime: a moved-in directory is walked, with everything below it', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const watched = join(dir, 'w')
  mkdirSync(watched)
  mkdirSync(join(dir, 'staged', 'sub'), { recursive: true })
  writeFileSync(join(dir, 'staged', 'sub', 'f'), 'x')
  const c = collector()
  const m = new FimMonitor({ config: configFor({ directories: [{ path: watched, realtime: true }] }), database: ':memory:', emit: c.emit })
  t.after(() => m.stop())
  await m.start()
  renameSync(join(dir, 'staged'), join(watched, 'staged'))
  await until(() => !!eventFor(c.fim(), join(watched, 'staged', 'sub', 'f'), 'added'), 'file of a moved-in directory')
})

test('realtime: a burst of 40 files gives one bulk summary and marked per-file events', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const c = collector()
  // Generous windows: a loaded CI machine must not split the burst.
  const cfg = configFor({ directories: [{ path: dir, realtime: true }], bulk_threshold: 10, bulk_window_ms: 5000, bulk_quiet_ms: 1500 })
  const m = new FimMonitor({ config: cfg, database: ':memory:', emit: c.emit })
  t.after(() => m.stop())
  await m.start()
  for (let i = 0; i < 40; i++) writeFileSync(join(dir, `p${i}`), String(i))
  await until(() => c.fim().some((e) => e.fields['syscheck.event'] === 'bulk'), 'bulk summary')
  await until(() => c.fim().filter((e) => e.fields['syscheck.event'] === 'added').length === 40, 'all 40 per-file events')
  const bulk = c.fim().filter((e) => e.fields['syscheck.event'] === 'bulk')
  assert.equal(bulk.length, 1)
  assert.equal(bulk[0]?.fields['fim.bulk.count'], 40)
  const unmarked = c.fim().filter((e) => e.fields['syscheck.event'] === 'added' && e.fields['fim.bulk.id'] === undefined)
  assert.ok(unmarked.length <= 1, `at most the opening change goes out unmarked (got ${unmarked.length})`)
})

test('a scheduled scan catches what realtime did not watch; stop releases everything', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  writeFileSync(join(dir, 'f'), '1')
  const c = collector()
  const m = new FimMonitor({ config: configFor({ directories: [{ path: dir }] }), database: ':memory:', emit: c.emit })
  await m.start()
  writeFileSync(join(dir, 'f'), '22')
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(c.events.length, 0, 'no realtime watch on this directory')
  const s = await m.scan()
  assert.equal(s.modified, 1)
  assert.equal(c.fim()[0]?.fields['syscheck.mode'], 'scheduled')
  await m.stop()
})

test('a notification batch too large to trust (possible overflow) rescans the directory instead', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const c = collector()
  const m = new FimMonitor({ config: configFor({ directories: [{ path: dir, realtime: true }], bulk_threshold: 1000 }), database: ':memory:', emit: c.emit, rescanBatchSize: 5 })
  t.after(() => m.stop())
  await m.start()
  for (let i = 0; i < 50; i++) writeFileSync(join(dir, `f${i}`), String(i))
  await until(() => c.events.some((e) => e.fields['agent.notice'] === 'fim_realtime_rescan'), 'rescan notice')
  await until(() => c.fim().length === 50, 'every file found by the rescan or by its checks')
  assert.equal(new Set(c.fim().map((e) => e.fields['syscheck.path'])).size, 50, 'each file reported once')
})

test('a removed watched directory: stop still succeeds, and a re-created one is watched again', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const watched = join(dir, 'w')
  mkdirSync(watched)
  writeFileSync(join(watched, 'f'), '1')
  const c = collector()
  const m = new FimMonitor({ config: configFor({ directories: [{ path: watched, realtime: true }] }), database: ':memory:', emit: c.emit })
  t.after(() => m.stop())
  await m.start()
  rmSync(watched, { recursive: true })
  await until(() => !!eventFor(c.fim(), join(watched, 'f'), 'deleted'), 'deleted with the watched directory')
  // Back again (ext4 and tmpfs hand the freed inode number straight back): the next scheduled scan watches it anew.
  mkdirSync(watched)
  await m.scan()
  writeFileSync(join(watched, 'g'), '2')
  await until(() => !!eventFor(c.fim(), join(watched, 'g'), 'added'), 'realtime again on the re-created directory')
  assert.equal(eventFor(c.fim(), join(watched, 'g'), 'added')?.fields['syscheck.mode'], 'realtime')
  await m.stop()
})
