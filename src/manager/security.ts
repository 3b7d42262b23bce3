/**
 * The security metrics of `GET /api/alerts/security`: what counts as attempted privilege
 * escalation, access to sensitive data and network activity among AppArmor denials. Each is a
 * query-language filter over the decoded AppArmor fields (`data.apparmor.*`), so the dashboard
 * can link to exactly the alerts counted, and the store translates it to parameterized SQL.
 * docs/api.md explains the choices.
 */
import type { TimeRange } from '../store/query/index.js'
import { spanFor, type RunQuery } from './alert-query.js'

/**
 * A denial: refused (DENIED), or refused and the task killed (KILLED, kill mode). ALLOWED records
 * are complain-mode learning and AUDIT records are allowed accesses: neither was stopped.
 */
export const DENIAL = 'apparmor.status: (DENIED OR KILLED)'

/** Kinds of privilege escalation, each a filter on top of DENIAL. */
export const PRIVILEGE_KINDS = {
  /** A capability check refused: class=cap or operation=capable (older kernels omit the class). */
  capability: 'apparmor.class: cap OR apparmor.operation: capable OR apparmor.capname: *',
  /** A program (or profile transition) the profile does not allow: exec, change_profile, change_hat, change_onexec. */
  exec: 'apparmor.operation: (exec OR change_profile OR change_hat OR change_onexec)',
  /** Tracing or reading another process's memory. */
  ptrace: 'apparmor.class: ptrace OR apparmor.operation: ptrace',
} as const

export type PrivilegeKind = keyof typeof PRIVILEGE_KINDS

/**
 * Files that hold credentials or give control of other processes: password hashes, sudo policy,
 * SSH host and user keys, root's home, process memory and environment (secrets of other
 * programs), the kernel's memory, and the usual credential stores. `*` matches any characters
 * (including `/`), as in every query-language pattern.
 */
export const SENSITIVE_PATHS: readonly string[] = [
  '/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/security/opasswd',
  '/etc/sudoers', '/etc/sudoers.d/*',
  '/etc/ssh/ssh_host_*key', '*/.ssh/*',
  '/root', '/root/*',
  '/proc/*/mem', '/proc/*/environ', '/proc/kcore', '/dev/mem', '/dev/kmem',
  '/etc/krb5.keytab', '/var/lib/sss/*', '/etc/ssl/private/*',
  '*/.gnupg/*', '*/.aws/credentials', '*/.kube/config', '*/.docker/config.json', '*/.netrc', '*/.pgpass', '*/.git-credentials',
  '*/.password-store/*', '*/.local/share/keyrings/*', '/run/secrets/*', '/var/run/secrets/*',
]

/**
 * Network: a denial of class net/network (socket creation, connect, bind... with a family), or of
 * a socket operation on kernels that log no class.
 */
export const NETWORK = 'apparmor.class: (net OR network) OR apparmor.family: * OR apparmor.operation: (create OR connect OR bind OR listen OR accept OR sendmsg OR recvmsg OR setsockopt OR getsockopt OR shutdown)'

const and = (...parts: string[]) => parts.map((p) => `(${p})`).join(' AND ')

export const QUERIES = {
  privilege_escalation: and(DENIAL, Object.values(PRIVILEGE_KINDS).map((q) => `(${q})`).join(' OR ')),
  data_access: and(DENIAL, `apparmor.name: (${SENSITIVE_PATHS.join(' OR ')})`),
  network: and(DENIAL, NETWORK),
} as const

export interface SecurityReport {
  from: string
  to: string
  previous: { from: string; to: string }
  privilege_escalation: {
    query: string
    total: number
    previous_total: number
    /** `query`: the filter selecting exactly the alerts counted for the kind (the dashboard's click-through). */
    by_kind: { kind: PrivilegeKind; query: string; count: number; previous: number }[]
    top_profiles: { profile: string; count: number }[]
    timeline: { t: string; count: number }[]
  }
  data_access: {
    query: string
    total: number
    previous_total: number
    top_paths: { path: string; count: number }[]
    top_profiles: { profile: string; count: number }[]
    timeline: { t: string; count: number }[]
  }
  network: {
    query: string
    total: number
    previous_total: number
    by_family: { family: string; count: number; previous: number }[]
    by_profile_family: { profile: string; family: string; count: number }[]
    timeline: { t: string; count: number }[]
  }
}

