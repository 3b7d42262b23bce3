/**
 * The dashboard's API on a real port over a real store: alerts made by the real rules from the
 * AppArmor corpus (agent 001 web1: the seed scenario; agent 002 db1: one record per log envelope),
 * the seed scenario again one day earlier (the previous period), AppArmor inventories and state
 * changes made by the state source's own event builders, and one FIM alert on a profile file.
 * Known answers were counted from the corpus records (docs/api.md says what each metric counts).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { findProfile, loadPolicy, replay, suggest } from '../../../src/apparmor/profile/index.js'
import type { AppArmorStatus } from '../../../src/apparmor/status/index.js'
import type { Event } from '../../../src/event/event.js'
import { buildManager } from '../../../src/manager/app.js'
import { digest, hashPassword } from '../../../src/manager/auth/secrets.js'
import { ManagerMetrics } from '../../../src/manager/metrics.js'
import { parseLines } from '../../../src/normalize/index.js'
import { loadRuleset } from '../../../src/rules/ruleset.js'
import { changeEvent, inventoryEvent } from '../../../src/sources/apparmor-state/index.js'
import type { AlertDoc } from '../../../src/store/alert.js'
import { openEmbeddedStore, type EmbeddedStore } from '../../../src/store/index.js'
import { tempDir } from '../../helpers/tmp.js'
import { getJson } from './sse.js'

const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname
const DAY = 86_400_000
const RANGE = 'from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z'
const TEST_APP = '/usr/local/bin/test-app'

const logEvents = (file: string, agent: string): Event[] =>
  parseLines(readFileSync(join(FIXTURES, file), 'utf8'), { location: file }).events.map((e) => ({ ...e, agent }))

const status = (profiles: AppArmorStatus['profiles']): AppArmorStatus => ({ module_loaded: true, enabled: true, policy_readable: true, profiles, processes: [] })

let store: EmbeddedStore
let app: FastifyInstance
let base: string
let profileDir: string
const auth = { authorization: 'Bearer aw_dash' }
const get = async (path: string) => {
  const r = await getJson(`${base}${path}`, auth)
  assert.equal(r.status, 200, `${path}: ${r.text}`)
  return r.body
}

before(async () => {
  const rules = loadRuleset()
  const names: Record<string, string> = { '001': 'web1', '002': 'db1' }
  const analyze = (events: Event[]): AlertDoc[] =>
    events.flatMap((e) => {
      const a = rules.process(e).alert
      // As the analysis loop does: alerts carry the enrolled agent name.
      return a ? [{ ...a, agent: { id: e.agent, name: names[e.agent] ?? e.agent } }] : []
    })
  const seed = logEvents('normalize/seed-scenario.audit.log', '001')
  const at = (iso: string) => new Date(iso)
  const stateEvents: Event[] = [
    { ...inventoryEvent(status({ [TEST_APP]: 'complain', '/usr/local/bin/webapp': 'enforce', '/usr/sbin/database-server': 'enforce', '/usr/bin/man': 'enforce' }), 'securityfs', at('2026-11-20T09:00:00Z')), agent: '001' },
    { ...changeEvent({ change: 'mode_changed', profile: '/usr/local/bin/webapp', mode_before: 'enforce', mode_after: 'complain', weakened: true }, status({}), 'securityfs', at('2026-11-20T09:30:00Z')), agent: '001' },
    { ...changeEvent({ change: 'profile_removed', profile: '/usr/bin/man', mode_before: 'enforce', weakened: true }, status({}), 'securityfs', at('2026-11-20T09:45:00Z')), agent: '001' },
    { ...inventoryEvent(status({ '/usr/sbin/database-server': 'enforce', '/usr/sbin/nginx': 'user' }), 'securityfs', at('2026-11-20T09:00:00Z')), agent: '002' },
  ]
  const current = analyze([...seed, ...logEvents('normalize/envelopes.log', '002'), ...stateEvents])
  // The previous period: the seed scenario one day earlier (new ids).
  const previous = analyze(seed).map((a, i) => ({ ...a, id: `prev.${i}`, timestamp: new Date(Date.parse(a.timestamp) - DAY).toISOString() }))
  const fim: AlertDoc = {
    timestamp: '2026-11-20T11:00:00.000Z',
    id: 'fim.1',
    rule: { id: '550', level: 7, description: 'Integrity checksum changed.', groups: ['ossec', 'syscheck'] },
    agent: { id: '001', name: 'web1' },
    location: 'syscheck',
    syscheck: { path: '/etc/apparmor.d/usr.local.bin.webapp', event: 'modified' },
  }
  store = await openEmbeddedStore(tempDir('dash'))
  await store.alerts.insertAlerts([...current, ...previous, fim])

  profileDir = tempDir('dash-profiles')
  for (const sub of ['abstractions', 'tunables', 'abi']) cpSync(join('/etc/apparmor.d', sub), join(profileDir, sub), { recursive: true })
  mkdirSync(join(profileDir, 'local'))
  cpSync(join(FIXTURES, 'profiles/usr.local.bin.test-app'), join(profileDir, 'usr.local.bin.test-app'))

  const metrics = new ManagerMetrics()
  app = await buildManager({ store, metrics, agents: { list: () => [], revoke: () => undefined }, profileDir })
  const u = store.state.addUser('viewer', await hashPassword('a long enough password'), 'viewer')
  store.state.addToken('t', u.id, 'test', digest('aw_dash'))
  await app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
})

after(async () => {
  await app.close()
  await store.close()
})

test('security metrics: known counts, the previous period, and click-through queries that select the same alerts', async () => {
  const s = (await get(`/api/alerts/security?${RANGE}`)) as Record<string, Record<string, unknown>>
  assert.deepEqual(s.previous, { from: '2026-11-19T00:00:00.000Z', to: '2026-11-20T00:00:00.000Z' })
  const pe = s.privilege_escalation as Record<string, unknown>
  // capability: webapp, tcpdump, unprivileged_userns; exec: webapp → bash, launcher change_onexec, sandboxed KILLED exec; ptrace: webapp, lxd.
  assert.equal(pe.total, 8)
  assert.equal(pe.previous_total, 3)
  const byKind = pe.by_kind as { kind: string; query: string; count: number; previous: number }[]
  assert.deepEqual(byKind.map(({ query: _, ...k }) => k), [
    { kind: 'capability', count: 3, previous: 1 },
    { kind: 'exec', count: 3, previous: 1 },
    { kind: 'ptrace', count: 2, previous: 1 },
  ])
  assert.deepEqual((pe.top_profiles as unknown[])[0], { profile: '/usr/local/bin/webapp', count: 3 })
  assert.equal((pe.timeline as { count: number }[]).reduce((n, x) => n + x.count, 0), 8)

  const da = s.data_access as Record<string, unknown>
  // /etc/shadow, /etc/sudoers, /etc/krb5.keytab, /root/.ssh/authorized_keys2 (not /home/alice/My Documents/secret.txt).
  assert.equal(da.total, 4)
  assert.equal(da.previous_total, 2)
  assert.deepEqual((da.top_paths as { path: string }[]).map((p) => p.path).sort(), ['/etc/krb5.keytab', '/etc/shadow', '/etc/sudoers', '/root/.ssh/authorized_keys2'])

  const nw = s.network as Record<string, unknown>
  // test-app create inet, database-server connect inet and inet6, curl connect unix (not the D-Bus call).
  assert.equal(nw.total, 4)
  assert.equal(nw.previous_total, 2)
  assert.deepEqual(nw.by_family, [
    { family: 'inet', count: 2, previous: 2 },
    { family: 'inet6', count: 1, previous: 0 },
    { family: 'unix', count: 1, previous: 0 },
  ])
  assert.deepEqual(
    (nw.by_profile_family as { profile: string; family: string; count: number }[]).map((r) => `${r.profile} ${r.family} ${r.count}`).sort(),
    ['/usr/bin/curl unix 1', '/usr/local/bin/test-app inet 1', '/usr/sbin/database-server inet 1', '/usr/sbin/database-server inet6 1'],
  )
  // Each section's query, run through the search API over the same range, counts the same alerts.
  for (const section of [pe, da, nw]) {
    const r = await get(`/api/alerts?q=${encodeURIComponent(`${String(section.query)} | stats count`)}&${RANGE}`)
    assert.deepEqual((r.rows as unknown[])[0], { count: section.total })
  }
  // So does each privilege-escalation kind's query.
  for (const k of byKind) {
    const r = await get(`/api/alerts?q=${encodeURIComponent(`${k.query} | stats count`)}&${RANGE}`)
    assert.deepEqual((r.rows as unknown[])[0], { count: k.count }, k.kind)
  }
  const bad = await getJson(`${base}/api/alerts/security?from=yesterday`, auth)
  assert.equal(bad.status, 400)
  assert.equal(bad.body.code, 'AW_ERR_QUERY')
})

test('aggregations count alerts per MITRE tactic and technique', async () => {
  const a = (await get(`/api/alerts/aggregations?${RANGE}`)) as { mitre_tactics: { name: string; count: number }[]; mitre_techniques: { id: string; name: string; count: number }[] }
  const tactic = (n: string) => a.mitre_tactics.find((t) => t.name === n)?.count
  // Rule 110006 (network denials, Command and Control) fired 4 times; 110002/110003 (credential files) 4 times.
  assert.equal(tactic('Command and Control'), 4)
  assert.equal(tactic('Credential Access'), 4)
  assert.equal(tactic('Impact'), 1)
  const sorted = [...a.mitre_tactics].sort((x, y) => y.count - x.count)
  assert.deepEqual(a.mitre_tactics.map((t) => t.count), sorted.map((t) => t.count))
  for (const t of a.mitre_techniques) assert.match(t.id, /^T\d{4}(\.\d{3})?$/)
  assert.ok(a.mitre_techniques.every((t) => t.name !== '' && t.count > 0))
})

test('profiles: modes from the newest inventory and later changes, activity, last change from STATUS records and FIM', async () => {
  const { profiles } = (await get(`/api/profiles?${RANGE}`)) as { profiles: { profile: string; agent: { id: string; name: string }; mode: string | null; alerts: number; denials_24h: number; last_change: string | null; last_seen: string | null }[] }
  const row = (agent: string, profile: string) => profiles.find((p) => p.agent.id === agent && p.profile === profile)
  assert.deepEqual(row('001', TEST_APP), {
    profile: TEST_APP,
    agent: { id: '001', name: 'web1' },
    mode: 'complain',
    denials_24h: 0,
    // Four ALLOWED and three DENIED records (complain mode, then enforce).
    alerts: 7,
    // The newest STATUS record naming it: profile_remove at the end of the scenario.
    last_change: '2026-11-20T10:06:40.800Z',
    last_seen: '2026-11-20T10:01:05.905Z',
  })
  // Switched to complain after the inventory; its file changed (FIM) after the STATUS records.
  assert.equal(row('001', '/usr/local/bin/webapp')?.mode, 'complain')
  assert.equal(row('001', '/usr/local/bin/webapp')?.alerts, 4)
  assert.equal(row('001', '/usr/local/bin/webapp')?.last_change, '2026-11-20T11:00:00.000Z')
  // Removed after the inventory, and no alert names it as the profile.
  assert.equal(row('001', '/usr/bin/man'), undefined)
  // securityfs `user` is prompt mode; listed from the inventory alone.
  assert.deepEqual(row('002', '/usr/sbin/nginx'), { profile: '/usr/sbin/nginx', agent: { id: '002', name: 'db1' }, mode: 'prompt', denials_24h: 0, alerts: 1, last_change: null, last_seen: row('002', '/usr/sbin/nginx')?.last_seen ?? null })
  assert.equal(row('002', '/usr/sbin/database-server')?.mode, 'enforce')
  // A kernel-log record without a year is stamped when read: a denial of the last 24 hours, outside the range.
  assert.deepEqual([row('002', '/usr/sbin/chronyd')?.denials_24h, row('002', '/usr/sbin/chronyd')?.alerts], [1, 0])
  // A profile seen only in alerts has no known mode; `unconfined` is no profile.
  assert.equal(row('002', '/usr/bin/evince')?.mode, null)
  assert.ok(!profiles.some((p) => p.profile === 'unconfined'))
})

test("readiness: the toolkit's replay and suggestions over the stored alerts equal those over the original log", async () => {
  const r = await get(`/api/profiles/${encodeURIComponent(TEST_APP)}/readiness?agent=001&${RANGE}`)
  const events = logEvents('normalize/seed-scenario.audit.log', '001')
  const policy = loadPolicy(join(profileDir, 'usr.local.bin.test-app'), { includeDirs: [profileDir] })
  const direct = replay(policy, findProfile(policy, TEST_APP) as never, events)
  assert.equal(direct.accesses, 7)
  assert.deepEqual(r, {
    profile: TEST_APP,
    mode: 'complain',
    source: join(profileDir, 'usr.local.bin.test-app'),
    // Enforce mode would deny /etc/shadow (read), as the seed guide says.
    // (the seed logs that read twice: DENIED under enforce, ALLOWED under complain)
    readiness: { accesses: 7, would_deny: 1, ready: false, denied: [{ access: 'r /etc/shadow', count: 2, statuses: ['DENIED', 'ALLOWED'] }] },
    // /etc/shadow is a credential file: never proposed; everything else is allowed already.
    suggestion: { rules: [], diff: '', withheld: ['r /etc/shadow'] },
  })

  // No profile in the manager's directory: no readiness, a suggestion from the logs alone.
  const webapp = await get(`/api/profiles/${encodeURIComponent('/usr/local/bin/webapp')}/readiness?${RANGE}`)
  assert.equal(webapp.readiness, null)
  assert.equal(webapp.source, null)
  assert.match(String(webapp.reason), /no profile '\/usr\/local\/bin\/webapp'/)
  assert.equal(webapp.mode, 'complain')
  const expected = suggest(events, { profileDir }).find((p) => p.name === '/usr/local/bin/webapp')
  assert.ok(expected && expected.added.length > 0)
  const suggestion = webapp.suggestion as { rules: string[]; diff: string }
  assert.deepEqual(suggestion.rules, expected.added)
  assert.match(suggestion.diff, /^Index: .*usr\.local\.bin\.webapp\n/)
  for (const rule of expected.added) assert.ok(suggestion.diff.includes(`+  ${rule}`), rule)

  const unknownAgent = await getJson(`${base}/api/profiles/x/readiness?agent=${encodeURIComponent("1' OR 1=1")}`, auth)
  assert.equal(unknownAgent.status, 400)
  assert.equal(unknownAgent.body.code, 'AW_ERR_VALIDATION')
})

test('fields: columns, decoder fields with examples from stored alerts, only names the query language accepts', async () => {
  const { fields } = (await get('/api/alerts/fields')) as { fields: { name: string; type: string; example?: string }[] }
  const f = (n: string) => fields.find((x) => x.name === n)
  assert.deepEqual(f('rule.level'), { name: 'rule.level', type: 'number', example: f('rule.level')?.example })
  assert.equal(f('rule.groups')?.type, 'array')
  assert.equal(f('data.apparmor.capname')?.type, 'string')
  assert.ok(['net_admin', 'sys_admin', 'sys_ptrace', 'dac_override'].includes(String(f('data.apparmor.capname')?.example)))
  assert.equal(f('data.apparmor.fsuid')?.type, 'number')
  assert.equal(f('syscheck.path')?.example, '/etc/apparmor.d/usr.local.bin.webapp')
  assert.ok(f('data.apparmor_state.profile_count'))
  // Inventory maps (profile name → mode) are not fields.
  assert.ok(!fields.some((x) => x.name.startsWith('data.apparmor_state.profiles.')))
  for (const x of fields) assert.match(x.name, /^[A-Za-z_@][A-Za-z0-9_@-]*(\.[A-Za-z0-9_@-]+)*$/)
  assert.deepEqual(fields.map((x) => x.name), [...fields.map((x) => x.name)].sort((a, b) => a.localeCompare(b)))
})
