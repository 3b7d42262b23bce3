/**
 * The agent's durable queue between the sources and the shipper.
 *
 * Events are appended in frames (one per source batch) to segment files named after their first
 * seq. A frame is `[u32 length][u32 crc32][payload]`, the payload a head line
 * `{"first":seq,"n":count,"p":positions}` then one JSON event per line: the source positions travel
 * in the same frame as the events they account for, so after a crash the sources resume exactly
 * after the last durable event (no loss, no repeat). Event lines are already the NDJSON the shipper
 * sends, so shipping never parses and re-serializes them. Appends are group-committed: every
 * append waiting while a write runs goes into the next write, followed by one fdatasync.
 *
 * Nothing is deleted before the manager acknowledged it: `ack(seq)` first persists the state file
 * (acked seq and merged positions: tmp + fsync + rename), then removes segments entirely at or below
 * `seq`. When the segments reach `maxBytes`, appends wait (back-pressure on the sources) until an
 * ack frees space; `onFull` tells the agent so that it can raise an alert.
 */
import { crc32 } from 'node:zlib'
import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { Event } from '../event/index.js'
import { Telemetry } from '../sources/telemetry.js'
import { sleep, type Json } from '../sources/types.js'
import { SPOOL, spoolAppended, spoolWriteFailed } from './events.js'

export type Positions = Record<string, Json>

export interface SpoolOptions {
  /** Bound on the bytes of all segments; appends wait while it is exceeded. */
  maxBytes?: number
  /** A segment is closed and a new one started past this size. */
  segmentBytes?: number
  /** Called when appends start waiting for space (true) and when they resume (false). */
  onFull?: (full: boolean) => void
  /** Writes one event as its NDJSON line (default JSON.stringify; the agent adds its host's fields). */
  encode?: (e: Event) => string
  telemetry?: Telemetry
}

interface Frame {
  segment: Segment
  offset: number
  bytes: number
  first: number
  /** Last seq in the frame; `first - 1` for a frame with positions only. */
  last: number
}

interface Segment {
  name: string
  first: number
  bytes: number
  frames: Frame[]
}

interface Pending {
  /** The frame payload, serialized at append time so the events themselves can be let go at once. */
  payload: Buffer
  first: number
  last: number
  positions: Positions
  resolve: (r: { first: number; last: number }) => void
  reject: (err: unknown) => void
}

const HEADER = 8
const STATE = 'spool.state.json'
// Named by first seq, then a counter: two segments can start at the same seq when one holds only positions.
const segName = (first: number, index: number): string => `${String(first).padStart(20, '0')}.${String(index).padStart(10, '0')}.seg`
const SEGMENT = /^(\d{20})\.(\d{10})\.seg$/

/** What `open` found: torn or corrupt frames dropped while recovering. */
export interface SpoolRecovery {
  droppedBytes: number
  message?: string
}

export class Spool {
  readonly #dir: string
  readonly #maxBytes: number
  readonly #segmentBytes: number
  readonly #onFull: (full: boolean) => void
  readonly #encode: (e: Event) => string
  readonly #t: Telemetry
  #segments: Segment[] = []
  #fh: FileHandle | undefined
  /** The next seq to hand out (appends get theirs at once, in call order). */
  #nextSeq = 1
  /** The highest seq written and synced. */
  #durable = 0
  #acked = 0
  #savedAcked = 0
  #positions: Positions = {}
  #queue: Pending[] = []
  /** Writes and acks run one at a time, in order: an ack must never delete a segment being written. */
  #lock: Promise<void> = Promise.resolve()
  #flushScheduled = false
  #segmentIndex = 0
  #spaceWaiters: (() => void)[] = []
  #dataWaiters: (() => void)[] = []
  #full = false
  #closed = false
  recovery: SpoolRecovery = { droppedBytes: 0 }

  private constructor(dir: string, opts: SpoolOptions) {
    this.#dir = dir
    this.#maxBytes = opts.maxBytes ?? 256 * 1024 * 1024
    // A segment is at most a quarter of the bound, so acked segments can always make room.
    this.#segmentBytes = Math.max(1, Math.min(opts.segmentBytes ?? 8 * 1024 * 1024, Math.floor(this.#maxBytes / 4)))
    this.#onFull = opts.onFull ?? (() => {})
    this.#encode = opts.encode ?? ((e) => JSON.stringify(e))
    this.#t = opts.telemetry ?? new Telemetry()
    this.#t.register(SPOOL)
  }

