/**
 * bench/parse: lines per second through armorwatch's normalizer (envelope detection, tokenizer,
 * assembler, Event construction) on one core, against libapparmor's own C parser
 * (`parse_record()` from Debian's libapparmor-dev, through a tiny harness compiled here) on the
 * same file in the same run (in turns, three runs each, the fastest of each counting).
 * libapparmor 3.0.8 rejects keys newer than itself (`class=`, `requested=`, ...), so the
 * comparison corpus uses only keys it knows, and the harness reports how many lines it could not
 * parse (zero, or the comparison is refused). A second, full corpus (every
 * event kind and envelope, newer keys) and a multi-record audit corpus are measured for us alone.
 *
 *   npm run bench -- parse [--lines N] [--smoke]
 */
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { Normalizer } from '../src/normalize/index.js'
import { LineSplitter } from '../src/sources/lines.js'
import { report, smoke } from './report.js'

const argLines = process.argv.indexOf('--lines')
const total = argLines > 0 ? Number(process.argv[argLines + 1]) : smoke ? 20_000 : 1_000_000
// A directory of its own: a smoke run (the test suite) at the same time must not rewrite our corpora.
mkdirSync(join(process.cwd(), '.bench-tmp'), { recursive: true })
const work = mkdtempSync(join(process.cwd(), '.bench-tmp', 'parse-'))
process.on('exit', () => rmSync(work, { recursive: true, force: true }))

// Deterministic generator: a small LCG so every run measures the same bytes.
let seed = 42
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed % n
}
const pick = <T>(a: readonly T[]): T => a[rnd(a.length)]

const profiles = ['/usr/sbin/cupsd', '/usr/sbin/nginx', '/usr/bin/evince', 'snap.firefox.firefox', '/usr/sbin/libvirtd//qemu_bridge_helper', 'docker-default', '/usr/local/bin/test-app']
const paths = ['/etc/shadow', '/proc/1234/cmdline', '/var/log/nginx/access.log', '/home/alice/.ssh/id_rsa', '/usr/lib/x86_64-linux-gnu/libfoo.so.1', '/tmp/demo_output.txt', '/run/systemd/journal/socket']
const comms = ['cupsd', 'nginx', 'evince', 'firefox', 'qemu-bridge-hel', 'runc:[2:INIT]', 'test-app']
const statuses = ['DENIED', 'DENIED', 'DENIED', 'ALLOWED', 'AUDIT']

/** AppArmor payloads using only keys libapparmor 3.0.8 knows (file, exec, net, capability, signal, ptrace, mount, dbus, status). */
function compatiblePayload(): string {
  const p = pick(profiles)
  const pid = 1000 + rnd(60000)
  const c = pick(comms)
  const s = pick(statuses)
  switch (rnd(8)) {
    case 0:
    case 1:
      return `apparmor="${s}" operation="open" profile="${p}" name="${pick(paths)}" pid=${pid} comm="${c}" requested_mask="r" denied_mask="r" fsuid=${rnd(2000)} ouid=0`
    case 2:
      return `apparmor="${s}" operation="exec" profile="${p}" name="/usr/bin/nc" pid=${pid} comm="${c}" requested_mask="x" denied_mask="x" fsuid=0 ouid=0 target="${p}//null-/usr/bin/nc"`
    case 3:
      return `apparmor="${s}" operation="connect" profile="${p}" pid=${pid} comm="${c}" family="inet" sock_type="stream" protocol=6 requested_mask="connect" denied_mask="connect" laddr=10.0.0.5 lport=${1024 + rnd(60000)} faddr=203.0.113.9 fport=443`
    case 4:
      return `apparmor="${s}" operation="capable" profile="${p}" pid=${pid} comm="${c}" capability=21  capname="sys_admin"`
    case 5:
      return `apparmor="${s}" operation="signal" profile="${p}" pid=${pid} comm="${c}" requested_mask="send" denied_mask="send" signal=term peer="unconfined"`
    case 6:
      return `apparmor="${s}" operation="mount" info="failed flags match" error=-13 profile="${p}" name="/sys/fs/cgroup/" pid=${pid} comm="${c}" fstype="cgroup2" srcname="cgroup" flags="rw, nosuid, nodev, noexec"`
    default:
      return `apparmor="STATUS" operation="profile_replace" profile="unconfined" name="${p}" pid=${pid} comm="apparmor_parser"`
  }
}

