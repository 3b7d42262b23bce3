import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseBsdTime } from '../../../src/normalize/syslog-time.js'

test('BSD timestamps: every month, padded days, and what is not a date', () => {
  const names = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  names.forEach((m, i) => {
    const t = parseBsdTime(`${m}  2 09:01:02 host kernel: x`, () => 0, 2026)
    assert.deepEqual(t, { length: 15, timeMs: new Date(2026, i, 2, 9, 1, 2).getTime() }, m)
  })
  for (const bad of ['jan  2 09:01:02 h', 'Jaa  2 09:01:02 h', 'J\u0100n  2 09:01:02 h', 'Nov 2 09:01:02 host', 'Nov 20 9:01:02 host', 'Nov'])
    assert.equal(parseBsdTime(bad, () => 0, 2026), undefined, bad)
})

test('BSD timestamps without a year: the clock is read, and a date ahead of it is last year', () => {
  let reads = 0
  const now = () => {
    reads++
    return new Date(2027, 0, 5).getTime()
  }
  assert.equal(parseBsdTime('Dec 31 23:00:00 h', now)?.timeMs, new Date(2026, 11, 31, 23).getTime())
  assert.equal(parseBsdTime('Jan  4 23:00:00 h', now)?.timeMs, new Date(2027, 0, 4, 23).getTime())
  assert.equal(reads, 2)
  parseBsdTime('Jan  4 23:00:00 h', now, 2020)
  assert.equal(reads, 2, 'a given year needs no clock')
})
