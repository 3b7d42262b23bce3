import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseLines } from '../../../src/normalize/index.js'
import { tempDir } from '../../helpers/tmp.js'
import { missingTool } from '../../helpers/tool.js'

/**
 * Differential test of event assembly against auditd's own library, auparse (Debian's libauparse
 * 3.0.9): on the real capture and on auparse's own test logs (interleaved events, `node=`
 * prefixes, long events), both must group exactly the same records into the same events.
 * (auparse is not compared on arbitrarily shuffled records: it closes an event as soon as a record
 * older than its 2 s window arrives, or when its last record so far looks final, so it splits
 * events that our assembler, keyed by audit id, keeps whole; test/unit/audit covers those.)
 * One known, deliberate difference: auparse closes an event whose last record so far has a type
 * below 1300, so a LOGIN record (written by the kernel inside the syscall that sets the login id,
 * with that syscall's serial) becomes an event of its own, and its SYSCALL and PROCTITLE another.
 * `ausearch` splits them the same way. We keep them together, as one event, since they are one
 * kernel audit event; auparse's two are merged back below before comparing.
 */
const harnessSource = fileURLToPath(new URL('../../fixtures/auparse/dump-events.c', import.meta.url))
const fixture = (path: string) => fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url))
const inputs = ['normalize/real-capture.log', 'auparse/auparse-test.log', 'auparse/auparse-test2.log', 'auparse/auparse-test3.log', 'auparse/auparse-test4.log'].map(fixture)

function buildHarness(dir: string): string | undefined {
  const out = join(dir, 'dump-events')
  const r = spawnSync('cc', ['-o', out, harnessSource, '-lauparse'], { encoding: 'utf8' })
  return r.status === 0 ? out : undefined
}

/** auparse's events as `SERIAL NODE TYPE,TYPE…`, with a lone LOGIN merged into the event of its serial that follows. */
function theirs(harness: string, file: string): string[] {
  const events = execFileSync(harness, [file], { encoding: 'utf8' }).trim().split('\n').filter(Boolean)
  const out: string[] = []
  const loneLogin = new Map<string, number>()
  for (const line of events) {
    const [serial, node, types] = line.split(' ')
    const id = `${serial} ${node}`
    const login = loneLogin.get(id)
    if (login !== undefined) {
      out[login] = `${id} LOGIN,${types}`
      loneLogin.delete(id)
      continue
    }
    if (types === 'LOGIN') loneLogin.set(id, out.length)
    out.push(line)
  }
  return out.sort()
}

function ours(file: string): string[] {
  const { events, errors } = parseLines(readFileSync(file, 'utf8'), { location: file })
  assert.deepEqual(errors, [], file)
  return events
    .map((e) => `${String(e.fields['audit.serial'])} ${String(e.fields['audit.node'] ?? '-')} ${e.raw.split('\n').map((l) => /type=(\S+)/.exec(l)?.[1]).join(',')}`)
    .sort()
}

test('differential: auparse and armorwatch assemble the same audit events', (t) => {
  const dir = tempDir('auparse')
  const harness = buildHarness(dir)
  if (!harness) {
    t.skip(missingTool('cc or libauparse-dev not installed; .ci/run installs libauparse-dev'))
    return
  }
  let compared = 0
  for (const file of inputs) {
    const expected = theirs(harness, file)
    assert.deepEqual(ours(file), expected, file)
    compared += expected.length
  }
  t.diagnostic(`${compared} events compared`)
  assert.ok(compared >= 95)
})