/** Newer keys and kinds libapparmor 3.0.8 does not know. */
function newerPayload(): string {
  const p = pick(profiles)
  const pid = 1000 + rnd(60000)
  switch (rnd(5)) {
    case 0:
      return `apparmor="DENIED" operation="open" class="file" profile="${p}" name=2F686F6D652F616C6963652F4D7920446F63756D656E7473 pid=${pid} comm="code" requested_mask="r" denied_mask="r" fsuid=1000 ouid=1000`
    case 1:
      return `apparmor="DENIED" operation="connect" class="net" profile="${p}" pid=${pid} comm="db" family="inet6" sock_type="stream" protocol=6 requested="connect" denied="connect" saddr=::1 src=50422 daddr=2001:db8::9 dest=443`
    case 2:
      return `apparmor="DENIED" operation="uring_sqpoll" class="io_uring" profile="${p}" pid=${pid} comm="fio" requested="sqpoll" denied="sqpoll"`
    case 3:
      return `apparmor="AUDIT" operation="userns_create" class="namespace" info="Userns create - transitioning profile" profile="unconfined" pid=${pid} comm="unshare" requested="userns_create" target="unprivileged_userns" execpath="/usr/bin/unshare"`
    default:
      return `apparmor="KILLED" operation="exec" class="file" profile="${p}" name="/usr/bin/nc" pid=${pid} comm="sandboxed" requested_mask="x" denied_mask="x" fsuid=1000 ouid=0`
  }
}

/**
 * Mixed envelopes: raw audit.log, dmesg, BSD and ISO syslog (with uptime and `audit:` prefix).
 * `allForms` swaps dmesg for forms libapparmor 3.0.8 does not accept (`type=1400 msg=audit(…)`,
 * `node=HOST type=AVC …`), so only the full corpus has them.
 */
function envelope(i: number, payload: string, allForms = false): string {
  const sec = 1795168800 + Math.floor(i / 50)
  const id = `${sec}.${String(i % 1000).padStart(3, '0')}:${i + 1}`
  switch (i % 4) {
    case 0:
      return `type=AVC msg=audit(${id}): ${payload}`
    case 1:
      if (!allForms) return `[ 8128.400000] audit: type=1400 audit(${id}): ${payload}`
      return i % 8 === 1 ? `type=1400 msg=audit(${id}): ${payload}` : `node=web01.example.org type=AVC msg=audit(${id}): ${payload}`
    case 2:
      return `Nov 20 10:${String(Math.floor(i / 60000) % 60).padStart(2, '0')}:00 web01 kernel: [ 8128.400000] audit: type=1400 audit(${id}): ${payload}`
    default:
      return `2026-11-20T10:00:05.123456+01:00 db-02.example.org kernel: audit: type=1400 audit(${id}): ${payload}`
  }
}

function writeCorpus(name: string, lines: number, payload: (i: number) => string, allForms = false): string {
  const out: string[] = []
  for (let i = 0; i < lines; i++) out.push(envelope(i, payload(i), allForms))
  const file = join(work, name)
  writeFileSync(file, out.join('\n') + '\n')
  return file
}

/** Multi-record audit events: the real capture repeated with fresh serials. */
function writeAuditCorpus(minRecords: number): string {
  const capture = readFileSync(new URL('../test/fixtures/normalize/real-capture.log', import.meta.url), 'utf8').trimEnd().split('\n')
  const out: string[] = []
  for (let round = 0; out.length < minRecords; round++) {
    const offset = round * 100_000
    for (const line of capture) out.push(line.replace(/audit\((\d+)\.(\d+):(\d+)\)/, (_m, s: string, ms: string, n: string) => `audit(${Number(s) + round * 10}.${ms}:${Number(n) + offset})`))
  }
  const file = join(work, 'audit-multi.log')
  writeFileSync(file, out.join('\n') + '\n')
  return file
}

/** CPU seconds used by this process: the machine is shared, so both parsers are timed on CPU, not the wall. */
function cpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** Runs the normalizer over a file, read in 1 MiB chunks and split as the sources do; returns lines, events and the CPU time. */
function runOurs(file: string): { lines: number; events: number; malformed: number; seconds: number } {
  const t0 = cpuSeconds()
  let events = 0
  const n = new Normalizer({ location: file, emit: () => events++ })
  const split = new LineSplitter()
  const fd = openSync(file, 'r')
  const buf = Buffer.alloc(1 << 20)
  for (let got = readSync(fd, buf); got > 0; got = readSync(fd, buf)) for (const line of split.push(buf.subarray(0, got))) n.push(line)
  for (const line of split.end()) n.push(line)
  closeSync(fd)
  n.flush()
  const seconds = cpuSeconds() - t0
  return { lines: n.stats.lines, events, malformed: n.stats.malformed, seconds }
}

