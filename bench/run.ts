/**
 * `npm run bench -- NAME [args...]`: runs bench/NAME.ts. Each benchmark prints its figures and ends
 * with one JSON line `{"bench","figures","baseline","ratio"}` (see bench/report.ts).
 */
import { existsSync, readdirSync } from 'node:fs'

const [name, ...rest] = process.argv.slice(2)
const available = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'report.ts'].includes(f))
  .map((f) => f.slice(0, -3))
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- NAME [args]\nbenchmarks: ${available.join(', ')}\n`)
  process.exit(2)
}
const file = new URL(`./${name}.ts`, import.meta.url)
if (!existsSync(file)) process.exit(2)
process.argv = [process.argv[0] ?? 'node', file.pathname, ...rest]
await import(file.href)
