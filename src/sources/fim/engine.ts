/**
 * The FIM engine: compares files with the baseline and turns differences into changes. It knows
 * nothing of timers or watchers; the monitor (monitor.ts) decides when to scan or check a path.
 */
import { lstat } from 'node:fs/promises'
import type { Event } from '../../event/event.js'
import type { Baseline } from './baseline.js'
import { BurstGate, emitScanChanges } from './bulk.js'
import type { CompiledDirectory, FimConfig } from './config.js'
import { DIFF_MESSAGES, unifiedDiff } from './diff.js'
import { IdNames, readEntry, type FileEntry } from './entry.js'
import { changedAttributes, changeFromJson, changeKey, fimEvent, type AuditInfo, type FimChange, type FimMode } from './events.js'
import { covers, walk } from './walk.js'

export interface ScanStats {
  files: number
  added: number
  modified: number
  deleted: number
  errors: number
  /** True for directories seen for the first time: their files were recorded without events. */
  initial: boolean
  ms: number
}

export interface EngineOptions {
  /** Where /etc/passwd and /etc/group are read for user and group names. */
  idRoot?: string
  /** Reads of files in flight during a scan. */
  concurrency?: number
  /** A directory that could not be read, a file that vanished mid-read... */
  onError?: (path: string, err: Error) => void
}

/**
 * Sends an event out; a promise, if returned, settles once the event is durable (spooled). Until
 * then the changes it carries stay in the baseline's outbox, and a rejection leaves them there.
 */
export type FimEmit = (e: Event) => void | Promise<void>

/** Content-bearing attributes: a diff is worth computing only when one of these changed. */
const CONTENT = new Set(['size', 'md5', 'sha1', 'sha256', 'type'])

export class FimEngine {
  readonly #cfg: FimConfig
  readonly #db: Baseline
  readonly #emit: FimEmit
  readonly #o: EngineOptions
  readonly #gate: BurstGate
  #names: IdNames | undefined
  /** Paths whose previous content was refused by the disk quota: their next diff says so. */
  readonly #quotaMissed = new Set<string>()
  /** The outbox row of each change on its way out. */
  readonly #outboxIds = new WeakMap<FimChange, number>()
  /** Events not yet known to be spooled. */
  readonly #unacked = new Set<Promise<void>>()

  constructor(cfg: FimConfig, db: Baseline, emit: FimEmit, o: EngineOptions = {}) {
    this.#cfg = cfg
    this.#db = db
    this.#emit = emit
    this.#o = o
    this.#gate = new BurstGate({ threshold: cfg.bulk_threshold, windowMs: cfg.bulk_window_ms, quietMs: cfg.bulk_quiet_ms, emit: this.#send })
  }

