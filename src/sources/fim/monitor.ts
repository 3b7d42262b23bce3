/**
 * The FIM source: scheduled full scans plus realtime inotify (via @parcel/watcher: recursive, new
 * subdirectories watched as they appear), all feeding the engine through one serial queue so a
 * realtime check never races a scan. Start/stop and an `emit(event)` callback, for the agent.
 */
import watcher from '@parcel/watcher'
import { stat } from 'node:fs/promises'
import type { Event } from '../../event/event.js'
import { Baseline } from './baseline.js'
import type { CompiledDirectory, FimConfig } from './config.js'
import { FimEngine, type FimEmit, type ScanStats } from './engine.js'
import { auditStatus, auditWatch, type WhoData } from './whodata.js'

export interface FimMonitorOptions {
  config: FimConfig
  /** The baseline database file (created if missing), or an open Baseline. */
  database: string | Baseline
  /** Sends an event out; return a promise that settles once it is spooled, so FIM knows it is safe (engine.ts, FimEmit). */
  emit: FimEmit
  /** Root for /etc/passwd and /etc/group (user and group names). */
  idRoot?: string
  /**
   * A realtime batch with at least this many paths is handled by a rescan of its directory rather
   * than path by path: cheaper, and safe when the watcher may have dropped events (parcel/watcher
   * discards the kernel's IN_Q_OVERFLOW without telling us).
   */
  rescanBatchSize?: number
  /**
   * Who-data (whodata.ts): the correlator the agent feeds with audit Events. Without it, or where
   * kernel audit is unusable, whodata directories run in plain realtime mode and a notice says so.
   */
  whodata?: WhoData
  /** The auditctl binary (tests point it elsewhere). */
  auditctl?: string
}

/** A notice about FIM itself (a watch that failed, an overflow rescan), as an `agent` Event. */
export function fimNotice(code: string, message: string, fields: Record<string, string> = {}): Event {
  return {
    seq: 0,
    time: new Date().toISOString(),
    agent: '',
    source: 'fim',
    location: 'syscheck',
    kind: 'agent',
    raw: `ossec: ${message}`,
    fields: { 'agent.notice': code, 'agent.component': 'fim', ...fields },
  }
}

/** A realtime subscription of one configured directory, the directory it was made on (inode, birth time), and its name in its events. */
interface Watch {
  sub: watcher.AsyncSubscription
  ino: number
  birth: number
  id: symbol
}

export class FimMonitor {
  readonly #o: FimMonitorOptions
  readonly #db: Baseline
  readonly #ownsDb: boolean
  readonly #engine: FimEngine
  #queue: Promise<unknown> = Promise.resolve()
  /** Realtime watches by directory, with the inode watched: a re-created directory needs a new one. */
  readonly #subs = new Map<string, Watch>()
  /**
   * Unsubscriptions still running, by path: @parcel/watcher shares one watcher per path, so a new
   * subscription made before the old one is gone would join the old, dead watch.
   */
  readonly #unsubscribing = new Map<string, Promise<void>>()
  #stopping: Promise<void> | undefined = undefined
  readonly #timers = new Map<string, NodeJS.Timeout>()
  readonly #auditWatched: string[] = []
  #interval: NodeJS.Timeout | undefined
  #stopped = true
  /** Resolves when the first scan (if scan_on_start) is done: tests and benches wait on it. */
  ready: Promise<void> = Promise.resolve()

