// The spool's event encoder: the host's fields spliced into each event's JSON line give the same
// document as merging them into the event, the event's own fields winning.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { hostEncoder } from '../../../src/agent/encode.js'
import type { Event, Fields } from '../../../src/event/index.js'
import { ev } from './helpers.js'

const merged = (e: Event, host: Fields): Event => ({ ...e, fields: { ...host, ...e.fields } })

test('host fields are added to every event; its own fields win; a refreshed host is used at once', () => {
  let host: Fields = { 'host.hostname': 'web01', 'host.ip': ['10.0.0.1', 'fe80::1'], 'host.os': 'Debian "12"' }
  const encode = hostEncoder(() => host)
  const cases: Event[] = [
    { ...ev('line with "quotes" and \\ and \u2028'), seq: 7 },
    { ...ev('x'), seq: 8, fields: { 'audit.type': 'SYSCALL', 'audit.a0': 3, nested: { a: [1, null] } } },
    { ...ev('y'), seq: 9, fields: { 'host.hostname': 'from-the-event', other: true } },
  ]
  for (const e of cases) {
    const line = encode(e)
    assert.ok(!line.includes('\n'))
    assert.deepEqual(JSON.parse(line), merged(e, host))
  }
  host = { 'host.hostname': 'renamed' }
  assert.deepEqual(JSON.parse(encode(cases[1])), merged(cases[1], host))
  host = {}
  assert.deepEqual(JSON.parse(encode(cases[0])), cases[0])
})
