/**
 * What every log source produces: raw lines, each with where it came from and a position from
 * which the source can resume after a restart without losing or repeating lines.
 */

/** A JSON value: positions are persisted (in the spool and in state files) as JSON. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json }

/** One raw line as read, before normalization. */
export interface SourceLine {
  line: string
  /** The file path, socket or stream the line came from (becomes `Event.location`). */
  location: string
}

/**
 * A batch of lines and the position just after its last line. The agent stores the position in the
 * spool together with the events of the batch, so it moves only once those are durable (P11).
 */
export interface SourceBatch {
  /** The source instance (`file:/var/log/audit/audit.log`, `journald`, `kmsg`...): the key of its position. */
  key: string
  /** The source type: `file`, `journald`, `kmsg`, `audisp` (becomes `Event.source`). */
  source: string
  lines: SourceLine[]
  position: Json
  /** Things the source noticed that the user should know: lost kernel messages, truncation... */
  notices?: SourceNotice[]
}

export interface SourceNotice {
  kind: 'truncated' | 'lost' | 'rotated_file_missing' | 'line_too_long' | 'source_failed'
  message: string
  /** How many messages were lost, when the source knows (`lost`). */
  count?: number
}

/**
 * A running source. `run` reads until `signal` aborts and awaits `emit` for every batch, so a slow
 * spool back-pressures the source instead of growing memory.
 */
export interface Source {
  readonly key: string
  run(emit: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void>
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done(): void {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
