import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { compileFimConfig, compileSregex, FimConfigError, loadFimYaml, parseDataUnit, parseSyscheck } from '../../../src/sources/fim/index.js'

test('the seed ossec.conf <syscheck> block becomes realtime + report_changes on /etc/apparmor.d', () => {
  const xml = readFileSync(new URL('../../fixtures/fim/ossec-syscheck.conf', import.meta.url), 'utf8')
  const { config, warnings } = parseSyscheck(xml)
  assert.deepEqual(warnings, [])
  const cfg = compileFimConfig(config)
  assert.equal(cfg.directories.length, 1)
  const d = cfg.directories[0]
  assert.equal(d?.path, '/etc/apparmor.d')
  assert.equal(d?.realtime, true)
  assert.equal(d?.report_changes, true)
  assert.equal(d?.checks.sha256, true)
})

test('<syscheck> attributes, ignore/nodiff types, units and warnings', () => {
  const { config, warnings } = parseSyscheck(`
    <ossec_config><syscheck>
      <frequency>1h</frequency>
      <scan_on_start>no</scan_on_start>
      <directories check_all="no" check_sha256sum="yes" recursion_level="2" restrict=".conf$" tags="a, b">/etc/a, /etc/b</directories>
      <directories whodata="yes" diff_size_limit="2MB" follow_symbolic_link="yes" bogus="1">/etc/c/</directories>
      <ignore>/etc/a/skip</ignore>
      <ignore type="sregex">.swp$</ignore>
      <nodiff type="sregex">.key$|^/etc/ssl/private</nodiff>
      <diff><file_size><enabled>yes</enabled><limit>5KB</limit></file_size><disk_quota><limit>1MB</limit></disk_quota></diff>
      <scan_day>monday</scan_day>
      <directories>/home/*/.ssh</directories>
    </syscheck></ossec_config>`)
  assert.deepEqual(warnings, [
    '/etc/c/: attribute bogus not supported, ignored',
    '<scan_day>: not supported by armorwatch, ignored',
    '/home/*/.ssh: wildcards in <directories> are not supported, ignored',
  ])
  const cfg = compileFimConfig(config)
  assert.equal(cfg.frequency_secs, 3600)
  assert.equal(cfg.scan_on_start, false)
  assert.deepEqual(cfg.directories.map((d) => d.path), ['/etc/a', '/etc/b', '/etc/c'])
  const a = cfg.directories[0]
  assert.deepEqual(a?.checks, { size: false, perm: false, owner: false, group: false, mtime: false, inode: false, md5: false, sha1: false, sha256: true })
  assert.equal(a?.recursion_level, 2)
  assert.deepEqual(a?.tags, ['a', 'b'])
  assert.equal(a?.restrictMatch?.('/etc/a/x.conf'), true)
  assert.equal(a?.restrictMatch?.('/etc/a/x.txt'), false)
  const c = cfg.directories[2]
  assert.equal(c?.realtime, true) // whodata implies realtime
  assert.equal(c?.diff_size_limit_bytes, 2 * 2 ** 20)
  assert.equal(cfg.isIgnored('/etc/a/skip/x'), true)
  assert.equal(cfg.isIgnored('/etc/a/.x.swp'), true)
  assert.equal(cfg.isNodiff('/etc/ssl/private/x'), true)
  assert.equal(cfg.isNodiff('/etc/c/tls.KEY'), true)
  assert.equal(cfg.diff_file_size_limit_bytes, 5 * 1024)
  assert.equal(cfg.diff_disk_quota_bytes, 2 ** 20)
})

test('malformed XML is reported with line and column; a missing <syscheck> is an error', () => {
  assert.throws(() => parseSyscheck('<ossec_config>\n  <syscheck>\n    <directories>/etc</directoriez>\n  </syscheck>\n</ossec_config>'), (e: Error) => e instanceof FimConfigError && /line 3, column \d+/.test(e.message))
  assert.throws(() => parseSyscheck('<ossec_config/>'), /no <syscheck> element/)
})

test('YAML config: strict, every problem reported with its path', () => {
  const cfg = loadFimYaml('fim:\n  directories:\n    - path: /etc/apparmor.d\n      realtime: true\n      report_changes: true\n')
  assert.equal(cfg.directories[0]?.recursion_level, 256)
  assert.equal(cfg.frequency_secs, 43_200)
  assert.throws(
    () => loadFimYaml('directories:\n  - path: /x\n    realtim: true\nfrequency_secs: -1\n'),
    (e: Error) => e instanceof FimConfigError && e.issues.length === 2 && e.issues.some((i) => i.startsWith('directories.0')) && e.issues.some((i) => i.startsWith('frequency_secs')),
  )
  assert.throws(() => loadFimYaml('a: [b'), FimConfigError)
  assert.deepEqual(compileFimConfig(undefined).directories, [])
})

test('sregex (OS_Match): anchors, alternation, negation, case-insensitive', () => {
  const m = compileSregex('^/etc/|.swp$')
  assert.equal(m('/etc/x'), true)
  assert.equal(m('/var/x.SWP'), true)
  assert.equal(m('/var/etc/x'), false)
  assert.equal(compileSregex('!.conf$')('/a.conf'), false)
  assert.equal(compileSregex('^exact$')('exact'), true)
  assert.equal(compileSregex('^exact$')('exactly'), false)
  assert.equal(parseDataUnit('10'), 10 * 1024)
  assert.equal(parseDataUnit('3 gb'), 3 * 2 ** 30)
  assert.equal(parseDataUnit('x'), undefined)
})
