import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { parseCurrent, parseProfileLines, parseProfiles, readStatus, splitcon } from '../../../src/apparmor/status/index.js'

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/securityfs/${name}`, import.meta.url))

test('splitcon: the mode follows the last " (" of a context ending in ")"; unconfined has none', () => {
  assert.deepEqual(splitcon('a (enforce)\n'), { label: 'a', mode: 'enforce' })
  assert.deepEqual(splitcon('b c (d) (complain)'), { label: 'b c (d)', mode: 'complain' })
  assert.deepEqual(splitcon('a (enforce)//&b (complain)\n'), { label: 'a (enforce)//&b', mode: 'complain' })
  assert.deepEqual(splitcon('unconfined\n'), { label: 'unconfined' })
  assert.equal(splitcon('garbage\n'), undefined)
  assert.equal(splitcon(' (x)'), undefined) // " (" at the very start is not a split point
  assert.equal(splitcon('\n'), undefined)
})

test('parseProfileLines keeps every mode, reports lines that do not split and modeless ones', () => {
  const p = parseProfileLines('a (enforce)\nb c (d) (complain)\ngarbage\n\nx (bogus)\nu (user)\nlast (kill)')
  assert.deepEqual(p.profiles, [
    { name: 'a', mode: 'enforce' },
    { name: 'b c (d)', mode: 'complain' },
    { name: 'x', mode: 'bogus' },
    { name: 'u', mode: 'prompt' },
    { name: 'last', mode: 'kill' },
  ])
  assert.deepEqual(p.unsplit, ['garbage\n', '\n'])
  assert.equal(p.modeless, false)
  assert.equal(parseProfileLines('unconfined\n').modeless, true)
  // The poller's view: known modes only, kernel spelling.
  assert.deepEqual(parseProfiles('a (enforce)\nx (bogus)\nu (user)\n'), { a: 'enforce', u: 'user' })
})

test('parseCurrent reads attr/current as aa_getprocattr does', () => {
  assert.deepEqual(parseCurrent('unconfined\n'), { label: 'unconfined' })
  assert.deepEqual(parseCurrent('/usr/sbin/cupsd (enforce)\n'), { label: '/usr/sbin/cupsd', mode: 'enforce' })
  assert.deepEqual(parseCurrent('a//&b (mixed)\n'), { label: 'a//&b', mode: 'mixed' })
  assert.deepEqual(parseCurrent('p (user)\n'), { label: 'p', mode: 'prompt' })
  // Without its newline the text is not split (libapparmor: EINVAL, the task is skipped)...
  assert.equal(parseCurrent('a (enforce)'), undefined)
  assert.equal(parseCurrent('garbage\n'), undefined)
  // ...but NUL-terminated text and empty text are taken whole, without a mode.
  assert.deepEqual(parseCurrent('a (enforce)\0'), { label: 'a (enforce)' })
  assert.deepEqual(parseCurrent(''), { label: '' })
})

test('readStatus (the poller view) on an enforcing host', async () => {
  const s = await readStatus(fixture('enforcing'))
  assert.equal(s.enabled, true)
  assert.equal(s.revision, '42')
  assert.equal(Object.keys(s.profiles).length, 9)
  assert.equal(s.profiles['test profile (with spaces)'], 'complain')
  const byPid = Object.fromEntries(s.processes.map((p) => [p.pid, p]))
  assert.deepEqual(Object.keys(byPid), ['99', '300', '500', '501', '600', '1234', '1240'])
  assert.equal(byPid['99']?.status, 'unconfined') // unconfined, but a profile is named after its exe
  assert.deepEqual(byPid['500'], { pid: '500', exe: '/usr/bin/bar', profile: 'docker-default//&/usr/bin/foo', status: 'mixed' })
  assert.equal(byPid['600']?.status, 'kill') // attr/apparmor/current wins over attr/current
})

test('readStatus keeps UTF-8 names readable and its policy/ fallback', async () => {
  const s = await readStatus(fixture('stacked'))
  assert.equal(s.profiles['/opt/café'], 'enforce')
  assert.equal(s.processes.find((p) => p.pid === '91')?.exe, '/opt/café')
  const p = await readStatus(fixture('policy-dir'))
  assert.deepEqual(p.profiles, { '/usr/sbin/ntpd': 'complain', 'snap.lxd.daemon': 'enforce' })
  const d = await readStatus(fixture('disabled'))
  assert.deepEqual([d.module_loaded, d.enabled], [true, false])
  const n = await readStatus(fixture('no-module'))
  assert.equal(n.module_loaded, false)
  assert.equal((await readStatus('/nonexistent-root')).enabled, false)
})