  /** Opens (creating) the spool in `dir`, dropping a torn frame left by a crash at the end of a segment. */
  static async open(dir: string, opts: SpoolOptions = {}): Promise<Spool> {
    const s = new Spool(dir, opts)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await s.#load()
    return s
  }

  /** The highest seq the manager acknowledged. */
  get acked(): number {
    return this.#acked
  }

  /** The highest seq stored (acknowledged or not). */
  get lastSeq(): number {
    return this.#durable
  }

  /** Events stored and not yet acknowledged. */
  get depth(): number {
    return this.#durable - this.#acked
  }

  /** Bytes held in segment files. */
  get bytes(): number {
    return this.#segments.reduce((n, s) => n + s.bytes, 0)
  }

  /** The latest durable position of every source. */
  positions(): ReadonlyMap<string, Json> {
    return new Map(Object.entries(this.#positions))
  }

  /**
   * Stores events (assigning their seqs) together with the source positions they bring up to date;
   * resolves once both are on disk. Waits first while the spool is full.
   */
  async append(events: Event[], positions: Positions = {}): Promise<{ first: number; last: number }> {
    if (this.#closed) throw new Error('the spool is closed')
    while (this.bytes >= this.#maxBytes && !this.#closed) {
      if (!this.#full) {
        this.#full = true
        this.#onFull(true)
      }
      await new Promise<void>((r) => this.#spaceWaiters.push(r))
    }
    if (this.#closed) throw new Error('the spool is closed')
    if (this.#full) {
      this.#full = false
      this.#onFull(false)
    }
    const first = this.#nextSeq
    for (const ev of events) ev.seq = this.#nextSeq++
    const head = JSON.stringify({ first, n: events.length, p: positions })
    const payload = Buffer.from(events.length ? `${head}\n${events.map(this.#encode).join('\n')}\n` : `${head}\n`, 'utf8')
    const last = this.#nextSeq - 1
    const r = new Promise<{ first: number; last: number }>((resolve, reject) =>
      this.#queue.push({ payload, first, last, positions, resolve, reject }),
    )
    this.#kick()
    return r
  }

  /** Calls `visit` with every durable event not yet acknowledged, in order (start-up checks). */
  async forEachUnacked(visit: (e: Event) => void, batch = 10_000): Promise<void> {
    for (let from = this.#acked + 1; from <= this.lastSeq; ) {
      const events = await this.read(from, batch)
      if (events.length === 0) return
      for (const e of events) visit(e)
      from = (events[events.length - 1] as Event).seq + 1
    }
  }

  /** Events with seq >= `from`, in order, up to about `maxEvents` (whole frames). */
  async read(from: number, maxEvents: number): Promise<Event[]> {
    const b = await this.readBatch(from, maxEvents)
    return b ? b.ndjson.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event) : []
  }

  /**
   * The events from `from` on as NDJSON bytes (each line ends with a newline), up to about
   * `maxEvents` (whole frames), with their contiguous seq range; undefined when there are none.
   */
  async readBatch(from: number, maxEvents: number): Promise<{ first: number; last: number; ndjson: Buffer } | undefined> {
    const parts: Buffer[] = []
    let first = 0
    let last = 0
    for (const seg of this.#segments) {
      if (seg.frames.length === 0 || seg.frames[seg.frames.length - 1].last < from) continue
      const fh = await open(join(this.#dir, seg.name), 'r').catch(() => undefined)
      if (!fh) continue // deleted by a concurrent ack: everything in it was acknowledged
      try {
        for (const f of seg.frames) {
          if (f.last < from || f.last < f.first) continue
          // Written but not yet synced: never shipped before it is durable here (a crash could lose it,
          // and the source would read its lines again under the same seqs).
          if (f.last > this.#durable) return parts.length ? { first, last, ndjson: Buffer.concat(parts) } : undefined
          // Seqs are contiguous from the first batch read; a later frame after a skip ends the batch.
          if (parts.length && f.first !== last + 1) return { first, last, ndjson: Buffer.concat(parts) }
          const buf = Buffer.alloc(f.bytes - HEADER)
          await fh.read(buf, 0, buf.length, f.offset + HEADER)
          // Skip the head line and the events before `from`.
          let start = buf.indexOf(10) + 1
          for (let skip = Math.max(0, from - f.first); skip > 0; skip--) start = buf.indexOf(10, start) + 1
          parts.push(buf.subarray(start))
          if (!first) first = Math.max(from, f.first)
          last = f.last
          if (last - first + 1 >= maxEvents) return { first, last, ndjson: Buffer.concat(parts) }
        }
      } finally {
        await fh.close()
      }
    }
    return parts.length ? { first, last, ndjson: Buffer.concat(parts) } : undefined
  }

  /** Resolves once everything stored was acknowledged (true), or after `ms` (false): a stop's grace for the shipper. */
  async drained(ms: number): Promise<boolean> {
    const until = Date.now() + ms
    while (this.depth > 0 && Date.now() < until) await sleep(20)
    return this.depth <= 0
  }

  /** Resolves once an event with seq >= `seq` is stored, or when `signal` aborts. */
  async waitFor(seq: number, signal: AbortSignal): Promise<void> {
    while (this.lastSeq < seq && !signal.aborted && !this.#closed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal.removeEventListener('abort', done)
          resolve()
        }
        this.#dataWaiters.push(done)
        signal.addEventListener('abort', done, { once: true })
      })
    }
  }

  /**
   * Moves numbering past `seq` when the manager already stored more than this spool ever held (the
   * spool was wiped but the identity kept): new events must not reuse seqs the manager would drop.
   */
  async skipTo(seq: number): Promise<void> {
    await this.#exclusive(async () => {
      if (seq <= this.lastSeq || this.#nextSeq - 1 > this.#durable) return
      this.#nextSeq = seq + 1
      this.#durable = seq
      await this.#ackLocked(seq)
    })
  }

  /** Records the manager's acknowledgement and deletes the segments it fully covers. */
  async ack(seq: number): Promise<void> {
    if (seq <= this.#acked) return
    if (seq > this.lastSeq) throw new Error(`ack ${seq} is beyond the last stored seq ${this.lastSeq}`)
    await this.#exclusive(() => this.#ackLocked(seq))
  }

  /**
   * The ack is kept in memory and persisted only when segments are deleted (and at close): an ack
   * lost in a crash only means a batch is sent again, which the manager drops as duplicates. The
   * segment being written is deleted only once full, so a steady trickle costs no file churn.
   */
  async #ackLocked(seq: number): Promise<void> {
    if (seq <= this.#acked) return
    this.#acked = seq
    const current = this.#segments[this.#segments.length - 1]
    const done = this.#segments.filter(
      (s) =>
        s.frames.length > 0 &&
        s.frames[s.frames.length - 1].last <= seq &&
        (s !== current || s.bytes >= this.#segmentBytes || !this.#fh || this.#spaceWaiters.length > 0),
    )
    if (done.length === 0) return
    // Positions of the frames about to go must be durable elsewhere first.
    await this.#saveState()
    for (const seg of done) {
      if (seg === this.#segments[this.#segments.length - 1] && this.#fh) {
        await this.#fh.close()
        this.#fh = undefined
      }
      await unlink(join(this.#dir, seg.name)).catch(() => {})
      this.#segments = this.#segments.filter((s) => s !== seg)
    }
    if (done.length) this.#wake()
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#wake()
    for (const w of this.#dataWaiters.splice(0)) w()
    await this.#exclusive(async () => {
      if (this.#acked !== this.#savedAcked) await this.#saveState()
    })
    await this.#fh?.close()
    this.#fh = undefined
  }

  #wake(): void {
    const w = this.#spaceWaiters
    this.#spaceWaiters = []
    for (const r of w) r()
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const r = this.#lock.then(fn)
    this.#lock = r.then(
      () => {},
      () => {},
    )
    return r
  }

  /** Schedules one flush for everything queued; appends arriving meanwhile wait for the next one. */
  #kick(): void {
    if (this.#flushScheduled || this.#queue.length === 0) return
    this.#flushScheduled = true
    void this.#exclusive(async () => {
      this.#flushScheduled = false
      await this.#flush()
    }).then(() => this.#kick())
  }

  /** Writes every queued append as frames, then one datasync, then resolves them all. */
  async #flush(): Promise<void> {
    const batch = this.#queue
    this.#queue = []
    try {
      for (const p of batch) {
        const seg = await this.#segmentFor(p.first)
        const header = Buffer.allocUnsafe(HEADER)
        header.writeUInt32LE(p.payload.length, 0)
        header.writeUInt32LE(crc32(p.payload), 4)
        await this.#fh!.writev([header, p.payload], seg.bytes)
        const bytes = HEADER + p.payload.length
        seg.frames.push({ segment: seg, offset: seg.bytes, bytes, first: p.first, last: p.last })
        seg.bytes += bytes
        Object.assign(this.#positions, p.positions)
      }
      await this.#fh!.datasync()
      let events = 0
      let bytes = 0
      for (const p of batch) {
        events += p.last - p.first + 1
        bytes += HEADER + p.payload.length
        if (p.last > this.#durable) this.#durable = p.last
        p.resolve({ first: p.first, last: p.last })
      }
      for (const w of this.#dataWaiters.splice(0)) w()
      spoolAppended(this.#t, events, bytes)
    } catch (err) {
      spoolWriteFailed(this.#t, err as Error)
      for (const p of batch) p.reject(err)
    }
  }

  async #segmentFor(first: number): Promise<Segment> {
    let seg = this.#segments[this.#segments.length - 1]
    if (!seg || !this.#fh || seg.bytes >= this.#segmentBytes) {
      await this.#fh?.close()
      seg = { name: segName(first, ++this.#segmentIndex), first, bytes: 0, frames: [] }
      this.#fh = await open(join(this.#dir, seg.name), 'wx', 0o600)
      this.#segments.push(seg)
      await this.#syncDir()
    }
    return seg
  }

  async #syncDir(): Promise<void> {
    const d = await open(this.#dir, 'r')
    try {
      await d.sync()
    } finally {
      await d.close()
    }
  }

  async #saveState(): Promise<void> {
    const tmp = join(this.#dir, `${STATE}.tmp`)
    const fh = await open(tmp, 'w', 0o600)
    try {
      await fh.writeFile(JSON.stringify({ version: 1, acked: this.#acked, positions: this.#positions }))
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, join(this.#dir, STATE))
    await this.#syncDir()
    this.#savedAcked = this.#acked
  }

  async #load(): Promise<void> {
    try {
      const st = JSON.parse(await readFile(join(this.#dir, STATE), 'utf8')) as { version: number; acked: number; positions: Positions }
      if (st.version !== 1) throw new Error(`${this.#dir}/${STATE}: unsupported version ${st.version}`)
      this.#acked = this.#savedAcked = st.acked
      this.#positions = st.positions
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    this.#nextSeq = this.#acked + 1
    this.#durable = this.#acked
    const names = (await readdir(this.#dir)).filter((n) => SEGMENT.test(n)).sort()
    for (const name of names) {
      this.#segmentIndex = Math.max(this.#segmentIndex, Number(SEGMENT.exec(name)![2]))
      const buf = await readFile(join(this.#dir, name))
      const seg: Segment = { name, first: Number(name.slice(0, 20)), bytes: 0, frames: [] }
      let off = 0
      while (off + HEADER <= buf.length) {
        const len = buf.readUInt32LE(off)
        const end = off + HEADER + len
        if (end > buf.length) break
        const payload = buf.subarray(off + HEADER, end)
        if (crc32(payload) !== buf.readUInt32LE(off + 4)) break
        const nl = payload.indexOf(10)
        const { first, n, p } = JSON.parse(payload.toString('utf8', 0, nl)) as { first: number; n: number; p: Positions }
        const last = first + n - 1
        seg.frames.push({ segment: seg, offset: off, bytes: end - off, first, last })
        if (n) this.#nextSeq = last + 1
        this.#durable = this.#nextSeq - 1
        Object.assign(this.#positions, p)
        off = end
      }
      if (off < buf.length) {
        // A crash in the middle of a write leaves a torn last frame; nothing after it was acknowledged
        // to anyone (its append never resolved), so it is cut off.
        this.recovery = {
          droppedBytes: this.recovery.droppedBytes + buf.length - off,
          message: `${name}: dropped ${buf.length - off} bytes of an incomplete frame at offset ${off}`,
        }
        const fh = await open(join(this.#dir, name), 'r+')
        await fh.truncate(off)
        await fh.sync()
        await fh.close()
      }
      seg.bytes = off
      if (seg.frames.length) this.#segments.push(seg)
      else await unlink(join(this.#dir, name))
    }
  }
}
