import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Event, Fields } from '../../../src/event/event.js'
import { AUDIT_KEY, auditStatus, FimMonitor, WhoData } from '../../../src/sources/fim/index.js'
import { collector, configFor, tempTree, until } from './helpers.js'

/** An assembled audit event as the normalizer builds it (issue 2 field names). */
function auditEvent(fields: Fields): Event {
  return { seq: 0, time: new Date().toISOString(), agent: '', source: 'netlink', location: 'audit', kind: 'audit', raw: '', fields: { 'audit.type': 'SYSCALL', 'audit.key': AUDIT_KEY, ...fields } }
}

const write = (dir: string, name: string, extra: Fields = {}) =>
  auditEvent({
    'audit.syscall': 'openat', 'audit.pid': '4242', 'audit.ppid': '4000', 'audit.uid': '0', 'audit.auid': '1000', 'audit.euid': '0', 'audit.gid': '0',
    'audit.exe': '/usr/bin/vim.basic', 'audit.cwd': '/root',
    'audit.paths': [{ name: dir + '/', nametype: 'PARENT' }, { name, nametype: 'CREATE' }],
    ...extra,
  })

test('WhoData correlates audit PATH records (absolute, relative to the parent or cwd) with changed paths', async () => {
  let now = 1000
  const w = new WhoData({ now: () => now, waitMs: 0, ttlMs: 5000 })
  w.push(write('/etc/apparmor.d', '/etc/apparmor.d/usr.bin.a'))
  w.push(write('/etc/apparmor.d', 'usr.bin.b'))
  w.push(auditEvent({ 'audit.pid': '1', 'audit.cwd': '/etc/apparmor.d', 'audit.paths': [{ name: 'local/x', nametype: 'NORMAL' }] }))
  w.push(auditEvent({ 'audit.key': 'other', 'audit.pid': '9', 'audit.paths': [{ name: '/etc/apparmor.d/usr.bin.c', nametype: 'NORMAL' }] }))
  const a = await w.attribute('/etc/apparmor.d/usr.bin.a')
  assert.deepEqual(a, { user: { id: '0' }, login_user: { id: '1000' }, effective_user: { id: '0' }, group: { id: '0' }, process: { id: '4242', name: '/usr/bin/vim.basic', ppid: '4000', cwd: '/root' } })
  assert.equal((await w.attribute('/etc/apparmor.d/usr.bin.b'))?.process?.id, '4242')
  assert.equal((await w.attribute('/etc/apparmor.d/local/x'))?.process?.id, '1')
  assert.equal(await w.attribute('/etc/apparmor.d/usr.bin.c'), undefined, 'other keys are not ours')
  assert.equal(await w.attribute('/etc/apparmor.d/usr.bin.a'), undefined, 'a record attributes one check')
  w.push(write('/etc/apparmor.d', '/etc/apparmor.d/old'))
  now += 6000
  w.push(write('/etc/apparmor.d', '/etc/apparmor.d/new', { 'audit.auid': '4294967295' }))
  assert.equal(await w.attribute('/etc/apparmor.d/old'), undefined, 'expired')
  assert.equal((await w.attribute('/etc/apparmor.d/new'))?.login_user, undefined, 'unset auid')
})

function fakeAuditctl(dir: string, enabled: number): { path: string; calls: () => string[] } {
  const path = join(dir, 'auditctl')
  const log = join(dir, 'auditctl.log')
  writeFileSync(log, '')
  writeFileSync(path, `#!/bin/sh\necho "$@" >> '${log}'\n[ "$1" = "-s" ] && echo "enabled ${enabled}" && echo "failure 1"\nexit 0\n`)
  chmodSync(path, 0o755)
  return { path, calls: () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) }
}