const TOP = 10

/** The period before `r`, of the same length. */
function previousPeriod(r: { from: string; to: string }): { from: string; to: string } {
  const from = Date.parse(r.from)
  return { from: new Date(from - (Date.parse(r.to) - from)).toISOString(), to: r.from }
}

export async function securityReport(run: RunQuery, range: { from: string; to: string }): Promise<SecurityReport> {
  const prev = previousPeriod(range)
  const count = async (q: string, r: TimeRange): Promise<number> => Number((await run(`${q} | stats count`, r)).rows[0]?.count ?? 0)
  const rows = async <T>(q: string, r: TimeRange, map: (row: Record<string, unknown>) => T): Promise<T[]> => (await run(q, r)).rows.map(map)
  const str = (v: unknown) => String(v ?? '')
  const num = (row: Record<string, unknown>) => Number(row.count)
  const span = spanFor(range)
  const timeline = (q: string) => rows(`${q} | timechart span=${span} count`, range, (r) => ({ t: str(r.time), count: num(r) }))
  const topProfiles = (q: string) => rows(`${q} | top ${TOP} apparmor.profile`, range, (r) => ({ profile: str(r['apparmor.profile']), count: num(r) }))
  const byKind = async (kind: PrivilegeKind) => {
    const q = and(DENIAL, PRIVILEGE_KINDS[kind])
    const [now, before] = await Promise.all([count(q, range), count(q, prev)])
    return { kind, query: q, count: now, previous: before }
  }
  const familyCounts = async (r: TimeRange) =>
    new Map(await rows(`${QUERIES.network} | stats count by apparmor.family`, r, (x) => [str(x['apparmor.family']), num(x)] as const))

  const pe = QUERIES.privilege_escalation
  const da = QUERIES.data_access
  const nw = QUERIES.network
  const [peTotal, pePrev, peKinds, peProfiles, peTimeline] = await Promise.all([
    count(pe, range), count(pe, prev), Promise.all((Object.keys(PRIVILEGE_KINDS) as PrivilegeKind[]).map(byKind)), topProfiles(pe), timeline(pe),
  ])
  const [daTotal, daPrev, daPaths, daProfiles, daTimeline] = await Promise.all([
    count(da, range), count(da, prev),
    rows(`${da} | top ${TOP} apparmor.name`, range, (r) => ({ path: str(r['apparmor.name']), count: num(r) })),
    topProfiles(da), timeline(da),
  ])
  const [nwTotal, nwPrev, famNow, famPrev, nwPairs, nwTimeline] = await Promise.all([
    count(nw, range), count(nw, prev), familyCounts(range), familyCounts(prev),
    rows(`${nw} | stats count by apparmor.profile, apparmor.family | head 50`, range, (r) => ({ profile: str(r['apparmor.profile']), family: str(r['apparmor.family']), count: num(r) })),
    timeline(nw),
  ])
  const families = [...new Set([...famNow.keys(), ...famPrev.keys()])]
    .map((family) => ({ family, count: famNow.get(family) ?? 0, previous: famPrev.get(family) ?? 0 }))
    .sort((a, b) => b.count - a.count || b.previous - a.previous || a.family.localeCompare(b.family))
  return {
    from: range.from,
    to: range.to,
    previous: prev,
    privilege_escalation: { query: pe, total: peTotal, previous_total: pePrev, by_kind: peKinds, top_profiles: peProfiles, timeline: peTimeline },
    data_access: { query: da, total: daTotal, previous_total: daPrev, top_paths: daPaths, top_profiles: daProfiles, timeline: daTimeline },
    network: { query: nw, total: nwTotal, previous_total: nwPrev, by_family: families, by_profile_family: nwPairs, timeline: nwTimeline },
  }
}
