import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Assembler, type AssembledEvent } from '../../../src/audit/assembler.js'
import { parseRecord } from '../../../src/audit/record.js'

function item(line: string) {
  const r = parseRecord(line)
  assert.ok(r.ok, line)
  return { record: r.record, raw: line, line: 0, meta: undefined }
}

function collect(settings = {}) {
  const out: AssembledEvent<undefined>[] = []
  const a = new Assembler<undefined>((e) => out.push(e), settings)
  return { a, out, types: () => out.map((e) => [e.completion, e.items.map((i) => i.record.typeName).join(',')]) }
}

test('interleaved events complete on PROCTITLE after their SYSCALL', () => {
  const { a, types } = collect()
  a.push(item('type=AVC msg=audit(10.000:1): apparmor="DENIED"'))
  a.push(item('type=CONFIG_CHANGE msg=audit(10.000:2): op=add_rule'))
  a.push(item('type=SYSCALL msg=audit(10.000:1): syscall=257'))
  a.push(item('type=SYSCALL msg=audit(10.000:2): syscall=44'))
  a.push(item('type=PROCTITLE msg=audit(10.000:2): proctitle=6C73'))
  a.push(item('type=PROCTITLE msg=audit(10.000:1): proctitle=6C73'))
  assert.deepEqual(types(), [
    ['proctitle', 'CONFIG_CHANGE,SYSCALL,PROCTITLE'],
    ['proctitle', 'AVC,SYSCALL,PROCTITLE'],
  ])
})

test('EOE completes an event; a lone EOE is ignored; single-record types go at once', () => {
  const { a, types } = collect()
  a.push(item('type=SYSCALL msg=audit(10.000:1): syscall=59'))
  a.push(item('type=EXECVE msg=audit(10.000:1): argc=1 a0="ls"'))
  a.push(item('type=USER_START msg=audit(10.000:2): pid=1'))
  a.push(item('type=EOE msg=audit(10.000:1): '))
  a.push(item('type=EOE msg=audit(10.000:9): '))
  assert.deepEqual(types(), [
    ['single', 'USER_START'],
    ['eoe', 'SYSCALL,EXECVE,EOE'],
  ])
})

test('event-clock timeout: a record 2 s later expires older incomplete events', () => {
  const { a, types } = collect({ timeoutMs: 2000 })
  a.push(item('type=AVC msg=audit(10.000:1): apparmor="DENIED"'))
  a.push(item('type=AVC msg=audit(11.000:2): apparmor="DENIED"'))
  assert.equal(a.inFlight, 2)
  a.push(item('type=AVC msg=audit(12.500:3): apparmor="DENIED"'))
  assert.deepEqual(types(), [['timeout', 'AVC']])
  a.flush()
  assert.equal(a.inFlight, 0)
  assert.deepEqual(types().map((t) => t[0]), ['timeout', 'flush', 'flush'])
  assert.equal(a.stats.timedOut, 1)
})

test('the same serial on two nodes are two events', () => {
  const { a, out } = collect()
  a.push(item('node=a type=AVC msg=audit(10.000:1): apparmor="DENIED"'))
  a.push(item('node=b type=AVC msg=audit(10.000:1): apparmor="DENIED"'))
  a.flush()
  assert.equal(out.length, 2)
})

test('in-flight events are bounded: the oldest is emitted early and counted', () => {
  const { a, out } = collect({ maxInFlight: 3 })
  for (let i = 1; i <= 5; i++) a.push(item(`type=AVC msg=audit(10.000:${i}): apparmor="DENIED"`))
  assert.equal(a.inFlight, 3)
  assert.equal(a.stats.evicted, 2)
  assert.deepEqual(out.map((e) => [e.completion, e.items[0].record.serial]), [['evicted', 1], ['evicted', 2]])
})

test('wall-clock mode waits for expire(now)', () => {
  const { a, out } = collect({ clock: 'wall', timeoutMs: 50 })
  a.push(item('type=AVC msg=audit(10.000:1): apparmor="DENIED"'))
  a.push(item('type=AVC msg=audit(99.000:2): apparmor="DENIED"'))
  assert.equal(out.length, 0, 'record time does not expire anything live')
  a.expire(Date.now() + 60)
  assert.equal(out.length, 2)
})

test('two in-flight events with the same serial but different ids stay apart', () => {
  const { a, types, out } = collect()
  a.push(item('type=SYSCALL msg=audit(10.000:7): syscall=257'))
  a.push(item('type=SYSCALL msg=audit(10.500:7): syscall=44'))
  a.push(item('type=PROCTITLE msg=audit(10.500:7): proctitle=6C73'))
  a.push(item('type=CWD msg=audit(10.000:7): cwd="/"'))
  a.push(item('type=PROCTITLE msg=audit(10.000:7): proctitle=6C73'))
  assert.deepEqual(types(), [
    ['proctitle', 'SYSCALL,PROCTITLE'],
    ['proctitle', 'SYSCALL,CWD,PROCTITLE'],
  ])
  assert.deepEqual(out.map((e) => e.items[0].record.timeMs), [10_500, 10_000])
  assert.equal(a.inFlight, 0)
})

test('many events completing out of order keep arrival order for timeouts and flush', () => {
  const { a, out } = collect({ maxInFlight: 100_000 })
  // Every even serial waits; every odd one completes at once: the waiting ones leave holes behind.
  for (let i = 0; i < 5000; i++) {
    a.push(item(`type=SYSCALL msg=audit(10.000:${i}): syscall=1`))
    if (i % 2 === 1) a.push(item(`type=PROCTITLE msg=audit(10.000:${i}): proctitle=6C73`))
  }
  assert.equal(a.inFlight, 2500)
  assert.equal(out.length, 2500)
  // The first half of the waiting ones get their PROCTITLE late, in reverse order.
  for (let i = 2498; i >= 0; i -= 2) a.push(item(`type=PROCTITLE msg=audit(10.000:${i}): proctitle=6C73`))
  assert.equal(a.inFlight, 1250)
  a.flush()
  const flushed = out.filter((e) => e.completion === 'flush').map((e) => e.items[0].record.serial)
  assert.deepEqual(flushed, Array.from({ length: 1250 }, (_, k) => 2500 + 2 * k))
  assert.equal(a.inFlight, 0)
})
