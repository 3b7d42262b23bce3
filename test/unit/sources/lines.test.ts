import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LineSplitter } from '../../../src/sources/lines.js'

test('LineSplitter gives the same lines whatever the chunk sizes, multi-byte characters included', () => {
  const text = 'héllo\nworld line two\n\nlast é partial'
  const bytes = Buffer.from(text)
  for (let size = 1; size <= bytes.length; size++) {
    const split = new LineSplitter()
    const out: string[] = []
    for (let i = 0; i < bytes.length; i += size) out.push(...split.push(bytes.subarray(i, i + size)))
    out.push(...split.end())
    assert.deepEqual(out, text.split('\n'), `chunks of ${size} bytes`)
  }
  const s = new LineSplitter()
  assert.deepEqual(s.push('a\nb'), ['a'])
  assert.deepEqual(s.push('c\n'), ['bc'])
  assert.deepEqual(s.end(), [])
})

test('LineSplitter decodes ASCII chunks and chunks with other bytes alike (invalid UTF-8 as U+FFFD)', () => {
  const s = new LineSplitter()
  assert.deepEqual(s.push(Buffer.from('plain ascii\nsecond\n')), ['plain ascii', 'second'])
  assert.deepEqual(s.push(Buffer.from([0x61, 0xff, 0x0a, 0xc3, 0xa9, 0x0a])), ['a\ufffd', 'é'])
  assert.deepEqual(s.push(Buffer.from([0xc3])), [])
  assert.deepEqual(s.push(Buffer.from([0xa9, 0x0a, 0x62, 0x0a])), ['é', 'b'])
})
