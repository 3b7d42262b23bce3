/**
 * The OpenAPI 3.1 document, generated from the routes as they are registered (their JSON schemas
 * and required role), so it always lists every route the server really has.
 */
import type { FastifySchema, RouteOptions } from 'fastify'
import { VERSION } from '../version.js'

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI document. */
    summary?: string
  }
}

export interface RouteRecord {
  readonly method: string
  readonly url: string
  readonly schema: FastifySchema | undefined
  readonly role: string
}

/** Collects routes from fastify's onRoute hook (HEAD twins of GET routes are left out). */
export function recordRoute(out: RouteRecord[], r: RouteOptions, agentPrefix: string): void {
  const methods = Array.isArray(r.method) ? r.method : [r.method]
  const role = r.url.startsWith(agentPrefix) ? 'agent' : ((r.config as { role?: string } | undefined)?.role ?? 'viewer')
  for (const m of methods) if (m !== 'HEAD') out.push({ method: m, url: r.url, schema: r.schema, role })
}

type Json = Record<string, unknown>

function parameters(where: 'query' | 'path', schema: unknown): Json[] {
  const s = schema as { properties?: Record<string, Json>; required?: string[] } | undefined
  return Object.entries(s?.properties ?? {}).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || (s?.required ?? []).includes(name),
    schema: p,
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
  }))
}

export function openApiDocument(routes: readonly RouteRecord[]): Json {
  const paths: Record<string, Record<string, Json>> = {}
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    const s = (r.schema ?? {}) as Json
    const responses = Object.fromEntries(
      Object.entries((s.response as Record<string, unknown> | undefined) ?? { 200: {} }).map(([code, schema]) => [
        code,
        { description: code.startsWith('2') ? 'OK' : 'Error', content: { 'application/json': { schema } } },
      ]),
    )
    const security = r.role === 'public' ? [] : r.role === 'agent' ? [{ agentSignature: [] }] : [{ bearer: [] }, { session: [] }]
    paths[path] ??= {}
    ;(paths[path] as Record<string, Json>)[r.method.toLowerCase()] = {
      ...(typeof s.summary === 'string' ? { summary: s.summary } : {}),
      'x-role': r.role,
      security,
      parameters: [...parameters('path', s.params), ...parameters('query', s.querystring)],
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } } : {}),
      responses,
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'armorwatch manager API', version: VERSION },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token (armorwatch user token, or POST /api/tokens)' },
        session: { type: 'apiKey', in: 'cookie', name: 'aw_session', description: 'Dashboard session; changes also need the x-csrf-token header' },
        agentSignature: { type: 'apiKey', in: 'header', name: 'authorization', description: 'Agent protocol: enrollment secret or signed requests' },
      },
    },
    paths,
  }
}
