import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, copyFileSync, existsSync, renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FileTail, type TailPosition } from '../../../src/sources/file/tail.js'
import { prng, tempDir } from './helpers.js'

test('reads complete lines and keeps a partial last line until it is terminated', async (t) => {
  const path = join(tempDir(t), 'a.log')
  writeFileSync(path, 'one\ntw')
  const tail = new FileTail(path, undefined, { fromBeginning: true })
  assert.deepEqual((await tail.poll()).lines, ['one'])
  appendFileSync(path, 'o\nthree\n')
  assert.deepEqual((await tail.poll()).lines, ['two', 'three'])
  assert.deepEqual((await tail.poll()).lines, [])
  await tail.close()
})

test('reads at most maxReadBytes per poll; a line longer than one read comes whole once its end is read', async (t) => {
  const path = join(tempDir(t), 'a.log')
  const long = 'x'.repeat(10_000)
  writeFileSync(path, `${long}\n${'y'.repeat(100)}\n`)
  const tail = new FileTail(path, undefined, { fromBeginning: true, maxReadBytes: 4096 })
  const polls = []
  for (let i = 0; i < 4; i++) polls.push(await tail.poll())
  // The first two reads end inside the long line: nothing to hand out yet, but bytes were read.
  assert.deepEqual(polls.map((p) => [p.lines.map((l) => l.length), p.bytes]), [[[], 4096], [[], 4096], [[10_000, 100], 1910], [[], 0]])
  await tail.close()
})

test('starts at the end on a first run unless told to read from the beginning', async (t) => {
  const path = join(tempDir(t), 'a.log')
  writeFileSync(path, 'old\n')
  const tail = new FileTail(path, undefined)
  assert.deepEqual((await tail.poll()).lines, [])
  appendFileSync(path, 'new\n')
  assert.deepEqual((await tail.poll()).lines, ['new'])
  await tail.close()
})

test('resumes from a saved position without losing or repeating lines', async (t) => {
  const path = join(tempDir(t), 'a.log')
  writeFileSync(path, 'a\nb\n')
  const first = new FileTail(path, undefined, { fromBeginning: true })
  assert.deepEqual((await first.poll()).lines, ['a', 'b'])
  const pos = JSON.parse(JSON.stringify(first.position())) as TailPosition
  await first.close()
  appendFileSync(path, 'c\n')
  const second = new FileTail(path, pos)
  assert.deepEqual((await second.poll()).lines, ['c'])
  await second.close()
})

test('after a restart, finishes a file rotated while it was down, then reads the new one', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'audit.log')
  writeFileSync(path, 'a\n')
  const first = new FileTail(path, undefined, { fromBeginning: true })
  await first.poll()
  const pos = first.position()
  await first.close()
  appendFileSync(path, 'b\n')
  renameSync(path, `${path}.1`)
  writeFileSync(path, 'c\n')
  const second = new FileTail(path, pos)
  assert.deepEqual((await second.poll()).lines, ['b', 'c'])
  await second.close()
})

test('rename rotation: the old file is read to its end before the new one', async (t) => {
  const path = join(tempDir(t), 'syslog')
  writeFileSync(path, '1\n')
  const tail = new FileTail(path, undefined, { fromBeginning: true })
  assert.deepEqual((await tail.poll()).lines, ['1'])
  appendFileSync(path, '2\n')
  renameSync(path, `${path}.1`)
  writeFileSync(path, '3\n')
  assert.deepEqual((await tail.poll()).lines, ['2', '3'])
  await tail.close()
})

test('several rename rotations between two polls (or during a restart): every generation is read, in order', async (t) => {
  const path = join(tempDir(t), 'app.log')
  writeFileSync(path, 'a\n')
  const tail = new FileTail(path, undefined, { fromBeginning: true })
  assert.deepEqual((await tail.poll()).lines, ['a'])
  const rotate = () => {
    if (existsSync(`${path}.2`)) renameSync(`${path}.2`, `${path}.3`)
    if (existsSync(`${path}.1`)) renameSync(`${path}.1`, `${path}.2`)
    renameSync(path, `${path}.1`)
  }
  appendFileSync(path, 'b\n')
  rotate()
  writeFileSync(path, 'c\n')
  rotate()
  writeFileSync(path, 'd\n')
  assert.deepEqual((await tail.poll()).lines, ['b', 'c', 'd'])
  const pos = tail.position()
  await tail.close()
  appendFileSync(path, 'e\n')
  rotate()
  writeFileSync(path, 'f\n')
  rotate()
  writeFileSync(path, 'g\n')
  const again = new FileTail(path, pos)
  assert.deepEqual((await again.poll()).lines, ['e', 'f', 'g'])
  await again.close()
})

