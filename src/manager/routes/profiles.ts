/** The fleet's AppArmor profiles: inventory with modes and activity, and enforce-mode readiness. */
import type { FastifyInstance } from 'fastify'
import type { AlertStore } from '../../store/store.js'
import { queryRunner, rangeOf, type RangeQs } from '../alert-query.js'
import type { ManagerMetrics } from '../metrics.js'
import { MODES, profileInventory } from '../profiles.js'
import { profileReadiness } from '../readiness.js'
import { errors, TimeRangeQuery } from '../schemas.js'

const ModeSchema = { anyOf: [{ type: 'string', enum: MODES }, { type: 'null' }] } as const
const AgentId = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'an agent id' } as const

export async function profileRoutes(api: FastifyInstance, o: { alerts: AlertStore; metrics: ManagerMetrics; profileDir: string }): Promise<void> {
  const run = queryRunner(o.alerts, o.metrics)

  api.get<{ Querystring: RangeQs }>(
    '/',
    {
      schema: {
        summary: 'AppArmor profiles per agent: mode (newest inventory and state changes), denials in 24 h, alerts, last change, last seen',
        querystring: { type: 'object', properties: TimeRangeQuery, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              profiles: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    profile: { type: 'string' },
                    agent: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
                    mode: ModeSchema,
                    denials_24h: { type: 'integer' },
                    alerts: { type: 'integer' },
                    last_change: { type: ['string', 'null'] },
                    last_seen: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          ...errors(400, 401),
        },
      },
    },
    async (req) => ({ profiles: await profileInventory(run, rangeOf(req.query)) }),
  )

  api.get<{ Params: { name: string }; Querystring: RangeQs & { agent?: string } }>(
    '/:name/readiness',
    {
      schema: {
        summary: "Whether a profile is ready for enforce mode: replay of its logged accesses against the manager's copy, and the rules it lacks",
        params: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 1024, description: 'the profile name (URL-encoded)' } }, required: ['name'] },
        querystring: { type: 'object', properties: { agent: AgentId, ...TimeRangeQuery }, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              profile: { type: 'string' },
              mode: ModeSchema,
              source: { type: ['string', 'null'] },
              readiness: {
                anyOf: [
                  {
                    type: 'object',
                    properties: {
                      accesses: { type: 'integer' },
                      would_deny: { type: 'integer' },
                      ready: { type: 'boolean' },
                      denied: { type: 'array', items: { type: 'object', properties: { access: { type: 'string' }, count: { type: 'integer' }, statuses: { type: 'array', items: { type: 'string' } } } } },
                    },
                  },
                  { type: 'null' },
                ],
              },
              reason: { type: 'string' },
              suggestion: { type: 'object', properties: { rules: { type: 'array', items: { type: 'string' } }, diff: { type: 'string' }, withheld: { type: 'array', items: { type: 'string' } } } },
            },
          },
          ...errors(400, 401),
        },
      },
    },
    async (req) =>
      profileReadiness(run, {
        profile: req.params.name,
        ...(req.query.agent !== undefined ? { agent: req.query.agent } : {}),
        range: rangeOf(req.query),
        profileDir: o.profileDir,
      }),
  )
}