  /**
   * Puts a change into the outbox, in the transaction of the baseline update that found it: the
   * baseline then never moves past a change whose event could still be lost.
   */
  #hold(c: FimChange): void {
    this.#outboxIds.set(c, this.#db.putOutbox(JSON.stringify(c)))
  }

  /** Sends an event; once it is spooled, the changes it carries leave the outbox. */
  #send = (e: Event, changes: readonly FimChange[]): void => {
    const ids = changes.map((c) => this.#outboxIds.get(c)).filter((id): id is number => id !== undefined)
    const spooled = this.#emit(e)
    if (ids.length === 0) return
    const ack = Promise.resolve(spooled).then(
      () => ids.forEach((id) => this.#db.deleteOutbox(id)),
      () => undefined, // not spooled: the change stays in the outbox and is sent again at the next start
    )
    this.#unacked.add(ack)
    void ack.finally(() => this.#unacked.delete(ack))
  }

  /** True when a previous run left changes whose events may not have been spooled. */
  get outboxPending(): boolean {
    return this.#db.outboxPending()
  }

  /**
   * Sends again the changes a previous run recorded but did not see spooled (it crashed or was
   * stopped first). `spooled` holds the {@link changeKey}s of the FIM events already in the spool:
   * those changes were spooled just before the crash, so they only leave the outbox (exactly once).
   * Returns how many were sent again.
   */
  replayOutbox(spooled: ReadonlySet<string> = new Set()): number {
    let sent = 0
    for (const row of this.#db.outbox()) {
      let c: FimChange
      try {
        c = changeFromJson(row.change)
      } catch (err) {
        this.#db.deleteOutbox(row.id)
        this.#o.onError?.('fim outbox', new Error(`unreadable outbox entry ${row.id} dropped: ${(err as Error).message}`))
        continue
      }
      if (spooled.has(changeKey(c))) {
        this.#db.deleteOutbox(row.id)
        continue
      }
      this.#outboxIds.set(c, row.id)
      this.#send(fimEvent(c), [c])
      sent++
    }
    return sent
  }

  /** Resolves when every event sent so far is spooled or has failed to be (stop, before closing the baseline). */
  async settled(): Promise<void> {
    await Promise.all(this.#unacked)
  }

  async #idNames(refresh = false): Promise<IdNames> {
    if (!this.#names || refresh) this.#names = await IdNames.load(this.#o.idRoot)
    return this.#names
  }

  /** The most specific monitored directory covering `path`, if any. */
  directoryFor(path: string): CompiledDirectory | undefined {
    let best: CompiledDirectory | undefined
    for (const d of this.#cfg.directories) {
      const inside = path === d.path || path.startsWith(d.path === '/' ? '/' : d.path + '/')
      if (inside && (!best || d.path.length > best.path.length)) best = d
    }
    return best
  }

  /**
   * Compares one path with the baseline, updates the baseline, and returns the change (if any).
   * `dir` must be the path's directory (directoryFor).
   */
  async compare(path: string, dir: CompiledDirectory, mode: FimMode, before: FileEntry | undefined, audit?: AuditInfo): Promise<FimChange | undefined> {
    const cfg = this.#cfg
    const nodiff = cfg.isNodiff(path)
    const limit = dir.diff_size_limit_bytes ?? cfg.diff_file_size_limit_bytes
    const keep = dir.report_changes && !nodiff ? limit : undefined
    const r = await readEntry(path, { names: await this.#idNames(), maxHashBytes: cfg.file_max_size_bytes, keepContentBytes: keep })
    const base = { path, mode, tags: dir.tags, time: new Date(), ...(audit ? { audit } : {}) }
    if (!r) {
      if (!before) return undefined
      this.#db.delete(path)
      this.#quotaMissed.delete(path)
      return { ...base, event: 'deleted', before, changed: [] }
    }
    const after = r.entry
    if (!before) {
      this.#db.put(after)
      if (r.content) this.#keep(path, r.content)
      return { ...base, event: 'added', after, changed: [] }
    }
    const changed = changedAttributes(before, after, dir.checks)
    this.#db.put(after) // also records attributes the directory does not check
    if (changed.length === 0) return undefined
    const change: FimChange = { ...base, event: 'modified', before, after, changed }
    if (dir.report_changes && changed.some((a) => CONTENT.has(a))) change.diff = this.#diff(path, after, r.content, nodiff, limit)
    return change
  }

  #diff(path: string, after: FileEntry, content: Buffer | undefined, nodiff: boolean, limit: number): string {
    if (nodiff) return DIFF_MESSAGES.nodiff
    if (after.size > limit || !content) {
      this.#db.dropContent(path)
      return DIFF_MESSAGES.fileSize
    }
    const previous = this.#db.content(path)
    const missed = this.#quotaMissed.has(path)
    this.#keep(path, content)
    if (!previous) return missed ? DIFF_MESSAGES.diskQuota : DIFF_MESSAGES.noPrevious
    return unifiedDiff(path, previous, content, this.#cfg.max_diff_bytes)
  }

  #keep(path: string, content: Buffer): void {
    if (this.#db.keepContent(path, content, this.#cfg.diff_disk_quota_bytes)) this.#quotaMissed.delete(path)
    else this.#quotaMissed.add(path)
  }

  /**
   * Checks one path after a realtime notification: a file, a link, a new directory (walked), or a
   * vanished path (its baseline entries and everything below it are deleted).
   */
  async check(path: string, mode: FimMode = 'realtime', audit?: AuditInfo): Promise<void> {
    const dir = this.directoryFor(path)
    if (!dir) return
    const st = await lstat(path).catch(() => undefined)
    const paths = new Set<string>()
    if (st?.isDirectory()) {
      for await (const p of walk(this.#cfg, dir, path, this.#onError)) paths.add(p)
      for (const p of this.#db.under(path).keys()) paths.add(p)
    } else if (st) {
      if (covers(this.#cfg, dir, path)) paths.add(path)
    } else {
      for (const p of this.#db.under(path).keys()) paths.add(p)
    }
    const changes: FimChange[] = []
    await this.#db.batchAsync(async () => {
      for (const p of paths) {
        const c = await this.compare(p, this.directoryFor(p) ?? dir, mode, this.#db.get(p), audit)
        if (c) {
          this.#hold(c)
          changes.push(c)
        }
      }
    })
    for (const c of changes) this.#gate.push(c)
  }

  #onError = (path: string, err: Error): void => {
    this.#o.onError?.(path, err)
  }

  /** Full scan of every monitored directory (the scheduled scan, and the rescan after an overflow). */
  async scan(mode: FimMode = 'scheduled', only?: readonly CompiledDirectory[]): Promise<ScanStats> {
    const t0 = performance.now()
    await this.#idNames(true)
    const stats: ScanStats = { files: 0, added: 0, modified: 0, deleted: 0, errors: 0, initial: false, ms: 0 }
    const changes: FimChange[] = []
    const onError = (path: string, err: Error): void => {
      stats.errors++
      this.#onError(path, err)
    }
    for (const dir of only ?? this.#cfg.directories) {
      const known = this.#db.under(dir.path)
      // Entries below a more specific monitored directory belong to that one's scan.
      const nested = this.#cfg.directories.filter((d) => d !== dir && d.path.startsWith(dir.path === '/' ? '/' : dir.path + '/'))
      const mine = (p: string): boolean => this.directoryFor(p) === dir
      const initial = known.size === 0 && !this.#db.scanned(dir.path)
      stats.initial ||= initial
      const concurrency = this.#o.concurrency ?? 32
      const inflight = new Set<Promise<void>>()
      const pending: FimChange[] = []
      await this.#db.batchAsync(async () => {
        for await (const p of walk(this.#cfg, dir, dir.path, onError)) {
          if (nested.length && !mine(p)) continue
          stats.files++
          const before = known.get(p)
          known.delete(p)
          const job = this.compare(p, dir, mode, before).then(
            (c) => {
              if (c && !initial) {
                this.#hold(c)
                pending.push(c)
              }
            },
            (err: Error) => onError(p, err),
          )
          inflight.add(job)
          void job.finally(() => inflight.delete(job))
          if (inflight.size >= concurrency) await Promise.race(inflight)
        }
        await Promise.all(inflight)
        // What the walk did not see is gone, or no longer in scope (ignored, restricted, too deep):
        // the first is a deletion, the second is forgotten quietly.
        for (const [p, before] of known) {
          if (nested.length && !mine(p)) continue
          if (!covers(this.#cfg, dir, p)) {
            this.#db.delete(p)
            continue
          }
          const c = await this.compare(p, dir, mode, before)
          if (c && !initial) {
            this.#hold(c)
            pending.push(c)
          }
        }
      })
      this.#db.markScanned(dir.path)
      pending.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      changes.push(...pending)
    }
    for (const c of changes) stats[c.event]++
    emitScanChanges(changes, mode, this.#cfg.bulk_threshold, this.#send)
    stats.ms = performance.now() - t0
    return stats
  }

  /** Sends out changes a realtime burst is still holding (on stop). */
  flush(): void {
    this.#gate.flush()
  }
}