const harnessSource = `#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <aalogparse/aalogparse.h>
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "r"); if (!f) return 2;
  char *line = NULL; size_t cap = 0; long total = 0, invalid = 0;
  struct timespec a, b; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
  while (getline(&line, &cap, f) > 0) {
    aa_log_record *r = parse_record(line);
    total++; if (!r || r->event == AA_RECORD_INVALID) invalid++;
    free_record(r);
  }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
  printf("{\\"lines\\":%ld,\\"invalid\\":%ld,\\"seconds\\":%.6f}\\n", total, invalid, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
  return 0;
}
`

/** Builds the C harness once; the returned function parses a file with it. */
function libapparmorHarness(): (file: string) => { lines: number; invalid: number; seconds: number } {
  const src = join(work, 'aa-harness.c')
  const exe = join(work, 'aa-harness')
  writeFileSync(src, harnessSource)
  execFileSync('cc', ['-O2', '-o', exe, src, '-lapparmor'], { stdio: 'inherit' })
  return (file) => JSON.parse(execFileSync(exe, [file], { encoding: 'utf8' })) as { lines: number; invalid: number; seconds: number }
}

const loadAtStart = os.loadavg()[0]
const compatible = writeCorpus('compatible.log', total, () => compatiblePayload())
const full = writeCorpus('full.log', total, (i) => (i % 3 === 0 ? newerPayload() : compatiblePayload()), true)
const multi = writeAuditCorpus(smoke ? 20_000 : 400_000)

// Warm up the JIT (a running agent is always warm; the C harness needs none).
const warmup = writeCorpus('warmup.log', smoke ? 20_000 : 300_000, (i) => (i % 3 === 0 ? newerPayload() : compatiblePayload()), true)
for (let i = 0; i < 2; i++) runOurs(warmup)

// The machine is shared: one run of each can catch a noisy moment. Both parsers run in turns,
// and each keeps its fastest run (its CPU time when least disturbed); the ratio of every turn is shown too.
const runLibapparmor = libapparmorHarness()
const rounds = smoke ? 1 : 3
let aa = runLibapparmor(compatible)
let ours = runOurs(compatible)
const roundRatios: number[] = []
for (let round = 0; round < rounds; round++) {
  const a = round === 0 ? aa : runLibapparmor(compatible)
  const o = round === 0 ? ours : runOurs(compatible)
  if (a.invalid !== 0) throw new Error(`libapparmor rejected ${a.invalid} of ${a.lines} lines of the comparison corpus: it must parse all of it`)
  if (o.malformed !== 0 || o.events !== o.lines) throw new Error(`armorwatch did not turn every line into an event: ${JSON.stringify(o)}`)
  roundRatios.push(a.seconds / o.seconds)
  if (a.seconds < aa.seconds) aa = a
  if (o.seconds < ours.seconds) ours = o
}
const oursFull = runOurs(full)
const audit = runOurs(multi)

const rate = ours.lines / ours.seconds
const aaRate = aa.lines / aa.seconds
report(
  'parse',
  {
    lines: ours.lines,
    lines_per_s: Math.round(rate),
    full_corpus_lines_per_s: Math.round(oursFull.lines / oursFull.seconds),
    full_corpus_malformed: oursFull.malformed,
    audit_records: audit.lines,
    audit_events: audit.events,
    audit_records_per_s: Math.round(audit.lines / audit.seconds),
    audit_events_per_s: Math.round(audit.events / audit.seconds),
    // What the ratio compares: both parsers on one thread, CPU seconds, the corpus libapparmor parses in full.
    ratio_basis: `single thread, CPU time, libapparmor-compatible corpus, fastest of ${rounds} alternating runs each`,
    ratio_per_round: roundRatios.map((r) => Number(r.toFixed(3))).join(' '),
    // The machine is shared: CPU time still suffers from contention (caches, SMT), so say how busy it was.
    load_average_1m: `${loadAtStart.toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end (${os.cpus().length} cores)`,
  },
  { libapparmor_version: execFileSync('dpkg-query', ['-W', '-f=${Version}', 'libapparmor1'], { encoding: 'utf8' }), lines: aa.lines, invalid: aa.invalid, lines_per_s: Math.round(aaRate) },
  rate / aaRate,
)