test('copytruncate and truncation are noticed and the file is read again from the start', async (t) => {
  const path = join(tempDir(t), 'kern.log')
  writeFileSync(path, 'aaaa\nbbbb\n')
  const tail = new FileTail(path, undefined, { fromBeginning: true })
  await tail.poll()
  copyFileSync(path, `${path}.1`)
  truncateSync(path, 0)
  appendFileSync(path, 'cc\n')
  const r = await tail.poll()
  assert.deepEqual(r.lines, ['cc'])
  assert.equal(r.notices[0]?.kind, 'truncated')
  // Rewritten to the very same size between two polls: caught by the fingerprint.
  truncateSync(path, 0)
  appendFileSync(path, 'dd\n')
  assert.deepEqual((await tail.poll()).lines, ['dd'])
  await tail.close()
})

test('a new file on a reused inode is not taken for the old one', async (t) => {
  const path = join(tempDir(t), 'a.log')
  writeFileSync(path, 'first file line\n')
  const first = new FileTail(path, undefined, { fromBeginning: true })
  await first.poll()
  const pos = first.position()
  await first.close()
  unlinkSync(path)
  writeFileSync(path, 'second file, longer line\n') // often the same inode on tmpfs/ext4
  const second = new FileTail(path, pos)
  assert.deepEqual((await second.poll()).lines, ['second file, longer line'])
  await second.close()
})

test('an over-long line is cut and reported, and the next line is intact', async (t) => {
  const path = join(tempDir(t), 'a.log')
  writeFileSync(path, 'x'.repeat(50) + '\nok\n')
  const tail = new FileTail(path, undefined, { fromBeginning: true, maxLineBytes: 10 })
  const r = await tail.poll()
  assert.deepEqual(r.lines, ['x'.repeat(10), 'ok'])
  assert.equal(r.notices[0]?.kind, 'line_too_long')
  await tail.close()
})

// Model-based test (STYLE.md P12): random writes, rotations, truncations, deletions, polls and
// restarts drive the real tail on a temp dir, while a model says which lines must be read. Every
// line is unique, so the checks are: nothing read that was not written, nothing read twice, write
// order kept, and every line the model says is readable was read.
type Action = 'write' | 'partial' | 'rotate' | 'copytruncate' | 'truncate' | 'delete' | 'poll' | 'restart'
const weights: [Action, number][] = [
  ['write', 30], ['partial', 6], ['rotate', 6], ['copytruncate', 3], ['truncate', 2], ['delete', 2], ['poll', 25], ['restart', 6],
]

