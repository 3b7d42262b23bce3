// Each agent's current profile modes: its newest inventory, then the state changes stored after it,
// in a fixed number of queries whatever the size of the fleet.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { AlertDoc } from '../../../src/store/alert.js'
import { DuckAlertStore } from '../../../src/store/duckdb/alerts.js'
import { currentModes } from '../../../src/manager/profiles.js'
import type { RunQuery } from '../../../src/manager/alert-query.js'

let n = 0
function stateAlert(agent: string, time: string, state: Record<string, unknown>): AlertDoc {
  return {
    timestamp: `2026-11-20T${time}:00.000Z`,
    id: `state.${++n}`,
    rule: { id: state.change === 'inventory' ? '110307' : '110301', level: 3, groups: ['apparmor', 'apparmor_state'] },
    agent: { id: agent, name: `host${agent}` },
    data: { apparmor_state: state },
  }
}

test('modes: the newest inventory, then the changes after it; agents without one take every change', async (t) => {
  const store = await DuckAlertStore.open(':memory:')
  t.after(() => store.close())
  await store.insertAlerts([
    stateAlert('001', '08:00', { change: 'inventory', profiles: { A: 'enforce', B: 'enforce' } }),
    // Before the newest inventory, which already accounts for it: ignored.
    stateAlert('001', '08:30', { change: 'mode_changed', profile: 'A', mode_after: 'complain' }),
    stateAlert('001', '09:00', { change: 'inventory', profiles: { A: 'enforce', C: 'complain' } }),
    stateAlert('001', '09:10', { change: 'profile_loaded', profile: 'D', mode_after: 'enforce' }),
    stateAlert('001', '09:20', { change: 'mode_changed', profile: 'C', mode_after: 'enforce' }),
    stateAlert('002', '07:00', { change: 'profile_loaded', profile: 'E', mode_after: 'complain' }),
    stateAlert('002', '07:30', { change: 'profile_removed', profile: 'E' }),
    stateAlert('002', '07:40', { change: 'profile_loaded', profile: 'F', mode_after: 'enforce' }),
    stateAlert('003', '06:00', { change: 'inventory', profiles: { G: 'kill' } }),
    stateAlert('003', '06:30', { change: 'disabled' }),
    stateAlert('003', '06:40', { change: 'profile_loaded', profile: 'H', mode_after: 'user' }),
  ])
  const queries: string[] = []
  const run: RunQuery = (q, range, limit) => {
    queries.push(q)
    return store.query(q, { ...range, ...(limit !== undefined ? { limit } : {}) })
  }
  const modes = await currentModes(run)
  const plain = Object.fromEntries([...modes].map(([id, a]) => [id, { name: a.name, modes: Object.fromEntries(a.modes) }]))
  assert.deepEqual(plain, {
    '001': { name: 'host001', modes: { A: 'enforce', C: 'enforce', D: 'enforce' } },
    '002': { name: 'host002', modes: { F: 'enforce' } },
    '003': { name: 'host003', modes: { H: 'prompt' } },
  })
  assert.equal(queries.length, 3)

  const one = await currentModes(run, '002')
  assert.deepEqual([...one.keys()], ['002'])
  assert.deepEqual(Object.fromEntries(one.get('002')?.modes ?? []), { F: 'enforce' })
})
