/** Agents and rules. */
import type { FastifyInstance } from 'fastify'
import { AwError } from '../errors.js'
import { AlertSchema, errors } from '../schemas.js'
import type { AgentsService, RulesService } from '../services.js'

/** One agent row: the allow-list of what the API shows about an agent (never its key). */
const AgentRow = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, enrolled_at: { type: ['string', 'null'] },
    revoked_at: { type: ['string', 'null'] }, stored_seq: { type: 'integer' }, last_seen_at: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['connected', 'disconnected', 'never', 'revoked'] },
    version: { type: ['string', 'null'] }, hostname: { type: ['string', 'null'] }, os: { type: ['string', 'null'] },
    events_per_s: { type: 'number', description: 'events stored per second over the last minute' },
    spool_depth: { type: ['integer', 'null'], description: "events waiting in the agent's spool, from its last keepalive" },
  },
} as const

export async function agentRoutes(api: FastifyInstance, o: { agents: AgentsService }): Promise<void> {
  api.get(
    '/',
    {
      schema: {
        summary: 'Agents: enrolled agents and every agent that sent events, with their status',
        response: { 200: { type: 'object', properties: { agents: { type: 'array', items: AgentRow } } }, ...errors(401) },
      },
    },
    async () => ({ agents: o.agents.list() }),
  )

  api.post<{ Params: { id: string } }>(
    '/:id/revoke',
    {
      config: { role: 'admin' },
      schema: {
        summary: "Revoke an agent: its batches, polls and keepalives are refused from now on (its events wait in its spool)",
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[\\w.-]{1,64}$' } }, required: ['id'], additionalProperties: false },
        response: {
          200: { type: 'object', properties: { agent: AgentRow, changed: { type: 'boolean', description: 'false when the agent was already revoked' } } },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const r = o.agents.revoke(req.params.id)
      if (!r) throw new AwError('AW_ERR_NOT_FOUND', `agent '${req.params.id}'`)
      return r
    },
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
