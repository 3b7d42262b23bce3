/**
 * The `file` source: follows every file matching its patterns (audit.log, syslog, kern.log...),
 * each with its own FileTail and its own persisted position (key `file:<path>`).
 */
import { z } from 'zod'
import { sleep, type Json, type Source, type SourceBatch } from '../types.js'
import { checkPattern, expand } from './glob.js'
import { FileTail, READ_BYTES, type TailPosition } from './tail.js'

export const FileSourceConfig = z.strictObject({
  include: z
    .array(z.string().superRefine((p, ctx) => {
      const err = checkPattern(p)
      if (err) ctx.addIssue({ code: 'custom', message: err })
    }))
    .min(1)
    .describe('Absolute paths of the files to follow; `*` and `?` are allowed in the file name.'),
  from_beginning: z
    .boolean()
    .default(false)
    .describe('On the first run (no saved position), read files from their start instead of their end.'),
  poll_interval_ms: z.number().int().min(10).max(60_000).default(250).describe('How often files are checked for new lines.'),
  max_line_bytes: z.number().int().min(256).default(102_400).describe('Longer lines are cut to this size and reported.'),
  read_bytes: z
    .number()
    .int()
    .min(4096)
    .max(16 * 1024 * 1024)
    .optional()
    .describe(`Bytes read per file per poll, default ${READ_BYTES}; each read is one spool frame and one fsync. Raise it on disks with slow fsyncs; larger frames cost memory.`),
})
export type FileSourceConfig = z.infer<typeof FileSourceConfig>

export const fileKey = (path: string): string => `file:${path}`

export class FileSource implements Source {
  readonly key = 'file'
  readonly #tails = new Map<string, FileTail>()

  constructor(
    private readonly cfg: FileSourceConfig,
    private readonly positions: ReadonlyMap<string, Json>,
  ) {}

  async run(emit: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    let firstScan = true
    try {
      while (!signal.aborted) {
        await this.#discover(firstScan)
        firstScan = false
        let busy = false
        for (const [path, tail] of this.#tails) {
          const r = await tail.poll()
          // Data without a complete line (a line longer than one read) is read on at once too.
          if (r.bytes > 0) busy = true
          if (r.lines.length === 0 && r.notices.length === 0) continue
          busy = true
          await emit({
            key: fileKey(path),
            source: 'file',
            lines: r.lines.map((line) => ({ line, location: path })),
            position: tail.position() as unknown as Json,
            notices: r.notices,
          })
        }
        // A poll that found data may have stopped at the per-poll cap: look again at once.
        if (!busy) await sleep(this.cfg.poll_interval_ms, signal)
      }
    } finally {
      for (const t of this.#tails.values()) await t.close()
    }
  }

  /** Adds tails for files that now match; files existing at the first scan honour `from_beginning`, later ones are read whole. */
  async #discover(firstScan: boolean): Promise<void> {
    for (const pattern of this.cfg.include) {
      for (const path of await expand(pattern)) {
        if (this.#tails.has(path)) continue
        const saved = this.positions.get(fileKey(path)) as TailPosition | undefined
        this.#tails.set(
          path,
          new FileTail(path, saved, {
            fromBeginning: firstScan ? this.cfg.from_beginning : true,
            maxLineBytes: this.cfg.max_line_bytes,
            maxReadBytes: this.cfg.read_bytes,
          }),
        )
      }
    }
  }
}
