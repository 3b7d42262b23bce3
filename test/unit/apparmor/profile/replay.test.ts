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
