/**
 * Synthetic AppArmor denial alerts for benchmarks (bench/store, bench/dashboard): N alerts spread
 * evenly over 30 days up to `end`, with values that cycle so that aggregations have real
 * cardinality (200 profiles, 12 operations, 5,000 paths, 100 hosts, 6 levels).
 */
import type { AlertDoc } from '../../src/store/index.js'

const SPAN_MS = 30 * 86_400_000

const profiles = Array.from({ length: 200 }, (_, i) => `/usr/bin/app${i}`)
const ops = ['open', 'exec', 'connect', 'file_mmap', 'capable', 'mknod', 'bind', 'signal', 'ptrace', 'sendmsg', 'link', 'rename_src']
const names = Array.from({ length: 5000 }, (_, i) => `/var/lib/app/data/file${i}.db`)

/** The time (ms since the epoch) of the i-th of n alerts ending at `end`. */
export function syntheticTime(i: number, n: number, end: number): number {
  return end - SPAN_MS + Math.floor((i / n) * SPAN_MS)
}

/** The i-th of n alerts ending at `end` (ms since the epoch). */
export function syntheticAlert(i: number, n: number, end: number): AlertDoc {
  const ts = syntheticTime(i, n, end)
  const profile = profiles[(i * 7) % profiles.length] as string
  const op = ops[(i * 13) % ops.length] as string
  const name = names[(i * 31) % names.length] as string
  const level = [3, 5, 7, 8, 10, 12][i % 6] as number
  return {
    timestamp: new Date(ts).toISOString(),
    id: `${Math.floor(ts / 1000)}.${i}`,
    rule: { id: String(100700 + (i % 4)), level, description: `AppArmor denied operation: ${op} on ${name}`, groups: ['apparmor', 'access_denied'], firedtimes: (i % 50) + 1 },
    agent: { id: String(i % 100).padStart(3, '0'), name: `host${i % 100}`, ip: `10.0.${i % 100}.1` },
    manager: { name: 'manager' },
    decoder: { name: 'apparmor' },
    full_log: `type=AVC msg=audit(${ts / 1000}:${i}): apparmor="DENIED" operation="${op}" profile="${profile}" name="${name}" pid=${1000 + (i % 30000)} comm="app" requested_mask="r" denied_mask="r" fsuid=0 ouid=0`,
    location: '/var/log/audit/audit.log',
    data: {
      audit: { type: 'APPARMOR_DENIED', exe: profile },
      apparmor: { status: 'DENIED', operation: op, profile, name, denied_mask: 'r', pid: 1000 + (i % 30000) },
    },
  }
}
