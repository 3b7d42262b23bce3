// The local agent of `armorwatch up` numbers its events in a spool, acknowledged by the store's
// mark of agent 000: its position survives a clean restart (nothing read twice), and a spool that
// was removed numbers after the mark (new events are not mistaken for stored ones).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { applyOverrides, parseConfig } from '../../../src/manager/config.js'
import { startManager, type RunningManager } from '../../../src/manager/server.js'

const denial = (n: number) =>
  `type=AVC msg=audit(1795168805.685:${n}): apparmor="DENIED" operation="open" class="file" profile="/usr/bin/x" name="/etc/secret-${n}" pid=4467 comm="x" requested_mask="r" denied_mask="r" fsuid=0 ouid=0\n`

test('local agent: positions and seqs survive restarts; a removed spool numbers after the store mark', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-local-spool-'))
  let m: RunningManager | undefined
  t.after(async () => {
    await m?.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const log = join(dir, 'audit.log')
  const dataDir = join(dir, 'data')
  const cfg = applyOverrides(
    parseConfig(`
listen: { host: 127.0.0.1, port: 0 }
local_agent: { files: [${log}], from_beginning: true, fim: null, apparmor_state: null }
`),
    { dataDir },
  )
  const start = () => startManager({ config: cfg, localAgent: true, adminPassword: 'a very good password' })
  const denials = async () => Number((await m!.store.alerts.query('agent.id: 000 AND DENIED | stats count')).rows[0]?.count ?? 0)
  const until = async (n: number) => {
    for (const end = Date.now() + 20_000; (await denials()) < n; await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > end) assert.fail(`${await denials()} of ${n} denials stored`)
    }
  }

  for (let i = 1; i <= 3; i++) appendFileSync(log, denial(i))
  m = await start()
  await until(3)
  await m.close()

  appendFileSync(log, denial(4))
  m = await start()
  await until(4)
  // The last record of an audit file waits (2 s) for records of the same event before it is sent.
  await new Promise((r) => setTimeout(r, 2500))
  assert.equal(await denials(), 4, 'a clean restart reads on from the saved position')
  assert.equal(m.store.alerts.storedSeqs().get('000'), 4)
  await m.close()

  // Without its spool the agent has no position: from_beginning reads the 5 lines again. They
  // are new events to the store (seqs 5-9), not duplicates of seqs 1-4.
  rmSync(join(dataDir, 'local-agent'), { recursive: true })
  appendFileSync(log, denial(5))
  m = await start()
  await until(9)
  // The reader may see the commit a moment before the writer's continuation records the mark.
  for (const end = Date.now() + 5_000; m.store.alerts.storedSeqs().get('000') !== 9 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20))
  assert.equal(m.store.alerts.storedSeqs().get('000'), 9)
})
