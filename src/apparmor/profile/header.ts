/**
 * A profile header's checks: the name (its `:namespace:` prefix), the attachment and the flags,
 * with apparmor_parser's rules (profile.h flagvals, parse_label, process_variables_in_name).
 */
import type { Profile, Word } from './ast.js'
import { checkAare } from './aare.js'
import { ERRNO_NAMES, FLAGS_3, FLAGS_4, FLAGS_4_VALUED, MODE_FLAGS } from './tables.js'
import { signalName, type Report, type ValidateOptions } from './validate.js'
import { expand } from './variables.js'

/** Flags that exclude each other (flagvals::merge). */
const CONFLICTS: readonly (readonly [string, string])[] = [
  ['chroot_relative', 'namespace_relative'],
  ['mediate_deleted', 'delegate_deleted'],
  ['attach_disconnected', 'no_attach_disconnected'],
  ['chroot_attach', 'chroot_no_attach'],
]

export function validateProfileHeader(p: Profile, opts: ValidateOptions, report: Report): void {
  if (p.attachment && !/^(\/|@\{)/.test(p.attachment.value)) report(p.attachment, "Profile attachment must begin with a '/' or variable.")
  if (p.keyword === '' && /^\//.test(p.name.value)) {
    const m = checkAare(p.name.value)
    if (m) report(p.name, m)
  }
  const ns = namespaceError(p.name.value)
  if (ns) report(p.name, ns)
  flags(p.flags ?? [], opts, report)
}

/** `:ns:name` and `:ns://name` need a closing `:`, a namespace and a name. */
function namespaceError(name: string): string | undefined {
  if (!name.startsWith(':')) return undefined
  const end = name.indexOf(':', 1)
  if (end < 0) return `Namespace not terminated: ${name}`
  if (end === 1) return `Empty namespace: ${name}`
  const rest = name.slice(end + 1)
  if ((rest.startsWith('//') ? rest.slice(2) : rest) === '') return `Empty named transition profile name: ${name}`
  return undefined
}

function flags(list: readonly Word[], opts: ValidateOptions, report: Report): void {
  const modes: string[] = []
  const names = new Set<string>()
  const values = new Map<string, string>()
  for (const f of list) {
    const [name = ''] = f.value.split('=')
    const value = f.value.slice(name.length + 1)
    const valued = f.value.includes('=')
    const known = valued ? FLAGS_4_VALUED.has(name) && opts.abi >= 4 : FLAGS_3.has(name) || (opts.abi >= 4 && (FLAGS_4.has(name) || name === 'attach_disconnected.ipc'))
    if (!known) {
      report(f, `Invalid profile flag: ${f.value}.` + (FLAGS_4.has(name) || FLAGS_4_VALUED.has(name) ? ' (needs AppArmor 4: use --abi 4)' : ''))
      continue
    }
    if (MODE_FLAGS.includes(name)) {
      const other = modes[0]
      if (other !== undefined && other !== name) report(f, `Profile flag '${other}' conflicts with '${name}'`)
      modes.push(name)
    }
    // attach_disconnected.path= implies attach_disconnected.
    names.add(name === 'attach_disconnected.path' ? 'attach_disconnected' : name)
    if (!valued) continue
    const msg = valueError(name, value, opts)
    if (msg) report(f, msg)
    const before = values.get(name)
    if (before !== undefined && before !== value) report(f, `Profile flag ${name} set to conflicting values: '${before}' and '${value}'`)
    values.set(name, value)
  }
  for (const [a, b] of CONFLICTS) {
    if (names.has(a) && names.has(b)) report(list[0] as Word, `Profile flag ${a} conflicts with ${b}`)
  }
}

function valueError(name: string, value: string, opts: ValidateOptions): string | undefined {
  if (name === 'kill.signal') return signalName(value) ? `unknown signal specified for kill.signal='${value}'` : undefined
  if (name === 'error') return ERRNO_NAMES.has(value.toUpperCase()) ? undefined : `unknown error code specified for error='${value}'`
  if (name !== 'attach_disconnected.path') return undefined
  // Checked after variable expansion: every value must be an absolute path.
  let expanded: string[]
  try {
    expanded = expand(value, opts.variables ?? new Map())
  } catch {
    return undefined // an undefined variable is reported by the loader
  }
  return expanded.every((v) => v.startsWith('/')) ? undefined : 'attach_disconnected_path value must begin with a /'
}
