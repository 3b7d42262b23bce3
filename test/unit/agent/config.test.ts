import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { ConfigError, loadAgentConfig } from '../../../src/agent/config.js'

test('an empty config is the defaults: follow audit.log, syslog and kern.log from their end', () => {
  const cfg = loadAgentConfig('')
  assert.deepEqual(cfg.sources.file?.include, ['/var/log/audit/audit.log', '/var/log/syslog', '/var/log/kern.log'])
  assert.equal(cfg.sources.file?.from_beginning, false)
  assert.equal(cfg.spool.max_bytes, 256 * 1024 * 1024)
  assert.ok(Object.isFrozen(cfg.sources))
})

test('the example config in docs/agent.md is valid', () => {
  const doc = readFileSync(new URL('../../../docs/agent.md', import.meta.url), 'utf8')
  const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1]
  assert.ok(example)
  const cfg = loadAgentConfig(example, 'docs/agent.md')
  assert.deepEqual(cfg.sources.journald?.matches, ['_TRANSPORT=audit', '_TRANSPORT=kernel'])
  assert.equal(cfg.raw_audit_log?.keep, 5)
})

test('every error is reported, each with its path', () => {
  try {
    loadAgentConfig('sources:\n  file:\n    include: [relative.log]\n  nope: {}\nspool:\n  max_bytes: 5\n', 'a.yaml')
    assert.fail('accepted a bad config')
  } catch (err) {
    assert.ok(err instanceof ConfigError)
    assert.equal(err.errors.length, 3, err.message)
    assert.match(err.message, /a\.yaml: sources\.file\.include\.0: relative\.log: must be an absolute path/)
    assert.match(err.message, /a\.yaml: sources: Unrecognized key: "nope"/)
    assert.match(err.message, /a\.yaml: spool\.max_bytes: /)
  }
})

test('YAML syntax errors name the file', () => {
  assert.throws(() => loadAgentConfig('sources: [', 'b.yaml'), /^Error: b\.yaml: /)
})
