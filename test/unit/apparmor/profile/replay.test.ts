import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseLines } from '../../../../src/normalize/index.js'
import { findProfile, loadPolicy, replay, toAccess } from '../../../../src/apparmor/profile/index.js'

const TEST_APP = fileURLToPath(new URL('../../../fixtures/profiles/usr.local.bin.test-app', import.meta.url))
const CORPUS = fileURLToPath(new URL('../../../fixtures/profiles', import.meta.url))
const events = (name: string) => parseLines(readFileSync(`${CORPUS}/${name}`, 'utf8'), { location: name }).events

test("replay of the seed scenario: the fine-tuned test-app profile would deny only /etc/shadow", () => {
  for (const log of ['seed-scenario.audit.log', 'seed-scenario.kern.log']) {
    const policy = loadPolicy(TEST_APP)
    assert.deepEqual(policy.errors, [])
    const r = replay(policy, findProfile(policy) as never, events(log))
    assert.equal(r.accesses, 7, log)
    assert.deepEqual(
      r.wouldDeny.map((x) => [x.query, x.count, [...x.statuses].sort()]),
      [[{ kind: 'file', path: '/etc/shadow', mode: 'r', fsuid: 0, ouid: 0 }, 2, ['ALLOWED', 'DENIED']]],
      log,
    )
    const write = r.entries.find((x) => x.query.kind === 'file' && x.query.path === '/tmp/demo_output.txt')
    assert.equal(write?.decision.enforce, 'allowed', 'owner w, with fsuid == ouid')
    assert.ok(r.entries.some((x) => x.query.kind === 'network' && x.decision.enforce === 'allowed'), 'network inet tcp covers inet stream')
  }
})

test('logged records become queries: file masks, exec, capability, network, signal, ptrace', () => {
  const kinds = new Set<string>()
  for (const e of [...events('seed-scenario.audit.log'), ...events('envelopes.log')]) {
    const c = toAccess(e)
    if (c.ok) kinds.add(c.access.query.kind)
  }
  for (const k of ['file', 'capability', 'network', 'ptrace']) assert.ok(kinds.has(k), k)
})

test('AppArmor 2.x records: owner::other masks, capability name=, exec records with network fields', () => {
  const query = (line: string) => {
    const [e] = parseLines(line, { location: 't' }).events
    const c = e ? toAccess(e) : undefined
    return c?.ok ? c.access.query : c
  }
  const old = 'type=1502 audit(1236774787.169:369): operation="inode_permission" requested_mask="::r" denied_mask="::r" fsuid=1000 name="/bin/dash" pid=13726 profile="/p"'
  assert.deepEqual(query(old), { kind: 'file', path: '/bin/dash', mode: 'r' })
  assert.deepEqual(query(old.replaceAll('::r', 'rw::')), { kind: 'file', path: '/bin/dash', mode: 'rw' })
  assert.deepEqual(query('type=1503 audit(1236891550.807:870): operation="capable" name="setuid" pid=3593 profile="/bin/ping"'), { kind: 'capability', name: 'setuid' })
  const exec = 'type=APPARMOR_DENIED msg=audit(1181057184.959:7): operation="exec" denied_mask="x" name="/bin/ping" pid=31938 profile="/bin/ping" requested_mask="rwx" protocol="tcp" family="family" sock_type="unknown(1234)"'
  assert.deepEqual(query(exec), { kind: 'file', path: '/bin/ping', mode: 'x' })
})
