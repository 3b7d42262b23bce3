/**
 * mount, remount and umount rules (mount.cc): `options=`/`options in`, `fstype=`, a source and,
 * after `->`, a mount point. Besides unknown options, apparmor_parser refuses an `options=` list
 * that both sets and clears a flag (4.x), a remount with a source, and a propagation-type change
 * (private, shared ...) with both a source and a mount point (3.0.8: with a source at all): those
 * rules encode to nothing.
 */
import type { Rule, Word } from './ast.js'
import { MOUNT_OPTIONS, MOUNT_OPTIONS_4 } from './tables.js'
import type { Report, ValidateOptions } from './validate.js'

/** Options that set a flag and those that clear the same flag (mnt_opts_table). */
const FLAG_PAIRS: readonly (readonly [readonly string[], readonly string[]])[] = [
  [['ro', 'r', 'read-only'], ['rw', 'w']],
  [['nosuid'], ['suid']],
  [['nodev'], ['dev']],
  [['noexec'], ['exec']],
  [['sync'], ['async']],
  [['mand'], ['nomand']],
  [['nosymfollow'], ['symfollow']],
  [['noatime'], ['atime']],
  [['nodiratime'], ['diratime']],
  [['silent'], ['loud']],
  [['acl'], ['noacl']],
  [['iversion'], ['noiversion']],
  [['strictatime'], ['nostrictatime']],
  [['lazytime'], ['nolazytime']],
  [['nouser'], ['user']],
]

/** Propagation-type changes (MS_MAKE_CMDS). */
const PROPAGATION: ReadonlySet<string> = new Set(
  ['unbindable', 'runbindable', 'private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared'].flatMap((o) => [o, `make-${o}`]),
)

export function mount(rule: Rule, args: readonly Word[], opts: ValidateOptions, report: Report): void {
  let i = 0
  let arrow = false
  let source: Word | undefined
  let point: Word | undefined
  const flags: string[] = []
  while (i < args.length) {
    const w = args[i] as Word
    const isKey = ['options', 'option', 'fstype', 'vfstype'].includes(w.text)
    const op = args[i + 1]?.text
    if (isKey && (op === '=' || op === 'in')) {
      i += 2
      const values: Word[] = []
      if (args[i]?.text === '(') {
        for (i++; i < args.length && args[i]?.text !== ')'; i++) values.push(args[i] as Word)
        if (args[i]?.text !== ')') return report(w, "unclosed '('")
        i++
      } else if (op === 'in') return report(w, `'${w.text} in' needs a '(' list`)
      else if (args[i]) values.push(args[i++] as Word)
      if (values.length === 0) return report(w, `${w.text} needs a value`)
      if (w.text.startsWith('option')) {
        for (const v of values) {
          // A bare `options=ro,noexec` is one word to apparmor_parser, hence an unknown option.
          if (!MOUNT_OPTIONS.has(v.value) && !(opts.abi >= 4 && MOUNT_OPTIONS_4.has(v.value))) {
            return report(v, `unsupported mount options '${v.value}'` + (MOUNT_OPTIONS_4.has(v.value) ? ' (needs AppArmor 4: use --abi 4)' : ''))
          }
        }
        if (op === '=') {
          const names = values.map((v) => v.value)
          // 3.0.8 takes `options=(rw ro)`; 4.x refuses a flag both set and cleared.
          const pair = opts.abi >= 4 ? FLAG_PAIRS.find(([set, clear]) => names.some((n) => set.includes(n)) && names.some((n) => clear.includes(n))) : undefined
          if (pair) return report(w, `conflicting flags in the rule: ${pair[0].join('|')} and ${pair[1].join('|')}`)
          flags.push(...names)
        }
      }
      continue
    }
    if (w.text === '->') {
      if (rule.kind !== 'mount' || arrow) return report(w, `unexpected '->' in ${rule.kind} rule`)
      arrow = true
      i++
      continue
    }
    if (['(', ')', '='].includes(w.text)) return report(w, `unexpected '${w.text}' in ${rule.kind} rule`)
    if (arrow ? point : source) return report(w, `unexpected '${w.text}' in ${rule.kind} rule`)
    if (arrow) point = w
    else source = w
    i++
  }
  if (rule.kind !== 'mount') return
  if (source && flags.includes('remount')) return report(source, 'a remount rule cannot have a source: write the mount point after ->')
  // 4.x takes a lone source as the mount point (deprecated); 3.0.8 fails to encode such a rule.
  if (source && (point || opts.abi < 4) && flags.some((f) => PROPAGATION.has(f))) {
    report(source, point ? 'source and mount point cannot be used at the same time for propagation type flags' : 'a propagation type change takes the mount point after -> (apparmor_parser 3 cannot encode a source)')
  }
}
