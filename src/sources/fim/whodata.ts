/**
 * Who-data: attributes FIM changes to a process and user with kernel audit watches. The monitor
 * installs `-w DIR -p wa -k armorwatch_fim` with auditctl for every whodata directory; the agent's
 * audit source feeds the assembled audit Events (SYSCALL + CWD + PATH, field names of issue 2) to
 * `push`; the realtime check of a path asks `attribute(path)` who touched it last.
 *
 * Where the kernel audit subsystem is not usable (no auditctl, not root, audit disabled or its
 * rules locked with `-e 2`), `auditStatus` says why and FIM goes on in plain realtime mode.
 */
import { execFile } from 'node:child_process'
import { basename, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import type { Event, FieldValue } from '../../event/event.js'
import type { IdNames } from './entry.js'
import type { AuditInfo } from './events.js'

const run = promisify(execFile)

export const AUDIT_KEY = 'armorwatch_fim'

export interface AuditAvailability {
  available: boolean
  /** Why not, for the notice FIM sends when a directory falls back to realtime. */
  reason?: string
}

/** Whether `auditctl` can add watches here and the kernel will log them (`enabled 1`). */
export async function auditStatus(auditctl = 'auditctl'): Promise<AuditAvailability> {
  let out: string
  try {
    out = (await run(auditctl, ['-s'], { timeout: 5000 })).stdout
  } catch (err) {
    return { available: false, reason: `${auditctl} -s failed: ${(err as Error).message.split('\n')[0]}` }
  }
  const enabled = /^enabled (\d)/m.exec(out)?.[1]
  if (enabled === '2') return { available: false, reason: 'audit rules are immutable (enabled 2): no watch can be added' }
  if (enabled !== '1') return { available: false, reason: `kernel audit is disabled (enabled ${enabled ?? '?'}); enable it with auditctl -e 1` }
  return { available: true }
}

/** Adds (or with `remove`, deletes) the audit watch on `dir` for writes and attribute changes. */
export async function auditWatch(dir: string, remove = false, auditctl = 'auditctl'): Promise<void> {
  await run(auditctl, [remove ? '-W' : '-w', dir, '-p', 'wa', '-k', AUDIT_KEY], { timeout: 5000 })
}

interface Seen {
  info: AuditInfo
  at: number
}

const str = (v: FieldValue | undefined): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined

/** auid/ses 4294967295 (-1; `unset` once interpreted by the normalizer) mean "never logged in". */
const UNSET = new Set(['4294967295', '-1', 'unset'])

export interface WhoDataOptions {
  key?: string
  names?: IdNames
  /** How long an audit record may wait for its FIM check. */
  ttlMs?: number
  /** How long a check waits for the audit record of its change to arrive. */
  waitMs?: number
  now?: () => number
}

export class WhoData {
  readonly #o: Required<Omit<WhoDataOptions, 'names'>> & { names?: IdNames }
  readonly #byPath = new Map<string, Seen>()

  constructor(o: WhoDataOptions = {}) {
    this.#o = { key: AUDIT_KEY, ttlMs: 10_000, waitMs: 300, now: Date.now, ...o }
  }

  /** Takes an assembled audit Event; keeps it only if it carries our key and paths. */
  push(e: Event): void {
    const f = e.fields
    if (e.kind !== 'audit' || str(f['audit.key']) !== this.#o.key) return
    const paths = f['audit.paths']
    if (!Array.isArray(paths)) return
    const cwd = str(f['audit.cwd'])
    const info = this.#info(e)
    const at = this.#o.now()
    // PATH items: the parent directory (nametype PARENT) and the entry (CREATE, DELETE, NORMAL).
    // The normalizer resolves a relative entry against the cwd, which is wrong for *at() calls on
    // another directory (dpkg, rm -r): the entry's name inside its PARENT is recorded as well.
    const parentName = str(paths.map((p) => p as Record<string, FieldValue>).find((p) => p?.nametype === 'PARENT')?.name)
    const record = (full: string): void => {
      this.#byPath.delete(full) // re-inserted last: the map stays in arrival order for #expire
      this.#byPath.set(full, { info, at })
    }
    for (const item of paths as Record<string, FieldValue>[]) {
      const name = str(item?.name)
      if (!name || item.nametype === 'PARENT') continue
      if (name.startsWith('/')) record(name)
      else if (cwd) record(join(cwd, name))
      if (parentName?.startsWith('/')) record(join(parentName, basename(name)))
    }
    this.#expire(at)
  }

  #info(e: Event): AuditInfo {
    const f = e.fields
    const names = this.#o.names
    const user = (id: string | undefined): { id: string; name?: string } | undefined => {
      if (id === undefined || UNSET.has(id)) return undefined
      const name = names?.user(Number(id))
      return name ? { id, name } : { id }
    }
    const info: AuditInfo = {}
    const uid = user(str(f['audit.uid']))
    if (uid) info.user = uid
    const auid = user(str(f['audit.auid']))
    if (auid) info.login_user = auid
    const euid = user(str(f['audit.euid']))
    if (euid) info.effective_user = euid
    const gid = str(f['audit.gid'])
    if (gid !== undefined) info.group = names?.group(Number(gid)) ? { id: gid, name: names.group(Number(gid)) } : { id: gid }
    const pid = str(f['audit.pid'])
    if (pid !== undefined) {
      info.process = { id: pid }
      const exe = str(f['audit.exe'])
      if (exe) info.process.name = exe
      const ppid = str(f['audit.ppid'])
      if (ppid) info.process.ppid = ppid
      const cwd = str(f['audit.cwd'])
      if (cwd) info.process.cwd = cwd
    }
    return info
  }

  #expire(now: number): void {
    for (const [p, s] of this.#byPath) {
      if (now - s.at <= this.#o.ttlMs) break // insertion order: the rest are younger
      this.#byPath.delete(p)
    }
  }

  /** Who last changed `path` (or created/removed it in its directory); waits briefly for the record. */
  async attribute(path: string): Promise<AuditInfo | undefined> {
    const deadline = this.#o.now() + this.#o.waitMs
    for (;;) {
      const seen = this.#byPath.get(path) ?? this.#byPath.get(dirname(path))
      if (seen) {
        this.#byPath.delete(path)
        return seen.info
      }
      if (this.#o.now() >= deadline) return undefined
      await new Promise((r) => setTimeout(r, 20))
    }
  }
}
