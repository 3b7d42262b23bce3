import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Baseline, DIFF_MESSAGES, FimEngine } from '../../../src/sources/fim/index.js'
import { changeKey, commonDirectory, eventChangeKey } from '../../../src/sources/fim/events.js'
import type { Event } from '../../../src/event/index.js'
import { collector, configFor, tempTree } from './helpers.js'

const PROFILE = 'abi <abi/3.0>,\n\nprofile test /usr/bin/test {\n  /etc/hosts r,\n}\n'

test('first scan records silently; then added, modified (with diff), deleted with syscheck.* fields', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const ad = join(dir, 'apparmor.d')
  mkdirSync(join(ad, 'local'), { recursive: true })
  writeFileSync(join(ad, 'usr.bin.test'), PROFILE)
  writeFileSync(join(ad, 'local', 'usr.bin.test'), '')
  const cfg = configFor({ directories: [{ path: ad, report_changes: true, tags: ['apparmor'] }] })
  const db = new Baseline(':memory:')
  const c = collector()
  const engine = new FimEngine(cfg, db, c.emit)

  const first = await engine.scan()
  assert.equal(first.initial, true)
  assert.equal(first.files, 2)
  assert.equal(c.events.length, 0)
  assert.equal(db.count(), 2)

  writeFileSync(join(ad, 'usr.sbin.new'), PROFILE)
  writeFileSync(join(ad, 'usr.bin.test'), PROFILE.replace('r,', 'rw,'))
  chmodSync(join(ad, 'usr.bin.test'), 0o600)
  rmSync(join(ad, 'local', 'usr.bin.test'))
  const second = await engine.scan()
  assert.deepEqual([second.added, second.modified, second.deleted], [1, 1, 1])
  const byPath = Object.fromEntries(c.events.map((e) => [e.fields['syscheck.path'], e]))

  const added = byPath[join(ad, 'usr.sbin.new')]
  assert.equal(added?.kind, 'fim')
  assert.equal(added?.location, 'syscheck')
  assert.equal(added?.fields['syscheck.event'], 'added')
  assert.equal(added?.fields['syscheck.mode'], 'scheduled')
  assert.equal(added?.fields['syscheck.size_after'], PROFILE.length)
  assert.match(String(added?.fields['syscheck.sha256_after']), /^[0-9a-f]{64}$/)
  assert.equal(added?.fields['syscheck.md5_before'], undefined)
  assert.deepEqual(added?.fields['syscheck.tags'], ['apparmor'])

  const mod = byPath[join(ad, 'usr.bin.test')]
  assert.equal(mod?.fields['syscheck.event'], 'modified')
  // mtime may or may not tick within the test: compare the rest.
  const changed = (mod?.fields['syscheck.changed_attributes'] as string[]).filter((a) => a !== 'mtime')
  assert.deepEqual(changed, ['size', 'permission', 'md5', 'sha1', 'sha256'])
  assert.equal(mod?.fields['syscheck.perm_before'], 'rw-r--r--')
  assert.equal(mod?.fields['syscheck.perm_after'], 'rw-------')
  assert.equal(mod?.fields['syscheck.size_before'], PROFILE.length)
  assert.equal(mod?.fields['syscheck.size_after'], PROFILE.length + 1)
  assert.equal(mod?.fields['syscheck.uid_before'], undefined) // unchanged values have no _before
  assert.match(String(mod?.fields['syscheck.diff']), /^--- .*\n\+\+\+ .*\n@@ .* @@\n[\s\S]*- {2}\/etc\/hosts r,\n\+ {2}\/etc\/hosts rw,\n/)
  assert.match(mod?.raw ?? '', /^File '.*usr\.bin\.test' modified\nMode: scheduled\nChanged attributes: .*permission/)

  const del = byPath[join(ad, 'local', 'usr.bin.test')]
  assert.equal(del?.fields['syscheck.event'], 'deleted')
  assert.equal(del?.fields['syscheck.size_after'], 0)
  assert.equal(db.count(), 2)

  c.take()
  const third = await engine.scan()
  assert.deepEqual([third.added, third.modified, third.deleted, c.events.length], [0, 0, 0, 0])
  db.close()
})

