import { test } from 'node:test'
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureTls } from '../../../src/manager/tls.js'

test('the manager makes its own CA and a server certificate signed by it, once; given files are used as they are', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-tls-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const first = await ensureTls(join(dir, 'tls'), undefined, ['armorwatch.example.org', '10.1.2.3'])
  assert.equal(first.created, true)
  const ca = new X509Certificate(first.ca as Buffer)
  assert.equal(ca.ca, true)
  const server = new X509Certificate(first.cert)
  assert.equal(server.ca, false)
  assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey), 'signed by our CA')
  assert.match(server.subjectAltName ?? '', /DNS:localhost/)
  assert.match(server.subjectAltName ?? '', /DNS:armorwatch\.example\.org/)
  assert.match(server.subjectAltName ?? '', /IP Address:10\.1\.2\.3/)
  assert.equal(first.fingerprint, ca.fingerprint256)
  for (const key of ['ca.key', 'server.key']) assert.equal(statSync(join(dir, 'tls', key)).mode & 0o777, 0o600)

  const again = await ensureTls(join(dir, 'tls'))
  assert.equal(again.created, false)
  assert.equal(again.fingerprint, first.fingerprint)

  const given = await ensureTls(join(dir, 'unused'), { cert: join(dir, 'tls', 'server.crt'), key: join(dir, 'tls', 'server.key') })
  assert.equal(given.created, false)
  assert.equal(given.ca, undefined)
  assert.equal(given.fingerprint, server.fingerprint256)
})
