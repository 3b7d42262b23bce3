/**
 * `profile lint`: security and performance smells in a profile's own rules (not in the
 * abstractions it includes), each with an id, a severity, a position and a fix hint.
 */
import type { Node, Profile, Rule } from './ast.js'
import { words, qualifierText } from './format.js'
import type { Policy } from './policy.js'
import { fileRuleData } from './validate.js'

export type Severity = 'error' | 'warning' | 'note'

export interface LintRule {
  readonly id: string
  readonly name: string
  readonly severity: Severity
  readonly description: string
  readonly hint: string
}

export interface Finding {
  readonly id: string
  readonly severity: Severity
  readonly message: string
  readonly hint: string
  readonly file: string
  readonly line: number
  readonly column: number
  readonly profile: string
}

export const LINT_RULES: readonly LintRule[] = [
  { id: 'AA001', name: 'unconfined-exec', severity: 'error', description: 'An exec rule runs the target unconfined (ux, Ux, pux, PUx, cux, CUx).', hint: 'Give the target its own profile (Px) or inherit this one (ix).' },
  { id: 'AA002', name: 'write-and-exec', severity: 'error', description: 'The same path is writable and executable: a written file can be run.', hint: 'Split the writable location from the executables, or drop w/a.' },
  { id: 'AA003', name: 'dangerous-capability', severity: 'warning', description: 'A capability that amounts to root or bypasses file permissions (sys_admin, sys_module, dac_override, sys_ptrace, sys_rawio, mac_admin).', hint: 'Remove it unless the program cannot work without it; prefer narrower capabilities.' },
  { id: 'AA004', name: 'raw-network', severity: 'warning', description: 'Raw or packet sockets allow crafting and sniffing traffic.', hint: "Allow only the socket types used, e.g. 'network inet stream,'." },
  { id: 'AA005', name: 'read-everything', severity: 'error', description: "A rule grants access to the whole filesystem ('/** r', 'file,').", hint: 'List the directories the program reads.' },
  { id: 'AA006', name: 'broad-log-write', severity: 'warning', description: "Writing all of /var/log ('/var/log/** w') lets the program tamper with other logs; it also makes the DFA large.", hint: "Name the program's own log files, e.g. '/var/log/myapp/*.log w,'." },
  { id: 'AA007', name: 'regex-like-pattern', severity: 'note', description: "A pattern with '**' followed by more path or many alternations compiles into a large DFA and slows policy loads.", hint: "Anchor the pattern ('/usr/lib/*/x' rather than '/**/x') or split it." },
  { id: 'AA008', name: 'credentials-not-denied', severity: 'warning', description: 'A network-facing profile does not explicitly deny credential files (/etc/shadow, SSH keys).', hint: "Add 'deny /etc/shadow* rw,' and 'deny @{HOME}/.ssh/** rw,' (audit deny to be told)." },
  { id: 'AA009', name: 'complain-mode', severity: 'note', description: 'The profile is in complain mode: nothing is enforced.', hint: 'Switch to enforce once replay shows no denials: armorwatch profile mode enforce NAME.' },
  { id: 'AA010', name: 'all-capabilities', severity: 'error', description: "'capability,' grants every capability.", hint: 'List the capabilities the program needs.' },
  { id: 'AA011', name: 'all-network', severity: 'note', description: "'network,' allows every address family and socket type.", hint: "Restrict it, e.g. 'network inet stream,'." },
]

const BY_ID = new Map(LINT_RULES.map((r) => [r.id, r]))
const DANGEROUS_CAPS = new Set(['sys_admin', 'sys_module', 'dac_override', 'sys_ptrace', 'sys_rawio', 'mac_admin'])

