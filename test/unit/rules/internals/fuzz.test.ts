import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { OsRegex, PatternError } from '../../../../src/rules/match/osregex.js'
import type { OsRegexVm } from '../../../../src/rules/match/osregex-vm.js'
import { Ruleset } from '../../../../src/rules/ruleset.js'
import { parseXml, XmlError } from '../../../../src/rules/xml.js'
import { tempDir } from '../../../helpers/tmp.js'

// Deterministic pseudo-random numbers (mulberry32), so a failure reproduces.
function rng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const builtinRules = fileURLToPath(new URL('../../../../rules/rules/0100-apparmor.xml', import.meta.url))

function mutate(text: string, r: () => number, edits: number): string {
  const alphabet = '<>/="\'\\ &!-?[]()|^$*+.abcdwsp\n'
  let s = text
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(r() * s.length)
    const op = r()
    if (op < 0.4) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 4))
    else if (op < 0.8) s = s.slice(0, at) + alphabet[Math.floor(r() * alphabet.length)] + s.slice(at)
    else s = s.slice(0, at) + s.slice(Math.floor(r() * s.length))
  }
  return s
}

test('mutated rule files never crash the loader: problems are reported with a line', () => {
  const r = rng(7)
  const original = readFileSync(builtinRules, 'utf8')
  const dir = tempDir('fuzz')
  for (let i = 0; i < 60; i++) {
    const text = mutate(original, r, 1 + Math.floor(r() * 6))
    try {
      parseXml(text, 'f.xml')
    } catch (e) {
      assert.ok(e instanceof XmlError, String(e))
    }
    const file = join(dir, `m${i}.xml`)
    writeFileSync(file, text)
    const rs = new Ruleset({ rules: [file] })
    for (const p of rs.problems) assert.ok(p.line >= 0 && p.file.length > 0)
    rs.analyzeLine('type=AVC msg=audit(1795170001.112:7001): apparmor="DENIED" operation="open" profile="/x" name="/etc/shadow" pid=1 comm="x"')
  }
})

/** A pattern of 1 to `max` atoms drawn from `atoms`. */
function randomPattern(r: () => number, atoms: readonly string[], max: number): string {
  let p = ''
  for (let k = 0; k < 1 + Math.floor(r() * max); k++) p += atoms[Math.floor(r() * atoms.length)]
  return p
}

test('random OS_Regex patterns compile or fail with PatternError, and run in bounded time', () => {
  const r = rng(11)
  const atoms = ['\\w+', '\\d*', '\\s', '\\S+', '\\.+', '\\p', '(', ')', 'a', 'b', ':', ' ', '^', '$', '|', '\\', '+', '*', '.']
  const input = 'ab: 12 ' + 'a'.repeat(3000) + ' b:'
  const t0 = Date.now()
  for (let i = 0; i < 400; i++) {
    const p = randomPattern(r, atoms, 10)
    let re: OsRegex
    try {
      re = new OsRegex(p)
    } catch (e) {
      assert.ok(e instanceof PatternError, `${p}: ${String(e)}`)
      continue
    }
    re.test(input)
    re.exec(input)
  }
  // Linear matching: 400 patterns over a 3 KB line take well under the test timeout.
  assert.ok(Date.now() - t0 < 60_000)
})

test('the lazy DFA and the backtracking exec answer as the Pike VM they stand in for, on random patterns and inputs', () => {
  const r = rng(23)
  const atoms = ['\\w+', '\\d*', '\\s', '\\S+', '\\.*', '\\.+', '\\p', '\\W', '\\D+', '(', ')', '(', ')', 'a', 'b', 'é', ':', ' ', '^', '$', '|', '\\(']
  const letters = ['a', 'b', ':', ' ', '1', '(', 'é', 'Ä', 'B', '\t', '-', '@']
  let compared = 0
  let matched = 0
  for (let i = 0; i < 600; i++) {
    const p = randomPattern(r, atoms, 8)
    let re: OsRegex
    try {
      re = new OsRegex(p)
    } catch {
      continue
    }
    const vms = (re as unknown as { alternatives: { vm?: OsRegexVm }[] }).alternatives.flatMap((a) => (a.vm ? [a.vm] : []))
    for (let j = 0; j < 40; j++) {
      let input = ''
      for (let k = Math.floor(r() * 24); k > 0; k--) input += letters[Math.floor(r() * letters.length)]
      for (const vm of vms) {
        const dfa = vm.test(input)
        assert.equal(dfa, vm.testNfa(input), `pattern ${JSON.stringify(p)} on ${JSON.stringify(input)}`)
        // The backtracking exec finds the Pike VM's match: same end, same captures.
        const bt = vm.execBacktrack(input)
        const pike = vm.execPike(input)
        assert.deepEqual(bt && { end: bt.end, caps: [...bt.caps] }, pike && { end: pike.end, caps: [...pike.caps] }, `exec of ${JSON.stringify(p)} on ${JSON.stringify(input)}`)
        assert.equal(bt !== null, dfa)
        compared++
        if (dfa) matched++
      }
    }
  }
  assert.ok(compared > 2000 && matched > 200 && matched < compared - 200, `${compared} compared, ${matched} matched`)
})

test('random lines never throw through pre-decoding, decoding and rules', () => {
  const r = rng(3)
  const rs = new Ruleset({})
  const seeds = [
    'Nov 20 10:00:00 web01 kernel: [ 1.0] audit: type=1400 audit(1795168865.905:1): apparmor="DENIED" operation="open" name="/etc/shadow"',
    'type=SYSCALL msg=audit(1795393067.549:12): arch=c000003e syscall=59 success=yes exit=0 items=1 pid=1 comm="x" exe="/bin/x"',
    '{"a": {"b": [1, null, "x"]}}',
  ]
  for (let i = 0; i < 300; i++) {
    const line = mutate(seeds[i % seeds.length] as string, r, 1 + Math.floor(r() * 5)).replace(/\n/g, ' ')
    rs.analyzeLine(line, { location: 'fuzz' })
  }
})
