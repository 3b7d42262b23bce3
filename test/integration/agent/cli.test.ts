// `armorwatch enroll` and `armorwatch agent --check-config` as a user runs them (a child process).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeTls } from './helpers/tls.js'
import { kill, SECRET, startManager } from './helpers/procs.js'

const mainTs = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url))

function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const script = `const { main } = await import(${JSON.stringify(mainTs)}); process.exitCode = await main(process.argv)`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'armorwatch', ...args], { env: { ...process.env, NO_COLOR: '1' } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })))
}

test('enroll pins the CA and saves the identity 0600; a wrong fingerprint or secret is refused (exit 1)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'aw-cli-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'tls'))
  const tls = makeTls(join(root, 'tls'))
  const manager = await startManager(join(root, 'manager'), join(root, 'tls'))
  t.after(() => kill(manager.proc))
  const url = `https://127.0.0.1:${manager.port}`
  const cfg = join(root, 'agent.yaml')
  writeFileSync(cfg, `name: cli-host\ndata_dir: ${join(root, 'agent')}\n`)
  writeFileSync(join(root, 'secret'), SECRET + '\n')

  const wrongFp = await cli('enroll', '--manager', url, '--secret-file', join(root, 'secret'), '--ca-fingerprint', '00:11', '-c', cfg)
  assert.equal(wrongFp.status, 1)
  assert.match(wrongFp.stderr, /CA fingerprint is .* not the expected 00:11; not enrolling/)
  const wrongSecret = await cli('enroll', '--manager', url, '--secret', 'not-the-secret-at-all', '-c', cfg)
  assert.equal(wrongSecret.status, 1)
  assert.match(wrongSecret.stderr, /enrollment refused \(401\): wrong enrollment secret/)

  const ok = await cli('enroll', '--manager', url, '--secret-file', join(root, 'secret'), '--ca-fingerprint', tls.caFingerprint, '-c', cfg, '--json')
  assert.equal(ok.status, 0, ok.stderr)
  const out = JSON.parse(ok.stdout) as { agent_id: string; name: string; ca_fingerprint: string; ca_pinned_by: string; identity_file: string }
  assert.deepEqual([out.agent_id, out.name, out.ca_fingerprint, out.ca_pinned_by], ['001', 'cli-host', tls.caFingerprint, 'verified against --ca-fingerprint'])
  assert.equal(out.identity_file, join(root, 'agent', 'identity.json'))
  assert.equal(statSync(out.identity_file).mode & 0o777, 0o600)
  assert.equal(statSync(join(root, 'agent')).mode & 0o777, 0o700)
})

test('agent --check-config: 0 with the config and its defaults, 2 with every error', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'aw-cli-'))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  const good = join(root, 'good.yaml')
  writeFileSync(good, 'name: h\nsources:\n  kmsg: {}\n')
  const r = await cli('agent', '-c', good, '--check-config', '--json')
  assert.equal(r.status, 0, r.stderr)
  assert.equal((JSON.parse(r.stdout) as { config: { sources: { kmsg: { path: string } } } }).config.sources.kmsg.path, '/dev/kmsg')
  const bad = join(root, 'bad.yaml')
  writeFileSync(bad, 'name: "bad name"\nshipper:\n  batch_events: 0\n')
  const b = await cli('agent', '-c', bad, '--check-config')
  assert.equal(b.status, 2)
  assert.match(b.stderr, /bad\.yaml: name: letters, digits/)
  assert.match(b.stderr, /bad\.yaml: shipper\.batch_events: /)
  const missing = await cli('agent', '-c', join(root, 'none.yaml'))
  assert.equal(missing.status, 2)
  assert.match(missing.stderr, /none\.yaml: cannot read the config \(ENOENT\)/)
})
