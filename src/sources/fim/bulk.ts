/**
 * Bulk-change detection: a package upgrade rewriting 100 profiles must give one summary event
 * plus per-file events marked as part of it (`fim.bulk.id`), not 100 top-level alerts.
 *
 * A scan holds its changes until it ends. In realtime an isolated change goes out at once; a change
 * that follows another within `windowMs` is held until the burst is quiet (`quietMs`) or reaches the
 * threshold, so a burst's events are marked before they leave.
 */
import { randomUUID } from 'node:crypto'
import type { Event } from '../../event/event.js'
import { bulkEvent, fimEvent, type FimChange, type FimMode } from './events.js'

/** Sends an event with the changes it carries one by one (none for a bulk summary). */
export type ChangeEmit = (e: Event, changes: readonly FimChange[]) => void

export interface BurstOptions {
  threshold: number
  windowMs: number
  quietMs: number
  emit: ChangeEmit
  now?: () => number
}

export class BurstGate {
  readonly #o: BurstOptions
  #held: FimChange[] = []
  #bulk: { id: string; mode: FimMode; changes: FimChange[] } | undefined
  #last = -Infinity
  /** The isolated change that may turn out to have opened a burst: counted in its summary. */
  #opener: FimChange | undefined
  #timer: NodeJS.Timeout | undefined

  constructor(o: BurstOptions) {
    this.#o = o
  }

  /** A realtime change. */
  push(c: FimChange): void {
    const now = (this.#o.now ?? Date.now)()
    const inBurst = now - this.#last < this.#o.windowMs || this.#held.length > 0 || this.#bulk !== undefined
    this.#last = now
    if (!inBurst) {
      this.#opener = c
      this.#o.emit(fimEvent(c), [c])
      return
    }
    if (this.#bulk) {
      this.#bulk.changes.push(c)
      this.#o.emit(tagged(c, this.#bulk.id), [c])
    } else {
      this.#held.push(c)
      if (this.#held.length + (this.#opener ? 1 : 0) >= this.#o.threshold) this.#startBulk(c.mode)
    }
    this.#arm()
  }

  #startBulk(mode: FimMode): void {
    const id = randomUUID()
    // The opener already went out unmarked, but it is part of the burst and of its summary.
    this.#bulk = { id, mode, changes: this.#opener ? [this.#opener, ...this.#held] : [...this.#held] }
    for (const h of this.#held) this.#o.emit(tagged(h, id), [h])
    this.#held = []
  }

  #arm(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => this.flush(), this.#o.quietMs)
    this.#timer.unref()
  }

  /** Ends the current burst: held changes go out unmarked, or the bulk summary goes out. */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    for (const h of this.#held) this.#o.emit(fimEvent(h), [h])
    this.#held = []
    this.#opener = undefined
    if (this.#bulk) {
      this.#o.emit(bulkEvent(this.#bulk.id, this.#bulk.mode, this.#bulk.changes, new Date()), [])
      this.#bulk = undefined
    }
  }
}

function tagged(c: FimChange, id: string): Event {
  const e = fimEvent(c)
  e.fields['fim.bulk.id'] = id
  return e
}

/** A scan's changes, all known at its end: marked and summarised when there are enough of them. */
export function emitScanChanges(changes: readonly FimChange[], mode: FimMode, threshold: number, emit: ChangeEmit): void {
  if (changes.length < threshold) {
    for (const c of changes) emit(fimEvent(c), [c])
    return
  }
  const id = randomUUID()
  for (const c of changes) emit(tagged(c, id), [c])
  emit(bulkEvent(id, mode, changes, new Date()), [])
}