test('report_changes limits: nodiff never keeps content, file_size, disk quota, no previous copy', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const cfg = configFor({
    directories: [{ path: dir, report_changes: true, diff_size_limit_bytes: 64 }],
    nodiff: [{ pattern: '.key$', type: 'sregex' }],
    diff_disk_quota_bytes: 40,
  })
  writeFileSync(join(dir, 'secret.key'), 'k1\n')
  writeFileSync(join(dir, 'big'), 'x'.repeat(10))
  writeFileSync(join(dir, 'a'), 'a\n')
  const db = new Baseline(':memory:')
  const c = collector()
  const engine = new FimEngine(cfg, db, c.emit)
  await engine.scan()
  assert.equal(db.content(join(dir, 'secret.key')), undefined, 'nodiff content is never stored')

  writeFileSync(join(dir, 'secret.key'), 'k2\n')
  writeFileSync(join(dir, 'big'), 'x'.repeat(100))
  writeFileSync(join(dir, 'a'), 'b\n')
  await engine.scan()
  const diff = (name: string) => c.events.find((e) => e.fields['syscheck.path'] === join(dir, name))?.fields['syscheck.diff']
  assert.equal(diff('secret.key'), DIFF_MESSAGES.nodiff)
  assert.ok(!JSON.stringify(c.events).includes('k2'), 'the secret never leaves')
  assert.equal(diff('big'), DIFF_MESSAGES.fileSize)
  assert.match(String(diff('a')), /-a\n\+b\n/)
  assert.ok(db.contentBytes <= 40)

  // Fill the quota with one incompressible file: the next change of another file says so.
  c.take()
  writeFileSync(join(dir, 'c'), 'c\n')
  await engine.scan() // added: content kept if it fits
  writeFileSync(join(dir, 'a'), Buffer.from(Array.from({ length: 60 }, (_, i) => 33 + ((i * 37) % 90))).toString() + '\n')
  await engine.scan()
  writeFileSync(join(dir, 'a'), 'again\n')
  await engine.scan()
  assert.equal(c.events.at(-1)?.fields['syscheck.diff'], DIFF_MESSAGES.diskQuota)
  db.close()
})

test('symlinks are recorded (disable/), ignore, restrict, recursion_level and editor-style renames', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  mkdirSync(join(dir, 'disable'))
  mkdirSync(join(dir, 'd1', 'd2'), { recursive: true })
  writeFileSync(join(dir, 'usr.sbin.x'), 'p\n')
  writeFileSync(join(dir, 'd1', 'f1'), '1')
  writeFileSync(join(dir, 'd1', 'd2', 'f2'), '2')
  writeFileSync(join(dir, 'notes.txt'), 'n')
  const cfg = configFor({ directories: [{ path: dir, recursion_level: 1 }], ignore: [{ pattern: join(dir, 'notes'), type: 'prefix' }] })
  const db = new Baseline(':memory:')
  const c = collector()
  const engine = new FimEngine(cfg, db, c.emit)
  await engine.scan()
  assert.deepEqual([...db.under(dir).keys()].sort(), [join(dir, 'd1', 'f1'), join(dir, 'usr.sbin.x')])

  symlinkSync('../usr.sbin.x', join(dir, 'disable', 'usr.sbin.x'))
  // An editor save: write a temp file, rename it over the original (new inode).
  writeFileSync(join(dir, '.usr.sbin.x.tmp'), 'p2\n')
  renameSync(join(dir, '.usr.sbin.x.tmp'), join(dir, 'usr.sbin.x'))
  await engine.scan()
  const link = c.events.find((e) => e.fields['syscheck.path'] === join(dir, 'disable', 'usr.sbin.x'))
  assert.equal(link?.fields['syscheck.event'], 'added')
  assert.equal(link?.fields['syscheck.type'], 'symlink')
  const mod = c.events.find((e) => e.fields['syscheck.path'] === join(dir, 'usr.sbin.x'))
  assert.ok((mod?.fields['syscheck.changed_attributes'] as string[]).includes('inode'))
  assert.equal(c.events.length, 2)

  const restricted = configFor({ directories: [{ path: dir, restrict: '.x$' }] })
  const db2 = new Baseline(':memory:')
  await new FimEngine(restricted, db2, () => {}).scan()
  assert.deepEqual([...db2.under(dir).keys()].sort(), [join(dir, 'disable', 'usr.sbin.x'), join(dir, 'usr.sbin.x')])
  db.close()
  db2.close()
})

