/**
 * The Bus between ingestion and analysis. The all-in-one and a single manager use the in-process
 * implementation; scale-out puts NATS JetStream behind the same interface.
 */
import type { Event } from '../event/event.js'

/** A contiguous batch of one agent's events. */
export interface EventBatch {
  readonly agent: string
  readonly events: readonly Event[]
}

export interface Bus {
  /**
   * Hands a batch to analysis. Resolves once the consumer has durably handled it (what an agent's
   * ack waits for); waits first for room when the queue is full, which is the backpressure that
   * slows ingestion when the store is slow. Rejects when the consumer fails or the bus is closed.
   */
  publish(batch: EventBatch): Promise<void>
  /** Installs the one consumer: it receives up to `maxBatches` queued batches at a time. */
  consume(handler: (batches: readonly EventBatch[]) => Promise<void>, maxBatches?: number): void
  /** Batches queued and not yet handled. */
  readonly depth: number
  /** Stops accepting, lets the consumer finish what is queued. */
  close(): Promise<void>
}
