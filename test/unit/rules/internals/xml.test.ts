import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseXml, XmlError } from '../../../../src/rules/xml.js'

test('reads several top-level elements, attributes, comments and self-closing tags', () => {
  const nodes = parseXml(`<!-- c -->\n<var name="X">1</var>\n<group name="a,">\n  <rule id="1" level='2'><same_source_ip /><match>x</match></rule>\n</group>`)
  assert.deepEqual(nodes.map((n) => n.name), ['var', 'group'])
  const rule = nodes[1]?.children[0]
  assert.equal(rule?.attrs.level, '2')
  assert.equal(rule?.line, 4)
  assert.deepEqual(rule?.children.map((c) => c.name), ['same_source_ip', 'match'])
})

test('keeps regex text verbatim: bare & and <, escaped \\< and \\</tag>', () => {
  const [d] = parseXml('<decoder name="x"><prematch>\\<log>\\.+\\</log> & a < b</prematch></decoder>')
  assert.equal(d?.children[0]?.text, '\\<log>\\.+\\</log> & a < b')
  const [f] = parseXml('<field name="d">E:\\\\</field>')
  assert.equal(f?.text, 'E:\\\\')
})

test('reports mismatched and unclosed elements with file and line', () => {
  assert.throws(() => parseXml('<a>\n<b></a>', 'f.xml'), (e: unknown) => e instanceof XmlError && e.line === 2 && /f\.xml:2/.test(e.message))
  assert.throws(() => parseXml('<a>\n<b>\n', 'f.xml'), /never closed/)
})