test('a package upgrade touching 100 profiles: one summary plus marked per-file events', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  for (let i = 0; i < 100; i++) writeFileSync(join(dir, `p${i}`), 'v1\n')
  writeFileSync(join(dir, 'keep'), 'k')
  const db = new Baseline(':memory:')
  const c = collector()
  const engine = new FimEngine(configFor({ directories: [{ path: dir }] }), db, c.emit)
  await engine.scan()
  for (let i = 0; i < 100; i++) writeFileSync(join(dir, `p${i}`), 'v2 longer\n')
  await engine.scan()
  const summary = c.events.filter((e) => e.fields['syscheck.event'] === 'bulk')
  assert.equal(summary.length, 1)
  assert.equal(summary[0]?.fields['fim.bulk.count'], 100)
  assert.equal(summary[0]?.fields['fim.bulk.modified'], 100)
  assert.equal(summary[0]?.fields['syscheck.path'], dir)
  const perFile = c.events.filter((e) => e.fields['syscheck.event'] === 'modified')
  assert.equal(perFile.length, 100)
  assert.ok(perFile.every((e) => e.fields['fim.bulk.id'] === summary[0]?.fields['fim.bulk.id']))

  // Below the threshold nothing is marked.
  c.take()
  writeFileSync(join(dir, 'keep'), 'k2')
  await engine.scan()
  assert.equal(c.events.length, 1)
  assert.equal(c.events[0]?.fields['fim.bulk.id'], undefined)
  db.close()
})

test('the baseline persists in a database file across engines', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  mkdirSync(join(dir, 'watched'))
  writeFileSync(join(dir, 'watched', 'f'), '1')
  const cfg = configFor({ directories: [{ path: join(dir, 'watched') }] })
  const file = join(dir, 'fim.db')
  const db1 = new Baseline(file)
  await new FimEngine(cfg, db1, () => {}).scan()
  db1.close()
  writeFileSync(join(dir, 'watched', 'f'), '22')
  const db2 = new Baseline(file)
  const c = collector()
  const s = await new FimEngine(cfg, db2, c.emit).scan()
  assert.equal(s.initial, false)
  assert.equal(c.events[0]?.fields['syscheck.event'], 'modified')
  db2.close()
})

test('commonDirectory', () => {
  assert.equal(commonDirectory(['/etc/apparmor.d/a', '/etc/apparmor.d/local/b']), '/etc/apparmor.d')
  assert.equal(commonDirectory(['/etc/apparmor.d/a']), '/etc/apparmor.d')
  assert.equal(commonDirectory(['/etc/a', '/usr/b']), '/')
  assert.equal(commonDirectory(['/etc/apparmor.d/x', '/etc/apparmor.dx/y']), '/etc')
})

/** A temp apparmor.d holding one profile, removed after the test, and where its baseline file goes. */
function profileDir(t: { after: (fn: () => void) => void }): { ad: string; file: string } {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const ad = join(dir, 'apparmor.d')
  mkdirSync(ad)
  writeFileSync(join(ad, 'usr.bin.test'), PROFILE)
  return { ad, file: join(dir, 'fim.db') }
}

