import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseLines } from '../../../src/normalize/index.js'
import { missingTool } from '../../helpers/tool.js'

/**
 * Differential test against auditd's own interpretation (`ausearch -i`, Debian's auditd 3.0.9) of
 * the real capture: syscall names, architectures, results, executables, keys, unset login ids,
 * process titles, working directories and socket addresses must agree. ausearch prints values
 * unquoted with spaces, so its output is read here with line-level patterns, not our tokenizer.
 * Known differences: ausearch calls AF_UNIX `local`, we call it `unix` (as AppArmor's `family=`
 * does); ausearch prints control characters as octal escapes (`\012`), we decode them; a
 * CONFIG_CHANGE event's `audit.key` is the rule's key, where ausearch shows the SYSCALL's `(null)`.
 */
const capture = fileURLToPath(new URL('../../fixtures/normalize/real-capture.log', import.meta.url))

type Interp = Record<string, string>

function readAusearch(): Map<number, Interp> | undefined {
  const r = spawnSync('ausearch', ['-if', capture, '-i'], { encoding: 'utf8' })
  if (r.error || r.status !== 0) return undefined
  const bySerial = new Map<number, Interp>()
  for (const line of r.stdout.split('\n')) {
    const m = /^type=(\S+) msg=audit\(.* \d\d:\d\d:\d\d\.\d+:(\d+)\) : (.*)$/.exec(line)
    if (!m) continue
    const [, type, serial, body] = m
    const rec = bySerial.get(Number(serial)) ?? {}
    bySerial.set(Number(serial), rec)
    const grab = (name: string, re: RegExp) => {
      const g = re.exec(body)
      if (g) rec[name] = g[1]
    }
    if (type === 'SYSCALL') {
      grab('arch', /\barch=(\S+)/)
      grab('syscall', /\bsyscall=(\S+)/)
      grab('success', /\bsuccess=(\S+)/)
      grab('exe', /\bexe=(\S+)/)
      grab('key', /\bkey=(\S+)/)
      grab('auid', /\bauid=(\S+)/)
    } else if (type === 'PROCTITLE') {
      grab('proctitle', /^proctitle=(.*?) ?$/)
      if (rec.proctitle !== undefined) rec.proctitle = rec.proctitle.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)))
    }
    else if (type === 'CWD') grab('cwd', /^cwd=(.*?) ?$/)
    else if (type === 'SOCKADDR') {
      grab('family', /saddr_fam=(\S+)/)
      grab('laddr', /\bladdr=(\S+)/)
      grab('lport', /\blport=(\S+)/)
      grab('path', /\bpath=(\S+)/)
    }
  }
  return bySerial
}

test('differential: ausearch -i and armorwatch interpret the real capture alike', (t) => {
  const theirs = readAusearch()
  if (!theirs) {
    t.skip(missingTool('ausearch (auditd) not installed; .ci/run installs auditd'))
    return
  }
  const { events } = parseLines(readFileSync(capture, 'utf8'), { location: capture })
  const mismatches: string[] = []
  let compared = 0
  for (const e of events) {
    const f = e.fields
    const a = theirs.get(Number(f['audit.serial']))
    if (!a) {
      mismatches.push(`serial ${f['audit.serial']}: not in ausearch output`)
      continue
    }
    const expect = (ours: unknown, theirsValue: string | undefined, what: string) => {
      if (theirsValue === undefined) return
      compared++
      if (String(ours) !== theirsValue) mismatches.push(`serial ${f['audit.serial']} ${what}: ours ${JSON.stringify(ours)}, ausearch ${JSON.stringify(theirsValue)}`)
    }
    expect(f['audit.arch'], a.arch, 'arch')
    expect(f['audit.syscall'], a.syscall, 'syscall')
    expect(f['audit.success'], a.success, 'success')
    expect(f['audit.exe'], a.exe, 'exe')
    if (f['audit.type'] !== 'CONFIG_CHANGE') expect(f['audit.key'] ?? '(null)', a.key, 'key')
    if (a.auid === 'unset') expect(f['audit.auid'], 'unset', 'auid')
    expect(f['audit.proctitle'], a.proctitle, 'proctitle')
    expect(f['audit.cwd'], a.cwd, 'cwd')
    expect(f['audit.sockaddr.family'], a.family === 'local' ? 'unix' : a.family, 'sockaddr family')
    expect(f['audit.sockaddr.addr'], a.laddr, 'sockaddr addr')
    expect(f['audit.sockaddr.port'], a.lport, 'sockaddr port')
    expect(f['audit.sockaddr.path'], a.path, 'sockaddr path')
  }
  t.diagnostic(`compared ${compared} values over ${events.length} events`)
  assert.deepEqual(mismatches, [])
  assert.ok(compared > 200)
})
