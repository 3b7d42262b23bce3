import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatTable, TableStream } from '../../../src/cli/output.js'

test('formatTable aligns columns and never pads the last', () => {
  assert.equal(formatTable(['a', 'bb', 'c'], [['xxx', 'y', 'z  z'], ['1', '22', '3']]), 'a    bb  c\nxxx  y   z  z\n1    22  3\n')
})

test('formatTable takes a batch far larger than a spread of arguments could', () => {
  const rows = Array.from({ length: 300_000 }, (_, i) => [String(i), 'x'])
  const text = formatTable(['n', 'v'], rows)
  assert.equal(text.split('\n').length, 300_002)
  assert.ok(text.startsWith('n       v\n0       x\n'))
})

test('TableStream: the header once, columns that only widen, an empty batch writes nothing', () => {
  const t = new TableStream(['name', 'n'])
  assert.equal(t.format([['a', '1']]), 'name  n\na     1\n')
  assert.equal(t.format([]), '')
  assert.equal(t.format([['longer-name', '2']]), 'longer-name  2\n')
  assert.equal(t.format([['b', '3']]), 'b            3\n', 'a column keeps its widest width')
})
