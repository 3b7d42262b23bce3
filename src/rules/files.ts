/** Finding ruleset files: XML in a directory sorted by name (Wazuh's load order), lists recursively. */
import { readdirSync, statSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export function xmlFiles(path: string): string[] {
  const st = statSync(path)
  if (!st.isDirectory()) return [path]
  return readdirSync(path)
    .filter((n) => n.endsWith('.xml'))
    .sort()
    .map((n) => join(path, n))
    .filter((p) => statSync(p).isFile())
}

/** Every list file under `dir`, keyed by its path relative to `dir` (`amazon/aws-eventnames`). */
export function listFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n)
      if (statSync(p).isDirectory()) walk(p)
      else if (!n.endsWith('.cdb') && !n.startsWith('.')) out.set(relative(dir, p), p)
    }
  }
  walk(dir)
  return out
}

/** The key a rule's `<list>` path refers to: Wazuh paths are relative to its install (`etc/lists/x`). */
export function listKey(path: string): string {
  return path.replace(/^\/?(var\/ossec\/)?etc\/lists\//, '').replace(/\.cdb$/, '')
}

/** The repository (or installed package) root, found from this module's location. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }
      if (pkg.name === 'armorwatch') return dir
    } catch {
      // not here; go up
    }
    const up = resolve(dir, '..')
    if (up === dir) throw new Error('cannot find the armorwatch package root')
    dir = up
  }
}
