import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Normalizer, parseLines } from '../../../src/normalize/index.js'
import type { Event } from '../../../src/event/index.js'

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/normalize/${name}`, import.meta.url), 'utf8')
const parse = (text: string) => parseLines(text, { location: 't', now: () => 0, year: 2026 })
const one = (line: string): Event => {
  const { events, errors } = parse(line)
  assert.deepEqual(errors, [])
  assert.equal(events.length, 1)
  return events[0]
}

test('every envelope of the corpus yields one AppArmor event with the same core fields', () => {
  const { events, errors, stats } = parse(fixture('envelopes.log'))
  assert.deepEqual(errors, [])
  assert.equal(stats.lines, 21)
  assert.equal(events.length, 21)
  for (const e of events) {
    assert.equal(e.kind, 'apparmor')
    assert.ok(typeof e.fields['apparmor.status'] === 'string', e.raw)
    assert.ok(typeof e.fields['apparmor.profile'] === 'string', e.raw)
    assert.equal(e.fields['audit.type'], `APPARMOR_${e.fields['apparmor.status']}`)
  }
})

test('aliases fold into canonical names', () => {
  const e = one('type=AVC msg=audit(1795170013.434:7013): apparmor="DENIED" operation="connect" class="net" profile="/usr/sbin/database-server" pid=1313 comm="database-server" family="inet6" sock_type="stream" protocol=6 requested="connect" denied="connect" saddr=::1 src=50422 daddr=2001:db8::9 dest=443')
  assert.equal(e.fields['apparmor.requested_mask'], 'connect')
  assert.equal(e.fields['apparmor.denied_mask'], 'connect')
  assert.equal(e.fields['apparmor.local_addr'], '::1')
  assert.equal(e.fields['apparmor.local_port'], 50422)
  assert.equal(e.fields['apparmor.foreign_addr'], '2001:db8::9')
  assert.equal(e.fields['apparmor.foreign_port'], 443)
  assert.equal(e.fields['apparmor.protocol'], 'tcp')
  assert.equal(e.fields['apparmor.protocol_number'], 6)
  const old = one('type=AVC msg=audit(1795168921.577:31011): apparmor="DENIED" operation="connect" class="net" profile="/usr/sbin/db" pid=6200 comm="db" family="inet" sock_type="stream" protocol=6 requested_mask="connect" denied_mask="connect" laddr=10.0.0.5 lport=40122 faddr=203.0.113.9 fport=443')
  assert.equal(old.fields['apparmor.local_addr'], '10.0.0.5')
  assert.equal(old.fields['apparmor.foreign_port'], 443)
  const dbus = one(`type=USER_AVC msg=audit(1.0:1): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='apparmor="DENIED" operation="dbus_method_call" bus="system" path="/p" interface="i" method="StartUnit" mask="send" name="n" pid=4700 label="snap.foo" peer_pid=1 peer_label="unconfined" exe="/usr/bin/dbus-broker" sauid=0 hostname=? addr=? terminal=?'`)
  assert.equal(dbus.fields['apparmor.member'], 'StartUnit')
  assert.equal(dbus.fields['apparmor.denied_mask'], 'send')
  assert.equal(dbus.fields['apparmor.profile'], 'snap.foo')
  assert.equal(dbus.fields['apparmor.peer_profile'], 'unconfined')
  assert.equal(dbus.fields['apparmor.pid'], 4700, 'the inner pid is the client')
  assert.equal(dbus.fields['audit.pid'], 1, 'the outer pid is the bus daemon')
  assert.equal(dbus.fields['apparmor.exe'], '/usr/bin/dbus-broker')
  assert.equal(dbus.fields['apparmor.addr'], undefined, 'addr=? is the audit trailer, not a unix address')
  assert.equal(dbus.fields['audit.auid'], 'unset')
  const io = one('type=AVC msg=audit(2.0:2): apparmor="DENIED" operation="uring_override" class="io_uring" profile="/a" pid=1 comm="a" requested="override_creds" denied="override_creds" tcontext="/b"')
  assert.equal(io.fields['apparmor.peer_profile'], '/b')
  const ns = one('type=AVC msg=audit(3.0:3): apparmor="AUDIT" operation="userns_create" class="namespace" profile="unconfined" pid=1515 comm="unshare" requested="userns_create" target="unprivileged_userns" execpath="/usr/bin/unshare"')
  assert.equal(ns.fields['apparmor.name2'], 'unprivileged_userns')
  assert.equal(ns.fields['apparmor.execpath'], '/usr/bin/unshare')
})

test('hex-encoded values are decoded; quoted look-alikes are not', () => {
  const e = one('type=AVC msg=audit(1.0:1): apparmor="DENIED" operation="open" profile=74657374207370616365 name=2F686F6D652F61206220632F78 pid=12 comm=6D7920636F6D6D peer="ABCD" requested_mask="r" denied_mask="r" fsuid=0 ouid=0')
  assert.equal(e.fields['apparmor.profile'], 'test space')
  assert.equal(e.fields['apparmor.name'], '/home/a b c/x')
  assert.equal(e.fields['apparmor.comm'], 'my comm')
  assert.equal(e.fields['apparmor.peer'], 'ABCD')
  const abstract = one('type=AVC msg=audit(1.0:2): apparmor="DENIED" operation="connect" class="net" profile="/a" pid=1 comm="a" family="unix" sock_type="stream" protocol=0 requested_mask="connect" denied_mask="connect" addr=none peer_addr=00406170702D736F636B')
  assert.equal(abstract.fields['apparmor.peer_addr'], '@@app-sock')
  assert.equal(abstract.fields['apparmor.addr'], 'none')
})

test('capabilities, signed errors, numbers', () => {
  const e = one('audit: type=1400 audit(1795170007.778:7007): apparmor="DENIED" operation="capable" class="cap" profile="/usr/sbin/tcpdump" pid=7707 comm="tcpdump" capability=12  capname="net_admin"')
  assert.equal(e.fields['apparmor.capname'], 'net_admin')
  assert.equal(e.fields['apparmor.capability'], 'cap_net_admin')
  assert.equal(e.fields['apparmor.capability_number'], 12)
  assert.equal(e.fields['apparmor.pid'], 7707)
  const noName = one('type=AVC msg=audit(1.0:1): apparmor="DENIED" operation="capable" profile="/x" pid=1 comm="x" capability=21')
  assert.equal(noName.fields['apparmor.capability'], 'cap_sys_admin')
  const mount = one('type=AVC msg=audit(1795170012.323:7012): apparmor="DENIED" operation="mount" class="mount" info="failed flags match" error=-13 profile="docker-default" name="/sys/fs/cgroup/" pid=1212 comm="runc:[2:INIT]" fstype="cgroup2" srcname="cgroup" flags="rw, nosuid, nodev, noexec"')
  assert.equal(mount.fields['apparmor.error'], -13)
  assert.equal(mount.fields['apparmor.flags'], 'rw, nosuid, nodev, noexec')
  assert.equal(mount.fields['apparmor.comm'], 'runc:[2:INIT]')
})

test('status comes from apparmor=, else from the record type in every spelling', () => {
  const status = (line: string) => one(line).fields['apparmor.status']
  assert.equal(status('type=APPARMOR_DENIED msg=audit(1.0:1): operation="open" profile="/a" name="/b" pid=1 comm="a" requested_mask="r" denied_mask="r" fsuid=0 ouid=0'), 'DENIED')
  assert.equal(status('type=1502 msg=audit(1.0:1): operation="open" profile="/a" name="/b" pid=1 comm="a" requested_mask="r" denied_mask="r" fsuid=0 ouid=0'), 'ALLOWED')
  assert.equal(status('type=UNKNOWN[1505] msg=audit(1.0:1): operation="profile_load" name="/a" pid=1 comm="apparmor_parser"'), 'STATUS')
  assert.equal(status('type=AVC msg=audit(1.0:1):  type=1503 operation="capable" profile="/a" pid=1 comm="a" capability=25  capname="sys_time"'), 'DENIED')
  assert.equal(status('type=AVC msg=audit(1.0:1): apparmor="KILLED" operation="exec" profile="/a" name="/b" pid=1 comm="a" requested_mask="x" denied_mask="x" fsuid=0 ouid=0'), 'KILLED')
  assert.equal(one('type=UNKNOWN[1503] msg=audit(1.0:1): operation="open" profile="/a" name="/b" pid=1 comm="a"').fields['audit.record_type'], 'UNKNOWN[1503]')
})

test('an AVC joined with its SYSCALL and PROCTITLE carries the process facts', () => {
  const { events } = parse(fixture('seed-scenario.audit.log'))
  const shadow = events.find((e) => e.fields['apparmor.name'] === '/etc/shadow' && e.fields['apparmor.status'] === 'DENIED')
  assert.ok(shadow)
  assert.equal(shadow.fields['audit.exe'], '/usr/local/bin/test-app')
  assert.equal(shadow.fields['audit.syscall'], 'openat')
  assert.equal(shadow.fields['audit.success'], 'no')
  assert.equal(shadow.fields['audit.exit'], -13)
  assert.equal(shadow.fields['audit.auid'], 1000)
  assert.equal(shadow.fields['audit.proctitle'], '/usr/local/bin/test-app')
  assert.equal(shadow.raw.split('\n').length, 3)
  const webapp = events.find((e) => e.fields['apparmor.capname'] === 'sys_admin')
  assert.equal(webapp?.fields['audit.proctitle'], '/usr/local/bin/webapp --port 8080')
  assert.equal(webapp?.fields['audit.auid'], 'unset')
})

test('the real capture assembles into 75 audit events with arguments, paths and sockets', () => {
  const { events, errors, stats } = parse(fixture('real-capture.log'))
  assert.deepEqual(errors, [])
  assert.equal(stats.records, 389)
  assert.equal(events.length, 75)
  const long = events.find((e) => e.fields['audit.execve.argc'] === 3 && String(e.fields['audit.execve.command']).startsWith('/bin/echo'))
  assert.ok(long, 'the 9,000-byte argument split over EXECVE records')
  const argv = long.fields['audit.execve.argv'] as string[]
  assert.equal(argv[1].length, 9000)
  assert.match(argv[1], /^A+$/)
  const symlink = events.find((e) => e.fields['audit.syscall'] === 'symlinkat')
  const paths = symlink?.fields['audit.paths'] as { name: string }[]
  assert.ok(paths.every((p) => p.name.startsWith('/')), 'relative PATH names resolved against CWD')
  const rule = events.find((e) => e.fields['audit.type'] === 'CONFIG_CHANGE')
  assert.equal(rule?.fields['audit.op'], 'add_rule')
  assert.equal(rule?.fields['audit.key'], 'apparmor_profiles')
  assert.equal(rule?.fields['audit.proctitle'], 'auditctl -w /etc/apparmor.d -p wa -k apparmor_profiles')
  const start = events.find((e) => e.fields['audit.type'] === 'DAEMON_START')
  assert.equal(start?.fields['audit.ver'], '3.0.9')
  assert.ok(events.some((e) => e.fields['audit.sockaddr.family'] === 'unix' && e.fields['audit.sockaddr.path'] === '/var/run/nscd/socket'))
})

test('syslog, dmesg, kmsg and journald envelopes keep their own fields', () => {
  const kern = one('2026-11-20T10:33:25.123456+01:00 db-02.example.org kernel: audit: type=1400 audit(1795170005.556:7005): apparmor="AUDIT" operation="getattr" class="file" profile="/usr/sbin/mosquitto" name="/etc/mosquitto/pwfile" pid=5505 comm="mosquitto" requested_mask="r" fsuid=122 ouid=122')
  assert.equal(kern.fields['syslog.hostname'], 'db-02.example.org')
  assert.equal(kern.fields['syslog.program'], 'kernel')
  assert.equal(kern.time, '2026-11-20T10:20:05.556Z', 'event time comes from the audit id')
  const dmesg = one('[ 4584.703379] audit: type=1400 audit(1795170006.667:7006): apparmor="DENIED" operation="uring_sqpoll" class="io_uring" profile="/usr/bin/fio" pid=6606 comm="fio" requested="sqpoll" denied="sqpoll"')
  assert.equal(dmesg.fields['kernel.uptime'], 4584.703379)
  const { events } = parse(fixture('journald.json'))
  assert.equal(events.length, 2)
  const audit = events.find((e) => e.fields['journald.transport'] === 'audit')
  assert.equal(audit?.fields['audit.id'], '1795168865.686:31010')
  assert.equal(audit?.fields['apparmor.operation'], 'create')
  const fromFields = one('{"__REALTIME_TIMESTAMP":"1795168865686000","_TRANSPORT":"audit","_AUDIT_TYPE_NAME":"AVC","_AUDIT_ID":"31011","_AUDIT_FIELD_APPARMOR":"DENIED","_AUDIT_FIELD_OPERATION":"open","_AUDIT_FIELD_PROFILE":"/p","_AUDIT_FIELD_NAME":"/etc/shadow"}')
  assert.equal(fromFields.fields['apparmor.name'], '/etc/shadow', 'a record carried only as _AUDIT_FIELD_* fields')
  assert.equal(fromFields.fields['audit.type'], 'APPARMOR_DENIED')
  const lost = parse(fixture('kmsg.txt')).events.find((e) => e.kind === 'audit')
  assert.equal(lost?.fields['audit.audit_lost'], 17)
  assert.equal(lost?.fields['kmsg.seq'], 1235)
  const ssh = one('Nov 20 10:00:00 web01 sshd[1234]: Accepted publickey for root')
  assert.equal(ssh.kind, 'syslog')
  assert.equal(ssh.fields['syslog.message'], 'Accepted publickey for root')
  assert.equal(ssh.time, new Date(2026, 10, 20, 10, 0, 0).toISOString())
})

test('malformed lines are reported with their position and parsing goes on', () => {
  const { events, errors, stats } = parse(['type=AVC msg=audit(17951xx.000:92): apparmor="DENIED"', 'garbage', 'type=AVC msg=audit(1.0:1): apparmor="DENIED" operation="open" profile="/a" name="/b" pid=1 comm="a"'].join('\n'))
  assert.equal(events.length, 1)
  assert.equal(stats.malformed, 2)
  assert.deepEqual(errors.map((e) => [e.line, e.column]), [[1, 20], [2, 1]])
  assert.match(errors[0].message, /malformed audit id/)
})

test('raw keeps the original bytes, including ENRICHED separators', () => {
  const line = 'type=AVC msg=audit(1.0:1): apparmor="DENIED" operation="open" profile="/a" name="/b" pid=1 comm="a" requested_mask="r" denied_mask="r" fsuid=0 ouid=0\u001dFSUID="root" OUID="root"'
  const e = one(line)
  assert.equal(e.raw, line)
  assert.equal(e.fields['apparmor.ouid'], 0)
  assert.equal(e.fields['audit.enriched.ouid'], 'root')
})

test('AppArmor 2.x records: the known shapes parse, a hostile one is reported, never stuck', () => {
  const e = one('type=APPARMOR msg=audit(1159397366.803:1427): REJECTING r access to /etc/shadow (passwd(7890) profile /usr/bin/passwd active /usr/bin/passwd)')
  assert.equal(e.fields['apparmor.status'], 'DENIED')
  assert.equal(e.fields['apparmor.name'], '/etc/shadow')
  assert.equal(e.fields['apparmor.pid'], 7890)
  // Thousands of " (" in an attacker-chosen path: the patterns run on a linear-time engine.
  const { events, errors } = parse('type=APPARMOR msg=audit(1.0:1): REJECTING r access to ' + '/a ('.repeat(5000) + ' x')
  assert.equal(events.length, 0)
  assert.match(errors[0].message, /unrecognized AppArmor 2\.x record/)
})

test('a user-space record cut by a newline in its message is joined with its indented continuation', () => {
  const cut = `Jun 20 17:57:06 ns1 kernel: [4835959.046111] audit: type=1107 audit(1561053426.749:186): pid=640 uid=103 auid=4294967295 ses=4294967295 msg='apparmor="ALLOWED" operation="dbus_method_call"  bus="system" path="/org/freedesktop/systemd1" mask="send" name="org.freedesktop.systemd1" pid=20596 label="/usr/bin/foo" peer_pid=1 peer_label="unconfined"`
  const rest = `                  exe="/usr/bin/dbus-daemon" sauid=103 hostname=? addr=? terminal=?'`
  const next = 'type=AVC msg=audit(1561053427.000:187): apparmor="DENIED" operation="open" profile="/usr/bin/foo" name="/etc/shadow" pid=1 comm="foo"'
  const joined = parseLines([cut, rest, next].join('\n'), { location: 'kern.log' })
  assert.deepEqual(joined.errors, [])
  assert.equal(joined.events.length, 2)
  const [dbus] = joined.events
  assert.equal(dbus.raw, cut + '\n' + rest, 'raw keeps both lines, byte for byte')
  assert.equal(dbus.fields['apparmor.exe'], '/usr/bin/dbus-daemon')
  assert.equal(dbus.fields['apparmor.member'], undefined)
  assert.equal(dbus.fields['apparmor.peer_profile'], 'unconfined')
  assert.equal(dbus.fields['audit.pid'], 640, "the header's pid is the bus daemon's")
  assert.equal(joined.stats.skipped, 1, 'the continuation line is counted as joined')
  // No continuation: the cut record is read as it is when the next line comes, at the end, or on a live tick.
  for (const text of [[cut, next].join('\n'), cut]) {
    const alone = parseLines(text, { location: 'kern.log' })
    assert.deepEqual(alone.errors, [])
    assert.equal(alone.events[0].raw, cut)
    assert.equal(alone.events[0].fields['apparmor.peer_profile'], 'unconfined')
  }
  const events: Event[] = []
  const live = new Normalizer({ location: 'kern.log', emit: (e) => events.push(e) })
  live.push(cut)
  assert.equal(live.inFlight, 1, 'the cut record waits, and says so')
  live.expire()
  assert.equal(events.length, 1)
  assert.equal(live.inFlight, 0)
  // A run of indented lines ends after a bounded number of continuations.
  const many = parseLines([cut, ...Array.from({ length: 12 }, () => '   x=1'), next].join('\n'), { location: 'kern.log' })
  assert.equal(many.events.length, 2)
  assert.equal(many.events[0].raw.split('\n').length, 9, 'the record and 8 continuations')
  assert.deepEqual(many.errors.map((e) => e.line), [10, 11, 12, 13], 'the indented lines past the bound are reported')
})

