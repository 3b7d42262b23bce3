/** Shared setup for the FIM tests: a temp tree, a config over it, and an event collector. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Event } from '../../../src/event/event.js'
import { compileFimConfig, type FimConfigInput } from '../../../src/sources/fim/index.js'

export function tempTree(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'aw-fim-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export function configFor(input: FimConfigInput) {
  return compileFimConfig({ realtime_delay_ms: 30, ...input })
}

export function collector(): { events: Event[]; emit: (e: Event) => void; fim: () => Event[]; take: () => Event[] } {
  const events: Event[] = []
  return {
    events,
    emit: (e) => events.push(e),
    fim: () => events.filter((e) => e.kind === 'fim'),
    take: () => events.splice(0),
  }
}

/** Polls `cond` until it holds (realtime tests wait for events, never for a fixed time). */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
