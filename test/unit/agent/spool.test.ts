import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Spool } from '../../../src/agent/spool.js'
import { ev, tempDir } from './helpers.js'

test('assigns contiguous seqs, reads back in order, and resumes numbering after reopen', async (t) => {
  const dir = tempDir(t)
  const s = await Spool.open(dir)
  assert.deepEqual(await s.append([ev('a'), ev('b')], { 'file:/x': { o: 1 } }), { first: 1, last: 2 })
  assert.deepEqual(await s.append([ev('c')]), { first: 3, last: 3 })
  assert.deepEqual((await s.read(2, 10)).map((e) => [e.seq, e.raw]), [[2, 'b'], [3, 'c']])
  await s.close()
  const again = await Spool.open(dir)
  assert.equal(again.lastSeq, 3)
  assert.deepEqual(again.positions().get('file:/x'), { o: 1 })
  assert.deepEqual(await again.append([ev('d')]), { first: 4, last: 4 })
  await again.close()
})

test('concurrent appends are group-committed and keep their order', async (t) => {
  const s = await Spool.open(tempDir(t))
  const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => s.append([ev(`e${i}`)])))
  assert.deepEqual(rs.map((r) => r.first), Array.from({ length: 50 }, (_, i) => i + 1))
  assert.deepEqual((await s.read(1, 100)).map((e) => e.raw), Array.from({ length: 50 }, (_, i) => `e${i}`))
  await s.close()
})

test('ack deletes only fully acknowledged segments, and numbering survives an empty spool', async (t) => {
  const dir = tempDir(t)
  const s = await Spool.open(dir, { segmentBytes: 1 })
  for (let i = 0; i < 5; i++) await s.append([ev(`e${i}`)], { k: i })
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.seg')).length, 5)
  await s.ack(3)
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.seg')).length, 2)
  assert.deepEqual((await s.read(1, 10)).map((e) => e.seq), [4, 5])
  await s.ack(5)
  await s.close()
  const again = await Spool.open(dir)
  assert.equal(again.acked, 5)
  assert.deepEqual(again.positions().get('k'), 4)
  assert.deepEqual(await again.append([ev('x')]), { first: 6, last: 6 })
  await again.close()
})

test('refuses an ack beyond what it stored', async (t) => {
  const s = await Spool.open(tempDir(t))
  await s.append([ev('a')])
  await assert.rejects(s.ack(2), /beyond the last stored seq 1/)
  await s.close()
})

test('when full, appends wait (back-pressure) until an ack frees space', async (t) => {
  const changes: boolean[] = []
  const s = await Spool.open(tempDir(t), { maxBytes: 1, segmentBytes: 1, onFull: (f) => changes.push(f) })
  await s.append([ev('a')])
  let done = false
  const waiting = s.append([ev('b')]).then((r) => ((done = true), r))
  await new Promise((r) => setImmediate(r))
  assert.equal(done, false)
  assert.deepEqual(changes, [true])
  await s.ack(1)
  assert.deepEqual(await waiting, { first: 2, last: 2 })
  assert.deepEqual(changes, [true, false])
  await s.close()
})

test('a torn frame at the end of a segment is cut off on open and reported', async (t) => {
  const dir = tempDir(t)
  const s = await Spool.open(dir)
  await s.append([ev('a')])
  await s.close()
  const seg = readdirSync(dir).find((n) => n.endsWith('.seg'))!
  appendFileSync(join(dir, seg), Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 123]))
  const again = await Spool.open(dir)
  assert.match(again.recovery.message ?? '', /incomplete frame/)
  assert.deepEqual(await again.append([ev('b')]), { first: 2, last: 2 })
  assert.deepEqual((await again.read(1, 10)).map((e) => e.raw), ['a', 'b'])
  await again.close()
})

test('forEachUnacked visits every durable event after the acknowledged seq, in order, across batches', async (t) => {
  const dir = tempDir(t)
  const spool = await Spool.open(dir)
  for (let b = 0; b < 5; b++) await spool.append(Array.from({ length: 7 }, (_, i) => ev(`b${b}-${i}`)))
  await spool.ack(10)
  const seen: number[] = []
  await spool.forEachUnacked((e) => seen.push(e.seq), 4)
  assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => i + 11))
  await spool.close()
})
