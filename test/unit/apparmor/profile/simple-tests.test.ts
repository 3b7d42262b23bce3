/**
 * Conformance with apparmor_parser 4.1.0's own syntax test suite (test/fixtures/
 * apparmor-parser-simple-tests, see its README): every `.sd` file is checked with `--abi 4` and our
 * verdict compared with the file's `#=EXRESULT` (inverted for `#=TODO`, skipped for `#=DISABLED`,
 * as upstream's simple.pl does). The files where we knowingly differ are listed below; any other
 * disagreement, or a listed file that starts to agree, fails the test.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkFile } from '../../../../src/apparmor/profile/index.js'

/** Upstream's parser/tst, with simple_tests/ in it. */
const TST = fileURLToPath(new URL('../../../fixtures/apparmor-parser-simple-tests/tst', import.meta.url))
const TESTS = join(TST, 'simple_tests')

/** Where our verdict differs from apparmor_parser 4.1.0's, and why. */
const KNOWN_DIFFERENCES: ReadonlyMap<string, string> = new Map([
  // apparmor_parser merges overlapping globs in its DFA and then finds px, Pix and Cx on the
  // paths `/*` shares with `/b*` and `/a*`; we only compare exec transitions of the same path.
  ['xtrans/x-conflict.sd', 'exec transitions conflicting on overlapping globs'],
])

interface Case {
  readonly file: string
  readonly expectPass: boolean
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
  // simple.pl runs from parser/tst: quoted relative includes resolve against that directory
  // (node:test runs each test file in its own process).
  process.chdir(TST)
  const all = cases(TESTS)
  assert.equal(all.length, 2047, 'the 2,053 files minus the 6 DISABLED ones')
  const differ = new Map<string, string>()
  for (const c of all) {
    const r = checkFile(join(TESTS, c.file), { abi: 4, includeDirs: [TESTS] })
    if (r.ok !== c.expectPass) {
      const why = r.errors[0] ? `${r.errors[0].line}:${r.errors[0].column} ${r.errors[0].message}` : 'no error found'
      differ.set(c.file, `expected ${c.expectPass ? 'PASS' : 'FAIL'}, got ${r.ok ? 'PASS' : 'FAIL'} (${why})`)
    }
  }
  const unexpected = [...differ].filter(([f]) => !KNOWN_DIFFERENCES.has(f)).map(([f, why]) => `${f}: ${why}`)
  const nowAgree = [...KNOWN_DIFFERENCES.keys()].filter((f) => !differ.has(f))
  assert.deepEqual(unexpected, [], 'disagreements with apparmor_parser 4.1.0')
  assert.deepEqual(nowAgree, [], 'known differences that now agree: remove them from KNOWN_DIFFERENCES')
})
