import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Evaluator, findProfile, formatProfile, lintPolicy, loadPolicy, parseProfileText, compileAare, type Query } from '../../../../src/apparmor/profile/index.js'

const WEBAPP = fileURLToPath(new URL('../../../fixtures/profiles/webapp', import.meta.url))

const stripPos = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(stripPos) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'pos' && k !== 'end').map(([k, x]) => [k, stripPos(x)])) : v

test('fmt: parse → format → parse gives the same AST, and format is idempotent, on every shipped profile and abstraction', () => {
  const dirs = ['/etc/apparmor.d', '/etc/apparmor.d/abstractions', '/etc/apparmor.d/tunables', '/usr/share/apparmor/extra-profiles']
  let n = 0
  for (const d of dirs) {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      if (!name.isFile() || name.name === 'README') continue
      const path = `${d}/${name.name}`
      const context = d.endsWith('abstractions') ? 'body' : 'top'
      const a = parseProfileText(readFileSync(path, 'utf8'), path, context)
      const once = formatProfile(a.file)
      const b = parseProfileText(once, path, context)
      assert.deepEqual(b.errors, a.errors.length ? b.errors : [], path)
      assert.deepEqual(stripPos(b.file.body), stripPos(a.file.body), path)
      assert.equal(formatProfile(b.file), once, `${path}: not idempotent`)
      n++
    }
  }
  assert.ok(n > 250)
})

test('fmt keeps comments, trailing comments and blank lines, and normalizes spacing', () => {
  const src = '# head\n\nprofile  x   /usr/bin/x  flags=( complain , audit ) {\n   /etc/x    r,   # why\n\n\n  signal ( send )  set=( hup,int ) ,\n}\n'
  assert.equal(
    formatProfile(parseProfileText(src, 'x').file),
    '# head\n\nprofile x /usr/bin/x flags=(complain, audit) {\n  /etc/x r, # why\n\n  signal (send) set=(hup int),\n}\n',
  )
})

test('AARE: globs, alternation, classes, escapes', () => {
  const m = (p: string, s: string) => compileAare([p]).test(s)
  assert.ok(m('/etc/*', '/etc/passwd'))
  assert.ok(!m('/etc/*', '/etc/a/b'))
  assert.ok(!m('/etc/*', '/etc/'))
  assert.ok(m('/etc/**', '/etc/a/b'))
  assert.ok(!m('/etc/**', '/etc/'))
  assert.ok(m('/{usr/,}bin/dash', '/bin/dash') && m('/{usr/,}bin/dash', '/usr/bin/dash'))
  assert.ok(m('/dev/tty[0-9]*', '/dev/tty12') && !m('/dev/tty[0-9]*', '/dev/ttyS0'))
  assert.ok(m('/a/\\*', '/a/*') && !m('/a/\\*', '/a/b'))
  assert.ok(m('/proc/@{pid}/stat'.replace('@{pid}', '{[1-9],[1-9][0-9]}'), '/proc/42/stat'))
  // Linear time: a pathological pattern against a long path stays fast and correct.
  const long = '/' + 'a/'.repeat(5000) + 'b'
  assert.ok(compileAare(['/**a**a**a**a**a**c']).test(long) === false)
})

test('eval: deny beats allow, owner, audit, exec transitions, complain mode, deciding rules', () => {
  const policy = loadPolicy(WEBAPP)
  assert.deepEqual(policy.errors, [])
  const web = findProfile(policy, 'webapp')
  assert.ok(web)
  const ev = new Evaluator(policy, web)
  const q = (x: Query) => ev.evaluate(x)
  assert.equal(ev.mode, 'complain')
  let d = q({ kind: 'file', path: '/etc/webapp/app.conf', mode: 'r' })
  assert.equal(d.enforce, 'allowed')
  assert.equal(d.rules[0]?.line, 15)
  d = q({ kind: 'file', path: '/etc/shadow', mode: 'r' })
  assert.equal(d.enforce, 'denied')
  assert.equal(d.decision, 'allowed', 'complain mode allows implicit denials')
  assert.equal(d.logged, true)
  d = q({ kind: 'file', path: '/var/lib/webapp/private/key', mode: 'r' })
  assert.equal(d.decision, 'denied', 'explicit deny is enforced even in complain mode')
  assert.equal(d.logged, false, 'deny without audit is quiet')
  assert.equal(d.rules[0]?.effect, 'deny')
  assert.equal(q({ kind: 'file', path: '/var/lib/webapp/db', mode: 'rw', fsuid: 1000, ouid: 1000 }).enforce, 'allowed')
  assert.equal(q({ kind: 'file', path: '/var/lib/webapp/db', mode: 'w', fsuid: 1000, ouid: 0 }).enforce, 'denied', 'owner needs fsuid == ouid')
  assert.equal(q({ kind: 'file', path: '/var/lib/webapp/secret', mode: 'r' }).logged, true, 'audit rule')
  assert.equal(q({ kind: 'file', path: '/usr/bin/helper', mode: 'x' }).exec, 'Px -> helper')
  assert.equal(q({ kind: 'file', path: '/usr/bin/dash', mode: 'x' }).exec, 'ix')
  assert.equal(q({ kind: 'file', path: '/opt/webapp/static/a.css', mode: 'r' }).enforce, 'allowed', 'variables expand')
  assert.equal(q({ kind: 'file', path: '/etc/ld.so.cache', mode: 'r' }).rules[0]?.file, '/etc/apparmor.d/abstractions/base')
  assert.equal(q({ kind: 'capability', name: 'net_bind_service' }).enforce, 'allowed')
  assert.equal(q({ kind: 'capability', name: 'sys_module' }).enforce, 'denied')
  assert.equal(q({ kind: 'network', domain: 'inet', type: 'stream' }).enforce, 'allowed')
  assert.equal(q({ kind: 'network', domain: 'inet6', type: 'stream' }).enforce, 'denied')
  assert.equal(q({ kind: 'signal', access: 'send', signal: 'term', peer: 'helper' }).enforce, 'allowed')
  assert.equal(q({ kind: 'signal', access: 'send', signal: 'kill', peer: 'helper' }).enforce, 'denied')
  assert.equal(q({ kind: 'ptrace', access: 'read', peer: 'webapp' }).enforce, 'allowed')
  const hat = findProfile(policy, 'webapp//admin')
  assert.ok(hat)
  assert.equal(new Evaluator(policy, hat).evaluate({ kind: 'file', path: '/etc/webapp/admin.conf', mode: 'w' }).enforce, 'allowed')
})

test('lint finds the seeded smells with positions', () => {
  const findings = lintPolicy(loadPolicy(WEBAPP))
  const ids = (id: string) => findings.filter((f) => f.id === id).map((f) => f.line)
  assert.deepEqual(ids('AA003'), [11])
  assert.deepEqual(ids('AA004'), [13])
  assert.deepEqual(ids('AA006'), [20])
  assert.deepEqual(ids('AA002'), [21])
  assert.deepEqual(ids('AA001'), [23])
  assert.deepEqual(ids('AA007'), [25])
  assert.deepEqual(ids('AA009'), [7])
  assert.deepEqual(ids('AA008'), [7])
  for (const f of findings) assert.ok(f.hint.length > 0 && f.column > 0)
})
