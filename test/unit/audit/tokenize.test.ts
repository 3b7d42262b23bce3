import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeHex, isHexEncoded, Quote, tokenize } from '../../../src/audit/tokenize.js'

const pairs = (s: string) => {
  const t = tokenize(s)
  return t.keys.map((k, i) => [k, t.values[i], t.quotes[i]])
}

test('quoted, single-quoted and bare values, with double spaces', () => {
  assert.deepEqual(pairs(`a="x y"  b=12 c='k=v z' d=::1`), [
    ['a', 'x y', Quote.Double],
    ['b', '12', Quote.Bare],
    ['c', 'k=v z', Quote.Single],
    ['d', '::1', Quote.Bare],
  ])
})

test('backslash escapes inside double quotes', () => {
  assert.deepEqual(pairs(String.raw`info="say \"hi\" \\ ok" n=1`), [
    ['info', 'say "hi" \\ ok', Quote.Double],
    ['n', '1', Quote.Bare],
  ])
})

test('ENRICHED fields after 0x1d, with no space before it', () => {
  const t = tokenize('fsuid=0 ouid=0\u001dFSUID="root" OUID="root"')
  assert.deepEqual(t.keys, ['fsuid', 'ouid', 'FSUID', 'OUID'])
  assert.equal(t.values[1], '0')
  assert.equal(t.enrichedFrom, 2)
})

test('words without "=" are kept with an empty key; unterminated quotes take the rest', () => {
  const t = tokenize('AVC apparmor="DENIED" name="/tmp/trunc')
  assert.deepEqual(t.keys, ['', 'apparmor', 'name'])
  assert.equal(t.values[0], 'AVC')
  assert.equal(t.values[2], '/tmp/trunc')
  assert.equal(t.unterminated, true)
  assert.deepEqual(pairs('k= x='), [['k', '', Quote.Bare], ['x', '', Quote.Bare]])
})

test('hex detection and decoding', () => {
  assert.equal(isHexEncoded('2F746D70'), true)
  assert.equal(isHexEncoded('2f746d70'), false, 'the kernel writes upper case')
  assert.equal(isHexEncoded('ABC'), false)
  assert.equal(isHexEncoded(''), false)
  assert.equal(decodeHex('636166C3A9'), 'café')
  assert.equal(decodeHex('6100620063'), 'a b c', 'NULs become spaces by default')
  assert.equal(decodeHex('61FF62'), 'a\\xff' + 'b', 'invalid UTF-8 stays lossless as escapes')
})

test('an ENRICHED line whose 0x1d separator was lost still splits at the upper-case key', () => {
  const t = tokenize('fsuid=0 ouid=0FSUID="root" OUID="root"')
  assert.deepEqual(t.keys, ['fsuid', 'ouid', 'FSUID', 'OUID'])
  assert.equal(t.values[1], '0')
  assert.equal(t.enrichedFrom, 2)
  assert.deepEqual(tokenize('a1=x=YY b=1').values, ['x=YY', '1'], 'short upper-case runs are values')
})
