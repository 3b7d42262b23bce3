/** Test helpers for the agent: temp dirs and hand-made events. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Event } from '../../../src/event/index.js'

export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'aw-agent-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function ev(raw: string, location = '/var/log/test.log'): Event {
  return { seq: 0, time: '2026-01-01T00:00:00.000Z', agent: '', source: 'file', location, kind: 'syslog', raw, fields: {} }
}
