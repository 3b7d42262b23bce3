/**
 * The `alerts.json` output: one Wazuh-format alert per line, appended, rotated by size (the
 * current file is renamed `alerts-<UTC time>.json` and a new one started; the oldest rotated
 * files beyond `keep` are deleted), so Wazuh and Filebeat pipelines can read our alerts.
 */
import { appendFile, readdir, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { AlertDoc } from './alert.js'

export interface AlertsJsonOptions {
  /** Rotate when the file reaches this size (default 100 MiB). */
  maxBytes?: number
  /** Rotated files to keep (default 10). */
  keep?: number
}

export class AlertsJsonWriter {
  private readonly maxBytes: number
  private readonly keep: number
  private size = -1

  constructor(
    readonly path: string,
    opts: AlertsJsonOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? 100 * 2 ** 20
    this.keep = opts.keep ?? 10
  }

  async write(alerts: readonly AlertDoc[]): Promise<void> {
    if (alerts.length === 0) return
    if (this.size < 0) this.size = await stat(this.path).then((s) => s.size, () => 0)
    const text = alerts.map((a) => JSON.stringify(a)).join('\n') + '\n'
    if (this.size > 0 && this.size + Buffer.byteLength(text) > this.maxBytes) await this.rotate()
    await appendFile(this.path, text, { mode: 0o640 })
    this.size += Buffer.byteLength(text)
  }

  private async rotate(): Promise<void> {
    const dir = dirname(this.path)
    const stem = basename(this.path, '.json')
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
    let target = join(dir, `${stem}-${stamp}.json`)
    for (let i = 1; await stat(target).then(() => true, () => false); i++) target = join(dir, `${stem}-${stamp}-${i}.json`)
    await rename(this.path, target)
    this.size = 0
    const rotated = (await readdir(dir)).filter((f) => f.startsWith(`${stem}-`) && f.endsWith('.json')).sort()
    for (const old of rotated.slice(0, Math.max(0, rotated.length - this.keep))) await unlink(join(dir, old))
  }
}
