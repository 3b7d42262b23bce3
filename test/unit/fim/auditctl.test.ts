// The real auditctl (Debian's auditd package) against the real kernel audit subsystem: the watch
// FIM adds for a whodata directory appears in the kernel's rule list and goes away on removal.
// Skipped where that is impossible (not root, no auditctl, rules locked).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { AUDIT_KEY, auditWatch } from '../../../src/sources/fim/index.js'
import { tempTree } from './helpers.js'

const status = spawnSync('auditctl', ['-s'], { encoding: 'utf8' })
const why =
  process.getuid?.() !== 0 ? 'needs root' : status.status !== 0 ? 'auditctl unavailable' : /^enabled 2/m.test(status.stdout) ? 'audit rules are immutable' : undefined

test('auditWatch adds and removes a real kernel audit watch', { skip: why ?? false }, async (t) => {
  const { dir, cleanup } = tempTree()
  t.after(cleanup)
  const rules = () => execFileSync('auditctl', ['-l'], { encoding: 'utf8' })
  await auditWatch(dir)
  t.after(() => spawnSync('auditctl', ['-W', dir, '-p', 'wa', '-k', AUDIT_KEY]))
  assert.match(rules(), new RegExp(`-w ${dir} -p wa -k ${AUDIT_KEY}`))
  await auditWatch(dir, true)
  assert.doesNotMatch(rules(), new RegExp(`-w ${dir} `))
})
