import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { parseLines, type ParseResult } from '../../../src/normalize/index.js'
import type { Fields } from '../../../src/event/index.js'

/**
 * Conformance against libapparmor 4.1.0's own test suite (test_multi: 172 real-world log lines, each
 * with the record libapparmor's parse_record() makes of it; see the fixture README). Every value
 * libapparmor prints must be ours too, and no canonical field may appear that it does not print.
 * Known, deliberate differences (the issue's field table decides them):
 * - `ErrorCode`: libapparmor drops the sign (-13 → 13); we keep `apparmor.error` as logged.
 * - `Command`: libapparmor stores `exe` there when the record has no `comm` (D-Bus); we keep
 *   `apparmor.exe` and `apparmor.comm` apart.
 * - `Name` of a capability record: libapparmor puts `capname` there; we name it `apparmor.capname`.
 * - `addr=none`/`peer_addr=none` (an unbound unix socket): libapparmor drops the value; we keep
 *   it as logged.
 * Lines libapparmor 4.1 rejects are listed below with what we make of them instead.
 */
const dir = new URL('../../fixtures/libapparmor-testsuite/', import.meta.url)

/** libapparmor's label → our field. */
const fieldByLabel: Record<string, string> = {
  'Audit ID': 'audit.id', Operation: 'apparmor.operation', Mask: 'apparmor.requested_mask', 'Denied Mask': 'apparmor.denied_mask',
  fsuid: 'apparmor.fsuid', ouid: 'apparmor.ouid', Profile: 'apparmor.profile', 'Peer profile': 'apparmor.peer_profile', Peer: 'apparmor.peer',
  Name: 'apparmor.name', Command: 'apparmor.comm', Name2: 'apparmor.name2', Namespace: 'apparmor.namespace', Attribute: 'apparmor.attribute',
  Task: 'apparmor.task', Parent: 'apparmor.parent', Token: 'apparmor.magic_token', Info: 'apparmor.info', 'Peer info': 'apparmor.peer_info',
  ErrorCode: 'apparmor.error', PID: 'apparmor.pid', 'Peer PID': 'apparmor.peer_pid', 'Net Addr': 'apparmor.addr', 'Peer Addr': 'apparmor.peer_addr',
  'Network family': 'apparmor.family', 'Socket type': 'apparmor.sock_type', Protocol: 'apparmor.protocol', 'Local addr': 'apparmor.local_addr',
  'Foreign addr': 'apparmor.foreign_addr', 'Local port': 'apparmor.local_port', 'Foreign port': 'apparmor.foreign_port', 'DBus bus': 'apparmor.bus',
  'DBus path': 'apparmor.path', 'DBus interface': 'apparmor.interface', 'DBus member': 'apparmor.member', Signal: 'apparmor.signal',
  'FS Type': 'apparmor.fstype', Flags: 'apparmor.flags', 'Src name': 'apparmor.srcname', Execpath: 'apparmor.execpath', Class: 'apparmor.class',
  Epoch: 'audit.epoch', 'Audit subid': 'audit.serial',
}

/** What we make of the lines libapparmor 4.1 rejects. */
const rejectedByLibapparmor: Record<string, 'apparmor' | 'syslog' | 'audit' | 'malformed'> = {
  // `audit(12799====…8288.415:39)` is no audit id: reported with its position, as libapparmor rejects it.
  avc_audit_invalid_audit_id: 'malformed',
  // AppArmor 2.0 prose, which libapparmor stopped parsing in 2011: we still read every shape.
  ...Object.fromEntries(Array.from({ length: 18 }, (_, i) => [`old_style_log_${String(i + 1).padStart(2, '0')}`, 'apparmor' as const])),
  // Hex garbage in `target=` (Launchpad 1689667): the rest of the record is fine, and the value is kept escaped.
  ptrace_garbage_lp1689667_2: 'apparmor',
  // A `grep -H` prefix (`audit.log:type=AVC …`).
  'status-filesystem-enabled': 'apparmor',
  // syslog lines without AppArmor, and a user-space CRED_ACQ audit record.
  syslog_other_01: 'syslog',
  syslog_other_02: 'syslog',
  syslog_other_03: 'syslog',
  syslog_other_04: 'syslog',
  testcase32: 'audit',
}

const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.in'))
  .map((f) => f.slice(0, -3))
  .sort()

