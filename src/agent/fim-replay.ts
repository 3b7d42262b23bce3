/**
 * Exactly-once FIM across a crash: a change whose event was spooled just before the agent died is
 * still in FIM's outbox at the next start. The spool tells which: its events not yet acknowledged.
 */
import { eventChangeKey } from '../sources/fim/events.js'
import type { Spool } from './spool.js'

/**
 * The change keys of the FIM events in the spool not yet acknowledged by the manager. Read before
 * the shipper starts: nothing can be acknowledged, and so dropped from the spool, in between.
 */
export async function spooledFimChanges(spool: Spool): Promise<Set<string>> {
  const keys = new Set<string>()
  await spool.forEachUnacked((e) => {
    const key = eventChangeKey(e)
    if (key !== undefined) keys.add(key)
  })
  return keys
}
