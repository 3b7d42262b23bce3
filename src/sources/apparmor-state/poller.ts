/**
 * The AppArmor state source: polls securityfs (cheaply: only `revision` and `enabled` while they
 * do not move, when the kernel has a revision file) and emits an Event per change, plus an
 * inventory at start, after changes and every `inventory_interval_ms`.
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import type { Event } from '../../event/event.js'
import { apparmorPaths, readStatus, type AppArmorStatus } from '../../apparmor/status/index.js'
import { diffStatus } from './changes.js'
import { changeEvent, inventoryEvent } from './events.js'

/** The `apparmor_state:` section of the agent configuration. */
export const AppArmorStateConfig = z.strictObject({
  root: z.string().default('/').describe('The `/` whose sys/ and proc/ are read (a fixture tree in tests, a host mount in a container).'),
  interval_ms: z.number().int().min(100).default(5000).describe('How often securityfs is polled (its revision and enabled flag; the profiles only when they moved).'),
  inventory_interval_ms: z.number().int().min(1000).default(3_600_000).describe('How often the full inventory is sent even without changes.'),
})
export type AppArmorStateConfig = z.input<typeof AppArmorStateConfig>

export interface StatePollerOptions extends AppArmorStateConfig {
  emit: (e: Event) => void
}

const readQuick = (path: string): Promise<string | undefined> => readFile(path, 'utf8').then((t) => t.trim(), () => undefined)

export class AppArmorStatePoller {
  readonly #o: Required<StatePollerOptions>
  readonly #paths: ReturnType<typeof apparmorPaths>
  readonly #location: string
  #last: AppArmorStatus | undefined
  #lastKey = ''
  #lastInventory = 0
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor(o: StatePollerOptions) {
    const { emit, ...cfg } = o
    this.#o = { ...AppArmorStateConfig.parse(cfg), emit }
    this.#paths = apparmorPaths(this.#o.root)
    this.#location = this.#paths.profiles
  }

  /** Reads the initial state and emits the first inventory; then polls every interval_ms. */
  async start(): Promise<void> {
    await this.poll()
    this.#timer = setInterval(() => {
      this.#running ??= this.poll().then(
        () => undefined,
        () => undefined, // readStatus does not throw; an emit that does must not stop the polling
      ).finally(() => (this.#running = undefined))
    }, this.#o.interval_ms)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  /** One poll: returns the events it emitted (tests call it directly). */
  async poll(now = new Date()): Promise<Event[]> {
    const out: Event[] = []
    // A cheap key first: when the kernel has a policy revision counter and neither it nor
    // `enabled` moved, nothing was loaded, replaced or removed.
    const revision = await readQuick(this.#paths.revision)
    const key = `${await readQuick(this.#paths.enabled)}|${revision ?? ''}`
    const due = now.getTime() - this.#lastInventory >= this.#o.inventory_interval_ms
    if (this.#last && revision !== undefined && key === this.#lastKey && !due) return out
    const s = await readStatus(this.#o.root, { processes: false })
    if (this.#last) for (const c of diffStatus(this.#last, s)) out.push(changeEvent(c, s, this.#location, now))
    this.#last = s
    this.#lastKey = key
    if (out.length > 0 || due) {
      // The inventory carries confined processes too: worth a /proc walk only when it is sent.
      out.push(inventoryEvent(await readStatus(this.#o.root), this.#location, now))
      this.#lastInventory = now.getTime()
    }
    for (const e of out) this.#o.emit(e)
    return out
  }
}