function expected(name: string): Map<string, string> {
  const lines = readFileSync(new URL(`${name}.out`, dir), 'utf8').split('\n')
  const out = new Map<string, string>()
  for (const line of lines) {
    const colon = line.indexOf(': ')
    if (colon > 0 && !line.startsWith('File: ')) out.set(line.slice(0, colon), line.slice(colon + 2))
  }
  return out
}

function parse(name: string): ParseResult {
  return parseLines(readFileSync(new URL(`${name}.in`, dir), 'utf8'), { location: `${name}.in`, now: () => Date.parse('2026-11-23T00:00:00Z'), year: 2026 })
}

/** The differences between libapparmor's record and our fields, as `label: theirs ≠ ours` lines. */
function differences(want: Map<string, string>, fields: Fields): string[] {
  const diffs: string[] = []
  for (const [label, value] of want) {
    if (label === 'Event type') {
      const status = value.replace('AA_RECORD_', '')
      if (fields['apparmor.status'] !== status) diffs.push(`status: ${status} ≠ ${String(fields['apparmor.status'])}`)
      continue
    }
    const field = fieldByLabel[label]
    if (field === undefined) {
      diffs.push(`${label}: no field for this label`)
      continue
    }
    let ours = fields[field]
    if (label === 'ErrorCode' && typeof ours === 'number') ours = Math.abs(ours)
    if (label === 'Command' && ours === undefined) ours = fields['apparmor.exe']
    if (label === 'Name' && ours === undefined) ours = fields['apparmor.capname']
    if (String(ours) !== value) diffs.push(`${label}: ${JSON.stringify(value)} ≠ ${JSON.stringify(ours)}`)
  }
  for (const [label, field] of Object.entries(fieldByLabel)) {
    const ours = fields[field]
    if (want.has(label) || ours === undefined || (field === 'apparmor.addr' || field === 'apparmor.peer_addr') && ours === 'none') continue
    diffs.push(`${label}: absent ≠ ${JSON.stringify(ours)}`)
  }
  return diffs
}

test('libapparmor 4.1 test suite: every record libapparmor parses has the same values from us', () => {
  const mismatches: string[] = []
  let compared = 0
  for (const name of cases) {
    const want = expected(name)
    if (want.get('Event type') === 'AA_RECORD_INVALID') continue
    const { events, errors } = parse(name)
    const ours = events.find((e) => e.kind === 'apparmor')
    if (!ours || errors.length) {
      mismatches.push(`${name}: no AppArmor event (${errors.map((e) => e.message).join('; ')})`)
      continue
    }
    compared++
    for (const diff of differences(want, ours.fields)) mismatches.push(`${name}: ${diff}`)
  }
  assert.deepEqual(mismatches, [])
  assert.equal(compared, 146, 'every case libapparmor parses was compared')
})

test('libapparmor 4.1 test suite: the lines libapparmor rejects are read (or reported) as listed', () => {
  const rejected = cases.filter((name) => expected(name).get('Event type') === 'AA_RECORD_INVALID')
  assert.deepEqual(rejected, Object.keys(rejectedByLibapparmor).sort())
  for (const name of rejected) {
    const { events, errors } = parse(name)
    const outcome = errors.length ? 'malformed' : events[0]?.kind
    assert.equal(outcome, rejectedByLibapparmor[name], name)
    if (outcome === 'apparmor') assert.ok(typeof events[0].fields['apparmor.status'] === 'string' && events[0].fields['apparmor.pid'] !== undefined, name)
  }
})

test('libapparmor 4.1 test suite: AppArmor 2.0 prose becomes the fields libapparmor 2.x gave it', () => {
  const fields = (name: string) => parse(name).events[0].fields
  assert.deepEqual(
    [fields('old_style_log_03')['apparmor.operation'], fields('old_style_log_03')['apparmor.name'], fields('old_style_log_13')['apparmor.name']],
    ['syscall', 'ptrace', 'sysctl (write)'],
  )
  assert.equal(fields('old_style_log_07')['apparmor.operation'], 'xattr set')
  assert.equal(fields('old_style_log_11')['apparmor.capability'], 'cap_cap')
  const hint = fields('old_style_log_18')
  assert.deepEqual(
    [hint['apparmor.status'], hint['apparmor.operation'], hint['apparmor.name'], hint['apparmor.pid'], hint['apparmor.profile'], hint['apparmor.active_hat']],
    ['HINT', 'unknown_hat', 'TESTHAT', 27764, '/home/matt/projects/change_hat_test/test_hat', undefined],
  )
  assert.equal(fields('old_style_log_01')['apparmor.active_hat'], 'SYSINFO')
})
