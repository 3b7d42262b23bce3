/** Alerts: search and aggregate with the query language, fetch one, dashboard aggregations, FIM, profiles. */
import type { FastifyInstance } from 'fastify'
import type { AlertStore } from '../../store/store.js'
import { queryRunner, rangeOf, spanFor, type RangeQs } from '../alert-query.js'
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

const NameCount = { type: 'object', properties: { name: { type: 'string' }, count: { type: 'integer' } } } as const
const TechniqueCount = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, count: { type: 'integer' } } } as const

export async function alertRoutes(api: FastifyInstance, o: { alerts: AlertStore; metrics: ManagerMetrics }): Promise<void> {
  const query = queryRunner(o.alerts, o.metrics)
  const run = (q: string, qs: RangeQs, limit?: number) => query(q, rangeOf(qs), limit)

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
            properties: {
              ...Object.fromEntries(['total', 'by_level', 'top_profiles', 'top_operations', 'top_agents', 'timeline'].map((k) => [k, ResultSchema])),
              mitre_tactics: { type: 'array', items: NameCount },
              mitre_techniques: { type: 'array', items: TechniqueCount },
            },
          },
          ...errors(400, 401),
        },
      },
    },
    async (req) => {
      const range = rangeOf(req.query)
      const span = spanFor(range)
      const [total, by_level, top_profiles, top_operations, top_agents, timeline, mitre] = await Promise.all([
        query('| stats count', range),
        query('| stats count by rule.level | sort -rule.level', range),
        query('| top 10 apparmor.profile', range),
        query('| top 10 apparmor.operation', range),
        query('| top 10 agent.name', range),
        query(`| timechart span=${span} count by rule.level`, range),
        // Grouped by the whole rule.mitre object: one row per distinct combination, split below.
        query('rule.mitre.id: * | stats count by rule.mitre', range),
      ])
      return { total, by_level, top_profiles, top_operations, top_agents, timeline, ...mitreCounts(mitre.rows) }
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

interface Mitre {
  id?: unknown
  tactic?: unknown
  technique?: unknown
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

/**
 * Alert counts per MITRE tactic and technique from `count by rule.mitre` rows: an alert counts
 * once for each distinct tactic and technique it carries. Technique names come from the alerts
 * (`rule.mitre.technique`, parallel to `rule.mitre.id`); the top 10 of each, most frequent first.
 */
function mitreCounts(rows: readonly Record<string, unknown>[]): {
  mitre_tactics: { name: string; count: number }[]
  mitre_techniques: { id: string; name: string; count: number }[]
} {
  const tactics = new Map<string, number>()
  const techniques = new Map<string, { name: string; count: number }>()
  for (const row of rows) {
    const count = Number(row.count)
    let m: Mitre
    try {
      m = JSON.parse(String(row['rule.mitre'])) as Mitre
    } catch {
      continue
    }
    for (const t of new Set(strings(m.tactic))) tactics.set(t, (tactics.get(t) ?? 0) + count)
    const names = strings(m.technique)
    strings(m.id).forEach((id, i) => {
      const cur = techniques.get(id)
      techniques.set(id, { name: cur?.name || names[i] || id, count: (cur?.count ?? 0) + count })
    })
  }
  const top = <T extends { count: number }>(xs: T[], key: (x: T) => string) => xs.sort((a, b) => b.count - a.count || key(a).localeCompare(key(b))).slice(0, 10)
  return {
    mitre_tactics: top([...tactics].map(([name, count]) => ({ name, count })), (x) => x.name),
    mitre_techniques: top([...techniques].map(([id, t]) => ({ id, ...t })), (x) => x.id),
  }
}
