// Who-data end to end on the real kernel: FIM adds its audit watch with the real auditctl, a fresh
// process writes a profile, the kernel's audit records reach /dev/kmsg (no audit daemon is
// registered, so the kernel prints them there), the agent's kmsg source and the audit normalizer
// assemble them, and the FIM event names the process and user.
//
// Needs root, auditctl, readable /dev/kmsg, and kernel audit off, not owned by a daemon nor locked.
// The test turns auditing on for its duration and off again.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { accessSync, constants, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { KmsgSource, KmsgSourceConfig } from '../../../src/sources/kmsg.js'
import { Normalizer } from '../../../src/normalize/index.js'
import { FimMonitor, WhoData } from '../../../src/sources/fim/index.js'
import { collector, configFor, tempTree, until } from './helpers.js'

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root'
  const s = spawnSync('auditctl', ['-s'], { encoding: 'utf8' })
  if (s.status !== 0) return 'auditctl unavailable'
  if (/^enabled 2/m.test(s.stdout)) return 'audit rules are immutable'
  // Auditing already on means someone else is using it: the test would turn it off afterwards.
  if (!/^enabled 0/m.test(s.stdout)) return 'kernel audit is in use (enabled 1)'
  if (!/^pid 0$/m.test(s.stdout)) return 'an audit daemon receives the records (not /dev/kmsg)'
  try {
    accessSync('/dev/kmsg', constants.R_OK)
  } catch {
    return '/dev/kmsg is not readable'
  }
  return undefined
}

test('who-data from the real kernel: the writing process and its user are in the FIM event', { skip: unavailable() ?? false }, async (t) => {
  spawnSync('auditctl', ['-e', '1'])
  t.after(() => spawnSync('auditctl', ['-e', '0']))

  const who = new WhoData({ waitMs: 3000 })
  // kmsg → normalizer → who-data. The kernel prints no EOE to kmsg: an event is complete once its
  // records stop coming, hence the flush after a quiet spell.
  let lastLine = 0
  const norm = new Normalizer({ location: '/dev/kmsg', source: 'kmsg', emit: (e) => who.push(e) })
  const flusher = setInterval(() => {
    if (lastLine && Date.now() - lastLine > 100) {
      norm.flush()
      lastLine = 0
    }
  }, 50)
  t.after(() => clearInterval(flusher))
  const ac = new AbortController()
  const kmsg = new KmsgSource(KmsgSourceConfig.parse({ poll_interval_ms: 20 }), undefined)
  const reading = kmsg.run(async (b) => {
    for (const l of b.lines) norm.push(l.line)
    lastLine = Date.now()
  }, ac.signal)
  t.after(async () => {
    ac.abort()
    await reading
  })

  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const watched = join(dir, 'apparmor.d')
  mkdirSync(watched)
  const c = collector()
  const m = new FimMonitor({ config: configFor({ directories: [{ path: watched, whodata: true }] }), database: ':memory:', emit: c.emit, whodata: who })
  await m.start()
  t.after(() => m.stop())
  assert.deepEqual(c.events.filter((e) => e.kind === 'agent'), [], 'who-data is available')

  // The kernel prints audit records through a rate limit (10 per 5 s): the records of turning
  // auditing on and adding the watch used it up; wait for a fresh window.
  await new Promise((r) => setTimeout(r, 5500))
  // A process started after auditing was turned on (older ones carry no audit context).
  const file = join(watched, 'usr.bin.kernel-test')
  const w = spawnSync('sh', ['-c', `echo 'profile k {}' > ${file}`])
  assert.equal(w.status, 0)
  await until(() => c.fim().length > 0, 'the FIM event')
  const f = c.fim()[0]?.fields ?? {}
  assert.equal(f['syscheck.path'], file)
  assert.equal(f['syscheck.mode'], 'whodata')
  assert.equal(f['syscheck.audit.process.id'], String(w.pid))
  assert.match(String(f['syscheck.audit.process.name']), /\/(dash|bash|sh)$/)
  assert.equal(f['syscheck.audit.user.id'], '0')
  assert.equal(f['syscheck.audit.user.name'], undefined, 'names come from an IdNames given to WhoData')
})
