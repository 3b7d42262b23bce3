/** `profile check`: one verdict per file, every problem with its position. */
import { loadPolicy, type PolicyOptions } from './policy.js'
import type { Diagnostic } from './ast.js'

export interface CheckResult {
  readonly file: string
  readonly ok: boolean
  readonly errors: readonly Diagnostic[]
}

export function checkFile(path: string, opts: PolicyOptions = {}, text?: string): CheckResult {
  const policy = loadPolicy(path, opts, text)
  return { file: path, ok: policy.errors.length === 0, errors: policy.errors }
}
