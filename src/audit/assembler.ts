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
  /** `(node, audit id)`, to tell apart the rare in-flight events that share a serial. */
  key: string
  serial: number
  /** Indexed by its serial (else, the serial being taken, by its key in #collided). */
  bySerial: boolean
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

/**
 * In-flight events live in a ring indexed by ticket (arrival order), found through a map from
 * serial to ticket. A `Map<string, Pending>` was the obvious shape, but under constant insert and
 * delete V8 rehashes the map, and the discarded hash tables (promoted to the old generation) keep
 * pointing at events that have long been emitted: the scavenger then copies and promotes every
 * one of them, and parsing ran 2-3x slower in long stretches. Numbers in the map and a ring of
 * slots that are cleared on completion leave nothing for old tables to hold on to.
 */
export class Assembler<M = unknown> {
  readonly #emit: (event: AssembledEvent<M>) => void
  readonly #settings: AssemblerSettings
  /** serial → ticket of the in-flight event first seen with that serial. */
  readonly #bySerial = new Map<number, number>()
  /** `(node, id)` key → ticket, only for events whose serial was already taken by another in-flight event. */
  readonly #collided = new Map<string, number>()
  #slots: (Pending<M> | undefined)[] = new Array<Pending<M> | undefined>(64).fill(undefined)
  #mask = 63
  /** Tickets [#head, #next) span every in-flight event (completed ones leave empty slots). */
  #head = 0
  #next = 0
  #size = 0
  #highWater = Number.NEGATIVE_INFINITY
  readonly stats: AssemblerStats = { events: 0, timedOut: 0, evicted: 0 }

  constructor(emit: (event: AssembledEvent<M>) => void, settings: Partial<AssemblerSettings> = {}) {
    this.#emit = emit
    this.#settings = { ...defaultAssemblerSettings, ...settings }
  }

  get inFlight(): number {
    return this.#size
  }

  push(item: RecordItem<M>): void {
    const r = item.record
    if (r.id === '') {
      this.#send([item], 'single')
      return
    }
    // Every record moves the event clock, so events whose wait has passed go out before a later single-record event.
    if (this.#settings.clock === 'event') this.#advance(r.timeMs)
    const name = r.typeName
    if (!isMultiRecordType(r.typeNumber) && name !== '') {
      this.#send([item], 'single')
      return
    }
    const key = r.node === undefined ? r.id : r.node + '\u0000' + r.id
    let ticket = this.#find(r.serial, key)
    if (name === 'EOE') {
      if (ticket >= 0) {
        const p = this.#remove(ticket)
        p.items.push(item)
        this.#send(p.items, 'eoe')
      }
      // A lone EOE (its records already emitted on PROCTITLE, or filtered) carries nothing.
      return
    }
    if (ticket < 0) {
      const since = this.#settings.clock === 'event' ? r.timeMs : Date.now()
      ticket = this.#add({ key, serial: r.serial, bySerial: false, items: [], since, hasSyscall: false })
      if (this.#size > this.#settings.maxInFlight) this.#evictOldest()
    }
    const p = this.#slots[ticket & this.#mask] as Pending<M>
    p.items.push(item)
    if (name === 'SYSCALL') p.hasSyscall = true
    else if (name === 'PROCTITLE' && p.hasSyscall) {
      this.#remove(ticket)
      this.#send(p.items, 'proctitle')
    }
  }

  /** Emits every event whose wait has passed `now` (wall-clock mode; event mode does this itself). */
  expire(now: number): void {
    for (let t = this.#oldest(); t >= 0; t = this.#oldest()) {
      const p = this.#slots[t & this.#mask] as Pending<M>
      if (now - p.since < this.#settings.timeoutMs) break
      this.#remove(t)
      this.stats.timedOut++
      this.#send(p.items, 'timeout')
    }
  }

  /** Emits every incomplete event: end of a file, or shutdown. */
  flush(): void {
    for (let t = this.#oldest(); t >= 0; t = this.#oldest()) this.#send(this.#remove(t).items, 'flush')
  }

  #advance(timeMs: number): void {
    if (!(timeMs > this.#highWater)) return
    this.#highWater = timeMs
    this.expire(timeMs)
  }

  #evictOldest(): void {
    const t = this.#oldest()
    if (t < 0) return
    this.stats.evicted++
    this.#send(this.#remove(t).items, 'evicted')
  }

  /** The ticket of the in-flight event that arrived first, or -1. */
  #oldest(): number {
    while (this.#head < this.#next && this.#slots[this.#head & this.#mask] === undefined) this.#head++
    return this.#head < this.#next ? this.#head : -1
  }

  #find(serial: number, key: string): number {
    const t = this.#bySerial.get(serial)
    if (t !== undefined && (this.#slots[t & this.#mask] as Pending<M>).key === key) return t
    return this.#collided.size === 0 ? -1 : (this.#collided.get(key) ?? -1)
  }

  #add(p: Pending<M>): number {
    if (this.#next - this.#head > this.#mask) this.#makeRoom()
    const t = this.#next++
    this.#slots[t & this.#mask] = p
    this.#size++
    p.bySerial = !this.#bySerial.has(p.serial)
    if (p.bySerial) this.#bySerial.set(p.serial, t)
    else this.#collided.set(p.key, t)
    return t
  }

  #remove(t: number): Pending<M> {
    const p = this.#slots[t & this.#mask] as Pending<M>
    this.#slots[t & this.#mask] = undefined
    this.#size--
    if (p.bySerial) this.#bySerial.delete(p.serial)
    else this.#collided.delete(p.key)
    return p
  }

  /**
   * The ring is full from #head to #next: renumber the in-flight events from #head when at most
   * half the slots are in use (events completed out of order left holes), else double the ring.
   */
  #makeRoom(): void {
    const live: Pending<M>[] = []
    for (let t = this.#head; t < this.#next; t++) {
      const p = this.#slots[t & this.#mask]
      if (p !== undefined) live.push(p)
    }
    const capacity = (this.#mask + 1) * (live.length * 2 > this.#mask + 1 ? 2 : 1)
    this.#slots = new Array<Pending<M> | undefined>(capacity).fill(undefined)
    this.#mask = capacity - 1
    this.#bySerial.clear()
    this.#collided.clear()
    this.#next = this.#head
    this.#size = 0
    for (const p of live) this.#add(p)
  }

  #send(items: RecordItem<M>[], completion: Completion): void {
    this.stats.events++
    this.#emit({ items, completion })
  }
}
