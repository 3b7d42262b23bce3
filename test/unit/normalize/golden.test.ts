import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs'
import { parseLines } from '../../../src/normalize/index.js'

const dir = new URL('../../fixtures/normalize/', import.meta.url)
const inputs = readdirSync(dir).filter((f) => !f.endsWith('.golden.ndjson') && f !== 'README.md')
const now = () => Date.parse('2026-11-23T00:00:00Z')

for (const name of inputs) {
  test(`golden: ${name}`, () => {
    const text = readFileSync(new URL(name, dir), 'utf8')
    const { events, errors } = parseLines(text, { location: name, now, year: 2026 })
    const actual = [...events.map((e) => JSON.stringify(e)), ...errors.map((e) => JSON.stringify({ error: e }))].join('\n') + '\n'
    const golden = new URL(`${name}.golden.ndjson`, dir)
    if (process.env.WRITE_GOLDEN === '1') writeFileSync(golden, actual)
    assert.ok(existsSync(golden), `missing ${golden.pathname}: run with WRITE_GOLDEN=1`)
    assert.equal(actual, readFileSync(golden, 'utf8'))
  })
}
