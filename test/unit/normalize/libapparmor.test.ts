import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseLines } from '../../../src/normalize/index.js'
import type { Fields } from '../../../src/event/index.js'
import { tempDir } from '../../helpers/tmp.js'
import { missingTool } from '../../helpers/tool.js'

/**
 * Differential test against libapparmor's own parser (Debian's libapparmor 3.0.8): every fixture
 * line it parses must give the same values from our parser. Known, deliberate differences:
 * - libapparmor drops the sign of `error=` (-13 → 13); we keep it as logged.
 * - libapparmor stores `exe` over `comm` (last wins); we keep both (`apparmor.exe`, `apparmor.comm`).
 * - libapparmor puts `capname` in `name`; we name it `apparmor.capname`.
 * - USER_AVC: libapparmor reads the outer header's `pid`/`auid` … when the inner message lacks
 *   them; we keep the outer ones as `audit.*` (they describe the bus daemon).
 * Lines it rejects (KILLED, keys newer than 3.0.8, `node=`, journald text, ausearch -i, dmesg
 * without uptime, 2.x prose, …) are counted, not compared.
 */
const harnessSource = fileURLToPath(new URL('../../fixtures/libapparmor/dump-records.c', import.meta.url))
const dir = new URL('../../fixtures/normalize/', import.meta.url)

function buildHarness(): string | undefined {
  const out = join(tempDir('libaa'), 'dump-records')
  const r = spawnSync('cc', ['-o', out, harnessSource, '-lapparmor'], { encoding: 'utf8' })
  return r.status === 0 ? out : undefined
}

const statusByEvent: Record<number, string> = { 1: 'ERROR', 2: 'AUDIT', 3: 'ALLOWED', 4: 'DENIED', 5: 'HINT', 6: 'STATUS' }

/** Our field for each libapparmor field (string or number). */
const mapping: Record<string, string> = {
  audit_id: 'audit.id', operation: 'apparmor.operation', denied_mask: 'apparmor.denied_mask',
  requested_mask: 'apparmor.requested_mask', profile: 'apparmor.profile', peer_profile: 'apparmor.peer_profile',
  name: 'apparmor.name', name2: 'apparmor.name2', namespace: 'apparmor.namespace', attribute: 'apparmor.attribute',
  info: 'apparmor.info', peer_info: 'apparmor.peer_info', net_family: 'apparmor.family',
  net_protocol: 'apparmor.protocol', net_sock_type: 'apparmor.sock_type', net_local_addr: 'apparmor.local_addr',
  net_foreign_addr: 'apparmor.foreign_addr', dbus_bus: 'apparmor.bus', dbus_path: 'apparmor.path',
  dbus_interface: 'apparmor.interface', dbus_member: 'apparmor.member', signal: 'apparmor.signal', peer: 'apparmor.peer',
  fs_type: 'apparmor.fstype', flags: 'apparmor.flags', src_name: 'apparmor.srcname', pid: 'apparmor.pid',
  peer_pid: 'apparmor.peer_pid', task: 'apparmor.task', magic_token: 'apparmor.magic_token', parent: 'apparmor.parent',
  net_local_port: 'apparmor.local_port', net_foreign_port: 'apparmor.foreign_port', fsuid: 'apparmor.fsuid', ouid: 'apparmor.ouid',
}

function expectedOurs(aa: Record<string, string | number>, ours: Fields): Record<string, unknown> {
  const diff: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(aa)) {
    if (k === 'event') {
      if (ours['apparmor.status'] !== statusByEvent[v as number]) diff.status = [v, ours['apparmor.status']]
      continue
    }
    if (k === 'error_code') {
      if (Math.abs(Number(ours['apparmor.error'])) !== v) diff.error = [v, ours['apparmor.error']]
      continue
    }
    if (k === 'comm') {
      if (v !== (ours['apparmor.exe'] ?? ours['apparmor.comm'])) diff.comm = [v, ours['apparmor.exe'], ours['apparmor.comm']]
      continue
    }
    if (k === 'name' && ours['apparmor.capname'] !== undefined && ours['apparmor.name'] === undefined) {
      if (v !== ours['apparmor.capname']) diff.capname = [v, ours['apparmor.capname']]
      continue
    }
    const field = mapping[k]
    if (field === undefined) diff[k] = ['unmapped', v]
    else if (ours[field] !== v) diff[k] = [v, ours[field]]
  }
  return diff
}

test('differential: libapparmor parse_record() and armorwatch agree on every line libapparmor parses', (t) => {
  const harness = buildHarness()
  if (!harness) {
    t.skip(missingTool('cc or libapparmor-dev not installed; .ci/run installs libapparmor-dev'))
    return
  }
  let compared = 0
  let rejected = 0
  const mismatches: string[] = []
  for (const name of readdirSync(dir).filter((f) => !f.endsWith('.golden.ndjson') && f !== 'README.md' && f !== 'real-capture.log')) {
    const lines = readFileSync(new URL(name, dir), 'utf8').split('\n').filter(Boolean)
    const results: Record<string, string | number>[] = execFileSync(harness, { input: lines.join('\n') + '\n', encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string | number>)
    assert.equal(results.length, lines.length)
    lines.forEach((line, i) => {
      const aa = results[i]
      if (aa.event === 0) {
        rejected++
        return
      }
      // USER_AVC headers are the bus daemon's: libapparmor mixes them in, we keep them apart.
      if (line.includes('USER_AVC')) return
      const ours = parseLines(line, { location: name }).events.find((e) => e.kind === 'apparmor')
      if (!ours) {
        mismatches.push(`${name}:${i + 1}: libapparmor parsed it, we made no AppArmor event`)
        return
      }
      compared++
      const diff = expectedOurs(aa, ours.fields)
      if (Object.keys(diff).length) mismatches.push(`${name}:${i + 1}: ${JSON.stringify(diff)}`)
    })
  }
  t.diagnostic(`compared ${compared} records; libapparmor rejected ${rejected} lines we parse`)
  assert.deepEqual(mismatches, [])
  assert.ok(compared >= 40, `only ${compared} records compared`)
})
