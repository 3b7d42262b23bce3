/** globsOverlap: whether two AARE globs match a common path (exec conflicts between globs). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { globsOverlap } from '../../../../src/apparmor/profile/overlap.js'

test('globs overlap when some path matches both', () => {
  const cases: readonly (readonly [string, string, boolean])[] = [
    ['/b*', '/*', true],
    ['/a*', '/b*', false],
    ['/usr/bin/*', '/usr/lib/**', false],
    ['/usr/**', '/usr/bin/foo', true],
    ['/a/*/c', '/a/b/d/c', false], // `*` stays within one path component
    ['/a/**/c', '/a/b/d/c', true], // `**` crosses `/`
    ['/{a,b}/x', '/b/*', true],
    ['/{a,b}/x', '/c/*', false],
    ['/[a-c]x', '/[d-z]x', false],
    ['/[a-c]x', '/[^abd-z]x', true], // only `c` is in both classes
    ['/x?', '/x/', false], // `?` is never `/`
    ['/\\*', '/a', false], // an escaped `*` is a literal
  ]
  for (const [a, b, want] of cases) {
    assert.equal(globsOverlap(a, b), want, `${a} ${b}`)
    assert.equal(globsOverlap(b, a), want, `${b} ${a}`)
  }
})
