/**
 * File permission strings (`rw`, `mr`, `Pix`, `CUx` ...): parsed into a permission set and the exec
 * transition, with apparmor_parser's rules for which exec qualifiers may be combined.
 */

export type Perm = 'r' | 'w' | 'a' | 'l' | 'k' | 'm' | 'x'

export interface FileMode {
  readonly perms: ReadonlySet<Perm>
  /** The exec transition as canonically written (`ix`, `Px`, `Cix`, `PUx` ...), when `x` is present. */
  readonly exec?: string
}

export type ModeResult = { ok: true; mode: FileMode } | { ok: false; message: string }

/** Parses a permission word; `deny` rules accept only a bare `x` among the exec letters. */
export function parseMode(text: string, deny: boolean): ModeResult {
  const perms = new Set<Perm>()
  let qual = ''
  let exec: string | undefined
  for (const c of text) {
    // An exec qualifier must be directly followed by `x` (or the next qualifier): `prx` is no mode.
    if (qual && !'iIuUpPcCxX'.includes(c)) return { ok: false, message: `exec qualifier '${qual}' in '${text}' must be followed by 'x'` }
    switch (c) {
      case 'r':
      case 'R':
        perms.add('r')
        break
      case 'w':
      case 'W':
        perms.add('w')
        break
      case 'a':
        perms.add('a')
        break
      case 'l':
      case 'L':
        perms.add('l')
        break
      case 'k':
        perms.add('k')
        break
      case 'm':
      case 'M':
        perms.add('m')
        break
      case 'i':
      case 'I':
      case 'u':
      case 'U':
      case 'p':
      case 'P':
      case 'c':
      case 'C': {
        const next = qual + c
        if (!/^([iI]|[uU]|[pPcC]|[pPcC][iI]|[pPcC][uU])$/.test(next)) {
          return { ok: false, message: `Exec qualifier '${c}' invalid, conflicting qualifier already specified` }
        }
        qual = next
        break
      }
      case 'x':
      case 'X': {
        if (deny && qual) return { ok: false, message: "Invalid mode, in deny rules 'x' must not be preceded by exec qualifier 'i', 'p', or 'u'" }
        if (!deny && !qual && exec === undefined) return { ok: false, message: "Invalid mode, 'x' must be preceded by exec qualifier 'i', 'p', 'c', or 'u'" }
        // Repeating the same transition (`ixix`, `Pxx`) is harmless; a different one conflicts.
        const next = deny ? 'x' : qual ? canonicalExec(qual) : (exec as string)
        if (exec !== undefined && next !== exec) return { ok: false, message: `Exec qualifier '${qual[0] ?? 'x'}' invalid, conflicting qualifier already specified` }
        exec = next
        perms.add('x')
        qual = ''
        break
      }
      default:
        return { ok: false, message: `invalid permission '${c}' in '${text}' (valid: r w a l k m and exec modes ix px cx ux Px Cx Ux pix cix pux cux ...)` }
    }
  }
  if (qual) return { ok: false, message: `exec qualifier '${qual}' in '${text}' must be followed by 'x'` }
  if (perms.has('w') && perms.has('a')) return { ok: false, message: "Conflict 'a' and 'w' perms are mutually exclusive." }
  return { ok: true, mode: { perms, ...(exec ? { exec } : {}) } }
}

/** `pu` → `pux`, `PU`/`Pu` → `PUx`, `I` → `ix`: the spelling the docs use. */
function canonicalExec(qual: string): string {
  const first = qual[0] as string
  const second = qual[1]
  const safe = first === first.toUpperCase() && first !== 'i' && first !== 'I'
  if (second === undefined) return `${first === 'I' ? 'i' : first}x`
  if (second.toLowerCase() === 'i') return `${first}ix`
  return safe || second === 'U' ? `${first.toUpperCase()}Ux` : `${first}ux`
}

/** Writes a permission set back in the conventional order. */
export function formatMode(mode: FileMode): string {
  let s = ''
  for (const p of ['m', 'r', 'w', 'a', 'l', 'k'] as const) if (mode.perms.has(p)) s += p
  if (mode.exec) s += mode.exec
  return s
}
