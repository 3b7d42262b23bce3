import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../../helpers/tmp.js'
const seedDir = fileURLToPath(new URL('../../../../shared/corpus/seed-rules', import.meta.url))
const mainUrl = new URL('../../../src/cli/main.ts', import.meta.url).href

/** Runs the CLI from source in a child process (node:test owns this process's stdout). */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return cliWithInput('', ...args)
}

async function cliWithInput(input: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const script = `import { main } from ${JSON.stringify(mainUrl)}; process.exitCode = await main(process.argv)`
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', 'armorwatch', ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1' },
  })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

test('rules test runs the built-in test cases; last line is the count', async () => {
  const r = await cli('rules', 'test')
  assert.equal(r.code, 0, r.out + r.err)
  assert.match(r.out.trimEnd().split('\n').pop() ?? '', /^\d+ passed, 0 failed$/)
})

test('rules test exits 1 on a failing YAML case and says why', async () => {
  const dir = tempDir('rt')
  const file = join(dir, 'bad.yaml')
  writeFileSync(file, 'cases:\n  - name: wrong\n    log: |\n      type=AVC msg=audit(1795170001.112:7001): apparmor="DENIED" operation="open" class="file" profile="/x" name="/etc/shadow" pid=1 comm="x" requested_mask="r" denied_mask="r"\n    alerts:\n      - rule: 110001\n')
  const r = await cli('rules', 'test', file)
  assert.equal(r.code, 1)
  assert.match(r.out, /FAIL .*wrong: alert 1 \(rule 110002\): rule 110002 != 110001/)
  assert.match(r.out, /0 passed, 1 failed\n$/)
})

test('rules test with a missing path is a usage error', async () => {
  const r = await cli('rules', 'test', '/no/such/file.yaml')
  assert.equal(r.code, 2)
})

test('analyze prints Wazuh alert JSON per line and exits 1 when there are alerts', async () => {
  const dir = tempDir('an')
  const file = join(dir, 'audit.log')
  writeFileSync(
    file,
    'type=AVC msg=audit(1795170001.112:7001): apparmor="DENIED" operation="open" class="file" profile="/usr/sbin/cupsd" name="/etc/shadow" pid=1301 comm="cupsd" requested_mask="r" denied_mask="r" fsuid=0 ouid=0\n' +
      'type=AVC msg=audit(1795170004.445:7004): apparmor="ALLOWED" operation="open" profile="/usr/bin/man" name="/usr/share/man/man1/ls.1.gz" pid=4404 comm="man" requested_mask="r" denied_mask="r" fsuid=1000 ouid=0\n',
  )
  const r = await cli('analyze', '--json', file)
  assert.equal(r.code, 1)
  const alerts = r.out.trim().split('\n').map((l) => JSON.parse(l) as { rule: { id: string }; data: { audit: { type: string } }; location: string })
  assert.deepEqual(alerts.map((a) => a.rule.id), ['110002', '110100'])
  assert.equal(alerts[0]?.data.audit.type, 'APPARMOR_DENIED')
  assert.equal(alerts[0]?.location, file)
  assert.match(r.err, /2 events, 2 alerts, 0 lines analysed as plain log lines/)
  const high = await cli('analyze', '--level', '5', file)
  assert.match(high.out, /\[10\] 110002 AppArmor blocked access to credential file \/etc\/shadow/)
  assert.doesNotMatch(high.out, /110100 AppArmor allowed/)
  assert.equal((await cli('analyze', '/no/such/log')).code, 2)
})

test('logtest shows the phases, and --json one object per event', { skip: !existsSync(seedDir) && 'corpus absent' }, async () => {
  const line = 'Nov 20 10:01:05 web01 kernel: [ 8188.400000] audit: type=1400 audit(1795168865.905:31008): apparmor="DENIED" operation="open" class="file" profile="/usr/local/bin/test-app" name="/etc/shadow" pid=4500 comm="test-app" requested_mask="r" denied_mask="r" fsuid=0 ouid=0\n'
  const text = await cliWithInput(line, 'logtest')
  assert.equal(text.code, 0, text.err)
  assert.match(text.err, /ruleset [0-9a-f]{12}, \d+ rule\/decoder files/)
  assert.match(text.out, /\*\*Phase 1: Completed pre-decoding\.\n\tfull event: 'Nov 20/)
  assert.match(text.out, /\thostname: 'web01'\n\tprogram_name: 'kernel'/)
  assert.match(text.out, /\*\*Phase 2: Completed decoding\.\n\tname: 'apparmor'/)
  assert.match(text.out, /\tapparmor\.name: '\/etc\/shadow'/)
  assert.match(text.out, /\tid: '110002'\n\tlevel: '10'/)
  assert.match(text.out, /\*\*Alert to be generated\./)
  const json = await cliWithInput(line, 'logtest', '--json', '--rules', join(seedDir, 'local_rules.xml'))
  const rec = JSON.parse(json.out.trim()) as { decoder: { name: string }; fields: Record<string, string>; rule: { id: string; mitre: { id: string[] } }; alert: { rule: { level: number } } }
  assert.equal(rec.decoder.name, 'apparmor')
  assert.equal(rec.fields['audit.type'], 'APPARMOR_DENIED')
  assert.equal(rec.rule.id, '100701')
  assert.deepEqual(rec.rule.mitre.id, ['T1003.008'])
  assert.equal(rec.alert.rule.level, 10)
})
