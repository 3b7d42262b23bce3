/** Splits a byte stream into lines across chunk boundaries (a child's stdout, stdin). */
export class LineSplitter {
  #rest = ''

  /** The complete lines in `chunk`, after what was left over from the previous chunk. */
  push(chunk: Buffer | string): string[] {
    const lines = (this.#rest + chunk.toString()).split('\n')
    this.#rest = lines.pop() ?? ''
    return lines
  }

  /** The unterminated rest at the end of the stream. */
  end(): string[] {
    const r = this.#rest
    this.#rest = ''
    return r ? [r] : []
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
