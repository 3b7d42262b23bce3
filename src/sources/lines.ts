/**
 * Splits a byte stream into lines across chunk boundaries (a file, a child's stdout, stdin).
 * Each line is decoded from the bytes on its own: slicing one big decoded string instead would
 * give V8 "sliced" strings, which made every later character access of the parser twice as slow.
 * A multi-byte character split across chunks stays whole, as the split is on bytes.
 */
import { isAscii } from 'node:buffer'

const empty = Buffer.alloc(0)

export class LineSplitter {
  #rest: Buffer = empty

  /** The complete lines in `chunk`, after what was left over from the previous chunk. */
  push(chunk: Buffer | string): string[] {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    const lines: string[] = []
    let start = 0
    let nl = data.indexOf(10)
    if (nl >= 0 && this.#rest.length) {
      // Only the carried-over part and the first line are joined, never the whole chunk.
      lines.push(Buffer.concat([this.#rest, data.subarray(0, nl)]).toString('utf8'))
      this.#rest = empty
      start = nl + 1
      nl = data.indexOf(10, start)
    }
    // Pure ASCII (one native check per chunk) decodes as latin1, a plain copy; else as UTF-8.
    const encoding = nl >= 0 && isAscii(data) ? 'latin1' : 'utf8'
    for (; nl >= 0; nl = data.indexOf(10, start)) {
      lines.push(data.toString(encoding, start, nl))
      start = nl + 1
    }
    // Copy the rest: keeping a view would pin the whole chunk.
    if (start < data.length) this.#rest = Buffer.concat([this.#rest, data.subarray(start)])
    return lines
  }

  /** The unterminated rest at the end of the stream. */
  end(): string[] {
    const r = this.#rest
    this.#rest = empty
    return r.length ? [r.toString('utf8')] : []
  }
}

/**
 * Reads a stream as batches of lines, awaiting `handle` for each batch with the stream paused, so a
 * slow consumer back-pressures the producer (journalctl, auditd) instead of filling memory.
 */
export async function forEachLineBatch(
  stream: NodeJS.ReadableStream,
  handle: (lines: string[]) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const split = new LineSplitter()
  for await (const chunk of stream) {
    const lines = split.push(chunk as Buffer)
    if (lines.length) await handle(lines)
    if (signal.aborted) return
  }
  const last = split.end()
  if (last.length) await handle(last)
}
