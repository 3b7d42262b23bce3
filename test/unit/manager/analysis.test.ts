import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InProcessBus, BusClosedError, type EventBatch } from '../../../src/bus/index.js'
import type { Event } from '../../../src/event/event.js'
import { AnalysisLoop, type Analyzer } from '../../../src/manager/analysis.js'
import { ManagerMetrics } from '../../../src/manager/metrics.js'
import { openEmbeddedStore, type AlertDoc } from '../../../src/store/index.js'

const ev = (seq: number, raw = `line ${seq}`): Event => ({
  seq, time: '2026-11-20T10:00:00.000Z', agent: '', source: 'file', location: '/var/log/audit/audit.log', kind: 'apparmor', raw, fields: {},
})

/** Alerts for lines containing DENIED; throws on lines containing BOOM. */
const analyzer: Analyzer = {
  analyze(e) {
    if (e.raw.includes('BOOM')) throw new Error('decoder bug')
    if (!e.raw.includes('DENIED')) return null
    return { timestamp: e.time, rule: { id: '100700', level: 7, groups: ['apparmor'] }, agent: { id: '001', name: 'a' }, full_log: e.raw } as AlertDoc
  },
}

test('the bus applies backpressure: publishers wait for room, and resolve only once handled', async () => {
  const bus = new InProcessBus(2)
  const handled: string[] = []
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  bus.consume(async (batches) => {
    await gate
    handled.push(...batches.map((b) => b.agent))
  }, 1)
  const states: string[] = []
  const pubs = ['a', 'b', 'c', 'd'].map((agent) => bus.publish({ agent, events: [] }).then(() => states.push(agent)))
  await new Promise((r) => setTimeout(r, 20))
  // One batch is with the consumer, two queued, the fourth publisher waits for room.
  assert.equal(bus.depth, 2)
  assert.deepEqual(states, [])
  release()
  await Promise.all(pubs)
  assert.deepEqual(handled, ['a', 'b', 'c', 'd'])
  assert.deepEqual(states, ['a', 'b', 'c', 'd'])
  await bus.close()
  await assert.rejects(bus.publish({ agent: 'x', events: [] }), BusClosedError)
})

test('a failing consumer rejects the publishers of that batch only', async () => {
  const bus = new InProcessBus(8)
  bus.consume(async (b: readonly EventBatch[]) => {
    if (b.some((x) => x.agent === 'bad')) throw new Error('store down')
  }, 1)
  await assert.rejects(bus.publish({ agent: 'bad', events: [] }), /store down/)
  await bus.publish({ agent: 'good', events: [] })
  await bus.close()
})

test('the analysis loop stores alerts, drops (agent, seq) duplicates across restarts, skips events the analyzer throws on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-loop-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  let store = await openEmbeddedStore(dir)
  const metrics = new ManagerMetrics()
  let bus = new InProcessBus(4)
  let loop = new AnalysisLoop({ bus, analyzer, alerts: store.alerts, state: store.state, metrics, archive: true, onError: () => {} })
  loop.start()
  await bus.publish({ agent: '001', events: [ev(1, 'DENIED a'), ev(2, 'ok'), ev(3, 'BOOM'), ev(4, 'DENIED b')] })
  await bus.publish({ agent: '001', events: [ev(3, 'DENIED dup'), ev(4, 'DENIED dup'), ev(5, 'DENIED c')] })
  await bus.publish({ agent: '002', events: [ev(1, 'DENIED other agent')] })
  assert.equal(loop.highestSeq('001'), 5)
  const text = await metrics.registry.metrics()
  assert.match(text, /armorwatch_events_duplicate_total 2/)
  assert.match(text, /armorwatch_analysis_errors_total 1/)
  await bus.close()
  await store.close()

  // After a restart the marks come back from the store (committed with the alerts).
  store = await openEmbeddedStore(dir)
  t.after(() => store.close())
  bus = new InProcessBus(4)
  loop = new AnalysisLoop({ bus, analyzer, alerts: store.alerts, state: store.state })
  loop.start()
  await bus.publish({ agent: '001', events: [ev(5, 'DENIED again'), ev(6, 'DENIED d')] })
  // seq 0 (offline import) is never a duplicate.
  await bus.publish({ agent: '001', events: [ev(0, 'DENIED import'), ev(0, 'DENIED import')] })
  const { rows } = await store.alerts.query('| stats count by full_log | sort full_log')
  assert.deepEqual(rows, [
    { full_log: 'DENIED a', count: 1 },
    { full_log: 'DENIED b', count: 1 },
    { full_log: 'DENIED c', count: 1 },
    { full_log: 'DENIED d', count: 1 },
    { full_log: 'DENIED import', count: 2 },
    { full_log: 'DENIED other agent', count: 1 },
  ])
  assert.equal((await store.alerts.stats()).events, 6, 'the archive holds every non-duplicate event of the first run')
  await bus.close()
})

test('a slow store slows publishers down instead of dropping events', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-loop-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const store = await openEmbeddedStore(dir)
  t.after(() => store.close())
  const realInsert = store.alerts.insertAlerts.bind(store.alerts)
  let maxDepth = 0
  const bus = new InProcessBus(3)
  store.alerts.insertAlerts = async (a) => {
    maxDepth = Math.max(maxDepth, bus.depth)
    await new Promise((r) => setTimeout(r, 5))
    return realInsert(a)
  }
  new AnalysisLoop({ bus, analyzer, alerts: store.alerts, state: store.state }).start()
  await Promise.all(Array.from({ length: 40 }, (_, i) => bus.publish({ agent: 'x', events: [ev(i + 1, `DENIED ${i}`)] })))
  assert.ok(maxDepth <= 3, `queue depth ${maxDepth}`)
  assert.deepEqual((await store.alerts.query('| stats count')).rows, [{ count: 40 }])
  await bus.close()
})
