/** Shared output of the benchmarks: the machine, the figures, and the final JSON line. */
import os from 'node:os'

export type Figures = Record<string, number | string>

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`
}

/** Prints the figures for people, then the one JSON line CI and notes read. */
export function report(bench: string, figures: Figures, baseline: Figures, ratio: number): void {
  process.stdout.write(`machine: ${machine()}\n`)
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`  ${k}: ${v}\n`)
  for (const [k, v] of Object.entries(baseline)) process.stdout.write(`  baseline ${k}: ${v}\n`)
  process.stdout.write(`  ratio: ${ratio.toFixed(2)}\n`)
  process.stdout.write(JSON.stringify({ bench, figures, baseline, ratio: Number(ratio.toFixed(3)) }) + '\n')
}

/** True when the benchmark should run its short smoke mode (CI runs every bench that way). */
export const smoke: boolean = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1'
