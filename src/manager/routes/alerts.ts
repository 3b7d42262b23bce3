/** Alerts: search and aggregate with the query language, fetch one, dashboard aggregations, FIM, profiles. */
import type { FastifyInstance } from 'fastify'
import { parseRange, QueryError, TimeRangeError } from '../../store/query/index.js'
import type { AlertStore, QueryResult } from '../../store/store.js'
import { AwError } from '../errors.js'
import type { ManagerMetrics } from '../metrics.js'
import { AlertSchema, errors, TimeRangeQuery } from '../schemas.js'

const ResultSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['search', 'aggregate'] },
    columns: { type: 'array', items: { type: 'string' } },
    rows: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const

interface RangeQs {
  from?: string
  to?: string
}

export async function alertRoutes(api: FastifyInstance, o: { alerts: AlertStore; metrics: ManagerMetrics }): Promise<void> {
  const run = async (q: string, qs: RangeQs, limit?: number): Promise<QueryResult> => {
    const end = o.metrics.storeQuery.startTimer()
    try {
      return await o.alerts.query(q, { ...parseRange(qs.from, qs.to), ...(limit !== undefined ? { limit } : {}) })
    } catch (err) {
      if (err instanceof QueryError || err instanceof TimeRangeError) throw new AwError('AW_ERR_QUERY', err.message)
      throw err
    } finally {
      end()
    }
  }

  api.get<{ Querystring: RangeQs & { q?: string; limit?: number } }>(
    '/',
    {
      schema: {
        summary: 'Search or aggregate alerts with the query language (see docs/queries.md)',
        querystring: {
          type: 'object',
          properties: { q: { type: 'string', maxLength: 4096, default: '' }, limit: { type: 'integer', minimum: 1, maximum: 10000 }, ...TimeRangeQuery },
          additionalProperties: false,
        },
        response: { 200: ResultSchema, ...errors(400, 401) },
      },
    },
    async (req) => run(req.query.q ?? '', req.query, req.query.limit),
  )

  api.get<{ Querystring: RangeQs }>(
    '/aggregations',
    {
      schema: {
        summary: "The dashboard's overview: counts by level, top profiles and operations, a timeline",
        querystring: { type: 'object', properties: TimeRangeQuery, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: Object.fromEntries(['total', 'by_level', 'top_profiles', 'top_operations', 'top_agents', 'timeline'].map((k) => [k, ResultSchema])),
          },
          ...errors(400, 401),
        },
      },
    },
    async (req) => {
      const span = spanFor(req.query)
      const [total, by_level, top_profiles, top_operations, top_agents, timeline] = await Promise.all([
        run('| stats count', req.query),
        run('| stats count by rule.level | sort -rule.level', req.query),
        run('| top 10 apparmor.profile', req.query),
        run('| top 10 apparmor.operation', req.query),
        run('| top 10 agent.name', req.query),
        run(`| timechart span=${span} count by rule.level`, req.query),
      ])
      return { total, by_level, top_profiles, top_operations, top_agents, timeline }
    },
  )

  api.get<{ Querystring: RangeQs & { limit?: number } }>(
    '/fim',
    {
      schema: {
        summary: 'File integrity events (alerts with syscheck data), newest first',
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 10000 }, ...TimeRangeQuery }, additionalProperties: false },
        response: { 200: ResultSchema, ...errors(400, 401) },
      },
    },
    async (req) => run('syscheck.path: *', req.query, req.query.limit),
  )

  api.get<{ Querystring: RangeQs }>(
    '/profiles',
    {
      schema: {
        summary: 'AppArmor profiles seen in alerts: alert count, hosts, operations, last seen',
        querystring: { type: 'object', properties: TimeRangeQuery, additionalProperties: false },
        response: { 200: ResultSchema, ...errors(400, 401) },
      },
    },
    async (req) =>
      run('apparmor.profile: * | stats count, dc(agent.name), dc(apparmor.operation), max(timestamp), max(rule.level) by apparmor.profile', req.query),
  )

  api.get<{ Params: { id: string } }>(
    '/:id',
    {
      schema: {
        summary: 'One alert by id',
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 128 } }, required: ['id'] },
        response: { 200: AlertSchema, ...errors(401, 404) },
      },
    },
    async (req) => {
      const a = await o.alerts.getAlert(req.params.id)
      if (!a) throw new AwError('AW_ERR_NOT_FOUND', `alert '${req.params.id}'`)
      return a
    },
  )
}

/** About a hundred buckets over the range; 1h without one. */
function spanFor(qs: RangeQs): string {
  try {
    const r = parseRange(qs.from, qs.to)
    if (!r.from) return '1h'
    const ms = Date.parse(r.to ?? new Date().toISOString()) - Date.parse(r.from)
    const steps: [number, string][] = [[60e3, '1m'], [300e3, '5m'], [900e3, '15m'], [3600e3, '1h'], [4 * 3600e3, '4h'], [86400e3, '1d']]
    return (steps.find(([s]) => ms / s <= 120) ?? [0, '1w'])[1]
  } catch {
    return '1h'
  }
}
