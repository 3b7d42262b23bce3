/**
 * The `journald` source: `journalctl -o json --follow`, resumed with `--after-cursor` from the
 * cursor of the last durable record. Each JSON line goes to the normalizer as is (it reads the
 * journald envelope, including the audit transport). If journalctl exits, it is restarted from the
 * last cursor after a backoff, and the failure is reported.
 */
import { spawn } from 'node:child_process'
import { z } from 'zod'
import { forEachLineBatch } from './lines.js'
import { sleep, type Source, type SourceBatch } from './types.js'

export const JournaldSourceConfig = z.strictObject({
  journalctl_path: z.string().default('journalctl').describe('The journalctl program.'),
  matches: z
    .array(z.string().regex(/^[A-Z0-9_]+=.*$/, 'a journal match is FIELD=value'))
    .default([])
    .describe('journalctl matches, e.g. `_TRANSPORT=kernel`, `_TRANSPORT=audit`; empty: everything.'),
  from_beginning: z.boolean().default(false).describe('On the first run (no saved cursor), read the whole journal instead of new entries only.'),
  restart_delay_ms: z.number().int().min(10).default(2000).describe('Wait before restarting journalctl after it exited.'),
})
export type JournaldSourceConfig = z.infer<typeof JournaldSourceConfig>

export type JournaldPosition = { cursor: string }

export const JOURNALD_KEY = 'journald'

function cursorOf(line: string): string | undefined {
  try {
    const c = (JSON.parse(line) as { __CURSOR?: unknown }).__CURSOR
    return typeof c === 'string' ? c : undefined
  } catch {
    return undefined
  }
}

export class JournaldSource implements Source {
  readonly key = JOURNALD_KEY
  #cursor: string | undefined

  constructor(
    private readonly cfg: JournaldSourceConfig,
    saved: JournaldPosition | undefined,
  ) {
    this.#cursor = saved?.cursor
  }

  /** The journalctl arguments for the next start. */
  args(): string[] {
    const from = this.#cursor ? [`--after-cursor=${this.#cursor}`] : this.cfg.from_beginning ? [] : ['--lines=0']
    return ['--output=json', '--follow', '--no-pager', ...from, ...this.cfg.matches]
  }

  async run(emit: (batch: SourceBatch) => Promise<void>, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const child = spawn(this.cfg.journalctl_path, this.args(), { stdio: ['ignore', 'pipe', 'pipe'], signal })
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
      const exited = new Promise<string>((resolve) => {
        child.on('error', (err) => resolve(err.message))
        child.on('exit', (code, sig) => resolve(`exit ${code ?? sig}`))
      })
      try {
        await forEachLineBatch(
          child.stdout,
          async (lines) => {
            const kept = lines.filter((l) => l.length > 0)
            // The batch's position is the last cursor in it: parse from the end, not every line
            // (the normalizer parses each line anyway).
            let cursor = this.#cursor
            for (let i = kept.length - 1; i >= 0; i--) {
              const c = cursorOf(kept[i])
              if (c !== undefined) {
                cursor = c
                break
              }
            }
            if (kept.length === 0) return
            await emit({
              key: JOURNALD_KEY,
              source: 'journald',
              lines: kept.map((line) => ({ line, location: 'journald' })),
              position: cursor ? { cursor } : null,
            })
            this.#cursor = cursor
          },
          signal,
        )
      } catch (err) {
        if (signal.aborted) break
        stderr += (err as Error).message
      }
      child.kill()
      const why = await exited
      if (signal.aborted) break
      await emit({
        key: JOURNALD_KEY,
        source: 'journald',
        lines: [],
        position: this.#cursor ? { cursor: this.#cursor } : null,
        notices: [{ kind: 'source_failed', message: `journalctl stopped (${why}): ${stderr.trim().slice(-300)}; restarting` }],
      })
      await sleep(this.cfg.restart_delay_ms, signal)
    }
  }
}