export function lintPolicy(policy: Policy): Finding[] {
  const out: Finding[] = []
  const visit = (p: Profile, prefix: string): void => {
    const name = prefix ? `${prefix}//${p.name.value}` : p.name.value
    const add = (id: string, at: { pos: { line: number; column: number } }, message: string) => {
      const r = BY_ID.get(id) as LintRule
      out.push({ id, severity: r.severity, message, hint: r.hint, file: policy.path, line: at.pos.line, column: at.pos.column, profile: name })
    }
    if (p.flags?.some((f) => f.value === 'complain')) add('AA009', p, `profile ${name} is in complain mode`)
    const own = ownRules(p.body)
    const writable = new Map<string, Rule>()
    const executable = new Map<string, Rule>()
    let networkFacing = false
    let deniesCredentials = false
    for (const { rule, deny } of own) {
      const text = `${qualifierText(rule.qualifiers)}${words(rule.words)},`
      if (rule.kind === 'capability' && !deny) {
        const caps = rule.words.slice(1).map((w) => w.value)
        if (caps.length === 0) add('AA010', rule, `'${text}' grants every capability`)
        for (const c of caps) if (DANGEROUS_CAPS.has(c)) add('AA003', rule, `capability ${c} in '${text}'`)
      }
      if (rule.kind === 'network' && !deny) {
        networkFacing = true
        const args = rule.words.slice(1).map((w) => w.value)
        if (args.length === 0) add('AA011', rule, `'${text}' allows every kind of socket`)
        if (args.includes('raw') || args.includes('packet')) add('AA004', rule, `'${text}' allows raw or packet sockets`)
      }
      if (rule.kind !== 'file') continue
      const { data } = fileRuleData(rule)
      if (!data) continue
      if (!data.path) {
        if (!deny) add('AA005', rule, `'${text}' allows every file access`)
        continue
      }
      const path = data.path.value
      const perms = data.mode?.perms ?? new Set()
      if (deny) {
        if (/shadow|\.ssh|\.gnupg/.test(path)) deniesCredentials = true
        continue
      }
      const exec = data.mode?.exec ?? ''
      if (/u/i.test(exec)) add('AA001', rule, `'${text}' runs ${path} unconfined`)
      if (/^\/\*\*\/?$/.test(path) && perms.has('r')) add('AA005', rule, `'${text}' allows reading the whole filesystem`)
      if (/^\/var\/log\/\*\*/.test(path) && (perms.has('w') || perms.has('a'))) add('AA006', rule, `'${text}' allows writing all of /var/log`)
      if (/\*\*[^,}]*\//.test(path) || (path.match(/,/g)?.length ?? 0) > 8) add('AA007', rule, `'${text}' is expensive to compile`)
      if (perms.has('w') || perms.has('a')) writable.set(path, rule)
      if (perms.has('x')) executable.set(path, rule)
      if ((perms.has('w') || perms.has('a')) && perms.has('x')) add('AA002', rule, `${path} is writable and executable`)
      else if (perms.has('x') && writable.has(path)) add('AA002', rule, `${path} is writable (line ${writable.get(path)?.pos.line}) and executable`)
      else if ((perms.has('w') || perms.has('a')) && executable.has(path)) add('AA002', rule, `${path} is executable (line ${executable.get(path)?.pos.line}) and writable`)
    }
    if (networkFacing && !deniesCredentials) add('AA008', p, `profile ${name} uses the network but does not deny credential files`)
    for (const n of p.body) if (n.type === 'profile') visit(n, name)
  }
  for (const p of policy.profiles) visit(p, '')
  return out
}

/** The rules written in the profile itself, with the deny qualifier of enclosing blocks applied. */
function ownRules(body: readonly Node[], deny = false): { rule: Rule; deny: boolean }[] {
  const out: { rule: Rule; deny: boolean }[] = []
  for (const n of body) {
    if (n.type === 'rule') out.push({ rule: n, deny: deny || n.qualifiers.access === 'deny' })
    else if (n.type === 'block') out.push(...ownRules(n.body, deny || n.qualifiers.access === 'deny'))
    else if (n.type === 'if') out.push(...ownRules(n.body, deny))
  }
  return out
}
