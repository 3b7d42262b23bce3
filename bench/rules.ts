/**
 * `npm run bench -- rules`: events per second on one core through decode + rules.
 * (a) The built-in ruleset plus the seed guide's rules over a mixed AppArmor/audit corpus (the
 *     corpus files parsed once, the events replayed; parsing is measured by bench/parse).
 * (b) The full Wazuh 4.12.0 stock ruleset over the log lines of its own test cases, repeated
 *     (pre-decoder + XML decoders + rules, as analysisd does per line).
 * Baseline: Wazuh analysisd's published single-threaded figure, 8,100-13,700 events/s (#1140);
 * the ratio is (a) per CPU second over 13,700.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { report, smoke } from './report.js'
import { parse } from 'yaml'
import { Ruleset, builtinRulesetDir } from '../src/rules/ruleset.js'
import { parseLines } from '../src/normalize/index.js'
import { iniCases, parseIni } from '../src/rules/testing/ini.js'
import { wazuhTestTransform } from '../src/rules/testing/runner.js'
import type { Event } from '../src/event/event.js'

const shared = fileURLToPath(new URL('../../shared', import.meta.url))
const corpus = join(shared, 'corpus')
const wazuh = join(shared, 'wazuh-ruleset-4.12.0')

function rate(n: number, ms: number): number {
  return Math.round((n * 1000) / ms)
}

/**
 * Runs `fn` over `items` until `total` calls are made; returns elapsed wall and CPU milliseconds.
 * On a shared machine the CPU figure is the one-core rate; the wall figure includes waiting.
 */
function timeLoop<T>(items: readonly T[], total: number, fn: (item: T, i: number) => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < total; i++) fn(items[i % items.length] as T, i)
  const c = process.cpuUsage(c0)
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 }
}

// (a) built-in + seed rules over AppArmor and audit events.
const files = [
  join(corpus, 'apparmor', 'seed-scenario.audit.log'),
  join(corpus, 'apparmor', 'seed-scenario.kern.log'),
  join(corpus, 'apparmor', 'envelopes.log'),
  join(corpus, 'audit', 'real-capture.log'),
]
// Without ../shared (outside CI), the logs of the built-in test cases stand in for the corpus.
const texts: { text: string; location: string }[] = existsSync(corpus)
  ? files.map((f) => ({ text: readFileSync(f, 'utf8'), location: f }))
  : readdirSync(join(builtinRulesetDir(), 'tests'))
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => (parse(readFileSync(join(builtinRulesetDir(), 'tests', f), 'utf8')) as { cases: { log?: string }[] }).cases)
      .flatMap((c) => (c.log !== undefined ? [{ text: c.log, location: 'test' }] : []))
const events: Event[] = texts.flatMap((t) => parseLines(t.text, { location: t.location }).events)
const kinds = events.reduce<Record<string, number>>((m, e) => ((m[e.kind] = (m[e.kind] ?? 0) + 1), m), {})
const builtin = new Ruleset(existsSync(corpus) ? { rules: [join(corpus, 'seed-rules')] } : {})
const totalA = smoke ? 20_000 : 1_000_000
// Spread event times so correlation windows behave as in a live stream (one event per ms).
const base = Date.parse('2026-11-20T10:00:00Z')
const shifted = events.map((e, i) => ({ ...e, time: new Date(base + i).toISOString() }))
timeLoop(shifted, Math.min(totalA, 20_000), (e) => builtin.process(e)) // warm-up
builtin.reset()
let alertsA = 0
const tA = timeLoop(shifted, totalA, (e) => {
  if (builtin.process(e).alert !== null) alertsA++
})
const epsA = rate(totalA, tA.cpu)

// (b) Wazuh stock ruleset over its test-case lines.
let epsB: number | string = 'skipped (no wazuh-ruleset-4.12.0)'
let wallB: number | string = epsB
let linesB = 0
if (existsSync(wazuh)) {
  const stock = new Ruleset({ ruleset: wazuh, rules: [join(wazuh, 'testing/ruleset')], transform: wazuhTestTransform })
  const lines = readdirSync(join(wazuh, 'testing/tests'))
    .filter((f) => f.endsWith('.ini'))
    .flatMap((f) => iniCases(parseIni(readFileSync(join(wazuh, 'testing/tests', f), 'utf8'))).flatMap((c) => c.lines))
  linesB = lines.length
  const totalB = smoke ? 5_000 : 200_000
  timeLoop(lines, Math.min(totalB, 5_000), (l) => stock.analyzeLine(l))
  stock.reset()
  const tB = timeLoop(lines, totalB, (l) => stock.analyzeLine(l, { location: 'stdin' }))
  epsB = rate(totalB, tB.cpu)
  wallB = rate(totalB, tB.wall)
}

// (c) A denial burst: 2,000 denials per second of event time from 200 processes under 20
// profiles, the shape that makes a correlation rule (110050: 10 denials of one pid and profile in
// 60 s) look back over the denials it remembers; each process repeats often enough to be caught.
const burstLines = Array.from({ length: 5_000 }, (_, i) => {
  const pid = 1000 + ((i * 7919) % 200)
  return `type=AVC msg=audit(1795168800.000:${i + 1}): apparmor="DENIED" operation="open" class="file" profile="/usr/bin/app${pid % 20}" name="/var/lib/app/file${i % 50}" pid=${pid} comm="app" requested_mask="r" denied_mask="r" fsuid=1000 ouid=0`
})
const burst = parseLines(burstLines.join('\n'), { location: '/var/log/audit/audit.log' }).events
const totalC = smoke ? 20_000 : 200_000
const burstRules = new Ruleset()
let alertsC = 0
let repeatedC = 0
const tC = timeLoop(burst, totalC, (e, i) => {
  const a = burstRules.process({ ...e, time: new Date(base + i / 2).toISOString() }).alert
  if (a !== null) alertsC++
  if (a?.rule.id === '110050') repeatedC++
})

report(
  'rules',
  {
    'a_builtin+seed_events_per_cpu_s': epsA,
    'a_builtin+seed_events_per_wall_s': rate(totalA, tA.wall),
    a_events: totalA,
    a_distinct_events: events.length,
    a_event_kinds: JSON.stringify(kinds),
    a_alert_share: `${((100 * alertsA) / totalA).toFixed(1)}%`,
    'b_wazuh_stock_lines_per_cpu_s': epsB,
    'b_wazuh_stock_lines_per_wall_s': wallB,
    b_distinct_lines: linesB,
    c_denial_burst_events_per_cpu_s: rate(totalC, tC.cpu),
    c_denial_burst_alerts: alertsC,
    c_denial_burst_repeated_denial_alerts: repeatedC,
  },
  { 'wazuh_analysisd_events_per_s (published, single thread)': '8100-13700' },
  epsA / 13_700,
)
