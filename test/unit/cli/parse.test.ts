import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../../helpers/tmp.js'

const bin = fileURLToPath(new URL('../../../bin/armorwatch', import.meta.url))
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/normalize/${name}`, import.meta.url))
const run = (args: string[], input?: string) => spawnSync(process.execPath, [bin, 'parse', ...args], { encoding: 'utf8', input, env: { ...process.env, NO_COLOR: '1' } })

test('parse prints one NDJSON event per event and exits 0', () => {
  const r = run([fixture('seed-scenario.audit.log')])
  assert.equal(r.status, 0, r.stderr)
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; location: string; raw: string })
  assert.equal(events.length, 22)
  assert.ok(events.every((e) => e.kind === 'apparmor' && e.location.endsWith('seed-scenario.audit.log')))
})

test('each file is its own source; --summary --json counts events, statuses and malformed lines', () => {
  const dir = tempDir('parse')
  const bad = join(dir, 'bad.log')
  writeFileSync(bad, 'not a log line\ntype=AVC msg=audit(1.0:1): apparmor="DENIED" operation="open" profile="/a" name="/b" pid=1 comm="a"\n')
  const r = run(['--summary', '--json', fixture('envelopes.log'), bad])
  assert.equal(r.status, 1, 'malformed lines are findings')
  const s = JSON.parse(r.stdout) as { files: number; events: number; malformed: number; by_kind: Record<string, number>; by_status: Record<string, number> }
  assert.equal(s.files, 2)
  assert.equal(s.events, 22)
  assert.equal(s.malformed, 1)
  assert.equal(s.by_kind.apparmor, 22)
  assert.equal(s.by_status.DENIED, 18)
  assert.match(r.stderr, new RegExp(`${bad.replaceAll('/', '\\/')}:1:1: error: unrecognized line`))
})

test('standard input, table format, and usage errors', () => {
  const r = run(['--format', 'table', '-'], 'Nov 20 10:00:00 web01 kernel: audit: type=1400 audit(1795168800.000:31001): apparmor="STATUS" operation="profile_load" profile="unconfined" name="/usr/local/bin/test-app" pid=4402 comm="apparmor_parser"\n')
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /^time\s+kind\s+type/)
  assert.match(r.stdout, /APPARMOR_STATUS\s+unconfined\s+profile_load\s+\/usr\/local\/bin\/test-app/)
  assert.equal(run(['--format', 'xml', fixture('kmsg.txt')]).status, 2)
  const missing = run(['/no/such/file'])
  assert.equal(missing.status, 2)
  assert.match(missing.stderr, /cannot read \/no\/such\/file/)
  const help = spawnSync(process.execPath, [bin, 'parse', '--help'], { encoding: 'utf8' })
  assert.equal(help.status, 0)
  assert.match(help.stdout, /--follow/)
})

/** A logged AppArmor denial of `name`, with serial `n`. */
const denial = (n: number, name: string) => `Nov 20 10:00:0${n} web01 kernel: audit: type=1400 audit(1795168800.00${n}:${n}): apparmor="DENIED" operation="open" profile="/a" name="${name}" pid=1 comm="a"\n`

/** `armorwatch parse --follow ARGS LOG` as a child: its output so far, a wait for N lines, and a SIGINT stop that returns the exit code. */
async function following(args: string[], log: string) {
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, [bin, 'parse', '--follow', ...args, log], { env: { ...process.env, NO_COLOR: '1' } })
  after(() => child.kill('SIGKILL'))
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  const lines = () => out.split('\n').filter(Boolean)
  return {
    lines,
    waitFor: async (n: number) => {
      for (let i = 0; i < 200 && lines().length < n; i++) await new Promise((r) => setTimeout(r, 50))
    },
    stop: async () => {
      child.kill('SIGINT')
      return new Promise<number | null>((r) => child.on('close', r))
    },
  }
}

test('--follow prints what is appended, across a rotation, and stops cleanly on SIGINT', async () => {
  const { appendFileSync, renameSync } = await import('node:fs')
  const log = join(tempDir('follow'), 'kern.log')
  writeFileSync(log, denial(1, '/f1'))
  const f = await following([], log)
  await f.waitFor(1)
  assert.equal(f.lines().length, 1, 'shown while still following')
  appendFileSync(log, denial(2, '/f2'))
  await f.waitFor(2)
  assert.equal(f.lines().length, 2)
  renameSync(log, log + '.1')
  writeFileSync(log, denial(3, '/f3'))
  await f.waitFor(3)
  assert.equal(await f.stop(), 0)
  const names = f.lines().map((l) => (JSON.parse(l) as { fields: Record<string, string> }).fields['apparmor.name'])
  assert.deepEqual(names, ['/f1', '/f2', '/f3'])
})

test('--follow --format table shows each row as it comes, under one header', async () => {
  const { appendFileSync } = await import('node:fs')
  const log = join(tempDir('follow-table'), 'kern.log')
  writeFileSync(log, denial(1, '/f1'))
  const f = await following(['--format', 'table'], log)
  await f.waitFor(2)
  assert.equal(f.lines().length, 2, 'the header and the first row, while still following')
  appendFileSync(log, denial(2, '/a/much/longer/name'))
  await f.waitFor(3)
  assert.equal(await f.stop(), 0)
  const lines = f.lines()
  assert.match(lines[0], /^time\s+kind\s+type\s+profile\/exe\s+operation\s+name$/)
  assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/).at(-1)), ['/f1', '/a/much/longer/name'])
  assert.equal(lines.filter((l) => l.startsWith('time ')).length, 1)
})

test('parse - shows each event as its line arrives on a pipe that stays open', async () => {
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, [bin, 'parse', '-'], { env: { ...process.env, NO_COLOR: '1' } })
  after(() => child.kill('SIGKILL'))
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  // A record of a single-record type: complete at once, nothing waits for more records.
  child.stdin.write('type=USER_AVC msg=audit(1795168800.001:1): pid=1 uid=0 auid=0 ses=1 msg=\'apparmor="DENIED" operation="dbus_method_call" bus="system" path="/" interface="i" member="m" mask="send" name="n" pid=2 label="/usr/bin/x" peer_pid=1 peer_label="unconfined" exe="/usr/bin/dbus-daemon" sauid=0 hostname=? addr=? terminal=?\'\n')
  for (let i = 0; i < 200 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50))
  assert.equal((JSON.parse(out.split('\n')[0] ?? '') as { fields: Record<string, string> }).fields['apparmor.profile'], '/usr/bin/x', 'shown while stdin is still open')
  child.stdin.end()
  assert.equal(await new Promise<number | null>((r) => child.on('close', r)), 0)
})

test('parse --follow -: a live pipe on the wall clock, so an AVC waiting for its SYSCALL goes out after 2 s', async () => {
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, [bin, 'parse', '--follow', '-'], { env: { ...process.env, NO_COLOR: '1' } })
  after(() => child.kill('SIGKILL'))
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stdin.write(denial(1, '/f1').replace(/^.*?audit: /, ''))
  for (let i = 0; i < 200 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50))
  assert.equal((JSON.parse(out.split('\n')[0] ?? '') as { fields: Record<string, string> }).fields['apparmor.name'], '/f1', 'out while stdin is still open')
  child.stdin.end()
  assert.equal(await new Promise<number | null>((r) => child.on('close', r)), 0)
})
