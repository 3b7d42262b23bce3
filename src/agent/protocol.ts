/**
 * The agent ↔ manager protocol, shared by both sides: route paths, headers, request signing.
 *
 * Every agent request carries `authorization: AW1 agent=<id>,ts=<ms>,nonce=<hex>,sig=<hex>` where
 * `sig` is HMAC-SHA256 with the agent's key over the method, path, agent id, timestamp, nonce and
 * the SHA-256 of the body as sent (compressed). TLS already protects the channel; the signature
 * authenticates the agent on every request, makes a tampered batch fail, and with the timestamp
 * window and the nonce cache a replayed request is refused. Command replies are signed back with the
 * same key (`x-aw-signature`), so the agent only runs commands from the manager it enrolled with.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export const PROTOCOL_PREFIX = '/agent/v1'
export const Routes = {
  enroll: '/enroll',
  events: '/events',
  commands: '/commands',
  keepalive: '/keepalive',
} as const

export const Headers = {
  firstSeq: 'x-aw-first-seq',
  lastSeq: 'x-aw-last-seq',
  signature: 'x-aw-signature',
} as const

/** Requests older or newer than this (by the agent's clock) are refused as possible replays. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000

export interface AuthParts {
  agent: string
  ts: number
  nonce: string
  sig: string
}

const sha256 = (body: Buffer | string): string => createHash('sha256').update(body).digest('hex')

function mac(key: string, text: string): string {
  return createHmac('sha256', Buffer.from(key, 'hex')).update(text).digest('hex')
}

function canonical(method: string, path: string, agent: string, ts: number, nonce: string, body: Buffer | string): string {
  return [method.toUpperCase(), path, agent, String(ts), nonce, sha256(body)].join('\n')
}

/** The authorization header for one request. `path` includes the query string. */
export function signRequest(agent: string, key: string, method: string, path: string, body: Buffer | string, now = Date.now()): string {
  const nonce = randomBytes(12).toString('hex')
  return `AW1 agent=${agent},ts=${now},nonce=${nonce},sig=${mac(key, canonical(method, path, agent, now, nonce, body))}`
}

/** Parses an authorization header; undefined when it is not a well-formed AW1 header. */
export function parseAuth(header: string | undefined): AuthParts | undefined {
  if (!header?.startsWith('AW1 ')) return undefined
  const parts = new Map(header.slice(4).split(',').map((kv) => kv.split('=', 2) as [string, string]))
  const agent = parts.get('agent')
  const ts = Number(parts.get('ts'))
  const nonce = parts.get('nonce')
  const sig = parts.get('sig')
  if (!agent || !/^[\w.-]{1,64}$/.test(agent) || !Number.isSafeInteger(ts) || !nonce || !/^[0-9a-f]{8,64}$/.test(nonce) || !sig || !/^[0-9a-f]{64}$/.test(sig)) {
    return undefined
  }
  return { agent, ts, nonce, sig }
}

export function verifyRequest(a: AuthParts, key: string, method: string, path: string, body: Buffer | string): boolean {
  return safeEqualHex(a.sig, mac(key, canonical(method, path, a.agent, a.ts, a.nonce, body)))
}

/** Signs a reply body (commands) so that the agent can check it came from its manager. */
export function signReply(key: string, body: string): string {
  return mac(key, `reply\n${sha256(body)}`)
}

export function verifyReply(key: string, body: string, sig: string | undefined): boolean {
  return sig !== undefined && /^[0-9a-f]{64}$/.test(sig) && safeEqualHex(sig, signReply(key, body))
}

export function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Constant-time comparison of two secrets of any length (hashed first, so lengths do not leak). */
export function safeEqualSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest())
}

/**
 * What an agent reports in its keepalive body (signed like every request): its version and host,
 * and the events waiting in its spool. Older agents send `{}`; every field is optional.
 */
export interface AgentReport {
  version?: string
  hostname?: string
  os?: string
  /** Events in the spool not yet acknowledged by the manager. */
  spool_depth?: number
}

/** The report in a keepalive body; fields of the wrong type or size are left out, not trusted. */
export function parseReport(body: Buffer): AgentReport {
  let v: unknown
  try {
    v = JSON.parse(body.toString('utf8') || '{}')
  } catch {
    return {}
  }
  if (typeof v !== 'object' || v === null) return {}
  const o = v as Record<string, unknown>
  const text = (x: unknown): string | undefined => (typeof x === 'string' && x.length > 0 && x.length <= 256 ? x : undefined)
  const r: AgentReport = {}
  const version = text(o.version)
  const hostname = text(o.hostname)
  const os = text(o.os)
  if (version) r.version = version
  if (hostname) r.hostname = hostname
  if (os) r.os = os
  if (Number.isSafeInteger(o.spool_depth) && (o.spool_depth as number) >= 0) r.spool_depth = o.spool_depth as number
  return r
}

/** A command sent to an agent on the long poll (used by active response). */
export interface AgentCommand {
  id: string
  type: string
  args: Record<string, unknown>
}
