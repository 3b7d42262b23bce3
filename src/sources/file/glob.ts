/**
 * Expands the file source's path patterns. `*` and `?` are allowed in the file name only (as in
 * `/var/log/audit/*.log`): a directory wildcard would make the set of followed files unbounded.
 */
import { readdir } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

const special = /[*?]/

export function isPattern(path: string): boolean {
  return special.test(basename(path))
}

/** Returns an error message for a pattern the source cannot follow, else undefined. */
export function checkPattern(path: string): string | undefined {
  if (!path.startsWith('/')) return `${path}: must be an absolute path`
  if (special.test(dirname(path))) return `${path}: wildcards are allowed in the file name only`
  return undefined
}

function toRegExp(name: string): RegExp {
  const body = name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')
  return new RegExp(`^${body}$`)
}

/** The paths matching `pattern` now, sorted; a plain path is returned as is, existing or not. */
export async function expand(pattern: string): Promise<string[]> {
  if (!isPattern(pattern)) return [pattern]
  const dir = dirname(pattern)
  const re = toRegExp(basename(pattern))
  try {
    return (await readdir(dir)).filter((n) => re.test(n)).sort().map((n) => join(dir, n))
  } catch {
    return []
  }
}
