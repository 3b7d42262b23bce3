#!/usr/bin/env node
// Runs the node:test suites: every test/**/*.test.ts (or those under the paths given), through tsx.
// Node 20's --test takes no globs, hence this small finder.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) if (name !== 'fixtures') collect(join(path, name), out)
  } else if (path.endsWith('.test.ts')) out.push(path)
  return out
}

const roots = process.argv.slice(2)
const files = (roots.length ? roots : ['test']).flatMap((r) => collect(r, []))
if (files.length === 0) {
  console.error('no test files found under ' + (roots.join(', ') || 'test'))
  process.exit(2)
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
)
process.exit(r.status ?? 1)
