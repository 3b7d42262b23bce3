import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OsMatch } from '../../../../src/rules/match/osmatch.js'
import { OsRegex, PatternError } from '../../../../src/rules/match/osregex.js'
import { Pcre2 } from '../../../../src/rules/match/pcre2.js'
import { Expression } from '../../../../src/rules/match/expression.js'

test('OS_Match: case-insensitive substrings, anchors, alternatives, leading ! negates', () => {
  const m = new OsMatch('^Accepted|failed password|done$')
  assert.ok(m.test('accepted publickey'))
  assert.ok(m.test('x FAILED PASSWORD y'))
  assert.ok(m.test('all done'))
  assert.ok(!m.test('x accepted'))
  assert.ok(!m.test('done.'))
  assert.ok(new OsMatch('^exact$').test('EXACT'))
  assert.ok(!new OsMatch('!format=json').test('format=json'))
  assert.ok(new OsMatch('!format=json').test('format=raw'))
})

test('OS_Regex: Wazuh classes, literal dot, \\. any char, captures and match end', () => {
  const r = new OsRegex('^(\\S+) from (\\d+.\\d+.\\d+.\\d+) port (\\d+)')
  const m = r.exec('root from 10.0.0.1 port 22 ssh2')
  assert.deepEqual(m?.captures, ['root', '10.0.0.1', '22'])
  assert.equal(m?.end, 'root from 10.0.0.1 port 22'.length)
  assert.ok(!new OsRegex('a.c').test('abc'), 'a bare dot is literal')
  assert.ok(new OsRegex('a\\.c').test('abc'), '\\. is any character')
  assert.ok(new OsRegex('\\w+@\\w+').test('user-1@host_a'), '\\w includes - @ _')
  assert.ok(!new OsRegex('^\\s').test('\tx'), '\\s is the space only')
  assert.ok(new OsRegex('^\\p+$').test('()[]:;'))
  assert.ok(new OsRegex('USER').test('user'), 'case-insensitive')
  assert.ok(new OsRegex('a+').test('xa+'), '+ after a literal is literal')
})

test('OS_Regex: quantifiers stop at the next token (lazy), a trailing one runs to the end', () => {
  assert.deepEqual(new OsRegex('^(\\.+) from (\\S+)').exec('a from b from c')?.captures, ['a', 'b'])
  assert.deepEqual(new OsRegex('id=(\\d+)').exec('id=12345 x')?.captures, ['12345'])
})

test('OS_Regex: alternatives are tried in order; each keeps its own captures', () => {
  const r = new OsRegex('^user (\\w+)|^uid (\\d+)')
  assert.deepEqual(r.exec('uid 42')?.captures, ['42'])
  assert.deepEqual(r.exec('user bob')?.captures, ['bob'])
})

test('OS_Regex: invalid patterns are load errors with the pattern', () => {
  assert.throws(() => new OsRegex('(abc'), PatternError)
  assert.throws(() => new OsRegex('abc)'), PatternError)
  assert.throws(() => new OsRegex('abc\\'), /trailing backslash/)
})

test('OS_Regex runs in linear time on inputs that make backtrackers explode', () => {
  const r = new OsRegex('^(\\w+\\w+\\w+\\w+)+!')
  const input = 'a'.repeat(20000)
  assert.equal(r.test(input), false)
})

test('PCRE2: case-sensitive, (?i), leading lookaheads rewritten, unsafe features rejected', () => {
  assert.ok(!new Pcre2('abc').test('ABC'))
  assert.ok(new Pcre2('(?i)abc').test('ABC'))
  const nonEmpty = new Pcre2('^(?!^$|^-$).*')
  assert.ok(nonEmpty.test('x'))
  assert.ok(!nonEmpty.test(''))
  assert.ok(!nonEmpty.test('-'))
  const both = new Pcre2('^(?=.*a)(?=.*x)')
  assert.ok(both.test('xyza'))
  assert.ok(!both.test('xyz'))
  assert.ok(new Pcre2('(*UTF)\\N{U+202E}').test('a\u202eb'))
  assert.throws(() => new Pcre2('(a)\\1'), /linear-time engine/)
  assert.throws(() => new Pcre2('a(?=b)'), /linear-time engine/)
})

test('Expression: negate and the exact string type', () => {
  assert.ok(new Expression('osmatch', 'abc', true).test('xyz'))
  assert.ok(!new Expression('osmatch', 'abc', true).test('abc'))
  assert.ok(new Expression('string', 'Deny').test('Deny'))
  assert.ok(!new Expression('string', 'Deny').test('deny'))
})
