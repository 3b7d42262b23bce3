/**
 * Lists the files a monitored directory covers: recursion depth, `ignore` and `restrict` applied,
 * links inside never followed (they are recorded as links), the root followed only with
 * follow_symbolic_link. Unreadable directories are reported, not fatal; so are names that are not
 * valid UTF-8, which are skipped.
 */
import { lstat, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { CompiledDirectory, FimConfig } from './config.js'

/** Depth of `path` below `root`: 0 for a file directly in it. */
export function depthBelow(root: string, path: string): number {
  if (path === root) return 0
  const rest = path.slice(root === '/' ? 1 : root.length + 1)
  let n = 0
  for (let i = 0; i < rest.length; i++) if (rest.charCodeAt(i) === 47) n++
  return n
}

/** Whether a file path is covered by `dir` (depth and restrict), and not ignored. */
export function covers(cfg: FimConfig, dir: CompiledDirectory, path: string): boolean {
  if (cfg.isIgnored(path)) return false
  if (path !== dir.path && depthBelow(dir.path, path) > dir.recursion_level) return false
  return !dir.restrictMatch || dir.restrictMatch(path)
}

/** A name's bytes, printable ASCII kept and every other byte as `\xNN`: `lat\xe9.txt`. */
function escapeBytes(b: Buffer): string {
  return Array.from(b, (x) => (x >= 0x20 && x < 0x7f && x !== 0x5c ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`)).join('')
}

/**
 * The names in `dir` that are not valid UTF-8, as readdir decoded them (each bad byte became
 * U+FFFD, so the decoded path names no file). Each is reported to `onError` with its bytes.
 */
async function nonUtf8Names(dir: string, onError: (path: string, err: Error) => void): Promise<Set<string>> {
  const bad = new Set<string>()
  const raw = await readdir(dir, { encoding: 'buffer' }).catch(() => [])
  for (const b of raw) {
    const name = b.toString('utf8')
    if (Buffer.from(name).equals(b)) continue
    bad.add(name)
    onError(join(dir, escapeBytes(b)), new Error('not monitored: the name is not valid UTF-8'))
  }
  return bad
}

/**
 * Yields every candidate file path under `start` (a directory of `dir`, or `dir.path` itself when it
 * is a file). `onError` hears about directories that could not be read and names skipped.
 */
export async function* walk(cfg: FimConfig, dir: CompiledDirectory, start: string, onError: (path: string, err: Error) => void): AsyncGenerator<string> {
  let st
  try {
    st = dir.follow_symbolic_link && start === dir.path ? await stat(start) : await lstat(start)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError(start, err as Error)
    return
  }
  if (!st.isDirectory()) {
    if (covers(cfg, dir, start)) yield start
    return
  }
  const stack = [start]
  while (stack.length) {
    const d = stack.pop() as string
    if (cfg.isIgnored(d)) continue
    let entries
    try {
      // One readdir per directory: cheaper than iterating a Dir handle entry by entry.
      entries = await readdir(d, { withFileTypes: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError(d, err as Error)
      continue
    }
    // Wazuh skips a name that is not valid UTF-8 with a warning (its events are JSON, which holds
    // UTF-8 only); so do we, rather than lose the file silently to an lstat of the mangled name.
    const bad = entries.some((e) => e.name.includes('\uFFFD')) ? await nonUtf8Names(d, onError) : undefined
    const subdirs: string[] = []
    for (const e of entries) {
      if (bad?.has(e.name)) continue
      const p = join(d, e.name)
      if (e.isDirectory()) {
        if (depthBelow(dir.path, p) < dir.recursion_level) subdirs.push(p)
      } else if (e.isFile() || e.isSymbolicLink()) {
        if (covers(cfg, dir, p)) yield p
      }
    }
    // Depth-first in name order keeps scans (and their events) in a stable order.
    stack.push(...subdirs.sort().reverse())
  }
}
