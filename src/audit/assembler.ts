/**
 * Joins the records of one audit event. Records sharing `(node, audit id)` belong together; an
 * event completes on EOE, on PROCTITLE once it has its SYSCALL (the last record of every syscall
 * event; audit.log never has EOE), at once for single-record types, or after a timeout. Records of
 * different events interleave freely. In-flight events are bounded: past the bound the oldest is
 * emitted early and counted. Timeouts run on the records' own clock when reading files (so a
 * replay is deterministic) and on the wall clock when live (`expire(now)` from a timer).
 */
import { isMultiRecordType } from './record-types.js'
import type { AuditRecord } from './record.js'

export interface RecordItem<M = unknown> {
  record: AuditRecord
  /** The line as read, byte for byte. */
  raw: string
  /** 1-based line number in its source. */
  line: number
  /** Whatever the caller needs back with the event (envelope fields, source time). */
  meta: M
}

export type Completion = 'eoe' | 'proctitle' | 'single' | 'timeout' | 'evicted' | 'flush'

export interface AssembledEvent<M = unknown> {
  items: RecordItem<M>[]
  completion: Completion
}

export interface AssemblerSettings {
  /** How long an incomplete event waits for more records, in ms (auditd's end_of_event_timeout is 2 s). */
  timeoutMs: number
  /** How many events may be in flight before the oldest is emitted early. */
  maxInFlight: number
  /** `event`: time is the records' own (files); `wall`: the caller calls `expire(Date.now())`. */
  clock: 'event' | 'wall'
}

export const defaultAssemblerSettings: AssemblerSettings = { timeoutMs: 2000, maxInFlight: 4096, clock: 'event' }

interface Pending<M> {
  items: RecordItem<M>[]
  /** Event time of the first record (event clock) or arrival time (wall clock). */
  since: number
  hasSyscall: boolean
}

export interface AssemblerStats {
  events: number
  timedOut: number
  evicted: number
}

export class Assembler<M = unknown> {
  readonly #emit: (event: AssembledEvent<M>) => void
  readonly #settings: AssemblerSettings
  readonly #pending = new Map<string, Pending<M>>()
  #highWater = Number.NEGATIVE_INFINITY
  readonly stats: AssemblerStats = { events: 0, timedOut: 0, evicted: 0 }

  constructor(emit: (event: AssembledEvent<M>) => void, settings: Partial<AssemblerSettings> = {}) {
    this.#emit = emit
    this.#settings = { ...defaultAssemblerSettings, ...settings }
  }

  get inFlight(): number {
    return this.#pending.size
  }

  push(item: RecordItem<M>): void {
    const r = item.record
    if (r.id === '') {
      this.#send([item], 'single')
      return
    }
    const name = r.typeName
    if (!isMultiRecordType(r.typeNumber) && name !== '') {
      this.#send([item], 'single')
      return
    }
    const key = r.node === undefined ? r.id : r.node + '\u0000' + r.id
    let p = this.#pending.get(key)
    if (name === 'EOE') {
      if (p) {
        this.#pending.delete(key)
        p.items.push(item)
        this.#send(p.items, 'eoe')
      }
      // A lone EOE (its records already emitted on PROCTITLE, or filtered) carries nothing.
      return
    }
    if (!p) {
      if (this.#settings.clock === 'event') this.#advance(r.timeMs)
      p = { items: [], since: this.#settings.clock === 'event' ? r.timeMs : Date.now(), hasSyscall: false }
      this.#pending.set(key, p)
      if (this.#pending.size > this.#settings.maxInFlight) this.#evictOldest()
    }
    p.items.push(item)
    if (name === 'SYSCALL') p.hasSyscall = true
    else if (name === 'PROCTITLE' && p.hasSyscall) {
      this.#pending.delete(key)
      this.#send(p.items, 'proctitle')
    }
  }

  /** Emits every event whose wait has passed `now` (wall-clock mode; event mode does this itself). */
  expire(now: number): void {
    for (const [key, p] of this.#pending) {
      if (now - p.since < this.#settings.timeoutMs) break
      this.#pending.delete(key)
      this.stats.timedOut++
      this.#send(p.items, 'timeout')
    }
  }

  /** Emits every incomplete event: end of a file, or shutdown. */
  flush(): void {
    for (const p of this.#pending.values()) this.#send(p.items, 'flush')
    this.#pending.clear()
  }

  #advance(timeMs: number): void {
    if (!(timeMs > this.#highWater)) return
    this.#highWater = timeMs
    this.expire(timeMs)
  }

  #evictOldest(): void {
    const first = this.#pending.entries().next()
    if (first.done) return
    const [key, p] = first.value
    this.#pending.delete(key)
    this.stats.evicted++
    this.#send(p.items, 'evicted')
  }

  #send(items: RecordItem<M>[], completion: Completion): void {
    this.stats.events++
    this.#emit({ items, completion })
  }
}
