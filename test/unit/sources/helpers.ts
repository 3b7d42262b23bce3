/** Test helpers for the sources: temp dirs and a seeded PRNG (mulberry32) so failures replay. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'aw-src-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export { prng } from '../../helpers/prng.js'
