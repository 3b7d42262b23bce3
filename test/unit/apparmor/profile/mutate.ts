/**
 * Deterministic mutations of real profiles for the differential test against apparmor_parser:
 * each one is a small edit a person could make (a lost comma, a bad permission, an unknown name,
 * a stray brace, a rule of another kind pasted in), some valid and most not.
 */

export { prng } from '../../../helpers/prng.js'

const SNIPPETS = [
  'network inet stream,', 'network inet bogus,', 'network unix tcp,', 'network inet6 dgram,', 'network netlink raw,',
  'signal (send) set=(hup int),', 'signal (send) set=(bogus),', 'signal (receive) peer=unconfined,', 'signal sendx,',
  'mount options=(ro,bind) /a/ -> /b/,', 'mount options=(bogus) /a -> /b,', 'umount /mnt/,', 'remount /mnt/,',
  'set rlimit nofile <= 1024,', 'set rlimit bogus <= 10,', 'set rlimit nproc <= 10M,',
  '/foo wa,', '/foo ixpx,', '/foo rwk,', '/foo mrix,', '/foo Px -> bar,', '/foo r -> bar,', '/foo x,', '/foo rz,',
  'deny /foo ux,', 'deny /foo x,', 'deny /foo rw,', 'audit deny owner /foo w,', 'owner audit /foo r,', 'deny allow /foo r,',
  'capability sys_foo,', 'capability chown,', 'capability,', 'owner capability chown,', 'deny capability sys_admin,',
  'ptrace (read) peer=x,', 'ptrace (bogus),', 'ptrace trace,',
  'unix (bind) type=stream,', 'unix (connect, send) type=dgram peer=(label=foo),', 'unix bogus=1,',
  'dbus send bus=system path=/x,', 'dbus (send receive) bus=session interface=a.b,', 'dbus bind name=com.x,',
  'change_profile -> foo,', 'change_profile /bin/x -> {a,b},', 'change_profile,',
  '/foo/{a,b r,', '/foo/[ab r,', '/foo/{a,b}/** r,', '/foo/[^a]* r,',
  'userns,', 'all,', 'mqueue r,', 'io_uring,', 'priority=1 /foo r,',
  'link /a -> /b,', 'link subset /a -> /b,', 'link /a,', '/a l -> /b,',
  'pivot_root /mnt/,', 'pivot_root oldroot=/mnt/old/ /mnt/ -> foo,',
  'file,', 'file /foo r,', 'file r /foo,', 'r /foo,', 'foo r,', '@{HOME}/x r,', '@{NOPE}/x r,', '@{PROC}/@{pid}/stat r,',
  '"/quoted path" r,', '/foo,/bar r,', '/foo r,/bar r,', '/foo rw', 'frobnicate,', '^hat { /a r, }', 'profile child { /a r, }',
  'include <abstractions/base>', 'include <abstractions/nonexistent>', 'include if exists <abstractions/nonexistent>',
  '#include <abstractions/nameservice>', 'audit { /foo r, }', 'owner { /foo rw, }', 'deny { capability chown, }',
]

