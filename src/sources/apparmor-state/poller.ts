/**
 * The AppArmor state source: polls securityfs (cheaply: only `revision` and `enabled` while they
 * do not move, when the kernel has a revision file) and emits an Event per change, plus an
 * inventory at start, after changes and every `inventory_interval_ms`. With a state file, the
 * last reported state outlives the process: what changed while the agent was not running (an
 * attacker stops it, weakens a profile, starts it again) is reported at the next start.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
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
  /** Sends an event out; a promise, if returned, settles once it is spooled (the state file waits for it). */
  emit: (e: Event) => void | Promise<void>
  /** Where the last reported state is kept (JSON, 0600); none: it lives in memory only. */
  stateFile?: string
}

/** The part of the state that is compared (processes are not). */
type Compared = Omit<AppArmorStatus, 'processes'>

/** The state file's contents; undefined when it is missing or unreadable (the first start, a torn write). */
async function loadState(file: string): Promise<AppArmorStatus | undefined> {
  try {
    const s = JSON.parse(await readFile(file, 'utf8')) as Partial<Compared> & { version?: number }
    if (s.version !== 1 || typeof s.profiles !== 'object' || s.profiles === null) return undefined
    return {
      module_loaded: s.module_loaded === true,
      enabled: s.enabled === true,
      policy_readable: s.policy_readable === true,
      ...(typeof s.revision === 'string' ? { revision: s.revision } : {}),
      profiles: s.profiles,
      processes: [],
    }
  } catch {
    return undefined
  }
}

/** Replaces the state file in one step (a crash leaves the old or the new one, never half). */
async function saveState(file: string, s: AppArmorStatus): Promise<void> {
  const { processes: _, ...compared } = s
  const tmp = `${file}.tmp`
  await writeFile(tmp, JSON.stringify({ version: 1, ...compared }), { mode: 0o600 })
  await rename(tmp, file)
}

const readQuick = (path: string): Promise<string | undefined> => readFile(path, 'utf8').then((t) => t.trim(), () => undefined)

export class AppArmorStatePoller {
  readonly #o: Required<Omit<StatePollerOptions, 'stateFile'>> & Pick<StatePollerOptions, 'stateFile'>
  readonly #paths: ReturnType<typeof apparmorPaths>
  readonly #location: string
  #last: AppArmorStatus | undefined
  #lastKey = ''
  #lastInventory = 0
  /** #last came from the state file: the changes of the next poll happened while the agent was not running. */
  #lastFromFile = false
  /** The state file holds a state older than #last. */
  #unsaved = false
  /**
   * An event was not spooled: the file then keeps the state from before it for the rest of this
   * run, so that the next start reports that change again (with the later ones) rather than never.
   */
  #emitFailed = false
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor(o: StatePollerOptions) {
    const { emit, stateFile, ...cfg } = o
    this.#o = { ...AppArmorStateConfig.parse(cfg), emit, stateFile }
    this.#paths = apparmorPaths(this.#o.root)
    this.#location = this.#paths.profiles
  }

  /**
   * Reads the initial state and emits the first inventory, after the changes since the state file
   * was written; then polls every interval_ms.
   */
  async start(): Promise<void> {
    if (this.#o.stateFile !== undefined) {
      this.#last = await loadState(this.#o.stateFile)
      this.#lastFromFile = this.#last !== undefined
    }
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
    if (this.#last && revision !== undefined && key === this.#lastKey && !due) {
      await this.#save()
      return out
    }
    const s = await readStatus(this.#o.root, { processes: false })
    if (this.#last) {
      for (const c of diffStatus(this.#last, s)) {
        const e = changeEvent(c, s, this.#location, now)
        if (this.#lastFromFile) e.fields['apparmor_state.while_stopped'] = true
        out.push(e)
      }
    }
    const changed = out.length > 0 || this.#last === undefined || this.#lastFromFile
    this.#last = s
    this.#lastFromFile = false
    this.#lastKey = key
    if (out.length > 0 || due) {
      // The inventory carries confined processes too: worth a /proc walk only when it is sent.
      out.push(inventoryEvent(await readStatus(this.#o.root), this.#location, now))
      this.#lastInventory = now.getTime()
    }
    // The file moves only once the changes it no longer shows are spooled: a crash before that
    // reports them again at the next start, never not at all.
    const sent = await Promise.allSettled(out.map((e) => this.#o.emit(e)))
    if (sent.some((r) => r.status === 'rejected')) this.#emitFailed = true
    if (changed) this.#unsaved = true
    await this.#save()
    return out
  }

  async #save(): Promise<void> {
    const file = this.#o.stateFile
    if (file === undefined || !this.#unsaved || this.#emitFailed || this.#last === undefined) return
    try {
      await saveState(file, this.#last)
      this.#unsaved = false
    } catch {
      // A full or read-only disk: the next poll tries again; until then a restart reports these changes twice.
    }
  }
}
