/**
 * A durable test store: events appended as NDJSON and fdatasync'ed before `store` resolves, so a
 * SIGKILLed manager keeps exactly what it acknowledged. `highestSeq` rereads the file.
 */
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs'
import type { Event } from '../../../../src/event/index.js'
import type { EventSink } from '../../../../src/manager/agent-channel/index.js'

export class FileSink implements EventSink {
  readonly #fd: number
  constructor(private readonly path: string) {
    this.#fd = openSync(path, 'a')
  }
  async store(_agent: string, events: Event[]): Promise<void> {
    writeSync(this.#fd, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
    fdatasyncSync(this.#fd)
  }
  async highestSeq(agent: string): Promise<number> {
    return readStore(this.path).filter((e) => e.agent === agent).reduce((m, e) => Math.max(m, e.seq), 0)
  }
  close(): void {
    closeSync(this.#fd)
  }
}

/** Every complete line of the store (a line torn by a SIGKILL mid-write was never acknowledged). */
export function readStore(path: string): Event[] {
  if (!existsSync(path)) return []
  const out: Event[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue
    try {
      out.push(JSON.parse(line) as Event)
    } catch {
      // torn last line
    }
  }
  return out
}