test('a whodata directory gets an audit watch, and its changes carry syscheck.audit.* in mode whodata', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const ctl = fakeAuditctl(dir, 1)
  const watched = join(dir, 'apparmor.d')
  mkdirSync(watched)
  const c = collector()
  const who = new WhoData({ waitMs: 2000 })
  const m = new FimMonitor({ config: configFor({ directories: [{ path: watched, whodata: true }] }), database: ':memory:', emit: c.emit, whodata: who, auditctl: ctl.path })
  await m.start()
  assert.deepEqual(ctl.calls(), ['-s', `-w ${watched} -p wa -k ${AUDIT_KEY}`])
  writeFileSync(join(watched, 'usr.bin.x'), 'profile x {}\n')
  who.push(write(watched, join(watched, 'usr.bin.x')))
  await until(() => c.fim().length === 1, 'the whodata event')
  const f = c.fim()[0]?.fields ?? {}
  assert.equal(f['syscheck.mode'], 'whodata')
  assert.equal(f['syscheck.audit.process.name'], '/usr/bin/vim.basic')
  assert.equal(f['syscheck.audit.process.id'], '4242')
  assert.equal(f['syscheck.audit.login_user.id'], '1000')
  assert.match(c.fim()[0]?.raw ?? '', /\(Audit\) Process name: '\/usr\/bin\/vim\.basic'/)
  await m.stop()
  assert.equal(ctl.calls().at(-1), `-W ${watched} -p wa -k ${AUDIT_KEY}`, 'the watch is removed on stop')
})

test('where kernel audit is disabled, FIM says so and runs in realtime mode', async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const ctl = fakeAuditctl(dir, 0)
  assert.deepEqual(await auditStatus(ctl.path), { available: false, reason: 'kernel audit is disabled (enabled 0); enable it with auditctl -e 1' })
  assert.equal((await auditStatus(join(dir, 'missing'))).available, false)
  const c = collector()
  const m = new FimMonitor({ config: configFor({ directories: [{ path: dir, whodata: true, restrict: '.conf$' }] }), database: ':memory:', emit: c.emit, whodata: new WhoData(), auditctl: ctl.path })
  await m.start()
  t.after(() => m.stop())
  const notice = c.events.find((e) => e.kind === 'agent')
  assert.equal(notice?.fields['agent.notice'], 'fim_whodata_unavailable')
  assert.match(notice?.raw ?? '', /kernel audit is disabled/)
  writeFileSync(join(dir, 'a.conf'), 'x')
  await until(() => c.fim().length === 1, 'the realtime event')
  assert.equal(c.fim()[0]?.fields['syscheck.mode'], 'realtime')
})

test('WhoData reads the events the audit normalizer assembles from audit.log records', async () => {
  const { parseLines } = await import('../../../src/normalize/index.js')
  const id = 'msg=audit(1700000000.123:4242):'
  const log = [
    `type=SYSCALL ${id} arch=c000003e syscall=257 success=yes exit=3 a0=4 a1=55d0 a2=241 a3=1b6 items=2 ppid=4000 pid=4242 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="dpkg" exe="/usr/bin/dpkg" key="${AUDIT_KEY}"`,
    `type=CWD ${id} cwd="/"`,
    `type=PATH ${id} item=0 name="/etc/apparmor.d/" inode=1234 dev=08:01 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT`,
    `type=PATH ${id} item=1 name="usr.sbin.cupsd.dpkg-new" inode=5678 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE`,
    `type=EOE ${id}`,
    '',
  ].join('\n')
  const { events, errors } = parseLines(log, { location: '/var/log/audit/audit.log' })
  assert.deepEqual(errors, [])
  const w = new WhoData({ waitMs: 0 })
  for (const e of events) w.push(e)
  // openat(fd of /etc/apparmor.d, "usr.sbin.cupsd.dpkg-new"): found through its PARENT item.
  const who = await w.attribute('/etc/apparmor.d/usr.sbin.cupsd.dpkg-new')
  assert.equal(who?.process?.name, '/usr/bin/dpkg')
  assert.equal(who?.process?.id, '4242')
  assert.equal(who?.login_user?.id, '1000')
})
