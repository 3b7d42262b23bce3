import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// The benchmark runs in its short smoke mode so that it never rots; its figures are not judged here.
test('bench/parse runs in smoke mode and ends with its JSON line', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url))
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'parse', '--smoke'], { cwd: root, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as { bench: string; figures: Record<string, number>; baseline: Record<string, number>; ratio: number }
  assert.equal(last.bench, 'parse')
  assert.equal(last.baseline.invalid, 0, 'libapparmor parsed the whole comparison corpus')
  assert.equal(last.figures.full_corpus_malformed, 0)
  assert.ok(last.figures.audit_events > 0 && last.ratio > 0)
})
