/** A problem found while loading rules, decoders or lists: where, how bad, and what. */
export interface LoadProblem {
  readonly file: string
  readonly line: number
  readonly severity: 'error' | 'warning'
  readonly message: string
}

export function formatProblem(p: LoadProblem): string {
  return `${p.file}:${p.line}: ${p.severity}: ${p.message}`
}
