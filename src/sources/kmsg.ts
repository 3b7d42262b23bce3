/**
 * The `kmsg` source: kernel messages from /dev/kmsg (`PRI,SEQ,USEC,FLAGS;text`, one record per
 * read, continuation lines starting with a space are the record's dictionary and are skipped).
 *
 * The position is the kernel's sequence number plus the boot id (sequence numbers restart at each
 * boot). On restart, records up to the saved seq are skipped. A jump in the sequence means the
 * kernel's ring buffer overwrote messages before they were read (reads fail with EPIPE then): the
 * source reports how many were lost.
 */
import { constants } from 'node:fs'
import { open, readFile, type FileHandle } from 'node:fs/promises'
import { z } from 'zod'
import { LineSplitter } from './lines.js'
import { sleep, type Source, type SourceBatch, type SourceNotice } from './types.js'

export const KmsgSourceConfig = z.strictObject({
  path: z.string().default('/dev/kmsg').describe('The kernel message device (a file in tests).'),
  boot_id_path: z.string().default('/proc/sys/kernel/random/boot_id').describe('Where the boot id is read.'),
  from_beginning: z.boolean().default(false).describe('On the first run, read the whole ring buffer instead of new messages only.'),
  poll_interval_ms: z.number().int().min(10).default(200).describe('How long to wait when no message is ready.'),
})
export type KmsgSourceConfig = z.infer<typeof KmsgSourceConfig>

export type KmsgPosition = { boot_id: string; seq: number }

export const KMSG_KEY = 'kmsg'

/** The sequence number of a kmsg record, or undefined for a continuation or malformed line. */
export function kmsgSeq(line: string): number | undefined {
  const semi = line.indexOf(';')
  if (semi < 0 || line.charCodeAt(0) === 0x20) return undefined
  const parts = line.slice(0, semi).split(',')
  const seq = Number(parts[1])
  return parts.length >= 3 && Number.isSafeInteger(seq) ? seq : undefined
}

export class KmsgSource implements Source {
  readonly key = KMSG_KEY

  constructor(
    private readonly cfg: KmsgSourceConfig,
    private readonly saved: KmsgPosition | undefined,
  ) {}

  async run(emit: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    const bootId = (await readFile(this.cfg.boot_id_path, 'utf8').catch(() => 'unknown')).trim()
    const sameBoot = this.saved?.boot_id === bootId
    let last = sameBoot ? this.saved!.seq : -1
    let fh: FileHandle
    try {
      fh = await open(this.cfg.path, constants.O_RDONLY | constants.O_NONBLOCK)
    } catch (err) {
      throw new Error(`${this.cfg.path}: cannot open (${(err as NodeJS.ErrnoException).code})`, { cause: err })
    }
    const buf = Buffer.alloc(64 * 1024)
    try {
      // First run without from_beginning: skip what is already in the ring buffer. (Node has no
      // SEEK_END for /dev/kmsg, so the existing records are read and dropped.)
      if (!this.saved && !this.cfg.from_beginning) {
        const split = new LineSplitter()
        let read: string[] | undefined
        while ((read = await readRecords(fh, buf, split))) for (const l of read) last = kmsgSeq(l) ?? last
      }
      const split = new LineSplitter()
      while (!signal.aborted) {
        const lines: string[] = []
        const notices: SourceNotice[] = []
        let eagain = false
        while (lines.length < 1000) {
          const read = await readRecords(fh, buf, split)
          if (!read) {
            eagain = true
            break
          }
          for (const line of read) {
            const seq = kmsgSeq(line)
            if (seq === undefined || seq <= last) continue
            if (last >= 0 && seq > last + 1) {
              notices.push({ kind: 'lost', count: seq - last - 1, message: `${this.cfg.path}: ${seq - last - 1} kernel messages were lost (seq ${last + 1}-${seq - 1}) before they could be read` })
            }
            last = seq
            lines.push(line)
          }
        }
        if (lines.length || notices.length) {
          await emit({
            key: KMSG_KEY,
            source: 'kmsg',
            lines: lines.map((line) => ({ line, location: this.cfg.path })),
            position: { boot_id: bootId, seq: last },
            notices,
          })
        }
        if (eagain) await sleep(this.cfg.poll_interval_ms, signal)
      }
    } finally {
      await fh.close()
    }
  }
}

/**
 * One read of the device: the complete records it gave, or undefined when none is ready (EAGAIN,
 * or the end of a plain file). EPIPE means records were overwritten before they were read: the
 * next read goes on, and the jump in the sequence numbers tells how many were lost.
 */
async function readRecords(fh: FileHandle, buf: Buffer, split: LineSplitter): Promise<string[] | undefined> {
  for (;;) {
    let n: number
    try {
      n = (await fh.read(buf, 0, buf.length, null)).bytesRead
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EPIPE') continue
      if (code === 'EAGAIN') return undefined
      throw err
    }
    return n === 0 ? undefined : split.push(buf.subarray(0, n))
  }
}
