/**
 * `GET /api/alerts/stream`: newly stored alerts as Server-Sent Events, optionally filtered with
 * the query language (a filter only: pipes make no sense on a stream). Authentication runs before
 * the handler like on every route; the handler then takes the raw response over (reply.hijack).
 */
import type { FastifyInstance } from 'fastify'
import { compileQuery, duckdb, parseQuery, QueryError, type Query } from '../../store/query/index.js'
import { AwError } from '../errors.js'
import type { LiveAlerts } from '../live.js'
import { errors } from '../schemas.js'

function streamFilter(q: string): Query {
  try {
    const query = parseQuery(q)
    if (query.stages.length > 0) throw new QueryError('the stream takes a filter without | commands', query.stages[0]?.pos ?? 0)
    // Compiling rejects what the store would reject (a pattern on a time, text for a number...).
    compileQuery(query, duckdb)
    return query
  } catch (err) {
    if (err instanceof QueryError) throw new AwError('AW_ERR_QUERY', err.message)
    throw err
  }
}

export async function streamRoutes(api: FastifyInstance, o: { live: LiveAlerts }): Promise<void> {
  api.get<{ Querystring: { q?: string } }>(
    '/stream',
    {
      schema: {
        summary: 'Newly stored alerts as Server-Sent Events (event: alert), optionally filtered; a ": ping" comment every 15 s',
        querystring: { type: 'object', properties: { q: { type: 'string', maxLength: 4096, default: '' } }, additionalProperties: false },
        response: { 200: { type: 'string', description: 'text/event-stream' }, ...errors(400, 401, 503) },
      },
    },
    async (req, reply) => {
      const filter = streamFilter(req.query.q ?? '')
      if (o.live.full) throw new AwError('AW_ERR_UNAVAILABLE', `too many live streams (${o.live.maxStreams}); retry later`)
      void reply.hijack()
      const res = reply.raw
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Reverse proxies (nginx) must pass events through as they come.
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      })
      // Tells the client the stream is open before the first alert or ping.
      res.write(': connected\n\n')
      o.live.subscribe(filter.filter, res)
    },
  )
}
