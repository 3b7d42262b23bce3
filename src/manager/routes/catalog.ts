/** Agents and rules. */
import type { FastifyInstance } from 'fastify'
import { AwError } from '../errors.js'
import { AlertSchema, errors } from '../schemas.js'
import type { AgentsService, RulesService } from '../services.js'

export async function agentRoutes(api: FastifyInstance, o: { agents: AgentsService }): Promise<void> {
  api.get(
    '/',
    {
      schema: {
        summary: 'Agents: enrolled agents and every agent that sent events',
        response: {
          200: {
            type: 'object',
            properties: {
              agents: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' }, name: { type: 'string' }, enrolled_at: { type: ['string', 'null'] },
                    revoked_at: { type: ['string', 'null'] }, stored_seq: { type: 'integer' }, last_seen_at: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          ...errors(401),
        },
      },
    },
    async () => ({ agents: o.agents.list() }),
  )
}

export async function ruleRoutes(api: FastifyInstance, o: { rules: RulesService | undefined }): Promise<void> {
  const rules = (): RulesService => {
    if (!o.rules) throw new AwError('AW_ERR_UNAVAILABLE', 'no ruleset is loaded')
    return o.rules
  }
  api.get<{ Querystring: { group?: string; level?: number } }>(
    '/',
    {
      schema: {
        summary: 'Loaded rules, optionally by group or minimum level',
        querystring: { type: 'object', properties: { group: { type: 'string', maxLength: 128 }, level: { type: 'integer', minimum: 0, maximum: 16 } }, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              rules: {
                type: 'array',
                items: { type: 'object', properties: { id: { type: 'integer' }, level: { type: 'integer' }, description: { type: 'string' }, groups: { type: 'array', items: { type: 'string' } }, file: { type: 'string' } } },
              },
            },
          },
          ...errors(400, 401, 503),
        },
      },
    },
    async (req) => {
      const { group, level } = req.query
      return { rules: rules().list().filter((r) => (group === undefined || r.groups.includes(group)) && (level === undefined || r.level >= level)) }
    },
  )

  api.post<{ Body: { line: string; location?: string } }>(
    '/test',
    {
      config: { role: 'analyst' },
      schema: {
        summary: 'Run one log line through the rules (like wazuh-logtest)',
        body: { type: 'object', properties: { line: { type: 'string', minLength: 1, maxLength: 65536 }, location: { type: 'string', maxLength: 1024 } }, required: ['line'], additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              alert: { anyOf: [AlertSchema, { type: 'null' }] },
              rule: { anyOf: [{ type: 'object', properties: { id: { type: 'integer' }, level: { type: 'integer' }, description: { type: 'string' } } }, { type: 'null' }] },
              decoder: { type: ['string', 'null'] },
            },
          },
          ...errors(400, 401, 403, 503),
        },
      },
    },
    async (req) => rules().test(req.body.line, req.body.location ?? 'api'),
  )
}