const HEADER_EDITS: ReadonlyArray<(header: string) => string> = [
  (h) => h.replace(/\{\s*$/, 'flags=(complain) {'),
  (h) => h.replace(/\{\s*$/, 'flags=(bogus) {'),
  (h) => h.replace(/\{\s*$/, 'flags=(complain,enforce) {'),
  (h) => h.replace(/\{\s*$/, '(attach_disconnected) {'),
  (h) => h.replace(/\{\s*$/, ''),
  (h) => h.replace(/\{\s*$/, 'relative {'),
]

export interface Mutation {
  readonly name: string
  readonly text: string
}

/** `count` mutations of `text`, chosen by `rand`. */
export function mutate(text: string, rand: () => number, count: number): Mutation[] {
  const lines = text.split('\n')
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
  const ruleLines = lines.map((l, i) => [l, i] as const).filter(([l]) => /,\s*(#.*)?$/.test(l) && !/^\s*#/.test(l))
  const bodyLines = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s+\S/.test(l))
  const headers = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s*(profile\s|\/|\^|hat\s).*\{\s*$/.test(l))
  const out: Mutation[] = []
  const edit = (i: number, line: string): string => lines.map((l, j) => (j === i ? line : l)).join('\n')
  const ops: ReadonlyArray<() => Mutation | undefined> = [
    () => {
      if (!ruleLines.length) return undefined
      const [l, i] = pick(ruleLines)
      return { name: `drop-comma@${i + 1}`, text: edit(i, l.replace(/,(\s*(#.*)?)$/, '$1')) }
    },
    () => {
      if (!ruleLines.length) return undefined
      const [l, i] = pick(ruleLines)
      const extra = pick(['z', 'a', 'w', 'x', 'ix', 'px', 'K', 'l', 'm', 'U'])
      return { name: `mode+${extra}@${i + 1}`, text: edit(i, l.replace(/(\s)([RrWwaLlMmkXxIiPpCcUu]+)(\s*(->\s*\S+)?\s*,)/, `$1$2${extra}$3`)) }
    },
    () => {
      if (!bodyLines.length) return undefined
      const [, i] = pick(bodyLines)
      const s = pick(SNIPPETS)
      return { name: `insert[${s}]@${i + 1}`, text: lines.slice(0, i + 1).concat('  ' + s, lines.slice(i + 1)).join('\n') }
    },
    () => {
      const closes = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s*\}\s*$/.test(l))
      if (!closes.length) return undefined
      const [, i] = pick(closes)
      return { name: `drop-close@${i + 1}`, text: edit(i, '') }
    },
    () => {
      if (!headers.length) return undefined
      const [l, i] = pick(headers)
      const e = pick(HEADER_EDITS)
      return { name: `header@${i + 1}`, text: edit(i, e(l)) }
    },
    () => {
      const vars = lines.map((l, i) => [l, i] as const).filter(([l]) => /@\{[A-Za-z_]+\}/.test(l))
      if (!vars.length) return undefined
      const [l, i] = pick(vars)
      return { name: `undef-var@${i + 1}`, text: edit(i, l.replace(/@\{([A-Za-z_]+)\}/, '@{$1_UNDEFINED}')) }
    },
    () => {
      if (!ruleLines.length) return undefined
      const [l, i] = pick(ruleLines)
      const at = Math.floor(rand() * l.length)
      return { name: `drop-char@${i + 1}:${at + 1}`, text: edit(i, l.slice(0, at) + l.slice(at + 1)) }
    },
    () => {
      if (!ruleLines.length) return undefined
      const [l, i] = pick(ruleLines)
      const q = pick(['deny ', 'audit ', 'owner ', 'audit deny ', 'deny owner ', 'allow ', 'owner audit '])
      return { name: `qualify[${q.trim()}]@${i + 1}`, text: edit(i, l.replace(/^(\s*)/, `$1${q}`)) }
    },
    () => {
      if (!ruleLines.length) return undefined
      const [l, i] = pick(ruleLines)
      const at = Math.floor(rand() * (l.length + 1))
      const c = pick([',', '{', '}', '(', ')', '[', ']', '"', '#', '@', '=', '*', '^', ' ', '-', '>', '\\', '!', ':', '/'])
      return { name: `insert-char[${c}]@${i + 1}:${at + 1}`, text: edit(i, l.slice(0, at) + c + l.slice(at)) }
    },
    () => {
      if (!ruleLines.length) return undefined
      const [l, i] = pick(ruleLines)
      const m = /^(\s*)(\S+)(\s+)(\S+)(.*)$/.exec(l)
      if (!m) return undefined
      return { name: `swap-words@${i + 1}`, text: edit(i, `${m[1]}${m[4]}${m[3]}${m[2]}${m[5]}`) }
    },
    () => {
      if (!bodyLines.length) return undefined
      const [l, i] = pick(bodyLines)
      return { name: `dup-line@${i + 1}`, text: lines.slice(0, i + 1).concat(l, lines.slice(i + 1)).join('\n') }
    },
    () => {
      if (!ruleLines.length) return undefined
      const [l, i] = pick(ruleLines)
      const kw = pick(['capability', 'network', 'signal', 'ptrace', 'dbus', 'unix', 'mount', 'umount', 'pivot_root', 'change_profile', 'link', 'file', 'owner', 'audit', 'deny', 'set', 'profile', 'hat', 'include'])
      return { name: `keyword[${kw}]@${i + 1}`, text: edit(i, l.replace(/^(\s*)/, `$1${kw} `)) }
    },
  ]
  for (let n = 0; out.length < count && n < count * 10; n++) {
    const m = pick(ops)()
    if (m && m.text !== text) out.push(m)
  }
  return out
}
