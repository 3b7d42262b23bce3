// The correlator looks only at the remembered events that share the current event's correlation
// key (agent, same_* values). Differential test against the plain scan of every remembered event
// it replaced (analysisd's Search_LastSids/Search_LastGroups), on random streams.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Correlator } from '../../../src/rules/correlation.js'
import { getField, newLogEvent, type LogEvent } from '../../../src/rules/log-event.js'
import type { Rule } from '../../../src/rules/rule.js'
import { prng } from '../../helpers/prng.js'

const MAX_PER_LIST = 4096

interface Stored {
  readonly ev: LogEvent
  matched: number
}

/** The reference: every remembered event of the sid or group scanned, newest first. */
class LinearCorrelator {
  private readonly bySid = new Map<number, Stored[]>()
  private readonly byGroup = new Map<string, Stored[]>()
  private readonly wantedSids = new Set<number>()
  private readonly wantedGroups = new Set<string>()
  private maxTimeframeMs = 0
  readonly previous = new Map<number, string[]>()

  register(rule: Rule): void {
    if (rule.ifMatchedSid !== undefined) this.wantedSids.add(rule.ifMatchedSid)
    if (rule.ifMatchedGroup !== undefined) this.wantedGroups.add(rule.ifMatchedGroup)
    if (rule.ifMatchedSid !== undefined || rule.ifMatchedGroup !== undefined) this.maxTimeframeMs = Math.max(this.maxTimeframeMs, rule.timeframe * 1000)
  }

  matches(rule: Rule, ev: LogEvent): boolean {
    const list = rule.ifMatchedSid !== undefined ? this.bySid.get(rule.ifMatchedSid) : this.byGroup.get(rule.ifMatchedGroup as string)
    if (list === undefined || list.length === 0) return false
    const needed = (rule.frequency ?? 2) - 1
    const oldest = ev.time - rule.timeframe * 1000
    let found = 0
    const logs: string[] = []
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i] as Stored
      if (s.ev.time < oldest) break
      if (!rule.globalFrequency && s.ev.agent.id !== ev.agent.id) continue
      const same = rule.same.every((k) => getField(ev, k.replace(/^field:/, '')) !== undefined && getField(ev, k.replace(/^field:/, '')) === getField(s.ev, k.replace(/^field:/, '')))
      const different = rule.different.every((k) => {
        const a = getField(ev, k)
        const b = getField(s.ev, k)
        return a === undefined || b === undefined || a !== b
      })
      if (!same || !different) continue
      if (rule.frequency !== undefined && s.matched > 0 && s.matched >= rule.level) return false
      found++
      if (logs.length < 10) logs.push(s.ev.fullLog)
      if (found >= needed) {
        if (rule.frequency !== undefined) s.matched = rule.level
        this.previous.set(rule.id, logs)
        return true
      }
    }
    return false
  }

  remember(rule: Rule, ev: LogEvent): void {
    const entry: Stored = { ev, matched: 0 }
    const push = <K>(map: Map<K, Stored[]>, key: K) => {
      const list = map.get(key) ?? []
      map.set(key, list)
      list.push(entry)
      let drop = 0
      while (drop < list.length && (list[drop] as Stored).ev.time < ev.time - this.maxTimeframeMs) drop++
      if (list.length - drop > MAX_PER_LIST) drop = list.length - MAX_PER_LIST
      if (drop > 0) list.splice(0, drop)
    }
    if (this.wantedSids.has(rule.id)) push(this.bySid, rule.id)
    for (const g of rule.groups) if (this.wantedGroups.has(g)) push(this.byGroup, g)
  }
}

const rule = (r: Partial<Rule> & { id: number; level: number }): Rule =>
  ({ groups: [], timeframe: 360, same: [], different: [], globalFrequency: false, ...r }) as Rule

// Base rules (what an event decodes to) and the correlation rules over them, tried in this order.
const denied = rule({ id: 1, level: 5, groups: ['denied'] })
const other = rule({ id: 2, level: 3, groups: ['other'] })
const correlations = [
  rule({ id: 10, level: 12, frequency: 4, timeframe: 30, ifMatchedGroup: 'denied', same: ['apparmor.pid', 'field:apparmor.profile'], groups: ['burst', 'denied'] }),
  rule({ id: 11, level: 9, frequency: 3, timeframe: 60, ifMatchedSid: 1, different: ['apparmor.name'], groups: ['spread'] }),
  rule({ id: 12, level: 10, frequency: 5, timeframe: 20, ifMatchedGroup: 'denied', globalFrequency: true, same: ['apparmor.profile'], groups: ['fleet'] }),
  rule({ id: 13, level: 7, timeframe: 10, ifMatchedSid: 2, same: ['apparmor.pid'], groups: ['other'] }),
  // One key for every event: the whole list is one bucket, pruned from the front.
  rule({ id: 14, level: 6, frequency: 6, timeframe: 5, ifMatchedGroup: 'other', globalFrequency: true, groups: ['noisy'] }),
]

function stream(seed: number, n: number, maxGapMs: number): { ev: LogEvent; base: Rule }[] {
  const rnd = prng(seed)
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T
  let t = Date.parse('2026-11-20T10:00:00Z')
  return Array.from({ length: n }, (_, i) => {
    t += Math.floor(rnd() * maxGapMs)
    const ev = newLogEvent({ fullLog: `event ${i}`, location: 'test', agent: { id: pick(['001', '002', '003']), name: 'h' }, time: t })
    ev.dynamic.set('apparmor.pid', String(pick([100, 101, 102, 103, 104])))
    if (rnd() < 0.9) ev.dynamic.set('apparmor.profile', pick(['/usr/sbin/a', '/usr/sbin/b', '/usr/sbin/c']))
    ev.dynamic.set('apparmor.name', pick(['/etc/shadow', '/etc/passwd', '/tmp/x', '/root/.ssh/id_rsa']))
    return { ev, base: rnd() < 0.7 ? denied : other }
  })
}

test('matches and previous outputs equal those of the plain scan, on random streams (bursts past the list bound too)', () => {
  for (const [seed, n, gap] of [[1, 3000, 4000], [2, 3000, 500], [3, 9000, 0], [4, 6000, 20], [5, 20000, 1]] as const) {
    const fast = new Correlator()
    const slow = new LinearCorrelator()
    for (const r of [denied, other, ...correlations]) {
      fast.register(r)
      slow.register(r)
    }
    let fired = 0
    for (const [i, { ev, base }] of stream(seed, n, gap).entries()) {
      fast.previous.clear()
      slow.previous.clear()
      // As the engine does: the first correlation rule that holds is the final rule, remembered under its id and groups.
      let final = base
      for (const r of correlations) {
        if (r.ifMatchedSid !== undefined && r.ifMatchedSid !== base.id && r.ifMatchedSid !== final.id) continue
        const a = fast.matches(r, ev)
        assert.equal(a, slow.matches(r, ev), `seed ${seed}, event ${i}, rule ${r.id}`)
        if (a) {
          assert.deepEqual(fast.previous.get(r.id), slow.previous.get(r.id), `previous output, seed ${seed}, event ${i}, rule ${r.id}`)
          final = r
          fired++
          break
        }
      }
      fast.remember(final, ev)
      slow.remember(final, ev)
    }
    assert.ok(fired > 20, `seed ${seed}: the stream exercises the correlation rules (${fired} fired)`)
  }
})
