import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isoTime } from '../../../src/event/index.js'
import { prng } from '../../helpers/prng.js'

test('isoTime equals Date#toISOString for whole and fractional milliseconds, before and after 1970', () => {
  const rnd = prng(5)
  const times = [0, 1, 999, 1000, 1795168800012, 1795168800999.7, -1, -1500.5]
  for (let i = 0; i < 20_000; i++) times.push(Math.floor(rnd() * 4e12) - 1e12, 1795168800000 + Math.floor(rnd() * 3000))
  for (const ms of times) assert.equal(isoTime(ms), new Date(Math.floor(ms)).toISOString(), String(ms))
})
