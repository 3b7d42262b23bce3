/**
 * `profile new BINARY`: aa-autodep's skeleton (abstractions/base, complain mode, the program
 * itself), plus for scripts the interpreter and its abstraction, and for ELF programs the shared
 * libraries it needs that abstractions/base does not already cover.
 */
import { accessSync, constants, openSync, readFileSync, readSync, closeSync, realpathSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'
import { readElf, isElf } from './elf.js'
import { escapeAare, newProfileText } from './suggest.js'

export interface NewProfile {
  readonly program: string
  readonly content: string
  readonly interpreter?: string
  readonly libraries: readonly string[]
}

/** Abstractions aa-autodep adds for an interpreter, by the interpreter's base name. */
const INTERPRETER_ABSTRACTIONS: ReadonlyArray<[RegExp, string]> = [
  [/^(ba|da|z|k|)sh$/, 'bash'],
  [/^perl/, 'perl'],
  [/^python/, 'python'],
  [/^ruby/, 'ruby'],
  [/^php/, 'php'],
]

const LIB_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib']

/** Finds a program on PATH (as a shell would) unless it is already a path. */
export function resolveProgram(name: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = isAbsolute(name) || name.includes('/') ? [name] : path.split(delimiter).filter(Boolean).map((d) => join(d, name))
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK)
      return realpathSync(c)
    } catch {
      // not this one
    }
  }
  return undefined
}

function head(file: string, n: number): Buffer {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(n)
    const got = readSync(fd, buf, 0, n, 0)
    return buf.subarray(0, got)
  } finally {
    closeSync(fd)
  }
}

/**
 * Builds the profile text; `covered(path)` says whether the base abstraction already allows
 * `mr` on a library (those are not repeated).
 */
export function newProfile(program: string, covered: (lib: string) => boolean = () => false): NewProfile | { error: string } {
  const resolved = resolveProgram(program)
  if (!resolved) return { error: `${program}: not found or not executable` }
  const first = head(resolved, 256)
  const body: string[] = []
  let interpreter: string | undefined
  const libraries: string[] = []
  if (first.subarray(0, 2).toString() === '#!') {
    const line = first.toString('utf8').split('\n')[0]?.slice(2).trim() ?? ''
    const [written = '', arg] = line.split(/\s+/)
    const interp = written.endsWith('/env') && arg ? (resolveProgram(arg) ?? arg) : (resolveProgram(written) ?? written)
    interpreter = interp
    const base = interp.split('/').pop() ?? ''
    const abs = INTERPRETER_ABSTRACTIONS.find(([re]) => re.test(base))?.[1]
    if (abs) body.push(`include <abstractions/${abs}>`, '')
    body.push(`${escapeAare(interp)} ix,`, `${escapeAare(resolved)} r,`)
  } else {
    body.push(`${escapeAare(resolved)} mr,`)
    if (isElf(first)) {
      const info = readElf(readFileSync(resolved))
      if (!('error' in info)) {
        for (const lib of info.needed) {
          const found = LIB_DIRS.map((d) => join(d, lib)).find((p) => {
            try {
              accessSync(p)
              return true
            } catch {
              return false
            }
          })
          if (found && !covered(found)) libraries.push(found)
        }
      }
    }
    for (const l of libraries) body.push(`${escapeAare(l)} mr,`)
  }
  return { program: resolved, content: newProfileText(resolved, body.sort(sortRules), 'complain'), ...(interpreter ? { interpreter } : {}), libraries }
}

/** Includes first, then blank lines kept in place, then paths. */
function sortRules(a: string, b: string): number {
  const rank = (s: string) => (s.startsWith('include') ? 0 : s === '' ? 1 : 2)
  return rank(a) - rank(b) || (rank(a) === 2 ? a.localeCompare(b) : 0)
}
