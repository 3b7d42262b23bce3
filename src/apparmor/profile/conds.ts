/**
 * The shared shape of the non-file rules (signal, ptrace, dbus, unix, network, mqueue, io_uring,
 * userns), as apparmor_parser's grammar has it: an optional access word or `(list)`, bare words
 * (a network family and type, a message queue name), `key=value`, `key=(list)` and `key in (list)`
 * conditionals, and one `peer=( key=value ... )` group. What each kind accepts is checked by its
 * validator; this only splits the words and reports what no grammar rule can read.
 */
import type { Rule, Word } from './ast.js'

export interface Cond {
  readonly key: Word
  /** `in` is parsed by the grammar and then refused by every rule kind but mount. */
  readonly op: '=' | 'in'
  readonly values: readonly Word[]
  /** Written as `(list)` (versus one bare value). */
  readonly list: boolean
}

export interface RuleArgs {
  /** The access word or the words of the access list; undefined when none is given. */
  readonly perms?: readonly Word[]
  /** Bare words, in order, with whether they came after a conditional. */
  readonly ids: readonly { readonly word: Word; readonly afterConds: boolean }[]
  readonly conds: readonly Cond[]
  /** The `peer=( ... )` group of key=value conditionals. */
  readonly group?: { readonly name: Word; readonly conds: readonly Cond[] }
}

export type SplitResult = { ok: true; args: RuleArgs } | { ok: false; at: Word | Rule; message: string }

const isOp = (w: Word | undefined): boolean => w !== undefined && !w.quoted && (w.text === '=' || w.text === 'in')
const isPunct = (w: Word | undefined): boolean => w !== undefined && !w.quoted && ['(', ')', '=', '->'].includes(w.text)

/**
 * Splits `args` (the words after the rule keyword). `isPerm` says whether a bare first word is an
 * access (apparmor_parser's lexer decides that by the keyword list of each rule class).
 */
export function splitArgs(rule: Rule, args: readonly Word[], isPerm: (w: Word) => boolean): SplitResult {
  let i = 0
  let perms: Word[] | undefined
  const first = args[0]
  if (first && !first.quoted && first.text === '(') {
    perms = []
    for (i = 1; i < args.length && args[i]?.text !== ')'; i++) perms.push(args[i] as Word)
    if (args[i]?.text !== ')') return { ok: false, at: first, message: "unclosed '(' in the access list" }
    i++
  } else if (first && isPerm(first) && !isOp(args[1])) {
    perms = [first]
    i = 1
  }
  const ids: { word: Word; afterConds: boolean }[] = []
  const conds: Cond[] = []
  let group: RuleArgs['group']
  const cond = (out: Cond[], nested: boolean): SplitResult | undefined => {
    const key = args[i] as Word
    const op = (args[i + 1] as Word).text as '=' | 'in'
    i += 2
    const v = args[i]
    if (v === undefined || (isPunct(v) && v.text !== '(')) return { ok: false, at: key, message: `${key.text}${op === 'in' ? ' in' : '='} needs a value` }
    if (v.text !== '(' || v.quoted) {
      i++
      out.push({ key, op, values: [v], list: false })
      return undefined
    }
    // `peer=(label=x addr=y)`: a group of conditionals (not inside another group).
    if (!nested && op === '=' && args[i + 2]?.text === '=' && !args[i + 2]?.quoted) {
      if (group) return { ok: false, at: key, message: `only one conditional group is allowed, found a second one: ${key.text}=( )` }
      const inner: Cond[] = []
      for (i++; i < args.length && args[i]?.text !== ')'; ) {
        if (!isOp(args[i + 1]) || isPunct(args[i])) return { ok: false, at: args[i] as Word, message: `${key.text}=( ) takes key=value conditionals, found '${args[i]?.text}'` }
        const err = cond(inner, true)
        if (err) return err
      }
      if (args[i]?.text !== ')') return { ok: false, at: key, message: `unclosed '(' in ${key.text}=( )` }
      i++
      group = { name: key, conds: inner }
      return undefined
    }
    const values: Word[] = []
    for (i++; i < args.length && args[i]?.text !== ')'; i++) {
      if (isPunct(args[i])) return { ok: false, at: args[i] as Word, message: `unexpected '${args[i]?.text}' in the values of ${key.text}` }
      values.push(args[i] as Word)
    }
    if (args[i]?.text !== ')') return { ok: false, at: key, message: `unclosed '(' in ${key.text}` }
    i++
    out.push({ key, op, values, list: true })
    return undefined
  }
  while (i < args.length) {
    const w = args[i] as Word
    if (!isPunct(w) && isOp(args[i + 1])) {
      if (group) return { ok: false, at: w, message: `the ${group.name.text}=( ) group must come last` }
      const err = cond(conds, false)
      if (err) return err
      continue
    }
    if (isPunct(w)) return { ok: false, at: w, message: `unexpected '${w.text}' in ${rule.kind} rule` }
    if (group) return { ok: false, at: w, message: `unexpected '${w.text}' after the ${group.name.text}=( ) group` }
    ids.push({ word: w, afterConds: conds.length > 0 })
    i++
  }
  return { ok: true, args: { ...(perms ? { perms } : {}), ids, conds, ...(group ? { group } : {}) } }
}
