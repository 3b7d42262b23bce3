/** A manager app on a real embedded store in a temp dir, with one user and one token per role. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildManager, type ManagerDeps } from '../../../src/manager/app.js'
import { digest, hashPassword } from '../../../src/manager/auth/secrets.js'
import { ManagerMetrics } from '../../../src/manager/metrics.js'
import type { RulesService } from '../../../src/manager/services.js'
import { openEmbeddedStore, type EmbeddedStore, type Role } from '../../../src/store/index.js'
import { ALERTS } from '../store/dataset.js'

export const PASSWORD = 'correct horse battery'

export interface Harness {
  app: FastifyInstance
  store: EmbeddedStore
  dir: string
  /** `Authorization` headers per role. */
  auth: Record<Role, { authorization: string }>
  close(): Promise<void>
}

export const fakeRules: RulesService = {
  list: () => [{ id: 100701, level: 10, description: 'critical file', groups: ['apparmor'], file: 'local_rules.xml' }],
  test: (line) => ({ alert: null, rule: line.includes('DENIED') ? { id: 100700, level: 7, description: 'denied' } : null, decoder: 'apparmor' }),
}

export async function harness(extra: Partial<ManagerDeps> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'aw-mgr-'))
  const store = await openEmbeddedStore(dir)
  await store.alerts.insertAlerts(ALERTS)
  const hash = await hashPassword(PASSWORD)
  const auth = {} as Harness['auth']
  for (const role of ['admin', 'analyst', 'viewer'] as const) {
    const u = store.state.addUser(role, hash, role)
    store.state.addToken(`t-${role}`, u.id, 'test', digest(`aw_${role}`))
    auth[role] = { authorization: `Bearer aw_${role}` }
  }
  const app = await buildManager({ store, metrics: new ManagerMetrics(), agents: { list: () => [], revoke: () => undefined }, rules: fakeRules, ...extra })
  return {
    app,
    store,
    dir,
    auth,
    async close() {
      await app.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
