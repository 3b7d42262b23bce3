/**
 * Differential test: `profile check` against Debian's apparmor_parser on the shipped profiles and
 * on seeded mutations of them. apparmor_parser runs with -QK (no kernel, no cache) and -M with
 * the features file in test/fixtures/profiles (without one it silently skips rule classes when
 * the kernel has no AppArmor). A missing apparmor_parser or profile package fails, never skips.
 * DIFF_MUTATIONS=N and DIFF_SEED=S run a bigger sample by hand.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkFile } from '../../../../src/apparmor/profile/index.js'
import { mutate, prng } from './mutate.js'

const FEATURES = fileURLToPath(new URL('../../../fixtures/profiles/features-3.0.8', import.meta.url))
const DIRS = ['/etc/apparmor.d', '/usr/share/apparmor/extra-profiles']

function corpus(): string[] {
  return DIRS.flatMap((d) =>
    existsSync(d)
      ? readdirSync(d)
          .filter((n) => n !== 'README' && !n.startsWith('.'))
          .map((n) => join(d, n))
          .filter((p) => statSync(p).isFile())
      : [],
  )
}

function apparmorParser(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    // From /etc/apparmor.d, where relative (quoted or bare) includes resolve for both parsers.
    execFile('apparmor_parser', ['-QK', '-M', FEATURES, '-I', '/etc/apparmor.d', path], { cwd: '/etc/apparmor.d' }, (err) => resolve(!err))
  })
}

/** Runs apparmor_parser on every path, two at a time (the machine has two cores). */
async function verdicts(paths: readonly string[]): Promise<boolean[]> {
  const out: boolean[] = new Array(paths.length)
  let next = 0
  const worker = async () => {
    for (let i = next++; i < paths.length; i = next++) out[i] = await apparmorParser(paths[i] as string)
  }
  await Promise.all([worker(), worker()])
  return out
}

test('apparmor_parser and the Debian profiles are installed', () => {
  const r = spawnSync('apparmor_parser', ['--version'], { encoding: 'utf8' })
  assert.equal(r.status, 0, 'apparmor_parser is needed (Debian package apparmor)')
  assert.ok(corpus().length >= 140, `expected the 143 Debian profiles (apparmor, apparmor-profiles, apparmor-profiles-extra), found ${corpus().length}`)
})

test('check agrees with apparmor_parser on every shipped profile', async () => {
  const files = corpus()
  const real = await verdicts(files)
  const disagree = files.filter((f, i) => checkFile(f).ok !== real[i])
  assert.deepEqual(disagree, [])
  assert.ok(real.every(Boolean), 'the shipped profiles all compile')
})

test('check agrees with apparmor_parser on seeded mutations', async () => {
  const n = Number(process.env.DIFF_MUTATIONS ?? 200)
  const rand = prng(Number(process.env.DIFF_SEED ?? 20260101))
  const files = corpus()
  const dir = mkdtempSync(join(tmpdir(), 'aw-profile-mut-'))
  try {
    const cases: { name: string; path: string }[] = []
    while (cases.length < n) {
      const f = files[Math.floor(rand() * files.length)] as string
      for (const m of mutate(readFileSync(f, 'utf8'), rand, 1)) {
        const path = join(dir, `m${cases.length}`)
        writeFileSync(path, m.text)
        cases.push({ name: `${f}:${m.name}`, path })
      }
    }
    const real = await verdicts(cases.map((c) => c.path))
    const disagree = cases.filter((c, i) => checkFile(c.path).ok !== real[i]).map((c) => c.name)
    const rate = 1 - disagree.length / cases.length
    // Known gaps (overlapping exec globs merged by the DFA, a few lexer corners) are listed on failure.
    assert.ok(rate >= 0.97, `agreement ${(rate * 100).toFixed(1)}%, disagreements:\n${disagree.join('\n')}`)
    assert.ok(real.some((ok) => !ok) && real.some((ok) => ok), 'the mutations include both valid and invalid profiles')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

/** Writes each case to a file, runs both parsers from /etc/apparmor.d, and lists the cases they disagree on. */
async function disagreements(cases: readonly string[], text: (c: string) => string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'aw-profile-cases-'))
  const cwd = process.cwd()
  try {
    const paths = cases.map((c, i) => {
      const path = join(dir, `c${i}`)
      writeFileSync(path, text(c))
      return path
    })
    const real = await verdicts(paths)
    process.chdir('/etc/apparmor.d')
    return cases.filter((_, i) => checkFile(paths[i] as string).ok !== real[i])
  } finally {
    process.chdir(cwd)
    rmSync(dir, { recursive: true, force: true })
  }
}

const fixtureLines = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../fixtures/profiles/${name}`, import.meta.url)), 'utf8').split('\n').filter(Boolean)

test('check agrees with apparmor_parser on one rule of every kind, valid and not', async () => {
  const snippets = fixtureLines('rule-snippets.txt')
  assert.deepEqual(await disagreements(snippets, (line) => `include <tunables/global>\nprofile p /usr/bin/p {\n  ${line}\n}\n`), [])
})

test('check agrees with apparmor_parser on headers, hats, variables, aliases, abi and conditionals', async () => {
  // One file per line, `\n` written as two characters.
  const cases = fixtureLines('file-cases.txt')
  assert.deepEqual(await disagreements(cases, (c) => c.replace(/\\n/g, '\n') + '\n'), [])
})

test('the snippet runner is not trivially agreeing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-profile-sanity-'))
  try {
    const ok = join(dir, 'ok')
    const bad = join(dir, 'bad')
    writeFileSync(ok, 'profile p {\n  /a r,\n}\n')
    writeFileSync(bad, 'profile p {\n  /a rz,\n}\n')
    assert.deepEqual(await verdicts([ok, bad]), [true, false])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
