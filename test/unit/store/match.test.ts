/**
 * The in-memory filter (src/store/query/match.ts, used by the live alert stream) against the SQL
 * the store runs, on the same alerts: the query fixtures plus the real rules' alerts for the
 * AppArmor corpus. Fixed queries cover every construct; seeded random ones cover combinations.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { DuckAlertStore } from '../../../src/store/duckdb/alerts.js'
import { compileQuery, duckdb, parseQuery } from '../../../src/store/query/index.js'
import { globMatch, matchesFilter } from '../../../src/store/query/match.js'
import type { AlertDoc } from '../../../src/store/alert.js'
import { parseLines } from '../../../src/normalize/index.js'
import { loadRuleset } from '../../../src/rules/ruleset.js'
import { QUERIES } from '../../../src/manager/security.js'
import { prng } from '../../helpers/prng.js'
import { ALERTS } from './dataset.js'

const LOGS = ['seed-scenario.audit.log', 'envelopes.log', 'kmsg.txt', 'real-capture.log']

function corpusAlerts(): AlertDoc[] {
  const rules = loadRuleset()
  const out: AlertDoc[] = []
  for (const name of LOGS) {
    const text = readFileSync(new URL(`../../fixtures/normalize/${name}`, import.meta.url), 'utf8')
    for (const e of parseLines(text, { location: name }).events) {
      const a = rules.process(e).alert
      if (a) out.push(a)
    }
  }
  return out
}

let store: DuckAlertStore
let docs: AlertDoc[]
before(async () => {
  docs = [...ALERTS, ...corpusAlerts()]
  store = await DuckAlertStore.open(':memory:')
  await store.insertAlerts(docs)
})
after(() => store.close())

async function both(q: string): Promise<{ sql: string[]; mem: string[] }> {
  const rows = (await store.query(q, { limit: 10_000 })).rows as { id: string }[]
  const filter = parseQuery(q).filter
  return { sql: rows.map((r) => r.id).sort(), mem: docs.filter((d) => matchesFilter(filter, d)).map((d) => String(d.id)).sort() }
}

const FIXED = [
  '', '*', 'rule.groups: apparmor AND data.audit.type: "APPARMOR_DENIED"', 'rule.id: (100601 OR 100602 OR 100603)',
  'apparmor.operation: connect', 'audit.exe: "/usr/sbin/database-server"', 'srcuser: alice', 'data.audit.exe: /usr/local/*',
  'agent.name: d?1', 'rule.groups: cred*', 'apparmor.name: "/tmp/x_100%"', 'apparmor.name: /tmp/x_1*', 'rule.level: 1*',
  'NOT data.audit.type: APPARMOR_DENIED', 'rule.id: (100701 OR 100702) AND NOT agent.name: (web1 OR build)',
  'rule.level >= 10', 'rule.level > 3 AND rule.level < 8', 'rule.level != 7', 'rule.id >= 100700 AND rule.id < 100702',
  'timestamp >= "2026-11-20T13:00:00Z"', 'rule.firedtimes > 1', 'shadow', 'DENIED mysqld', 'full_log: apparmor.d', 'den*ied',
  'syscheck.path: *', 'rule.mitre.id: *', 'decoder.parent: *', 'data.apparmor.capability: *', 'data.apparmor.fsuid: 0',
  'data.apparmor.fsuid >= 100', 'apparmor.pid < 3000', 'data.audit.paths: *', 'apparmor.profile > /usr/sbin', 'rule.mitre.id: T1*',
  'data.apparmor.error: -13', 'NOT rule.mitre.id: *', 'data.kernel.uptime > 4000.5', ...Object.values(QUERIES),
]

test('fixed queries: the in-memory filter selects exactly what the SQL selects', async () => {
  for (const q of FIXED) {
    const r = await both(q)
    assert.deepEqual(r.mem, r.sql, q)
  }
  // The corpus alerts are there, and the queries are not all empty or all full.
  assert.ok(docs.length > 60)
  assert.ok((await both('apparmor.operation: connect')).sql.length >= 3)
})

/** Values seen in the alerts, per field, for random queries. */
function pools(): Map<string, string[]> {
  const out = new Map<string, Set<string>>()
  const walk = (o: unknown, prefix: string) => {
    if (o === null || typeof o !== 'object') return
    for (const [k, v] of Object.entries(o)) {
      const name = prefix ? `${prefix}.${k}` : k
      if (name === 'full_log' || name === 'data.apparmor_state.profiles') continue
      if (typeof v === 'string' || typeof v === 'number') out.set(name, (out.get(name) ?? new Set()).add(String(v)))
      else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') out.set(name, (out.get(name) ?? new Set()).add(x))
      else walk(v, name)
    }
  }
  for (const d of docs) walk(d, '')
  return new Map([...out].filter(([k]) => /^[A-Za-z_@][A-Za-z0-9_@.-]*$/.test(k)).map(([k, v]) => [k, [...v]]))
}

test('random queries (seeded): same alerts both ways', async () => {
  const rnd = prng(20261120)
  const p = pools()
  const fields = [...p.keys()]
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T
  const quote = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`
  const term = (): string => {
    const f = pick(fields)
    const v = pick(p.get(f) ?? [''])
    switch (Math.floor(rnd() * 6)) {
      case 0:
        return `${f}: ${quote(v)}`
      case 1:
        return `${f}: *`
      case 2: {
        // A wildcard made from a piece of a real value: prefix, suffix or infix.
        const cut = Math.floor(rnd() * (v.length + 1))
        const piece = v.slice(0, cut).replace(/[\s()"|,<>=!:*?]/g, '?')
        return `${f}: ${pick([`${piece}*`, `*${piece}`, `*${piece}*`, `${piece}?*`])}`
      }
      case 3:
        return Number.isFinite(Number(v)) && v.trim() !== '' ? `${f} ${pick(['<', '<=', '>', '>='])} ${v}` : `${f}: ${quote(v)}`
      case 4:
        return quote(v.slice(0, 6))
      default:
        return `NOT ${f}: ${quote(v)}`
    }
  }
  const expr = (depth: number): string => {
    if (depth === 0 || rnd() < 0.4) return term()
    return `(${expr(depth - 1)} ${pick(['AND', 'OR'])} ${expr(depth - 1)})`
  }
  let nonEmpty = 0
  for (let i = 0; i < 300; i++) {
    const q = expr(3)
    try {
      compileQuery(parseQuery(q), duckdb)
    } catch {
      // Queries the compiler rejects (a comparison on a list...) are not run by either side.
      continue
    }
    const r = await both(q)
    assert.deepEqual(r.mem, r.sql, q)
    if (r.sql.length > 0 && r.sql.length < docs.length) nonEmpty++
  }
  assert.ok(nonEmpty > 100, `only ${nonEmpty} queries selected some but not all alerts`)
})

test('glob matching: * and ? over whole values', () => {
  assert.ok(globMatch('/etc/sudoers*', '/etc/sudoers.d/x'))
  assert.ok(globMatch('*/.ssh/*', '/home/a/.ssh/id_rsa'))
  assert.ok(!globMatch('*/.ssh/*', '/home/a/.ssh'))
  assert.ok(globMatch('a?c', 'abc') && !globMatch('a?c', 'ac'))
  assert.ok(globMatch('', '') && !globMatch('', 'x') && globMatch('*', ''))
  assert.ok(!globMatch('*a*a*a*b', 'a'.repeat(2000)))
  assert.ok(globMatch('*a*a*a*b', 'a'.repeat(2000) + 'b'))
})
