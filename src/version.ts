/** The armorwatch version, read once from the package.json above this file (source or dist). */
import { existsSync, readFileSync } from 'node:fs'

function findPackageJson(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    const candidate = new URL('package.json', dir)
    if (existsSync(candidate)) return readFileSync(candidate, 'utf8')
    if (dir.pathname === '/') throw new Error('package.json not found above ' + import.meta.url)
  }
}

export const VERSION: string = (JSON.parse(findPackageJson()) as { version: string }).version
