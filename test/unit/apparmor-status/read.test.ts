import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { formatStatusText, parseCurrent, parseProfiles, readStatus, toAaStatusJson } from '../../../src/apparmor/status/index.js'

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/securityfs/${name}`, import.meta.url))

test('parseProfiles keeps names with spaces and skips malformed lines', () => {
  assert.deepEqual(parseProfiles('a (enforce)\nb c (d) (complain)\ngarbage\n\nx (bogus)\n'), {
    a: 'enforce',
    'b c (d)': 'complain',
  })
})

test('parseCurrent: unconfined, single label, same-mode stack, mixed stack', () => {
  assert.deepEqual(parseCurrent('unconfined\n'), { profile: 'unconfined', status: 'unconfined' })
  assert.deepEqual(parseCurrent('/usr/sbin/cupsd (enforce)\n'), { profile: '/usr/sbin/cupsd', status: 'enforce' })
  assert.deepEqual(parseCurrent('a//&b (complain)'), { profile: 'a//&b', status: 'complain' })
  assert.deepEqual(parseCurrent('a (enforce)//&b (complain)'), { profile: 'a//&b', status: 'mixed' })
  assert.equal(parseCurrent(''), undefined)
  assert.equal(parseCurrent('x (nonsense)'), undefined)
})

test('readStatus on an enforcing host reads profiles and processes like aa-status', async () => {
  const s = await readStatus(fixture('enforcing'))
  assert.equal(s.enabled, true)
  assert.equal(s.revision, '42')
  assert.equal(Object.keys(s.profiles).length, 9)
  assert.equal(s.profiles['test profile (with spaces)'], 'complain')
  const byPid = Object.fromEntries(s.processes.map((p) => [p.pid, p]))
  assert.deepEqual(Object.keys(byPid).sort(), ['1234', '1240', '300', '500', '501', '600', '99'])
  assert.equal(byPid['99']?.status, 'unconfined') // unconfined, but a profile is named after its exe
  assert.equal(byPid['500']?.status, 'mixed')
  assert.equal(byPid['501']?.status, 'enforce')
  assert.equal(byPid['600']?.status, 'kill') // attr/apparmor/current wins over attr/current
})

test('aa-status JSON schema "2": profiles by name, processes grouped by exe, pids as strings', async () => {
  const j = toAaStatusJson(await readStatus(fixture('enforcing')))
  assert.equal(j.version, '2')
  assert.equal(j.profiles['docker-default'], 'enforce')
  assert.deepEqual(j.processes['/usr/sbin/cupsd'], [
    { profile: '/usr/sbin/cupsd', pid: '1234', status: 'enforce' },
    { profile: '/usr/sbin/cupsd', pid: '1240', status: 'enforce' },
  ])
  assert.deepEqual(j.processes['/usr/bin/foo'], [{ profile: '/usr/bin/foo', pid: '99', status: 'unconfined' }])
  assert.equal(j.processes['/usr/bin/bash'], undefined)
  assert.deepEqual(Object.keys(j.profiles), [...Object.keys(j.profiles)].sort())
})

test('text output counts profiles and processes per mode', async () => {
  const t = formatStatusText(await readStatus(fixture('enforcing')))
  assert.match(t, /^apparmor module is loaded\.\n9 profiles are loaded\.\n5 profiles are in enforce mode\.\n {3}\/usr\/sbin\/cupsd\n/)
  assert.match(t, /7 processes have profiles defined\./)
  assert.match(t, /4 processes are in enforce mode\.\n {3}\/usr\/bin\/baz \(501\) docker-default\/\/&nvidia_modprobe\n {3}\/usr\/bin\/python3\.11 \(300\) docker-default\n {3}\/usr\/sbin\/cupsd \(1234\) \n/)
  assert.match(t, /1 processes are unconfined but have a profile defined\.\n {3}\/usr\/bin\/foo \(99\) \n/)
  assert.match(t, /1 processes are in mixed mode\./)
})

test('disabled, missing module and the policy/ fallback', async () => {
  const d = await readStatus(fixture('disabled'))
  assert.equal(d.module_loaded, true)
  assert.equal(d.enabled, false)
  assert.match(formatStatusText(d), /apparmor is disabled/)
  const n = await readStatus(fixture('no-module'))
  assert.equal(n.module_loaded, false)
  assert.equal(formatStatusText(n), 'apparmor not present.\n')
  const p = await readStatus(fixture('policy-dir'))
  assert.deepEqual(p.profiles, { '/usr/sbin/ntpd': 'complain', 'snap.lxd.daemon': 'enforce' })
  const missing = await readStatus('/nonexistent-root')
  assert.equal(missing.enabled, false)
})
