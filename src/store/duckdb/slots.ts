/**
 * Staging slots: where alert batches wait for their commit, inside DuckDB rather than in
 * JavaScript. Each slot is a pair of in-memory tables (staging.ts) with a connection of its own
 * holding their appenders, so a batch is appended the moment it is submitted, on the caller's
 * turn, while the writer connection commits another slot: a commit then needs no JavaScript work
 * but a flush, and no round trip but its one statement list. A committed slot is made anew on its
 * own connection, away from the writer, and rejoins the ring.
 */
import { timestampValue, type DuckDBAppender, type DuckDBConnection, type DuckDBInstance } from '@duckdb/node-api'
import type { Event } from '../../event/event.js'
import { resetStaging, stagedCommit, STAGING_CATALOG, stagingTables, type StagedChunk } from './staging.js'

/** A batch as submitted: its encoded alerts, its events and marks, and its caller's promise. */
export interface PendingBatch {
  readonly chunks: readonly StagedChunk[]
  readonly events: readonly Event[]
  readonly marks: ReadonlyMap<string, number> | undefined
  /** Alerts and events. */
  readonly rows: number
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

/** What a slot keeps of a batch once it is appended: the texts and events are DuckDB's now. */
export type StagedBatch = Pick<PendingBatch, 'marks' | 'resolve' | 'reject'>

function toMicros(iso: string | undefined, fallback: number): bigint {
  const ms = iso === undefined ? NaN : Date.parse(iso)
  return BigInt(Number.isNaN(ms) ? fallback : ms) * 1000n
}

export class StagingSlot {
  /** The batches appended since the slot was last made anew, and their rows. */
  batches: StagedBatch[] = []
  rows = 0
  /** Why appending failed: the slot's batches are then rejected at its commit, not committed. */
  failure: unknown = undefined
  #alerts: DuckDBAppender | undefined
  #events: DuckDBAppender | undefined

  /** The statement list that commits this slot (the writer runs it). */
  readonly commitSql: string

  private constructor(
    readonly index: number,
    private readonly connection: DuckDBConnection,
  ) {
    this.commitSql = stagedCommit(index)
  }

  static async open(instance: DuckDBInstance, index: number): Promise<StagingSlot> {
    const slot = new StagingSlot(index, await instance.connect())
    await slot.reset()
    return slot
  }

  /** Empties the tables (drops and makes them anew) and opens their appenders. */
  async reset(): Promise<void> {
    try {
      this.#close()
    } catch {
      // A slot whose commit failed: its batches were rejected, what its appenders held is dropped.
    }
    this.batches = []
    this.rows = 0
    this.failure = undefined
    await this.connection.run(resetStaging(this.index))
    const t = stagingTables(this.index)
    this.#alerts = await this.connection.createAppender(t.alerts, 'main', STAGING_CATALOG)
    this.#events = await this.connection.createAppender(t.events, 'main', STAGING_CATALOG)
  }

  /** Appends a batch's alerts and events (`nextEventSeq` numbers the events); synchronous. */
  append(batch: PendingBatch, nextEventSeq: () => bigint): void {
    this.batches.push({ marks: batch.marks, resolve: batch.resolve, reject: batch.reject })
    this.rows += batch.rows
    if (this.failure !== undefined) return
    try {
      const ap = this.#appender(this.#alerts)
      for (const c of batch.chunks) {
        ap.appendBigInt(c.first)
        ap.appendVarchar(c.ms)
        ap.appendVarchar(c.logs)
        ap.appendBoolean(c.rawLogs)
        ap.appendVarchar(c.docs)
        ap.appendNull()
        ap.endRow()
      }
      if (batch.events.length > 0) this.#appendEvents(batch.events, nextEventSeq)
    } catch (err) {
      this.failure = err
    }
  }

  #appendEvents(events: readonly Event[], nextEventSeq: () => bigint): void {
    const ap = this.#appender(this.#events)
    const now = Date.now()
    for (const e of events) {
      ap.appendBigInt(nextEventSeq())
      ap.appendTimestamp(timestampValue(toMicros(e.time, now)))
      ap.appendVarchar(e.agent)
      ap.appendBigInt(BigInt(e.seq))
      ap.appendVarchar(e.source)
      ap.appendVarchar(e.location)
      ap.appendVarchar(e.kind)
      ap.appendVarchar(e.raw)
      ap.appendVarchar(JSON.stringify(e.fields))
      ap.endRow()
    }
  }

  /**
   * Appends the commit's marks as one JSON row and flushes everything into the tables, ready for
   * the writer's statement list; synchronous. Throws the append failure, if any.
   */
  seal(marks: ReadonlyMap<string, number>): void {
    if (this.failure !== undefined) throw this.failure
    const ap = this.#appender(this.#alerts)
    if (marks.size > 0) {
      for (let k = 0; k < 5; k++) ap.appendNull()
      ap.appendVarchar(JSON.stringify([...marks].map(([agent, seq]) => ({ agent, seq }))))
      ap.endRow()
    }
    this.#close()
  }

  #appender(ap: DuckDBAppender | undefined): DuckDBAppender {
    if (ap === undefined) throw new Error('staging slot used while it is being made anew')
    return ap
  }

  /** Flushes and closes the appenders (closing flushes what they still buffer). */
  #close(): void {
    const open = [this.#alerts, this.#events]
    this.#alerts = undefined
    this.#events = undefined
    let failure: unknown
    for (const ap of open) {
      try {
        ap?.closeSync()
      } catch (err) {
        failure ??= err
      }
    }
    if (failure !== undefined) throw failure
  }

  close(): void {
    try {
      this.#close()
    } finally {
      this.connection.closeSync()
    }
  }
}
