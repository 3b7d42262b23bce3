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

test('BSD timestamps with a fraction and a UTC offset (rsyslog high-precision without the year)', () => {
  const at = (s: string) => parseBsdTime(s, () => 0, 2013)
  assert.deepEqual(at('Jan  1 15:09:04+08:00 localhost kernel: x'), { length: 21, timeMs: Date.UTC(2013, 0, 1, 7, 9, 4) })
  assert.deepEqual(at('Jan  1 15:09:04-08:00 localhost kernel: x'), { length: 21, timeMs: Date.UTC(2013, 0, 1, 23, 9, 4) })
  assert.deepEqual(at('Jan  1 15:09:04.562575 localhost kernel: x'), { length: 22, timeMs: new Date(2013, 0, 1, 15, 9, 4, 563).getTime() })
  assert.deepEqual(at('Jan  1 15:09:04.562575+08:00 localhost kernel: x'), { length: 28, timeMs: Date.UTC(2013, 0, 1, 7, 9, 4, 563) })
  assert.deepEqual(at('Jan  1 15:09:04Z host'), { length: 16, timeMs: Date.UTC(2013, 0, 1, 15, 9, 4) })
  assert.deepEqual(at('Jan  1 15:09:04. host'), { length: 15, timeMs: new Date(2013, 0, 1, 15, 9, 4).getTime() }, 'a dot without digits is not a fraction')
})
