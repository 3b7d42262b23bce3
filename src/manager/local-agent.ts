/**
 * The all-in-one's local agent: follows this host's log files with the file source, normalizes
 * them (one Normalizer per file, so audit records are assembled per stream) and publishes the
 * events on the in-process bus as agent `000` (the manager's own host, as in Wazuh). There is no
 * spool in between: the bus applies backpressure to the tail directly, and positions are kept in
 * memory, so after a restart the files are followed from their end. Events keep seq 0 (no spool
 * numbered them), which the analysis loop never treats as duplicates.
 */
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import type { Bus } from '../bus/index.js'
import type { Event } from '../event/event.js'
import { Normalizer, type ParseError } from '../normalize/index.js'
import { FileSource, FileSourceConfig } from '../sources/file/index.js'

export interface LocalAgentOptions {
  bus: Bus
  files: readonly string[]
  fromBeginning: boolean
  onParseError?: (e: ParseError) => void
}

export interface LocalAgent {
  /** The files being followed (readable ones among those configured). */
  readonly files: readonly string[]
  /** Configured files that are missing or not readable by this user. */
  readonly skipped: readonly string[]
  stop(): Promise<void>
}

export async function startLocalAgent(o: LocalAgentOptions): Promise<LocalAgent> {
  const readable: string[] = []
  const skipped: string[] = []
  for (const f of o.files) {
    if (await access(f, constants.R_OK).then(() => true, () => false)) readable.push(f)
    else skipped.push(f)
  }
  const abort = new AbortController()
  if (readable.length === 0) return { files: [], skipped, stop: async () => {} }
  const source = new FileSource(FileSourceConfig.parse({ include: readable, from_beginning: o.fromBeginning }), new Map())
  const normalizers = new Map<string, { n: Normalizer; out: Event[] }>()
  const running = source.run(async (batch) => {
    let st = normalizers.get(batch.key)
    if (!st) {
      const out: Event[] = []
      const location = batch.lines[0]?.location ?? batch.key
      const n = new Normalizer({ location, source: batch.source, emit: (e) => out.push(e), ...(o.onParseError ? { onError: o.onParseError } : {}) })
      st = { n, out }
      normalizers.set(batch.key, st)
    }
    for (const l of batch.lines) st.n.push(l.line)
    const events = st.out.splice(0)
    if (events.length) await o.bus.publish({ agent: '000', events })
  }, abort.signal)
  return {
    files: readable,
    skipped,
    async stop() {
      abort.abort()
      await running.catch(() => {})
      const rest: Event[] = []
      for (const st of normalizers.values()) {
        st.n.flush()
        rest.push(...st.out.splice(0))
      }
      if (rest.length) await o.bus.publish({ agent: '000', events: rest }).catch(() => {})
    },
  }
}
