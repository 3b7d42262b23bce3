/**
 * Offline import into a data directory's store (`armorwatch analyze FILE... --data-dir D`):
 * alerts are buffered and written in batches, to the alert store and to alerts.json, as the
 * manager would. Fails with a clear message when a manager holds the store.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { AlertDoc } from './alert.js'
import { AlertsJsonWriter } from './alerts-json.js'
import { openEmbeddedStore, type EmbeddedStore } from './embedded.js'

export class StoreBusyError extends Error {
  constructor(dir: string) {
    super(`${dir} is in use by a running manager: import through it, or stop it first`)
    this.name = 'StoreBusyError'
  }
}

export class AlertImporter {
  private buffer: AlertDoc[] = []
  private pending: Promise<void> = Promise.resolve()
  private count = 0

  private constructor(
    private readonly store: EmbeddedStore,
    private readonly alertsJson: AlertsJsonWriter,
    private readonly batch: number,
  ) {}

  static async open(dir: string, batch = 10_000): Promise<AlertImporter> {
    let store: EmbeddedStore
    try {
      store = await openEmbeddedStore(dir)
    } catch (err) {
      if (/lock/i.test((err as Error).message)) throw new StoreBusyError(dir)
      throw err
    }
    mkdirSync(join(dir, 'logs'), { recursive: true })
    return new AlertImporter(store, new AlertsJsonWriter(join(dir, 'logs', 'alerts.json')), batch)
  }

  /** Queues an alert; resolves once a full batch (if this one completed it) is stored. */
  add(alert: AlertDoc): Promise<void> {
    this.buffer.push(alert)
    this.count++
    return this.buffer.length >= this.batch ? this.flush() : Promise.resolve()
  }

  flush(): Promise<void> {
    const batch = this.buffer
    this.buffer = []
    this.pending = this.pending.then(async () => {
      await this.store.alerts.insertAlerts(batch)
      await this.alertsJson.write(batch)
    })
    return this.pending
  }

  /** Alerts added so far. */
  get imported(): number {
    return this.count
  }

  async close(): Promise<void> {
    try {
      await this.flush()
    } finally {
      await this.store.close()
    }
  }
}
