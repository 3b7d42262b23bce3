// The state poller on a copy of a fixture securityfs tree, changed the way the kernel would:
// load, unload, mode change, teardown, disable.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AppArmorStatePoller, diffStatus, isWeakening } from '../../../src/sources/apparmor-state/index.js'
import type { Event } from '../../../src/event/event.js'

const fixture = fileURLToPath(new URL('../../fixtures/securityfs/enforcing', import.meta.url))

function setup(t: { after: (fn: () => void) => void }) {
  const root = mkdtempSync(join(tmpdir(), 'aw-secfs-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  cpSync(fixture, root, { recursive: true, verbatimSymlinks: true })
  const secfs = join(root, 'sys/kernel/security/apparmor')
  let rev = 42
  const profiles = join(secfs, 'profiles')
  const bump = () => writeFileSync(join(secfs, 'revision'), `${++rev}\n`)
  const events: Event[] = []
  const poller = new AppArmorStatePoller({ root, emit: (e) => void events.push(e) })
  const edit = (fn: (text: string) => string) => {
    writeFileSync(profiles, fn(readFileSync(profiles, 'utf8')))
    bump()
  }
  return { root, secfs, profiles, bump, events, poller, edit }
}

const changes = (evs: Event[]) => evs.filter((e) => e.fields['apparmor_state.change'] !== 'inventory').map((e) => e.fields)

test('start emits the inventory; nothing more while the revision does not move', async (t) => {
  const s = setup(t)
  await s.poller.start()
  t.after(() => s.poller.stop())
  assert.equal(s.events.length, 1)
  const inv = s.events[0]
  assert.equal(inv?.kind, 'apparmor-state')
  assert.equal(inv?.fields['apparmor_state.change'], 'inventory')
  assert.equal(inv?.fields['apparmor_state.profile_count'], 9)
  assert.deepEqual(inv?.fields['apparmor_state.modes'], { enforce: 5, complain: 2, kill: 1, unconfined: 1, prompt: 0 })
  assert.equal((inv?.fields['apparmor_state.profiles'] as Record<string, string>)['/usr/bin/man'], 'kill')
  assert.equal(inv?.fields['apparmor_state.process_count'], 7)
  // Changing the file without a revision bump is not seen (the kernel always bumps it).
  appendFileSync(s.profiles, 'sneaky (enforce)\n')
  assert.deepEqual(await s.poller.poll(), [])
})

test('load, remove and mode changes (enforce → complain is a weakening), in securityfs order', async (t) => {
  const s = setup(t)
  await s.poller.poll()
  s.edit((p) => p.replace('/usr/sbin/cupsd (enforce)', '/usr/sbin/cupsd (complain)').replace('docker-default (enforce)\n', '') + 'usr.sbin.new (enforce)\n')
  const evs = await s.poller.poll()
  assert.deepEqual(changes(evs), [
    { 'apparmor_state.change': 'mode_changed', 'apparmor_state.weakened': true, 'apparmor_state.enabled': true, 'apparmor_state.profile_count': 9, 'apparmor_state.profile': '/usr/sbin/cupsd', 'apparmor_state.mode_before': 'enforce', 'apparmor_state.mode_after': 'complain', 'apparmor_state.revision': '43' },
    { 'apparmor_state.change': 'profile_removed', 'apparmor_state.weakened': true, 'apparmor_state.enabled': true, 'apparmor_state.profile_count': 9, 'apparmor_state.profile': 'docker-default', 'apparmor_state.mode_before': 'enforce', 'apparmor_state.revision': '43' },
    { 'apparmor_state.change': 'profile_loaded', 'apparmor_state.weakened': false, 'apparmor_state.enabled': true, 'apparmor_state.profile_count': 9, 'apparmor_state.profile': 'usr.sbin.new', 'apparmor_state.mode_after': 'enforce', 'apparmor_state.revision': '43' },
  ])
  assert.equal(evs.at(-1)?.fields['apparmor_state.change'], 'inventory', 'a change sends a fresh inventory')
  assert.match(evs[0]?.raw ?? '', /mode changed from enforce to complain/)
  s.edit((p) => p.replace('/usr/sbin/cupsd (complain)', '/usr/sbin/cupsd (enforce)'))
  assert.equal(changes(await s.poller.poll())[0]?.['apparmor_state.weakened'], false)
})

test('teardown (every profile unloaded) is one all_profiles_removed event', async (t) => {
  const s = setup(t)
  await s.poller.poll()
  s.edit(() => '')
  const c = changes(await s.poller.poll())
  assert.equal(c.length, 1)
  assert.equal(c[0]?.['apparmor_state.change'], 'all_profiles_removed')
  assert.equal(c[0]?.['apparmor_state.profile_count_before'], 9)
  assert.equal((c[0]?.['apparmor_state.profiles_removed'] as string[]).length, 9)
})

test('disabling AppArmor is one disabled event; re-enabling is noticed', async (t) => {
  const s = setup(t)
  await s.poller.poll()
  writeFileSync(join(s.root, 'sys/module/apparmor/parameters/enabled'), 'N\n')
  const c = changes(await s.poller.poll())
  assert.deepEqual(c.map((f) => f['apparmor_state.change']), ['disabled'])
  assert.equal(c[0]?.['apparmor_state.weakened'], true)
  writeFileSync(join(s.root, 'sys/module/apparmor/parameters/enabled'), 'Y\n')
  assert.deepEqual(changes(await s.poller.poll()).map((f) => f['apparmor_state.change']), ['enabled'])
})

test('without a revision file every poll reads the profiles', async (t) => {
  const s = setup(t)
  rmSync(join(s.secfs, 'revision'))
  await s.poller.poll()
  appendFileSync(s.profiles, 'late (complain)\n')
  assert.deepEqual(changes(await s.poller.poll()).map((f) => f['apparmor_state.profile']), ['late'])
})

test('with a state file, what changed while the poller was stopped is reported at its next start', async (t) => {
  const s = setup(t)
  const stateFile = join(s.root, 'apparmor-state.json')
  const first = new AppArmorStatePoller({ root: s.root, emit: () => {}, stateFile })
  await first.start()
  await first.stop()
  assert.equal(statSync(stateFile).mode & 0o777, 0o600)
  // While no agent runs: cupsd goes to complain and docker-default is unloaded.
  s.edit((p) => p.replace('/usr/sbin/cupsd (enforce)', '/usr/sbin/cupsd (complain)').replace('docker-default (enforce)\n', ''))

  // The next start's spool refuses the events once: the file keeps the old state...
  const refusing = new AppArmorStatePoller({ root: s.root, emit: () => Promise.reject(new Error('spool full')), stateFile })
  await refusing.start()
  await refusing.stop()
  // ...so the start after reports them, marked as made while stopped, then the inventory.
  const events: Event[] = []
  const next = new AppArmorStatePoller({ root: s.root, emit: (e) => void events.push(e), stateFile })
  await next.start()
  t.after(() => next.stop())
  assert.deepEqual(
    events.map((e) => [e.fields['apparmor_state.change'], e.fields['apparmor_state.profile'], e.fields['apparmor_state.while_stopped']]),
    [['mode_changed', '/usr/sbin/cupsd', true], ['profile_removed', 'docker-default', true], ['inventory', undefined, undefined]],
  )
  // Spooled: a further start finds nothing new, and changes seen live are not marked.
  events.length = 0
  const again = new AppArmorStatePoller({ root: s.root, emit: (e) => void events.push(e), stateFile })
  await again.start()
  t.after(() => again.stop())
  assert.deepEqual(changes(events), [])
  s.edit((p) => p + 'usr.sbin.new (enforce)\n')
  const live = changes(await again.poll())
  assert.deepEqual([live[0]?.['apparmor_state.change'], live[0]?.['apparmor_state.while_stopped']], ['profile_loaded', undefined])
  // An unreadable state file is the first start: an inventory, no changes.
  writeFileSync(stateFile, '{"version":1,"profiles":')
  events.length = 0
  const torn = new AppArmorStatePoller({ root: s.root, emit: (e) => void events.push(e), stateFile })
  await torn.start()
  t.after(() => torn.stop())
  assert.deepEqual(events.map((e) => e.fields['apparmor_state.change']), ['inventory'])
})

test('weakening order and diff of identical states', () => {
  assert.equal(isWeakening('enforce', 'complain'), true)
  assert.equal(isWeakening('kill', 'enforce'), true)
  assert.equal(isWeakening('complain', 'enforce'), false)
  const st = { module_loaded: true, enabled: true, policy_readable: true, profiles: { a: 'enforce' as const }, processes: [] }
  assert.deepEqual(diffStatus(st, st), [])
})

test('the poller configuration is strict', () => {
  assert.throws(() => new AppArmorStatePoller({ root: '/', intervall_ms: 5, emit: () => {} } as never), /intervall_ms/)
  assert.throws(() => new AppArmorStatePoller({ interval_ms: 1, emit: () => {} }), /interval_ms/)
})

test('the built-in ruleset alerts on the poller events: complain switch, teardown, disable', async (t) => {
  const { loadRuleset } = await import('../../../src/rules/ruleset.js')
  const rs = loadRuleset()
  const s = setup(t)
  // The inventory is stored at level 1 (rule 110307): queryable, but not a finding.
  const findings = (evs: Event[]) => evs.map((e) => rs.analyze(e)).filter((a) => a !== null && a.rule.level > 1)
  const ids = (evs: Event[]) => findings(evs).map((a) => a?.rule.id)
  const first = (await s.poller.poll()).map((e) => rs.analyze(e))
  assert.deepEqual(first.map((a) => [a?.rule.id, a?.rule.level]), [['110307', 1]])
  s.edit((p) => p.replace('/usr/sbin/cupsd (enforce)', '/usr/sbin/cupsd (complain)'))
  assert.deepEqual(ids(await s.poller.poll()), ['110303'])
  s.edit(() => '')
  assert.deepEqual(ids(await s.poller.poll()), ['110302'])
  writeFileSync(join(s.root, 'sys/module/apparmor/parameters/enabled'), 'N\n')
  const disabled = findings(await s.poller.poll())
  assert.deepEqual(disabled.map((a) => a?.rule.id), ['110301'])
  assert.equal(disabled[0]?.rule.level, 14)
})