test('a change whose event was never spooled stays in the outbox and is sent at the next start; a spooled one is not', async (t) => {
  const { ad, file } = profileDir(t)
  const cfg = configFor({ directories: [{ path: ad, tags: ['apparmor'] }] })

  // Run 1: the baseline moves past two changes, but the spool refuses one event and never answers for the other (a crash).
  let db = new Baseline(file)
  const refused: string[] = []
  const first = new FimEngine(cfg, db, (e) => {
    if (e.fields['syscheck.event'] === 'modified') {
      refused.push(String(e.fields['syscheck.path']))
      return Promise.reject(new Error('spool full'))
    }
    return new Promise<void>(() => {})
  })
  await first.scan()
  writeFileSync(join(ad, 'usr.bin.test'), PROFILE.replace('r,', 'rw,'))
  await first.check(join(ad, 'usr.bin.test'))
  writeFileSync(join(ad, 'usr.sbin.new'), PROFILE)
  await first.scan()
  assert.deepEqual(refused, [join(ad, 'usr.bin.test')])
  await new Promise((r) => setImmediate(r))
  db.close()

  // Run 2: the baseline already matches the files, so only the outbox can tell; both changes come again, in order.
  db = new Baseline(file)
  const c = collector()
  const second = new FimEngine(cfg, db, c.emit)
  assert.equal(second.replayOutbox(), 2)
  await second.settled()
  assert.deepEqual(c.events.map((e) => [e.fields['syscheck.event'], e.fields['syscheck.path']]), [['modified', join(ad, 'usr.bin.test')], ['added', join(ad, 'usr.sbin.new')]])
  assert.deepEqual(c.events[0]?.fields['syscheck.tags'], ['apparmor'])
  assert.equal(typeof c.events[0]?.time, 'string')
  assert.equal((await second.scan()).modified + (await second.scan()).added, 0)
  db.close()

  // Run 3: spooled means gone.
  db = new Baseline(file)
  t.after(() => db.close())
  assert.equal(new FimEngine(cfg, db, collector().emit).replayOutbox(), 0)
})

test('a change spooled just before a crash leaves the outbox at the next start without being sent twice', async (t) => {
  const { ad, file } = profileDir(t)
  const cfg = configFor({ directories: [{ path: ad }] })
  // Run 1: the spool made the 'added' event durable, but the process died before FIM heard so;
  // the 'modified' event never reached the spool.
  let db = new Baseline(file)
  const spooled: Event[] = []
  const first = new FimEngine(cfg, db, (e) => {
    if (e.fields['syscheck.event'] === 'added') spooled.push(e)
    return new Promise<void>(() => {})
  })
  await first.scan()
  writeFileSync(join(ad, 'usr.sbin.new'), PROFILE)
  await first.scan()
  writeFileSync(join(ad, 'usr.bin.test'), PROFILE.replace('r,', 'rw,'))
  await first.check(join(ad, 'usr.bin.test'))
  db.close()
  assert.deepEqual(spooled.map((e) => e.fields['syscheck.path']), [join(ad, 'usr.sbin.new')])

  // Run 2: the spool's unshipped FIM events tell which outbox entries were spooled.
  db = new Baseline(file)
  t.after(() => db.close())
  const c = collector()
  const replay = new FimEngine(cfg, db, c.emit)
  assert.equal(replay.outboxPending, true)
  assert.equal(replay.replayOutbox(new Set(spooled.map((e) => eventChangeKey(e) ?? ''))), 1)
  await replay.settled()
  assert.deepEqual(c.events.map((e) => e.fields['syscheck.event']), ['modified'], 'only the change that never reached the spool')
  assert.equal(replay.outboxPending, false, 'and the spooled one left the outbox')
  assert.equal(eventChangeKey(c.events[0] as Event), changeKey({ event: 'modified', path: join(ad, 'usr.bin.test'), time: new Date(c.events[0]?.time ?? '') }))
})

test('a name that is not valid UTF-8 is skipped with a warning naming its bytes (as Wazuh), a valid non-ASCII one is recorded', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  mkdirSync(join(dir, 'sub'))
  writeFileSync(Buffer.from(`${dir}/sub/lat\xe9.txt`, 'latin1'), 'x')
  writeFileSync(join(dir, 'sub', 'café.txt'), 'y')
  const warnings: string[] = []
  const db = new Baseline(':memory:')
  t.after(() => db.close())
  const stats = await new FimEngine(configFor({ directories: [{ path: dir }] }), db, collector().emit, { onError: (p, err) => warnings.push(`${p}: ${err.message}`) }).scan()
  assert.deepEqual(warnings, [`${dir}/sub/lat\\xe9.txt: not monitored: the name is not valid UTF-8`])
  assert.deepEqual([stats.files, stats.errors, db.count()], [1, 1, 1])
  assert.ok(db.get(join(dir, 'sub', 'café.txt')))
})