  constructor(o: FimMonitorOptions) {
    this.#o = o
    this.#ownsDb = typeof o.database === 'string'
    this.#db = typeof o.database === 'string' ? new Baseline(o.database) : o.database
    this.#engine = new FimEngine(o.config, this.#db, o.emit, {
      idRoot: o.idRoot,
      onError: (path, err) => this.#notify(fimNotice('fim_read_failed', `FIM could not read '${path}': ${err.message}`, { 'fim.path': path })),
    })
  }

  /** A notice about FIM itself: nothing waits for it to be spooled (a failure is the emitter's to report). */
  #notify(e: Event): void {
    void Promise.resolve(this.#o.emit(e)).catch(() => undefined)
  }

  get engine(): FimEngine {
    return this.#engine
  }

  /** Runs `fn` after everything queued before it. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn)
    this.#queue = next.catch(() => undefined)
    return next
  }

  /**
   * Starts: sends again what a previous run left in the outbox, watches and scans. `spooled`: the
   * `changeKey`s of the FIM events already in the spool and not yet shipped (events.ts
   * `eventChangeKey`), needed only when `engine.outboxPending`; a change spooled just before a
   * crash then leaves the outbox without being sent twice.
   */
  async start(spooled?: ReadonlySet<string>): Promise<void> {
    this.#stopped = false
    this.#engine.replayOutbox(spooled)
    await this.#subscribeAll()
    await this.#addAuditWatches()
    if (this.#o.config.scan_on_start) this.ready = this.scan().then(() => undefined)
    this.#interval = setInterval(() => {
      void this.scan().catch((err: Error) => this.#notify(fimNotice('fim_scan_failed', `FIM scheduled scan failed: ${err.message}`)))
    }, this.#o.config.frequency_secs * 1000)
    this.#interval.unref()
    await this.ready
  }

  /**
   * A full scan now (queued behind any running check). A scheduled scan first watches realtime
   * directories that were missing or lost their watch.
   */
  async scan(mode: 'scheduled' | 'realtime' = 'scheduled', only?: readonly CompiledDirectory[]): Promise<ScanStats> {
    if (mode === 'scheduled') await this.#subscribeAll()
    return this.#serial(() => this.#engine.scan(mode, only))
  }

  async #addAuditWatches(): Promise<void> {
    const dirs = this.#o.config.directories.filter((d) => d.whodata)
    if (dirs.length === 0) return
    const status = this.#o.whodata ? await auditStatus(this.#o.auditctl) : { available: false, reason: 'no audit source is connected to FIM' }
    for (const dir of dirs) {
      let reason = status.reason
      if (status.available) {
        try {
          await auditWatch(dir.path, false, this.#o.auditctl)
          this.#auditWatched.push(dir.path)
          continue
        } catch (err) {
          reason = `auditctl -w ${dir.path} failed: ${(err as Error).message.split('\n')[0]}`
        }
      }
      this.#notify(fimNotice('fim_whodata_unavailable', `Who-data unavailable for '${dir.path}' (${reason}): monitored in realtime mode without user and process.`, { 'fim.path': dir.path }))
    }
  }

  async #subscribeAll(): Promise<void> {
    for (const dir of this.#o.config.directories) {
      if (!dir.realtime || this.#stopped) continue
      const st = await stat(dir.path).catch(() => undefined)
      const current = this.#subs.get(dir.path)
      // The same directory, not a new one: a re-created directory often gets the freed inode
      // number back at once, so its birth time tells them apart (0 where the filesystem has none).
      if (current && st && current.ino === st.ino && current.birth === st.birthtimeMs) continue
      if (current) this.#unwatch(dir.path)
      if (!st?.isDirectory()) continue // a single file or a missing directory: the scheduled scan covers it
      await this.#unsubscribing.get(dir.path)
      try {
        // Names this subscription in its own events, which may arrive after it was replaced.
        const id = Symbol(dir.path)
        const sub = await watcher.subscribe(dir.path, (err, events) => this.#onEvents(dir, id, err, events), { backend: 'inotify' })
        this.#subs.set(dir.path, { sub, ino: st.ino, birth: st.birthtimeMs, id })
      } catch (err) {
        this.#notify(fimNotice('fim_realtime_failed', `Unable to add realtime watch to '${dir.path}': ${(err as Error).message}; it is checked by scheduled scans only.`, { 'fim.path': dir.path }))
      }
    }
  }

  #onEvents(dir: CompiledDirectory, id: symbol, err: Error | null, events: watcher.Event[]): void {
    if (this.#stopped) return
    const limit = this.#o.rescanBatchSize ?? 2000
    if (err || events.length >= limit) {
      this.#notify(fimNotice('fim_realtime_rescan', err ? `Real-time watch of '${dir.path}' failed (${err.message}): rescanning it.` : `Real-time burst of ${events.length} changes under '${dir.path}': rescanning it.`, { 'fim.path': dir.path }))
      void this.scan('realtime', [dir]).catch((e: Error) => this.#notify(fimNotice('fim_scan_failed', `FIM rescan of '${dir.path}' failed: ${e.message}`, { 'fim.path': dir.path })))
      return
    }
    if (events.some((e) => e.path === dir.path && e.type === 'delete') && this.#subs.get(dir.path)?.id === id) {
      // The watched directory itself went away: its watch is dead. The next scheduled scan
      // subscribes again if the directory is back. A late report from the old watch, once a scan
      // has already watched the re-created directory, must not drop the new watch.
      this.#unwatch(dir.path)
    }
    const delay = this.#o.config.realtime_delay_ms
    for (const e of events) {
      // Coalesce: editor saves (temp file, rename) and bursts on one path become one check after
      // the path has been quiet for realtime_delay_ms.
      clearTimeout(this.#timers.get(e.path))
      this.#timers.set(
        e.path,
        setTimeout(() => {
          this.#timers.delete(e.path)
          void this.#check(dir, e.path).catch((err: Error) => this.#notify(fimNotice('fim_read_failed', `FIM could not check '${e.path}': ${err.message}`, { 'fim.path': e.path })))
        }, delay),
      )
    }
  }

  /** Drops a watch; one whose directory is gone fails to unsubscribe (EINVAL), which is fine. */
  #unwatch(path: string): void {
    const w = this.#subs.get(path)
    if (!w) return
    this.#subs.delete(path)
    const done = w.sub.unsubscribe().catch(() => undefined)
    this.#unsubscribing.set(path, done)
    void done.then(() => {
      if (this.#unsubscribing.get(path) === done) this.#unsubscribing.delete(path)
    })
  }

  async #check(dir: CompiledDirectory, path: string): Promise<void> {
    const who = dir.whodata && this.#auditWatched.includes(dir.path) ? await this.#o.whodata?.attribute(path) : undefined
    if (this.#stopped) return // stopped while waiting for who-data: the baseline may be closed
    await this.#serial(() => this.#engine.check(path, who ? 'whodata' : 'realtime', who))
  }

  /** Stops watching and scanning; holds no timer or watch afterwards. Calling it again waits for the same stop. */
  stop(): Promise<void> {
    return (this.#stopping ??= this.#stop())
  }

  async #stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#interval)
    for (const t of this.#timers.values()) clearTimeout(t)
    this.#timers.clear()
    // Every watch goes, and the stop waits for those already going (#unwatch ignores the EINVAL of a removed directory).
    for (const path of [...this.#subs.keys()]) this.#unwatch(path)
    await Promise.all(this.#unsubscribing.values())
    for (const dir of this.#auditWatched.splice(0)) await auditWatch(dir, true, this.#o.auditctl).catch(() => undefined)
    await this.#queue
    this.#engine.flush()
    await this.#engine.settled()
    if (this.#ownsDb) this.#db.close()
  }
}
