/** Alert insights for the dashboard: query-bar field completion and the security metrics. */
import type { FastifyInstance } from 'fastify'
import type { AlertStore } from '../../store/store.js'
import { queryRunner, rangeOf, type RangeQs } from '../alert-query.js'
import { knownFields } from '../fields.js'
import type { ManagerMetrics } from '../metrics.js'
import { errors, TimeRangeQuery } from '../schemas.js'
import { securityReport } from '../security.js'

const Timeline = { type: 'array', items: { type: 'object', properties: { t: { type: 'string' }, count: { type: 'integer' } } } } as const
const ProfileCounts = { type: 'array', items: { type: 'object', properties: { profile: { type: 'string' }, count: { type: 'integer' } } } } as const
const Period = { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } } as const
const section = (extra: Record<string, unknown>) => ({
  type: 'object',
  properties: { query: { type: 'string' }, total: { type: 'integer' }, previous_total: { type: 'integer' }, timeline: Timeline, ...extra },
})

const SecuritySchema = {
  type: 'object',
  properties: {
    from: { type: 'string' },
    to: { type: 'string' },
    previous: Period,
    privilege_escalation: section({
      by_kind: { type: 'array', items: { type: 'object', properties: { kind: { type: 'string', enum: ['capability', 'exec', 'ptrace'] }, query: { type: 'string' }, count: { type: 'integer' }, previous: { type: 'integer' } } } },
      top_profiles: ProfileCounts,
    }),
    data_access: section({
      top_paths: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, count: { type: 'integer' } } } },
      top_profiles: ProfileCounts,
    }),
    network: section({
      by_family: { type: 'array', items: { type: 'object', properties: { family: { type: 'string' }, count: { type: 'integer' }, previous: { type: 'integer' } } } },
      by_profile_family: { type: 'array', items: { type: 'object', properties: { profile: { type: 'string' }, family: { type: 'string' }, count: { type: 'integer' } } } },
    }),
  },
} as const

export async function insightRoutes(api: FastifyInstance, o: { alerts: AlertStore; metrics: ManagerMetrics }): Promise<void> {
  const run = queryRunner(o.alerts, o.metrics)

  api.get(
    '/fields',
    {
      schema: {
        summary: 'Field names the query language accepts: well-known ones and those in a sample of stored alerts',
        response: {
          200: {
            type: 'object',
            properties: {
              fields: {
                type: 'array',
                items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string', enum: ['string', 'number', 'boolean', 'array'] }, example: { type: 'string' } } },
              },
            },
          },
          ...errors(401),
        },
      },
    },
    async () => ({ fields: await knownFields(run) }),
  )

  api.get<{ Querystring: RangeQs }>(
    '/security',
    {
      schema: {
        summary: 'Security metrics (privilege escalation, sensitive data access, network denials) against the previous period',
        querystring: { type: 'object', properties: TimeRangeQuery, additionalProperties: false },
        response: { 200: SecuritySchema, ...errors(400, 401) },
      },
    },
    async (req) => {
      const now = new Date()
      const r = rangeOf({ from: req.query.from ?? '24h', to: req.query.to ?? 'now' }, now)
      return securityReport(run, { from: r.from ?? now.toISOString(), to: r.to ?? now.toISOString() })
    },
  )
}
