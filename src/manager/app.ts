/**
 * buildManager: the manager's HTTP application (fastify), without listening, so tests use it
 * through inject() or a real port alike. Every route sits behind `authenticate`, which lets only
 * `role: 'public'` routes (health, login) through anonymously; the agent protocol (its own
 * signatures) and the dashboard's static files are mounted beside it.
 */
import { existsSync } from 'node:fs'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import cookie from '@fastify/cookie'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import type { Store } from '../store/store.js'
import { VERSION } from '../version.js'
import { authenticate } from './auth/context.js'
import { AwError, errorReply } from './errors.js'
import type { ManagerMetrics } from './metrics.js'
import { LiveAlerts } from './live.js'
import { openApiDocument, recordRoute, type RouteRecord } from './openapi.js'
import { alertRoutes } from './routes/alerts.js'
import { authRoutes } from './routes/auth.js'
import { agentRoutes, ruleRoutes } from './routes/catalog.js'
import { insightRoutes } from './routes/insights.js'
import { profileRoutes } from './routes/profiles.js'
import { streamRoutes } from './routes/stream.js'
import { tokenRoutes, userRoutes } from './routes/users.js'
import type { AgentsService, RulesService } from './services.js'

export const AGENT_PREFIX = '/agent/v1'

export interface ManagerDeps {
  store: Store
  metrics: ManagerMetrics
  agents: AgentsService
  rules?: RulesService
  /** The agent protocol plugin, mounted at AGENT_PREFIX. */
  agentChannel?: FastifyPluginAsync
  /** The built dashboard (index.html and assets), served at `/` when present. */
  dashboardDir?: string
  /** TLS key and certificate (PEM); cookies are `Secure` then. */
  https?: { key: string | Buffer; cert: string | Buffer }
  logger?: FastifyServerOptions['logger']
  sessionHours?: number
  /** Login attempts per client address and window (default 10 per minute). */
  loginLimit?: { max: number; timeWindowMs: number }
  /**
   * The live alert feed the analysis loop publishes to (served at /api/alerts/stream). Without
   * one (an app without an analysis loop), the stream route serves a feed that stays idle.
   */
  live?: LiveAlerts
  /** Where the profile readiness check reads profile texts (default /etc/apparmor.d). */
  profileDir?: string
}

export async function buildManager(d: ManagerDeps): Promise<FastifyInstance> {
  const app = (
    d.https
      ? Fastify({ logger: d.logger ?? false, https: d.https, bodyLimit: 1 << 20 })
      : Fastify({ logger: d.logger ?? false, bodyLimit: 1 << 20 })
  ) as unknown as FastifyInstance
  const routes: RouteRecord[] = []
  app.addHook('onRoute', (r) => recordRoute(routes, r, AGENT_PREFIX))

  await app.register(helmet, { contentSecurityPolicy: { directives: { 'default-src': ["'self'"], 'img-src': ["'self'", 'data:'] } } })
  await app.register(cookie)
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new AwError('AW_ERR_RATE_LIMITED', ctx.after),
  })

  app.setErrorHandler((err: FastifyError | AwError, req, reply) => {
    if (err instanceof AwError) return reply.code(err.statusCode).send(errorReply(err.statusCode, err.code, err.message))
    if ('validation' in err && err.validation) return reply.code(400).send(errorReply(400, 'AW_ERR_VALIDATION', err.message))
    const status = err.statusCode ?? 500
    if (status >= 500) {
      req.log.error({ err }, 'Request failed.')
      return reply.code(500).send(errorReply(500, 'AW_ERR_INTERNAL', 'internal error'))
    }
    return reply.code(status).send(errorReply(status, err.code ?? 'AW_ERR_VALIDATION', err.message))
  })
  app.setNotFoundHandler((req, reply) => {
    // The dashboard is a single-page app: unknown non-API paths get its index.html.
    if (d.dashboardDir && req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith(AGENT_PREFIX)) {
      return reply.sendFile('index.html')
    }
    return reply.code(404).send(errorReply(404, 'AW_ERR_NOT_FOUND', `route ${req.method} ${req.url.split('?')[0]} not found`))
  })

  const { state } = d.store
  const live = d.live ?? new LiveAlerts({ registry: d.metrics.registry })
  // Open streams never end by themselves: end them, or closing would wait for every client.
  app.addHook('preClose', async () => live.close())
  await app.register(async (api) => {
    api.addHook('onRequest', authenticate(state))
    api.get('/api/health', { config: { role: 'public' }, schema: { summary: 'Liveness (no authentication)', response: { 200: { type: 'object', properties: { status: { type: 'string' }, version: { type: 'string' } } } } } }, async () => ({
      status: 'ok',
      version: VERSION,
    }))
    await api.register(authRoutes, {
      prefix: '/api/auth',
      state,
      secureCookies: d.https !== undefined,
      sessionHours: d.sessionHours ?? 12,
      login: d.loginLimit ?? { max: 10, timeWindowMs: 60_000 },
    })
    await api.register(alertRoutes, { prefix: '/api/alerts', alerts: d.store.alerts, metrics: d.metrics })
    await api.register(insightRoutes, { prefix: '/api/alerts', alerts: d.store.alerts, metrics: d.metrics })
    await api.register(streamRoutes, { prefix: '/api/alerts', live })
    await api.register(profileRoutes, { prefix: '/api/profiles', alerts: d.store.alerts, metrics: d.metrics, profileDir: d.profileDir ?? '/etc/apparmor.d' })
    await api.register(agentRoutes, { prefix: '/api/agents', agents: d.agents })
    await api.register(ruleRoutes, { prefix: '/api/rules', rules: d.rules })
    await api.register(userRoutes, { prefix: '/api/users', state })
    await api.register(tokenRoutes, { prefix: '/api/tokens', state })
    api.get('/api/openapi.json', { schema: { summary: 'This document' } }, async () => openApiDocument(routes))
    api.get('/metrics', { schema: { summary: 'Prometheus metrics (text format)' } }, async (_req, reply) => {
      void reply.type(d.metrics.registry.contentType)
      return d.metrics.registry.metrics()
    })
  })
  if (d.agentChannel) await app.register(d.agentChannel, { prefix: AGENT_PREFIX })
  if (d.dashboardDir && existsSync(d.dashboardDir)) await app.register(fastifyStatic, { root: d.dashboardDir, prefix: '/', wildcard: true })
  return app
}
