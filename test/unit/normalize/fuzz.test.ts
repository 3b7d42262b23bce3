import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { Normalizer } from '../../../src/normalize/index.js'
import { prng } from '../../helpers/prng.js'

// Random mutations of every corpus line: the normalizer must never throw, and every line must be
// accounted for (an event's record, a reported error, or a skipped separator). The seed is printed
// on failure so a case can be replayed.
const dir = new URL('../../fixtures/normalize/', import.meta.url)
const corpus = readdirSync(dir)
  .filter((f) => !f.endsWith('.golden.ndjson') && f !== 'README.md')
  .flatMap((f) => readFileSync(new URL(f, dir), 'utf8').split('\n').filter(Boolean))


const alphabet = ['"', "'", '=', ' ', '\u001d', '(', ')', ':', '[', ']', '{', '}', '\\', ';', ',', '0', 'F', 'x', '\u0000', 'é', 'type=', 'audit(', 'msg=\'', 'apparmor=']

function mutate(line: string, rnd: () => number): string {
  let s = line
  const n = 1 + Math.floor(rnd() * 4)
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rnd() * (s.length + 1))
    switch (Math.floor(rnd() * 5)) {
      case 0: s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 8)); break
      case 1: s = s.slice(0, at) + alphabet[Math.floor(rnd() * alphabet.length)] + s.slice(at); break
      case 2: s = s.slice(0, at); break
      case 3: s = s.slice(at); break
      default: s = s.slice(0, at) + s.slice(at).toUpperCase()
    }
  }
  return s
}

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
  test(`fuzz: mutated corpus lines, seed ${seed}`, () => {
    const rnd = prng(seed)
    let errors = 0
    const n = new Normalizer({ location: 'fuzz', emit: () => undefined, onError: () => errors++, now: () => 0 })
    let current = ''
    try {
      for (let i = 0; i < 4000; i++) {
        current = mutate(corpus[Math.floor(rnd() * corpus.length)], rnd)
        n.push(current)
      }
      n.flush()
    } catch (err) {
      assert.fail(`seed ${seed} threw on ${JSON.stringify(current)}: ${String(err)}`)
    }
    const s = n.stats
    assert.equal(s.lines, 4000)
    assert.equal(s.records + s.malformed + s.skipped + (s.events - s.assembler.events), 4000, 'every line accounted for')
    assert.equal(errors, s.malformed)
  })
}
