/**
 * The `audisp` source: the agent as an auditd plugin (`armorwatch agent --audisp`), reading audit
 * records on stdin in auditd's string format, one per line. auditd cannot replay, so there is no
 * position to resume from; what this source guarantees is that a record is in the spool before the
 * next read, and that the agent drains stdin and commits everything before it exits on EOF.
 */
import { forEachLineBatch } from './lines.js'
import type { Source, SourceBatch } from './types.js'

export const AUDISP_KEY = 'audisp'

export class AudispSource implements Source {
  readonly key = AUDISP_KEY
  #count = 0

  constructor(private readonly input: NodeJS.ReadableStream = process.stdin) {}

  async run(emit: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    await forEachLineBatch(
      this.input,
      async (lines) => {
        const kept = lines.filter((l) => l.length > 0)
        this.#count += kept.length
        await emit({
          key: AUDISP_KEY,
          source: 'audisp',
          lines: kept.map((line) => ({ line, location: 'audisp' })),
          // Only a count: it says how much was read, for the status report.
          position: { records: this.#count },
        })
      },
      signal,
    )
  }
}
