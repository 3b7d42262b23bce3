/** A manager process with its own TLS in a temporary root, and an agent identity enrolled with it. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { enroll, saveIdentity } from '../../../../src/agent/enroll.js'
import { makeTls } from './tls.js'
import { kill, SECRET, startManager, type Proc } from './procs.js'

export interface Enrolled {
  root: string
  agentDir: string
  manager: { proc: Proc; port: number }
  /** The manager's store of received events (FileSink NDJSON). */
  storePath: string
}

export async function enrolledAgent(t: { after: (fn: () => unknown) => void }, prefix: string, name: string): Promise<Enrolled> {
  const root = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'tls'))
  makeTls(join(root, 'tls'))
  const manager = await startManager(join(root, 'manager'), join(root, 'tls'))
  t.after(() => kill(manager.proc))
  const agentDir = join(root, 'agent')
  await saveIdentity(join(agentDir, 'identity.json'), await enroll({ manager: `https://127.0.0.1:${manager.port}/`, secret: SECRET, name }))
  return { root, agentDir, manager, storePath: join(root, 'manager', 'store.ndjson') }
}
