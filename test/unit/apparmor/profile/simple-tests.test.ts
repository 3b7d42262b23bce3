/**
 * Conformance with apparmor_parser 4.1.0's own syntax test suite (test/fixtures/
 * apparmor-parser-simple-tests, see its README): every `.sd` file is checked with `--abi 4` and our
 * verdict compared with the file's `#=EXRESULT` (inverted for `#=TODO`, skipped for `#=DISABLED`,
 * as upstream's simple.pl does), and with `--abi 3` against the verdicts Debian's apparmor_parser
 * 3.0.8 gave on the same files (verdicts-3.0.8.txt; `WRITE_GOLDEN=1` runs apparmor_parser again and
 * rewrites it, which takes a few minutes). The files where we knowingly differ are listed below;
 * any other disagreement, or a listed file that starts to agree, fails the test.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkFile } from '../../../../src/apparmor/profile/index.js'

/** Upstream's parser/tst, with simple_tests/ in it. */
const TST = fileURLToPath(new URL('../../../fixtures/apparmor-parser-simple-tests/tst', import.meta.url))
const TESTS = join(TST, 'simple_tests')
const VERDICTS_3 = fileURLToPath(new URL('../../../fixtures/apparmor-parser-simple-tests/verdicts-3.0.8.txt', import.meta.url))
const FEATURES_3 = fileURLToPath(new URL('../../../fixtures/profiles/features-3.0.8', import.meta.url))

/** Where our verdict differs from apparmor_parser 4.1.0's, and why (none at present). */
const KNOWN_DIFFERENCES: ReadonlyMap<string, string> = new Map()

/** Where our `--abi 3` verdict differs from Debian's apparmor_parser 3.0.8, and why. */
const KNOWN_DIFFERENCES_3: ReadonlyMap<string, string> = new Map([
  // A regression test of 4.x: 3.0.8 was still compiling it after minutes (recorded as TIMEOUT).
  ['regressions/ok_normalize.sd', 'apparmor_parser 3.0.8 does not finish on it'],
])

interface Case {
  readonly file: string
  readonly expectPass: boolean
}

/** Our verdicts on every case, with the first error of each rejected file. */
function check(all: readonly Case[], abi: 3 | 4): Map<string, { ok: boolean; why: string }> {
  // simple.pl runs from parser/tst: quoted relative includes resolve against that directory
  // (node:test runs each test file in its own process).
  process.chdir(TST)
  const out = new Map<string, { ok: boolean; why: string }>()
  for (const c of all) {
    const r = checkFile(join(TESTS, c.file), { abi, includeDirs: [TESTS] })
    const e = r.errors[0]
    out.set(c.file, { ok: r.ok, why: e ? `${e.line}:${e.column} ${e.message}` : 'no error found' })
  }
  return out
}

/** Disagreements not in `known`, and entries of `known` that agree now. */
function compare(want: ReadonlyMap<string, string>, got: ReadonlyMap<string, { ok: boolean; why: string }>, known: ReadonlyMap<string, string>): { unexpected: string[]; nowAgree: string[] } {
  const differ = [...want].filter(([f, v]) => (got.get(f)?.ok ? 'PASS' : 'FAIL') !== v)
  return {
    unexpected: differ.filter(([f]) => !known.has(f)).map(([f, v]) => `${f}: expected ${v}, got ${got.get(f)?.ok ? 'PASS' : `FAIL (${got.get(f)?.why})`}`),
    nowAgree: [...known.keys()].filter((f) => !differ.some(([d]) => d === f)),
  }
}

function cases(dir: string): Case[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name): Case[] => {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) return cases(path)
      if (!name.endsWith('.sd')) return []
      const text = readFileSync(path, 'utf8')
      if (/^#=DISABLED/m.test(text)) return []
      const pass = !/^#=EXRESULT\s*FAIL/m.test(text)
      // A TODO expectation is known to be wrong: apparmor_parser does the opposite.
      return [{ file: relative(TESTS, path), expectPass: /^#=TODO/m.test(text) ? !pass : pass }]
    })
}

test('profile check --abi 4 agrees with apparmor_parser 4.1.0 on its simple_tests', () => {
  const all = cases(TESTS)
  assert.equal(all.length, 2047, 'the 2,053 files minus the 6 DISABLED ones')
  const want = new Map(all.map((c) => [c.file, c.expectPass ? 'PASS' : 'FAIL']))
  const { unexpected, nowAgree } = compare(want, check(all, 4), KNOWN_DIFFERENCES)
  assert.deepEqual(unexpected, [], 'disagreements with apparmor_parser 4.1.0')
  assert.deepEqual(nowAgree, [], 'known differences that now agree: remove them from KNOWN_DIFFERENCES')
})

/**
 * apparmor_parser 3.0.8 on one file, fed on stdin from parser/tst as simple.pl does. It forks
 * compile jobs and outlives SIGTERM, so timeout(1) SIGKILLs its whole process group after 60 s.
 */
function apparmorParser3(file: string): string {
  const r = spawnSync('timeout', ['-s', 'KILL', '60', 'apparmor_parser', '-QK', '-M', FEATURES_3, '-I', TESTS], { cwd: TST, input: readFileSync(join(TESTS, file)) })
  if (r.status === 127) throw new Error('apparmor_parser is needed to rewrite the verdicts (Debian package apparmor)')
  return r.status === 0 ? 'PASS' : r.status === 137 || r.signal ? 'TIMEOUT' : 'FAIL'
}

test('profile check --abi 3 agrees with Debian apparmor_parser 3.0.8 on the same files', () => {
  const all = cases(TESTS)
  if (process.env.WRITE_GOLDEN) {
    const header = '# apparmor_parser 3.0.8 (Debian 12) on tst/simple_tests: -QK -M test/fixtures/profiles/features-3.0.8 -I simple_tests, from tst/, the file on stdin.\n'
    writeFileSync(VERDICTS_3, header + all.map((c) => `${apparmorParser3(c.file)} ${c.file}\n`).join(''))
  }
  const want = new Map(
    readFileSync(VERDICTS_3, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(l.indexOf(' ') + 1), l.slice(0, l.indexOf(' '))] as const),
  )
  assert.deepEqual([...want.keys()], all.map((c) => c.file), 'verdicts-3.0.8.txt lists every enabled file')
  const { unexpected, nowAgree } = compare(want, check(all, 3), KNOWN_DIFFERENCES_3)
  assert.deepEqual(unexpected, [], 'disagreements with apparmor_parser 3.0.8')
  assert.deepEqual(nowAgree, [], 'known differences that now agree: remove them from KNOWN_DIFFERENCES_3')
})
