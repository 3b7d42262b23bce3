import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../../src/cli/main.js'

/** Runs the CLI in-process, capturing stdout and stderr. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const o = process.stdout.write.bind(process.stdout)
  const e = process.stderr.write.bind(process.stderr)
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write
  try {
    const code = await main(['node', 'armorwatch', ...args])
    return { code, out, err }
  } finally {
    process.stdout.write = o
    process.stderr.write = e
  }
}

test('rules test runs the built-in test cases; last line is the count', async () => {
  const r = await cli('rules', 'test')
  assert.equal(r.code, 0, r.out + r.err)
  assert.match(r.out.trimEnd().split('\n').pop() ?? '', /^\d+ passed, 0 failed$/)
})

test('rules test exits 1 on a failing YAML case and says why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-rt-'))
  const file = join(dir, 'bad.yaml')
  writeFileSync(file, 'cases:\n  - name: wrong\n    log: |\n      type=AVC msg=audit(1795170001.112:7001): apparmor="DENIED" operation="open" class="file" profile="/x" name="/etc/shadow" pid=1 comm="x" requested_mask="r" denied_mask="r"\n    alerts:\n      - rule: 110001\n')
  const r = await cli('rules', 'test', file)
  assert.equal(r.code, 1)
  assert.match(r.out, /FAIL .*wrong: alert 1 \(rule 110002\): rule 110002 != 110001/)
  assert.match(r.out, /0 passed, 1 failed\n$/)
})

test('rules test with a missing path is a usage error', async () => {
  const r = await cli('rules', 'test', '/no/such/file.yaml')
  assert.equal(r.code, 2)
})
