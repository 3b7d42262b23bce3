/**
 * The in-process Bus: a bounded FIFO between publishers (the agent channel, the local agent,
 * offline import) and the analysis consumer. Nothing is dropped: a publisher waits for room.
 */
import type { Bus, EventBatch } from './bus.js'

interface Entry {
  readonly batch: EventBatch
  readonly done: (err?: Error) => void
}

export class BusClosedError extends Error {
  constructor() {
    super('the bus is closed')
    this.name = 'BusClosedError'
  }
}

export class InProcessBus implements Bus {
  private readonly queue: Entry[] = []
  private readonly roomWaiters: (() => void)[] = []
  private handler: ((batches: readonly EventBatch[]) => Promise<void>) | undefined
  private maxBatches = 64
  private running: Promise<void> | undefined
  private closed = false

  /** `capacity`: batches queued before publishers wait. */
  constructor(private readonly capacity = 256) {}

  get depth(): number {
    return this.queue.length
  }

  async publish(batch: EventBatch): Promise<void> {
    while (!this.closed && this.queue.length >= this.capacity) await new Promise<void>((r) => this.roomWaiters.push(r))
    if (this.closed) throw new BusClosedError()
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ batch, done: (err) => (err ? reject(err) : resolve()) })
      this.kick()
    })
  }

  consume(handler: (batches: readonly EventBatch[]) => Promise<void>, maxBatches = 64): void {
    if (this.handler) throw new Error('the bus already has a consumer')
    this.handler = handler
    this.maxBatches = maxBatches
    this.kick()
  }

  private kick(): void {
    if (this.running || !this.handler || this.queue.length === 0) return
    this.running = this.drain().finally(() => {
      this.running = undefined
      this.kick()
    })
  }

  private async drain(): Promise<void> {
    const handler = this.handler
    while (handler && this.queue.length > 0) {
      const take = this.queue.splice(0, this.maxBatches)
      for (const w of this.roomWaiters.splice(0)) w()
      try {
        await handler(take.map((e) => e.batch))
        for (const e of take) e.done()
      } catch (err) {
        for (const e of take) e.done(err instanceof Error ? err : new Error(String(err)))
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true
    for (const w of this.roomWaiters.splice(0)) w()
    while (this.running) await this.running
    // Without a consumer, queued batches can never be handled: fail them rather than hang.
    for (const e of this.queue.splice(0)) e.done(new BusClosedError())
  }
}