async function runModel(seed: number, dir: string, steps: number): Promise<void> {
  const rnd = prng(seed)
  if (process.env.TAIL_TRACE) appendFileSync(process.env.TAIL_TRACE, `seed ${seed}\n`)
  // logrotate rotates a file one way: by rename (odd seeds) or by copytruncate (even seeds). Mixed,
  // a copy could sit among the renamed generations and be read as one of them.
  const allowed = weights.filter(([a]) => a !== (seed % 2 ? 'copytruncate' : 'rotate'))
  const pick = (): Action => {
    let r = rnd() * allowed.reduce((s, [, w]) => s + w, 0)
    for (const [a, w] of allowed) if ((r -= w) < 0) return a
    return 'poll'
  }
  const path = join(dir, 'app.log')
  // A generation is one file instance; `observed` once it was at the path during a poll.
  let gen = -1
  // `reopen`: followed before a restart, so the restarted tail finds it again from its position.
  const gens: { observed: boolean; deleted: boolean; reopen?: boolean }[] = []
  const lines: { id: string; gen: number; complete: boolean; confirmed: boolean; must: boolean; lost: boolean }[] = []
  let rotated = 0
  let partial: string | undefined
  const read: string[] = []
  let tail = new FileTail(path, undefined, { fromBeginning: true })
  let saved: TailPosition | undefined
  let n = 0
  const ensureFile = () => {
    if (!existsSync(path)) {
      writeFileSync(path, '')
      gens.push({ observed: false, deleted: false })
      gen = gens.length - 1
    }
  }
  const finishPartial = () => {
    if (partial === undefined) return
    appendFileSync(path, partial.slice(3) + '\n')
    lines[lines.length - 1].complete = true
    partial = undefined
  }
  const invalidate = (g: number) => {
    for (const l of lines) if (l.gen === g && !l.confirmed) l.lost = true
  }
  const poll = async () => {
    if (existsSync(path)) gens[gen].observed = true
    for (const g of gens) if (g.reopen && !g.deleted) g.observed = true
    const r = await tail.poll()
    read.push(...r.lines)
    if (process.env.TAIL_TRACE) appendFileSync(process.env.TAIL_TRACE, `  read ${r.lines.map((l) => l.split('-')[2]).join(',')} ${r.notices.map((x) => x.kind).join(',')}\n`)
    saved = JSON.parse(JSON.stringify(tail.position())) as TailPosition
    for (const l of lines) if (l.complete && !l.confirmed && !l.lost && gens[l.gen].observed) l.confirmed = l.must = true
  }
  for (let step = 0; step < steps; step++) {
    const a = pick()
    if (process.env.TAIL_TRACE) appendFileSync(process.env.TAIL_TRACE, `${a} gen=${gen} n=${n}\n`)
    switch (a) {
      case 'write':
      case 'partial': {
        ensureFile()
        finishPartial()
        const id = `line-${seed}-${n++}-${'x'.repeat(Math.floor(rnd() * 40))}`
        lines.push({ id, gen, complete: a === 'write', confirmed: false, must: false, lost: false })
        if (a === 'partial') {
          appendFileSync(path, id.slice(0, 3))
          partial = id
        } else appendFileSync(path, id + '\n')
        break
      }
      case 'rotate':
        if (!existsSync(path)) break
        finishPartial()
        for (let i = rotated; i >= 1; i--) renameSync(`${path}.${i}`, `${path}.${i + 1}`)
        renameSync(path, `${path}.1`)
        rotated++
        break
      case 'copytruncate':
      case 'truncate':
        if (!existsSync(path)) break
        finishPartial()
        if (a === 'copytruncate') {
          for (let i = rotated; i >= 1; i--) renameSync(`${path}.${i}`, `${path}.${i + 1}`)
          copyFileSync(path, `${path}.1`)
          gens.push({ observed: false, deleted: false }) // the copy: a new file the tail never follows
          rotated++
        }
        truncateSync(path, 0)
        invalidate(gen)
        break
      case 'delete':
        if (!existsSync(path)) break
        finishPartial()
        unlinkSync(path)
        gens[gen].deleted = true
        if (!gens[gen].observed) invalidate(gen)
        break
      case 'poll':
        await poll()
        break
      case 'restart':
        await tail.close()
        // Open handles die with the process: a deleted file is gone for good.
        gens.forEach((g, i) => g.deleted && invalidate(i))
        for (const g of gens) [g.reopen, g.observed] = [g.observed, false]
        tail = new FileTail(path, saved, { fromBeginning: true })
        break
    }
  }
  finishPartial()
  for (let i = 0; i < 3; i++) await poll()
  await tail.close()
  const index = new Map(lines.map((l, i) => [l.id, i]))
  const seen = new Set<string>()
  let last = -1
  for (const id of read) {
    const i = index.get(id)
    assert.ok(i !== undefined, `seed ${seed}: read a line never written: ${JSON.stringify(id)}`)
    assert.ok(!seen.has(id), `seed ${seed}: read twice: ${id}`)
    assert.ok(i > last, `seed ${seed}: out of order: ${id}`)
    seen.add(id)
    last = i
  }
  for (const l of lines) if (l.must) assert.ok(seen.has(l.id), `seed ${seed}: missed ${l.id}`)
}

test('model-based: random write/rotate/truncate/delete/poll/restart sequences', async (t) => {
  const seeds = process.env.TAIL_SEED ? [Number(process.env.TAIL_SEED)] : Array.from({ length: 40 }, (_, i) => i + 1)
  for (const seed of seeds) {
    const dir = tempDir(t, `aw-tail-${seed}-`)
    await runModel(seed, dir, 200)
  }
})
