// Telemetry compliance (STYLE.md P10): each source runs on its fixture through the agent's real
// pipeline, spool and shipper to a real manager process; every component must then have every
// required counter, and the counters must have moved. A counter missing or never counted fails.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { ManagerClient } from '../../../src/agent/client.js'
import { loadIdentity } from '../../../src/agent/enroll.js'
import { Pipeline } from '../../../src/agent/pipeline.js'
import { Shipper } from '../../../src/agent/shipper.js'
import { Spool } from '../../../src/agent/spool.js'
import { AudispSource } from '../../../src/sources/audisp.js'
import { FileSource } from '../../../src/sources/file/index.js'
import { JournaldSource, JournaldSourceConfig } from '../../../src/sources/journald.js'
import { KmsgSource, KmsgSourceConfig } from '../../../src/sources/kmsg.js'
import { COMPONENT_COUNTERS, Telemetry, type CounterName } from '../../../src/sources/telemetry.js'
import type { Source } from '../../../src/sources/types.js'
import { enrolledAgent } from './helpers/enrolled.js'
import { until } from './helpers/procs.js'

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url))

/** The counters a component must have, and those that must have counted something after a run. */
function assertCompliance(t: Telemetry, id: string, mustCount: CounterName[]): void {
  const mine = t.values().filter((v) => v.labels.component_id === id)
  for (const name of COMPONENT_COUNTERS) {
    if (name === 'armorwatch_component_errors_total') continue // exists once an error happened (labelled by type)
    assert.ok(mine.some((v) => v.name === name), `${id}: ${name} is missing`)
  }
  for (const i of ['true', 'false']) {
    assert.ok(mine.some((v) => v.name === 'armorwatch_component_discarded_events_total' && v.labels.intentional === i), `${id}: discarded{intentional=${i}} is missing`)
  }
  for (const name of mustCount) assert.ok(mine.some((v) => v.name === name && v.value > 0), `${id}: ${name} never counted`)
  for (const v of mine.filter((x) => x.name === 'armorwatch_component_errors_total')) {
    assert.ok(v.labels.error_type && v.labels.stage, `${id}: an error without error_type or stage`)
  }
}

test('every source, the spool and the shipper count what the telemetry catalogue requires', { timeout: 120_000 }, async (t) => {
  const agent = await enrolledAgent(t, 'aw-telemetry-', 'telemetry')
  const dir = agent.root
  const audit = join(dir, 'audit.log')
  writeFileSync(audit, readFileSync(join(fixtures, 'normalize', 'real-capture.log')))
  const kmsg = join(dir, 'kmsg')
  writeFileSync(kmsg, readFileSync(join(fixtures, 'sources', 'kmsg.txt')))
  process.env.FAKE_JOURNAL = join(fixtures, 'normalize', 'journald.json')
  process.env.FAKE_JOURNAL_ARGS = join(dir, 'journalctl-args')
  t.after(() => {
    delete process.env.FAKE_JOURNAL
    delete process.env.FAKE_JOURNAL_ARGS
  })
  const sources: Source[] = [
    new FileSource({ include: [audit], from_beginning: true, poll_interval_ms: 20, max_line_bytes: 102_400 }, new Map()),
    new KmsgSource(KmsgSourceConfig.parse({ path: kmsg, boot_id_path: join(dir, 'no-boot-id'), from_beginning: true, poll_interval_ms: 20 }), undefined),
    new JournaldSource(JournaldSourceConfig.parse({ journalctl_path: join(fixtures, 'sources', 'fake-journalctl'), from_beginning: true, restart_delay_ms: 10 }), undefined),
    new AudispSource(Readable.from(['type=AVC msg=audit(1.000:1): apparmor="DENIED" operation="open"\n', 'this is no audit record\n', 'type=EOE msg=audit(1.000:1):\n'])),
  ]

  const telemetry = new Telemetry()
  const spool = await Spool.open(join(agent.agentDir, 'spool'), { telemetry })
  const pipeline = new Pipeline({ spool, agentName: 'telemetry', telemetry })
  const client = new ManagerClient(await loadIdentity(join(agent.agentDir, 'identity.json')))
  const shipper = new Shipper(spool, client, { telemetry, minBackoffMs: 20, maxBackoffMs: 200 })
  const stop = new AbortController()
  const shipping = shipper.run(stop.signal)
  try {
    await runAndCheck()
  } finally {
    // Here, not in t.after: the helper's hook removes the directory first.
    stop.abort()
    await shipping
    client.close()
    await spool.close()
  }

  async function runAndCheck(): Promise<void> {

    // A source's components are its batch keys (`file:<path>` per file): found by component_type.
    const idsOf = (type: string) => [...new Set(telemetry.values().filter((v) => v.labels.component_type === type).map((v) => v.labels.component_id))]
    const received = (type: string) =>
      telemetry.values().some((v) => v.labels.component_type === type && v.name === 'armorwatch_component_received_events_total' && v.value > 0)
    const types = ['file', 'kmsg', 'journald', 'audisp']
    const reading = new AbortController()
    const runs = sources.map((src) => src.run(pipeline.emit, reading.signal))
    try {
      await until(() => types.every(received), 'every source read something')
    } finally {
      reading.abort()
      await Promise.all(runs)
    }
    await pipeline.close()
    await until(() => spool.acked === spool.lastSeq && spool.lastSeq > 0, 'everything shipped')

    const all: CounterName[] = [
      'armorwatch_component_received_events_total', 'armorwatch_component_received_bytes_total',
      'armorwatch_component_sent_events_total', 'armorwatch_component_sent_bytes_total',
    ]
    for (const type of types) {
      assert.ok(idsOf(type).length > 0, `no ${type} component`)
      for (const id of idsOf(type)) assertCompliance(telemetry, id, all)
    }
    assertCompliance(telemetry, 'spool', all)
    assertCompliance(telemetry, 'shipper', all)

    // What went wrong is counted with its type: the kmsg gap (3 messages lost for good) and the
    // line on stdin that is no audit record.
    const value = (id: string, name: CounterName, labels: Record<string, string>) =>
      telemetry.values().find((v) => v.labels.component_id === id && v.name === name && Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value
    assert.equal(value('kmsg', 'armorwatch_component_discarded_events_total', { intentional: 'false' }), 3)
    assert.equal(value('kmsg', 'armorwatch_component_errors_total', { error_type: 'reader_failed', stage: 'receiving' }), 1)
    assert.equal(value('audisp', 'armorwatch_component_errors_total', { error_type: 'parser_failed', stage: 'processing' }), 1)
    assert.equal(value('shipper', 'armorwatch_component_sent_events_total', {}), spool.lastSeq)
  }
})
