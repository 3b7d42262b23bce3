import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import type { Fields } from '../../../../src/event/index.js'
import { scanAppArmor } from '../../../../src/apparmor/log/scan.js'
import { mapAppArmorTokens } from '../../../../src/apparmor/log/fields.js'
import { tokenize } from '../../../../src/audit/tokenize.js'
import { prng } from '../../../helpers/prng.js'

// The fast scanner must give exactly the general path's fields (same names, values, order) for
// every text it accepts, and write nothing when it declines.
function general(text: string, interpreted = false): Fields {
  const out: Fields = { 'syslog.hostname': 'h' }
  const t = tokenize(text)
  mapAppArmorTokens(t, 0, t.enrichedFrom, { interpreted, userSpace: false }, out)
  return out
}

function scanned(text: string, interpreted = false): Fields | undefined {
  const out: Fields = { 'syslog.hostname': 'h' }
  if (scanAppArmor(text, 0, interpreted, out)) return out
  assert.deepEqual(out, { 'syslog.hostname': 'h' }, `declined but wrote fields for ${JSON.stringify(text)}`)
  return undefined
}

function same(text: string, interpreted = false): boolean {
  const fast = scanned(text, interpreted)
  if (fast === undefined) return false
  assert.deepEqual(Object.entries(fast), Object.entries(general(text, interpreted)), JSON.stringify(text))
  return true
}

test('scan: the usual records are taken and match the general path', () => {
  const bodies = [
    'apparmor="DENIED" operation="open" profile="/usr/sbin/cupsd" name="/etc/shadow" pid=1234 comm="cupsd" requested_mask="r" denied_mask="r" fsuid=0 ouid=0',
    'apparmor="ALLOWED" operation="connect" profile="p" pid=9 comm="db" family="inet6" sock_type="stream" protocol=6 requested="connect" denied="connect" saddr=::1 src=50422 daddr=2001:db8::9 dest=443',
    'apparmor="DENIED" operation="capable" profile="p" pid=1 comm="x" capability=21  capname="sys_admin"',
    'apparmor="DENIED" operation="capable" profile="p" pid=1 comm="x" capability=12',
    'apparmor="DENIED" operation="open" profile=2F746D702F61206220 name=2F686F6D65 comm=6E616D65 pid=7',
    'apparmor="DENIED" operation="connect" addr=00402F746D702F78 peer_addr="none" info="a \\"quoted\\" word" newkey=whatever protocol=tcp',
    'apparmor="STATUS" operation="profile_load" label="unconfined" name="p" AVC word error=-13 =orphan',
  ]
  for (const b of bodies) assert.ok(same(b), b)
  assert.ok(same(bodies[4], true), 'interpreted values are kept as logged')
})

test('scan: declines what needs the record around it, writing nothing', () => {
  for (const b of [
    'apparmor="DENIED" operation="open" ouid=0\u001dFSUID="root"',
    'apparmor="DENIED" operation="open" ouid=0FSUID="root"',
    'apparmor="DENIED" name="/unterminated',
    'type=1503 operation="open" profile="p"',
    "apparmor=\"DENIED\" msg='inner=1'",
  ])
    assert.equal(scanned(b), undefined, b)
})

test('scan: mutated corpus bodies agree with the general path', () => {
  const dir = new URL('../../../fixtures/normalize/', import.meta.url)
  const lines = readdirSync(dir)
    .filter((f) => !f.endsWith('.golden.ndjson') && f !== 'README.md')
    .flatMap((f) => readFileSync(new URL(f, dir), 'utf8').split('\n'))
    .filter((l) => l.includes('apparmor='))
    .map((l) => l.slice(l.indexOf('apparmor=')))
  assert.ok(lines.length > 50)
  const alphabet = ['"', "'", '=', ' ', '\t', '\u001d', '\\', 'A', 'FSUID=', '0', 'F', 'é', 'msg=', 'type=', 'capname=', 'capability=', 'protocol=', 'addr=00', '\u0000']
  const rnd = prng(11)
  let taken = 0
  for (let i = 0; i < 20_000; i++) {
    let s = lines[Math.floor(rnd() * lines.length)]
    for (let k = Math.floor(rnd() * 4); k > 0; k--) {
      const at = Math.floor(rnd() * (s.length + 1))
      s = rnd() < 0.7 ? s.slice(0, at) + alphabet[Math.floor(rnd() * alphabet.length)] + s.slice(at) : s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 6))
    }
    if (same(s, rnd() < 0.1)) taken++
  }
  // Most mutations keep a plain record, so the comparison is not vacuous.
  assert.ok(taken > 10_000, `only ${taken} texts taken`)
})

test('scan: numbers are read as Number() reads them', () => {
  for (const v of ['0', '-13', '-0', '007', '4294967295', '123456789012345', '1234567890123456789', '0x1F', '1e3', '+5', '-', '12a', 'root']) {
    const out = scanned(`pid=${v} error=${v}`)
    assert.ok(out, v)
    const n = Number(v)
    const want = v !== '' && Number.isFinite(n) ? n : v
    assert.deepEqual([out['apparmor.pid'], out['apparmor.error']], [want, want], v)
    assert.ok(same(`pid=${v}`), v)
  }
})

test('keys named like Object.prototype members are kept like any unknown key, on both paths', () => {
  const text = 'apparmor="DENIED" constructor="c" toString=t __proto__=p hasOwnProperty="h"'
  const want = { 'syslog.hostname': 'h', 'apparmor.status': 'DENIED', 'apparmor.constructor': 'c', 'apparmor.toString': 't', 'apparmor.__proto__': 'p', 'apparmor.hasOwnProperty': 'h' }
  assert.deepEqual(Object.entries(general(text)), Object.entries(want))
  assert.ok(same(text))
})

test('scan: records with very many pairs go to the general path', () => {
  const many = (n: number) => 'apparmor="DENIED" ' + Array.from({ length: n }, (_, i) => `k${i}=${i}`).join(' ')
  assert.ok(same(many(500)), 'a long record is still taken')
  assert.equal(scanned(many(5000)), undefined)
})

test('a key whose packed characters equal a known key only through characters above U+00FF is not that key', () => {
  // 'o' 0x6f, U+0169, 'd': 0x6f·65536 + 0x169·256 + 0x64 is the pack of "pid".
  const text = 'apparmor="DENIED" o\u0169d=5'
  assert.equal(tokenize(text).keys[1], 'o\u0169d')
  assert.deepEqual(scanned(text), { 'syslog.hostname': 'h', 'apparmor.status': 'DENIED', 'apparmor.o\u0169d': '5' })
})