test('journalctl and dmesg text forms, syslog with a PRI and RFC 5424: envelope fields and times', () => {
  const msg = (tag: string) => `${tag}usb 1-1: new high-speed USB device`
  const at = (line: string) => one(line).fields
  const time = (line: string) => one(line).time
  // journalctl -o short-monotonic, short-unix, short-full (UTC read as such), dmesg -T, -x, --time-format iso.
  assert.deepEqual(at(msg('[ 1234.567890] web01 kernel: ')), { 'kernel.uptime': 1234.56789, 'syslog.hostname': 'web01', 'syslog.program': 'kernel', 'syslog.message': 'usb 1-1: new high-speed USB device' })
  assert.deepEqual(at(msg('[ 1234.567890] ')), { 'kernel.uptime': 1234.56789, 'syslog.message': 'usb 1-1: new high-speed USB device' }, "a kernel driver's prefix is not a host and a tag")
  assert.equal(time(msg('1795168900.002345 web01 kernel: ')), '2026-11-20T10:01:40.002Z')
  assert.equal(time(msg('Fri 2026-11-20 10:01:40 UTC web01 kernel: ')), '2026-11-20T10:01:40.000Z')
  assert.equal(time(msg('[Fri Nov 20 10:01:40 2026] ')), new Date(2026, 10, 20, 10, 1, 40).toISOString())
  assert.deepEqual(at(msg('kern  :warn  : [ 1.5] ')), { 'kmsg.priority': 4, 'kmsg.facility': 0, 'kernel.uptime': 1.5, 'syslog.message': 'usb 1-1: new high-speed USB device' })
  assert.equal(time(msg('2026-11-20T10:01:40,006123+00:00 kernel: ')), '2026-11-20T10:01:40.006Z')
  // PRI before BSD syslog, and RFC 5424 with structured data (an escaped ] inside) and a BOM.
  assert.deepEqual(at(msg('<4>Nov 20 10:01:40 web01 kernel: ')), { 'syslog.timestamp': 'Nov 20 10:01:40', 'syslog.hostname': 'web01', 'syslog.program': 'kernel', 'syslog.message': 'usb 1-1: new high-speed USB device', 'syslog.facility': 0, 'syslog.severity': 4 })
  const rfc = at(msg('<30>1 2026-11-20T10:01:40.009Z web01 kernel 12 ID47 [meta note="a\\]b"][x y="z"] \ufeff'))
  assert.deepEqual(rfc, { 'syslog.timestamp': '2026-11-20T10:01:40.009Z', 'syslog.hostname': 'web01', 'syslog.program': 'kernel', 'syslog.pid': 12, 'syslog.message': 'usb 1-1: new high-speed USB device', 'syslog.facility': 3, 'syslog.severity': 6 })
  // An audit record after a prefix we do not know keeps its header.
  const wrapped = at('>>> relay 7: type=AVC msg=audit(1795168900.011:96011): apparmor="DENIED" operation="open" profile="/p" name="/n" pid=1 comm="c"')
  assert.deepEqual([wrapped['audit.id'], wrapped['audit.record_type'], wrapped['apparmor.profile']], ['1795168900.011:96011', 'AVC', '/p'])
})
