/**
 * `profile mode enforce|complain|audit|disable`: what aa-enforce, aa-complain, aa-audit and
 * aa-disable do to the files: edit the profile's flags in place (other text untouched), manage
 * the `disable/` and `force-complain/` links. Reloading is the caller's (needs a kernel with AppArmor).
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Profile } from './ast.js'
import { parseProfileText } from './parser.js'

export type Mode = 'enforce' | 'complain' | 'audit' | 'disable'

export interface ModeChange {
  readonly file: string
  readonly profiles: readonly string[]
  readonly changed: boolean
  /** What to tell apparmor_parser: replace (-r) or remove (-R). */
  readonly reload: 'replace' | 'remove'
}

const REMOVED_BY: Record<Exclude<Mode, 'disable'>, readonly string[]> = {
  enforce: ['complain', 'kill', 'unconfined', 'prompt', 'default_allow'],
  complain: ['enforce', 'kill', 'unconfined', 'prompt', 'default_allow'],
  audit: [],
}

/** The new flag list for a mode; `remove` undoes `audit`. */
export function newFlags(flags: readonly string[], mode: Exclude<Mode, 'disable'>, remove = false): string[] {
  const kept = flags.filter((f) => !REMOVED_BY[mode].includes(f.split('=')[0] ?? f))
  if (mode === 'complain' && !kept.includes('complain')) kept.push('complain')
  if (mode === 'audit') return remove ? kept.filter((f) => f !== 'audit') : kept.includes('audit') ? kept : [...kept, 'audit']
  return kept
}

/** Rewrites the flags of every top-level profile in `text`; returns the new text. */
export function setModeInText(text: string, mode: Exclude<Mode, 'disable'>, remove = false): { text: string; profiles: string[]; error?: string } {
  const parsed = parseProfileText(text, 'profile')
  if (parsed.errors.length) return { text, profiles: [], error: `${parsed.errors[0]?.line}:${parsed.errors[0]?.column}: ${parsed.errors[0]?.message}` }
  const lines = text.split('\n')
  const profiles: string[] = []
  const tops = parsed.file.body.filter((n): n is Profile => n.type === 'profile')
  for (const p of tops) {
    profiles.push(p.name.value)
    const flags = newFlags((p.flags ?? []).map((f) => f.value), mode, remove)
    const i = p.pos.line - 1
    const line = lines[i] ?? ''
    const brace = line.lastIndexOf('{')
    if (brace < 0) return { text, profiles, error: `${p.pos.line}: the header of ${p.name.value} does not end with '{' on its line; edit it by hand` }
    const start = p.pos.column - 1
    let header = line.slice(start, brace).replace(/\s*(flags\s*=\s*)?\([^)]*\)\s*$/, '').trimEnd()
    if (flags.length) header += ` flags=(${flags.join(', ')})`
    lines[i] = `${line.slice(0, start)}${header} ${line.slice(brace)}`
  }
  return { text: lines.join('\n'), profiles }
}

/** Applies a mode to a profile file under `dir` (the disable/ and force-complain/ links live there). */
export function setMode(file: string, dir: string, mode: Mode, remove = false): ModeChange {
  const link = (sub: string) => join(dir, sub, basename(file))
  const dropLink = (sub: string) => {
    const l = link(sub)
    if (lstatSync(l, { throwIfNoEntry: false })) unlinkSync(l)
  }
  if (mode === 'disable') {
    mkdirSync(join(dir, 'disable'), { recursive: true })
    const l = link('disable')
    const existed = existsSync(l) || lstatSync(l, { throwIfNoEntry: false }) !== undefined
    if (!existed) symlinkSync(file, l)
    return { file, profiles: profileNames(file), changed: !existed, reload: 'remove' }
  }
  const text = readFileSync(file, 'utf8')
  const r = setModeInText(text, mode, remove)
  if (r.error) throw new Error(`${file}:${r.error}`)
  if (r.text !== text) writeFileSync(file, r.text)
  if (mode !== 'audit') dropLink('disable')
  if (mode === 'enforce') dropLink('force-complain')
  return { file, profiles: r.profiles, changed: r.text !== text, reload: 'replace' }
}

function profileNames(file: string): string[] {
  return parseProfileText(readFileSync(file, 'utf8'), file)
    .file.body.filter((n): n is Profile => n.type === 'profile')
    .map((p) => p.name.value)
}
