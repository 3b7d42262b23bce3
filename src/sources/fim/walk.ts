/**
 * Lists the files a monitored directory covers: recursion depth, `ignore` and `restrict` applied,
 * links inside never followed (they are recorded as links), the root followed only with
 * follow_symbolic_link. Unreadable directories are reported, not fatal.
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

/**
 * Yields every candidate file path under `start` (a directory of `dir`, or `dir.path` itself when it
 * is a file). `onError` hears about directories that could not be read.
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
    const subdirs: string[] = []
    for (const e of entries) {
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
