/**
 * AIDE 0.18 as a reference for the FIM differential test: a rule equivalent to a directory's
 * checks, `aide --init` / `aide --check` on a temp tree, and its JSON report read into `Attr`,
 * the vocabulary the test compares both tools in.
 */
import { spawnSync } from 'node:child_process'
import { renameSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { Checks } from '../../../src/sources/fim/index.js'

/** What a report says about one path; attributes in the shared vocabulary of `Attr`. */
export interface Finding {
  event: 'added' | 'removed' | 'changed'
  attrs: Attr[]
  /** AIDE's file type letter (`f`, `d`, `l`, `p`...), of the current entry or, if removed, the old one. */
  ftype?: string
  /** For AIDE type changes: the old file type as AIDE names it (`File`, `Directory`, `Link`...). */
  oldType?: string
}

/**
 * The shared vocabulary: ours minus the name attributes (user_name and group_name follow uid and
 * gid here) and with AIDE's `link_count`, which we do not record.
 */
export type Attr = 'type' | 'size' | 'perm' | 'uid' | 'gid' | 'mtime' | 'inode' | 'md5' | 'sha1' | 'sha256' | 'link_count'

/** Paths relative to the monitored root. */
export type Report = Map<string, Finding>

const HASHES = ['md5', 'sha1', 'sha256'] as const

/** Our checks → AIDE attributes; `n` and `ftype` are added to every rule (see aideRule). */
const CHECK_TO_AIDE: Record<keyof Checks, string> = { size: 's', perm: 'p', owner: 'u', group: 'g', mtime: 'm', inode: 'i', md5: 'md5', sha1: 'sha1', sha256: 'sha256' }

/**
 * The AIDE rule equivalent to `checks`. `ftype` always: we always report a type change. `l` (the
 * link target) whenever a hash is checked: a link's content, which we hash, is its target. `n`
 * always, although we do not record link counts (Wazuh does not): the test shows that difference.
 * Never `c` nor `a`: Wazuh records neither ctime nor atime; ctime moves with every change already
 * reported through its own attribute (and with ones nobody checks), and AIDE's own reads move atime.
 */
export function aideRule(checks: Checks): string {
  const on = (Object.keys(CHECK_TO_AIDE) as (keyof Checks)[]).filter((k) => checks[k])
  const link = HASHES.some((h) => checks[h]) ? ['l'] : []
  return ['ftype', 'n', ...link, ...on.map((k) => CHECK_TO_AIDE[k])].join('+')
}

/** Whether `aide` runs; undefined when it does, else why not. */
export function aideMissing(): string | undefined {
  const r = spawnSync('aide', ['--version'], { encoding: 'utf8' })
  return r.status === 0 ? undefined : 'aide not installed (.ci/run installs it)'
}

export class Aide {
  readonly #conf: string
  readonly #db: string
  readonly #root: string
  readonly #checks: Checks

  /** `work` holds the configuration and databases; `root` is the tree to monitor. */
  constructor(work: string, root: string, checks: Checks) {
    this.#conf = join(work, 'aide.conf')
    this.#db = join(work, 'aide.db')
    this.#root = root
    this.#checks = checks
    writeFileSync(
      this.#conf,
      [
        `database_in=file:${this.#db}`,
        `database_out=file:${this.#db}.new`,
        'gzip_dbout=no',
        'report_format=json',
        // Needed for the per-attribute details of changed entries.
        'report_level=changed_attributes',
        'report_url=stdout',
        'num_workers=1',
        `FIM = ${aideRule(checks)}`,
        `${root} FIM`,
        '',
      ].join('\n'),
    )
  }

  #run(command: string): { status: number | null; stdout: string; stderr: string } {
    return spawnSync('aide', [command, '-c', this.#conf], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 })
  }

  /** `aide --init`, the new database then becoming the input one. */
  init(): void {
    const r = this.#run('--init')
    if (r.status !== 0) throw new Error(`aide --init exited ${r.status}: ${r.stderr}`)
    renameSync(`${this.#db}.new`, this.#db)
  }

  /** `aide --check`: exit 0 when nothing changed, else a bit mask of added (1), removed (2), changed (4). */
  check(): Report {
    const r = this.#run('--check')
    if (r.status === null || r.status > 7) throw new Error(`aide --check exited ${r.status}: ${r.stderr}`)
    return this.#read(JSON.parse(r.stdout) as AideJson)
  }

  #read(j: AideJson): Report {
    const out: Report = new Map()
    const rel = (p: string): string => relative(this.#root, p) || '.'
    for (const [p, summary] of Object.entries(j.added ?? {})) out.set(rel(p), { event: 'added', attrs: [], ftype: summary[0] })
    for (const [p, summary] of Object.entries(j.removed ?? {})) out.set(rel(p), { event: 'removed', attrs: [], ftype: summary[0] })
    for (const [p, summary] of Object.entries(j.changed ?? {})) {
      const details = j.details?.[p] ?? {}
      const attrs = new Set<Attr>()
      for (const key of Object.keys(details)) for (const a of this.#mapDetail(key)) attrs.add(a)
      // Attributes that appear or vanish (a file's hashes when it becomes a link, a link's target
      // when it becomes a file) are not in the details but in `different_attributes`: `+l-md5...`.
      // AIDE lists there also entries it does not count as changed (one that only gained a file
      // capability); those stay unchanged here, as in AIDE's verdict.
      for (const [, name] of (j.different_attributes?.[p] ?? '').matchAll(/[+-](\w+)/g)) for (const a of this.#mapAppeared(name as string)) attrs.add(a)
      const oldType = details.file_type?.old
      out.set(rel(p), { event: 'changed', attrs: [...attrs], ftype: summary[0], ...(typeof oldType === 'string' ? { oldType } : {}) })
    }
    return out
  }

  #hashes(): Attr[] {
    return HASHES.filter((h) => this.#checks[h])
  }

  /** An attribute of AIDE's rule that appeared or vanished → ours. */
  #mapAppeared(name: string): Attr[] {
    if (name === 'l') return this.#hashes()
    if ((HASHES as readonly string[]).includes(name)) return [name as Attr]
    throw new Error(`AIDE reported an added or removed attribute the test does not map: ${name}`)
  }

  /** AIDE's detail keys → ours; a link target's change is a change of the hashes we take of it. */
  #mapDetail(key: string): Attr[] {
    const simple: Record<string, Attr> = { file_type: 'type', size: 'size', perm: 'perm', uid: 'uid', gid: 'gid', modify_time: 'mtime', inode: 'inode', md5: 'md5', sha1: 'sha1', sha256: 'sha256', link_count: 'link_count' }
    if (key === 'link_name') return this.#hashes()
    const a = simple[key]
    if (!a) throw new Error(`AIDE reported an attribute the test does not map: ${key}`)
    return [a]
  }
}

interface AideJson {
  added?: Record<string, string>
  removed?: Record<string, string>
  changed?: Record<string, string>
  different_attributes?: Record<string, string>
  details?: Record<string, Record<string, { old?: unknown; new?: unknown }>>
}
