/**
 * Follows one log file path across rotation (rename + create, copytruncate), truncation and restarts.
 *
 * The tail is polled: each `poll()` returns the complete lines written since the last one. A file is
 * known by (device, inode) plus a fingerprint of its first bytes, so inode reuse after a delete is
 * not mistaken for the old file. A generation that is at the path when a poll runs is opened during
 * that poll and then read to its end even after it is renamed, so rename rotation loses nothing.
 * Copytruncate can lose what was written between the copy and the truncation (inherent to it); the
 * truncation itself is noticed and reported.
 */
import { createHash } from 'node:crypto'
import { open, readdir, stat, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { SourceNotice } from '../types.js'

/** One file generation in a saved position. `offset` is the end of the last complete line read. */
export type FileRef = {
  dev: number
  ino: number
  fingerprint: string
  fingerprint_bytes: number
  offset: number
}

/** Where a tail resumes: the generations still being read, oldest first (the last one is usually at the path). */
export type TailPosition = {
  files: FileRef[]
}

export interface TailOptions {
  /** With no saved position, read existing content (true) or start at the end (false, the default). */
  fromBeginning?: boolean
  /** Longer lines are cut to this many bytes; the rest of the line is skipped and reported. */
  maxLineBytes?: number
  /** At most this many bytes are read per file per poll (default 64 KB), which bounds the memory of one poll. */
  maxReadBytes?: number
}

export interface PollResult {
  lines: string[]
  notices: SourceNotice[]
  /** Bytes read by this poll: more than 0 with no line means a long line is still being read. */
  bytes: number
}

const FINGERPRINT_BYTES = 256
const CHUNK = 64 * 1024
/**
 * 16 KB per poll by default. The source polls again at once when a poll found data, so a backlog
 * (and what piles up during one poll interval) is read in batches of about 100 syslog lines, each
 * one spool frame. A frame's NDJSON (~4x its raw lines) then stays under V8's large-object size
 * (128 KB) and its events die young; with 1 MB per poll, megabyte frames were promoted to the old
 * space and the agent's RSS and major collections grew with them (bench/agent at 5,000 events/s:
 * 64 KB 76-77 MB, 16 KB 70-72 MB). The cost is one fsync per 16 KB: on a disk with slow fsyncs,
 * raise it (`sources.file.read_bytes`).
 */
export const READ_BYTES = 16 * 1024
const EMPTY = Buffer.alloc(0)

interface OpenFile {
  fh: FileHandle
  dev: number
  ino: number
  fingerprint: string
  fingerprintBytes: number
  /** End of the last complete line handed out. */
  offset: number
  /** Bytes after `offset` already read: the start of a line not yet terminated. */
  pending: Buffer
  /** Cutting an over-long line: skip bytes until the next newline. */
  skipping: boolean
}

function hash(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex').slice(0, 32)
}

async function readHead(fh: FileHandle, bytes: number): Promise<Buffer> {
  if (bytes === 0) return EMPTY
  const buf = Buffer.alloc(bytes)
  const { bytesRead } = await fh.read(buf, 0, bytes, 0)
  return buf.subarray(0, bytesRead)
}

async function statOrUndefined(path: string): Promise<{ dev: number; ino: number } | undefined> {
  try {
    return await stat(path)
  } catch {
    return undefined
  }
}

export class FileTail {
  readonly #opts: Required<TailOptions>
  #restore: TailPosition | undefined
  #firstRun: boolean
  #current: OpenFile | undefined
  /** The read buffer, reused by every poll (lines are decoded out of it; a partial line is copied). */
  readonly #buf: Buffer
  /** Older generations (rotated away or deleted) still being read to their end. */
  #draining: OpenFile[] = []

  constructor(
    readonly path: string,
    position: TailPosition | undefined,
    opts: TailOptions = {},
  ) {
    this.#opts = {
      fromBeginning: opts.fromBeginning ?? false,
      maxLineBytes: opts.maxLineBytes ?? 102_400,
      maxReadBytes: opts.maxReadBytes ?? READ_BYTES,
    }
    this.#buf = Buffer.allocUnsafe(Math.min(CHUNK, this.#opts.maxReadBytes))
    this.#restore = position
    this.#firstRun = position === undefined
  }

  /** The position after the last line returned by `poll`: persist it once those lines are durable. */
  position(): TailPosition {
    const files = [...this.#draining, ...(this.#current ? [this.#current] : [])]
    return {
      files: files.map((f) => ({
        dev: f.dev,
        ino: f.ino,
        fingerprint: f.fingerprint,
        fingerprint_bytes: f.fingerprintBytes,
        offset: f.offset,
      })),
    }
  }

  /** Reads what was written since the last poll; never throws for a missing or vanished file. */
  async poll(): Promise<PollResult> {
    const out: PollResult = { lines: [], notices: [], bytes: 0 }
    if (this.#restore) {
      await this.#resume(this.#restore, out)
      this.#restore = undefined
    }
    const atPath = await statOrUndefined(this.path)
    const cur = this.#current
    if (atPath && (!cur || atPath.dev !== cur.dev || atPath.ino !== cur.ino)) {
      const opened = await this.#open(this.path, this.#firstRun && !this.#opts.fromBeginning)
      if (opened) {
        if (cur) this.#draining.push(cur, ...(await this.#openSkipped(cur)))
        this.#current = opened
      }
    }
    this.#firstRun = false
    // Old generations first, so lines come out in the order they were written.
    for (const old of [...this.#draining]) {
      if ((await this.#read(old, out)) === 0) await this.#retire(old, out)
    }
    if (this.#current) {
      const n = await this.#read(this.#current, out)
      if (n === 0 && !atPath) await this.#retire(this.#current, out)
    }
    return out
  }

  async close(): Promise<void> {
    for (const f of [...this.#draining, ...(this.#current ? [this.#current] : [])]) await f.fh.close().catch(() => {})
    this.#draining = []
    this.#current = undefined
  }

  /** Rotated generations next to the path (`name.1`, `name-20240101`...), oldest first. */
  async #rotatedSiblings(): Promise<string[]> {
    const dir = dirname(this.path)
    const base = basename(this.path)
    const names = await readdir(dir).then(
      (all) => all.filter((n) => n.startsWith(base) && n !== base && !n.endsWith('.gz') && !n.endsWith('.xz') && !n.endsWith('.zst')),
      () => [] as string[],
    )
    const suffix = (n: string): string => n.slice(base.length)
    // `.1` is the newest of numbered rotations; dated ones (`-20240101`) sort oldest first by name.
    if (names.every((n) => /^\.\d+$/.test(suffix(n)))) names.sort((a, b) => Number(suffix(b).slice(1)) - Number(suffix(a).slice(1)))
    else names.sort()
    return names.map((n) => join(dir, n))
  }

  /**
   * Generations rotated after `f` that it never saw at the path (several rotations between two polls,
   * or while the agent was down): opened from their start, oldest first, to be read after `f`.
   */
  async #openSkipped(f: OpenFile): Promise<OpenFile[]> {
    const siblings = await this.#rotatedSiblings()
    const known = new Set([...this.#draining, ...(this.#current ? [this.#current] : []), f].map((o) => `${o.dev}:${o.ino}`))
    let seen = false
    const out: OpenFile[] = []
    for (const p of siblings) {
      const st = await statOrUndefined(p)
      if (!st) continue
      if (st.dev === f.dev && st.ino === f.ino) {
        seen = true
        continue
      }
      if (!seen || known.has(`${st.dev}:${st.ino}`)) continue
      const o = await this.#open(p, false)
      if (o) out.push(o)
    }
    return out
  }

  /** Reopens the generations of a saved position: at the path, or renamed next to it (`name.1`, `name-2024...`). */
  async #resume(pos: TailPosition, out: PollResult): Promise<void> {
    const candidates = [this.path, ...(await this.#rotatedSiblings())]
    for (const ref of pos.files) {
      let found: OpenFile | undefined
      let foundAtPath = false
      for (const p of candidates) {
        const st = await statOrUndefined(p)
        if (!st || st.dev !== ref.dev || st.ino !== ref.ino) continue
        const f = await this.#open(p, false)
        if (!f) continue
        // Same inode, other first bytes: truncated and rewritten while we were down, or a new file on
        // a reused inode. Either way all of its content is new, so it is read from the start.
        if (hash(await readHead(f.fh, ref.fingerprint_bytes)) === ref.fingerprint) {
          f.offset = ref.offset
          f.fingerprint = ref.fingerprint
          f.fingerprintBytes = ref.fingerprint_bytes
        } else {
          out.notices.push({ kind: 'truncated', message: `${p}: the file was truncated or replaced while the agent was down; reading it from the start` })
        }
        found = f
        foundAtPath = p === this.path
        break
      }
      if (!found) {
        out.notices.push({
          kind: 'rotated_file_missing',
          message: `${this.path}: the file read before the restart (inode ${ref.ino}) is gone; lines after offset ${ref.offset} in it are lost`,
        })
      } else if (foundAtPath) {
        this.#current = found
      } else {
        this.#draining.push(found)
      }
    }
    // The newest saved generation was rotated away while we were down: so may have been newer ones.
    const last = this.#draining[this.#draining.length - 1]
    if (last) this.#draining.push(...(await this.#openSkipped(last)))
  }

  async #open(path: string, atEnd: boolean): Promise<OpenFile | undefined> {
    let fh: FileHandle
    try {
      fh = await open(path, 'r')
    } catch {
      return undefined
    }
    const st = await fh.stat()
    const fpBytes = Math.min(st.size, FINGERPRINT_BYTES)
    return {
      fh,
      dev: st.dev,
      ino: st.ino,
      fingerprint: hash(await readHead(fh, fpBytes)),
      fingerprintBytes: fpBytes,
      offset: atEnd ? st.size : 0,
      pending: EMPTY,
      skipping: false,
    }
  }

  /** Reads one generation from where it stopped to its end (or the per-poll cap); returns bytes read. */
  async #read(f: OpenFile, out: PollResult): Promise<number> {
    const size = (await f.fh.stat()).size
    // The fingerprint is checked on every poll, not only when the size changed: a file truncated and
    // rewritten to the same size between two polls must not be mistaken for the old one.
    const sameStart = size >= f.offset + f.pending.length && (await this.#checkFingerprint(f, size))
    if (!sameStart) {
      out.notices.push({
        kind: 'truncated',
        message: `${this.path}: the file was truncated or rewritten at offset ${f.offset}; reading it again from the start`,
      })
      f.offset = 0
      f.pending = EMPTY
      f.skipping = false
      const fpBytes = Math.min(size, FINGERPRINT_BYTES)
      f.fingerprint = hash(await readHead(f.fh, fpBytes))
      f.fingerprintBytes = fpBytes
    }
    let pos = f.offset + f.pending.length
    let total = 0
    const buf = this.#buf
    while (total < this.#opts.maxReadBytes) {
      const { bytesRead } = await f.fh.read(buf, 0, buf.length, pos)
      if (bytesRead === 0) break
      pos += bytesRead
      total += bytesRead
      out.bytes += bytesRead
      this.#split(f, buf.subarray(0, bytesRead), out)
    }
    return total
  }

  /** True when the file still starts with the bytes fingerprinted; grows the fingerprint up to its full size. */
  async #checkFingerprint(f: OpenFile, size: number): Promise<boolean> {
    if (hash(await readHead(f.fh, f.fingerprintBytes)) !== f.fingerprint) return false
    const want = Math.min(size, FINGERPRINT_BYTES)
    if (want > f.fingerprintBytes) {
      f.fingerprint = hash(await readHead(f.fh, want))
      f.fingerprintBytes = want
    }
    return true
  }

  #split(f: OpenFile, chunk: Buffer, out: PollResult): void {
    let data = f.pending.length ? Buffer.concat([f.pending, chunk]) : chunk
    let start = 0
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      if (!f.skipping) this.#emit(f, data, start, nl, out)
      f.skipping = false
      f.offset += nl + 1 - start
      start = nl + 1
    }
    data = data.subarray(start)
    if (!f.skipping && data.length > this.#opts.maxLineBytes) {
      this.#emit(f, data, 0, data.length, out)
      f.skipping = true
    }
    if (f.skipping) {
      f.offset += data.length
      data = EMPTY
    }
    // Copy: `chunk` is a reused read buffer.
    f.pending = data.length ? Buffer.from(data) : EMPTY
  }

  #emit(f: OpenFile, data: Buffer, start: number, end: number, out: PollResult): void {
    const max = this.#opts.maxLineBytes
    if (end - start > max) {
      out.notices.push({
        kind: 'line_too_long',
        message: `${this.path}: a line at offset ${f.offset} is longer than ${max} bytes; it was cut`,
      })
      end = start + max
    }
    out.lines.push(data.toString('utf8', start, end))
  }

  /** Stops reading a generation that was rotated away or deleted; an unterminated last line is still handed out. */
  async #retire(f: OpenFile, out: PollResult): Promise<void> {
    if (f.pending.length && !f.skipping) {
      out.lines.push(f.pending.toString('utf8'))
      f.offset += f.pending.length
    }
    await f.fh.close().catch(() => {})
    this.#draining = this.#draining.filter((d) => d !== f)
    if (this.#current === f) this.#current = undefined
  }
}
