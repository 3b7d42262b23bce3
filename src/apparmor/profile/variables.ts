/**
 * Set variables (`@{HOME}`): collecting assignments in file order with apparmor_parser's rules for
 * `=`, `+=` (4.x also `?=`, `:=`), and expanding references into every combination of values.
 */
import type { Assign, Diagnostic } from './ast.js'

export type Variables = ReadonlyMap<string, readonly string[]>

const REF = /@\{([A-Za-z][A-Za-z0-9_]*)\}/g
/** Names defined by the parser itself. */
export const BUILTIN_VARIABLES: ReadonlySet<string> = new Set(['profile_name'])
export const BUILTIN_VARIABLES_4: ReadonlySet<string> = new Set(['profile_name', 'exec_path', 'attach_path'])

/** Applies assignments in order; `at(file)` turns an assignment's file into the diagnostic's file. */
export function collectVariables(assigns: readonly { assign: Assign; file: string }[], abi: 3 | 4, report: (d: Diagnostic) => void): Map<string, string[]> {
  const vars = new Map<string, string[]>()
  for (const { assign: a, file } of assigns) {
    if (a.variable.startsWith('$')) continue
    const name = variableName(a.variable)
    const values = a.values.map((v) => v.value)
    const err = (message: string) => report({ line: a.pos.line, column: a.pos.column, message, file })
    if ((a.op === '?=' || a.op === ':=') && abi < 4) {
      err(`'${a.op}' needs AppArmor 4 (use --abi 4)`)
      continue
    }
    const existing = vars.get(name)
    if (a.op === '=') {
      if (existing) err(`variable @{${name}} was previously declared`)
      else vars.set(name, values)
    } else if (a.op === '+=') {
      if (!existing) err(`variable @{${name}} was not previously declared, but is being assigned additional value`)
      else existing.push(...values)
    } else if (a.op === '?=') {
      if (!existing) vars.set(name, values)
    } else vars.set(name, values)
  }
  return vars
}

/** `@{NAME}`, `@NAME`, `${NAME}`, `$NAME` → `NAME`. */
export function variableName(variable: string): string {
  return variable.replace(/^[@$]\{?|\}$/g, '')
}

/** The names referenced by `text`. */
export function references(text: string): string[] {
  return [...text.matchAll(REF)].map((m) => m[1] as string)
}

/**
 * Every expansion of `text` (cartesian over multi-valued variables); throws on an undefined or
 * self-referencing variable. `limit` bounds the result for pathological definitions.
 */
export function expand(text: string, vars: Variables, limit = 4096, seen: readonly string[] = []): string[] {
  const m = /@\{([A-Za-z][A-Za-z0-9_]*)\}/.exec(text)
  if (!m) return [text]
  const name = m[1] as string
  if (seen.includes(name)) throw new Error(`variable @{${name}} refers to itself`)
  const values = vars.get(name)
  if (!values) throw new Error(`Found reference to variable ${name}, but is never declared`)
  const head = text.slice(0, m.index)
  const tail = text.slice(m.index + m[0].length)
  const out: string[] = []
  for (const v of values) {
    for (const ev of expand(v, vars, limit, [...seen, name])) {
      for (const rest of expand(tail, vars, limit, seen)) {
        out.push(head + ev + rest)
        if (out.length >= limit) return out
      }
    }
  }
  return out
}
