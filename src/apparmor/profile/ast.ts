/**
 * The AST of the AppArmor profile language. Every node keeps the position of its first token so
 * that errors, lint findings and evaluation answers can point at a file, line and column.
 */

/** 1-based line and column of a token in its file. */
export interface Pos {
  readonly line: number
  readonly column: number
}

/** A word of a rule as written: `quoted` words keep their quotes in `text`, `value` is unescaped. */
export interface Word {
  readonly text: string
  readonly value: string
  readonly quoted: boolean
  readonly pos: Pos
}

export interface Qualifiers {
  readonly audit: boolean
  readonly access?: 'allow' | 'deny'
  readonly owner: boolean
  /** `priority=N` (AppArmor 4.x). */
  readonly priority?: number
}

export const NO_QUALIFIERS: Qualifiers = { audit: false, owner: false }

export interface Comment {
  readonly type: 'comment'
  /** The text after `#`, verbatim. */
  readonly text: string
  /** True when the comment follows code on the same line. */
  readonly trailing: boolean
  readonly pos: Pos
}

export interface Abi {
  readonly type: 'abi'
  readonly path: string
  /** `<abi/3.0>` (search path) versus `"abi/3.0"` (relative to the file's directory or absolute). */
  readonly angle: boolean
  readonly pos: Pos
}

export interface Include {
  readonly type: 'include'
  readonly path: string
  readonly angle: boolean
  readonly ifExists: boolean
  /** Written with the legacy `#include` spelling. */
  readonly hash: boolean
  /** Written as a bare path (`include abstractions/base`), neither `<...>` nor quoted. */
  readonly bare?: boolean
  readonly pos: Pos
}

export interface Assign {
  readonly type: 'assign'
  /** `@{NAME}` for set variables, `${NAME}` for booleans. */
  readonly variable: string
  readonly op: '=' | '+=' | '?=' | ':='
  readonly values: readonly Word[]
  readonly pos: Pos
}

export interface Alias {
  readonly type: 'alias'
  readonly from: Word
  readonly to: Word
  readonly pos: Pos
}

export interface Profile {
  readonly type: 'profile'
  /** How the header was written: `profile NAME`, `hat NAME`, `^NAME`, or a bare path name. */
  readonly keyword: 'profile' | 'hat' | '^' | ''
  readonly name: Word
  readonly attachment?: Word
  /** `xattrs=(k=v ...)` words, as written. */
  readonly xattrs?: readonly Word[]
  /** The flags, in order; undefined when there is no flags clause. */
  readonly flags?: readonly Word[]
  /** Whether the flags clause was spelt `flags=(...)` (versus the bare `(...)`). */
  readonly flagsKeyword: boolean
  readonly body: readonly Node[]
  readonly pos: Pos
  /** Where the closing `}` is (where tools insert new rules). */
  readonly end: Pos
}

/** `audit { ... }`, `owner { ... }`, `deny { ... }`: a qualifier applied to every rule inside. */
export interface Block {
  readonly type: 'block'
  readonly qualifiers: Qualifiers
  readonly body: readonly Node[]
  readonly pos: Pos
}

/** `if COND { ... } [else ...]`: the condition is kept as words. */
export interface Conditional {
  readonly type: 'if'
  readonly condition: readonly Word[]
  readonly body: readonly Node[]
  readonly else?: readonly Node[] | Conditional
  readonly pos: Pos
}

export type RuleKind =
  | 'file'
  | 'link'
  | 'capability'
  | 'network'
  | 'signal'
  | 'ptrace'
  | 'dbus'
  | 'unix'
  | 'mount'
  | 'remount'
  | 'umount'
  | 'pivot_root'
  | 'change_profile'
  | 'rlimit'
  | 'userns'
  | 'io_uring'
  | 'mqueue'
  | 'all'

/** One rule ending in `,`. `words` is everything after the qualifiers, exactly as tokenized. */
export interface Rule {
  readonly type: 'rule'
  readonly kind: RuleKind
  readonly qualifiers: Qualifiers
  readonly words: readonly Word[]
  readonly pos: Pos
}

export type Node = Comment | Abi | Include | Assign | Alias | Profile | Block | Conditional | Rule

/** A parsed file. */
export interface ProfileFile {
  readonly path: string
  readonly body: readonly Node[]
}

/** A problem with a position; `file` is set when it is in another file than the one checked. */
export interface Diagnostic {
  readonly line: number
  readonly column: number
  readonly message: string
  readonly file?: string
}
