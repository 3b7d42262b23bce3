/**
 * Runs `armorwatch status` once per case read from stdin (JSON: [{root, args}]) in this process,
 * capturing what each writes, and prints the results (JSON: [{code, stdout, stderr}], outputs in
 * base64). A child of the differential test: capturing in the test process itself would also
 * catch the test runner's own reports, which go to the same stdout.
 */
import { readFileSync } from 'node:fs'
import { main } from '../../../src/cli/main.js'

const cases = JSON.parse(readFileSync(0, 'utf8')) as { root: string; args: string[] }[]
const results: { code: number; stdout: string; stderr: string }[] = []
const { write: stdoutWrite } = process.stdout
const { write: stderrWrite } = process.stderr
for (const c of cases) {
  const out: Buffer[] = []
  const err: Buffer[] = []
  const capture = (into: Buffer[]) => (chunk: string | Uint8Array): boolean => {
    into.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk))
    return true
  }
  process.stdout.write = capture(out) as typeof process.stdout.write
  process.stderr.write = capture(err) as typeof process.stderr.write
  try {
    const code = await main(['node', 'armorwatch', 'status', '--root', c.root, ...c.args])
    results.push({ code, stdout: Buffer.concat(out).toString('base64'), stderr: Buffer.concat(err).toString('base64') })
  } finally {
    process.stdout.write = stdoutWrite
    process.stderr.write = stderrWrite
  }
}
process.stdout.write(JSON.stringify(results))
