/**
 * An append-only line log rotated by size (`path.1` ... `path.N`). Used for the raw audit
 * passthrough (every raw audit record read from the kernel through kmsg, audisp or journald is
 * written in audit.log format, so ausearch and aureport keep working when armorwatch reads the
 * kernel itself) and for the quarantine of lines that failed to parse.
 */
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises'

export interface RotatingLogOptions {
  path: string
  maxBytes?: number
  /** Rotated files kept: `path.1` ... `path.N`. */
  keep?: number
}

export class RotatingLog {
  readonly #o: Required<RotatingLogOptions>
  #fh: FileHandle | undefined
  #size = 0

  constructor(opts: RotatingLogOptions) {
    this.#o = { maxBytes: 8 * 1024 * 1024, keep: 5, ...opts }
  }

  /** Appends records (each one line); rotates first when the file would pass its size. */
  async write(records: readonly string[]): Promise<void> {
    if (records.length === 0) return
    const text = Buffer.from(records.join('\n') + '\n')
    if (!this.#fh) await this.#open()
    if (this.#size > 0 && this.#size + text.length > this.#o.maxBytes) await this.#rotate()
    await this.#fh!.write(text)
    this.#size += text.length
  }

  async close(): Promise<void> {
    await this.#fh?.close()
    this.#fh = undefined
  }

  async #open(): Promise<void> {
    this.#fh = await open(this.#o.path, 'a', 0o600)
    this.#size = (await stat(this.#o.path)).size
  }

  async #rotate(): Promise<void> {
    await this.close()
    const p = this.#o.path
    await unlink(`${p}.${this.#o.keep}`).catch(() => {})
    for (let i = this.#o.keep - 1; i >= 1; i--) await rename(`${p}.${i}`, `${p}.${i + 1}`).catch(() => {})
    await rename(p, `${p}.1`)
    await this.#open()
  }
}
