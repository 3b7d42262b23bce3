// The spool under real SIGKILLs: everything whose append resolved survives, seqs stay contiguous,
// and the source position stored with the last durable frame matches the last durable event.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Spool } from '../../../src/agent/spool.js'

const writer = fileURLToPath(new URL('./helpers/spool-writer.ts', import.meta.url))

/** Runs the writer until it reported `atLeast` durable events, SIGKILLs it, returns the highest reported seq. */
function runAndKill(dir: string, start: number, atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(start)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let last = 0
    let buf = ''
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      const lines = buf.split('\n')
      buf = lines.pop() ?? ''
      for (const l of lines) last = Math.max(last, Number(l))
      if (last >= atLeast) child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('exit', () => resolve(last))
  })
}

test('SIGKILL during appends loses nothing that was confirmed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-spool-crash-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  let nextRaw = 0
  let target = 2000
  for (let round = 0; round < 3; round++, target += 2000) {
    const confirmed = await runAndKill(dir, nextRaw, target)
    const s = await Spool.open(dir)
    assert.ok(s.lastSeq >= confirmed, `round ${round}: confirmed ${confirmed}, stored ${s.lastSeq}`)
    const all = await s.read(1, Number.MAX_SAFE_INTEGER)
    assert.deepEqual(all.map((e) => e.seq), Array.from({ length: s.lastSeq }, (_, i) => i + 1))
    // Events are numbered n0, n1... in each run; a later run starts where the stored position says.
    const lastRaw = Number(all[all.length - 1].raw.slice(1))
    assert.equal(s.positions().get('test'), lastRaw + 1)
    nextRaw = lastRaw + 1
    await s.close()
  }
})
