/**
 * HTTPS to the manager with its CA pinned: the agent trusts only the CA it saw (and the user could
 * verify) at enrollment, never the system's CAs. One keep-alive connection pool per client.
 */
import { Agent, request } from 'node:https'
import type { IncomingHttpHeaders } from 'node:http'
import { PROTOCOL_PREFIX, signRequest } from './protocol.js'

/** What enrollment saves (0600) and every later connection uses. */
export interface Identity {
  version: 1
  manager: string
  agent_id: string
  name: string
  key: string
  ca_pem: string
  ca_fingerprint: string
}

export interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfterMs?: number,
  ) {
    super(`the manager answered ${status}: ${body.slice(0, 300)}`)
  }
}

/** A plain HTTPS request trusting only `caPem`; network errors reject, any HTTP status resolves. */
export function httpsRequest(
  url: URL,
  opts: { method: string; caPem: string; headers?: Record<string, string>; body?: Buffer; agent?: Agent; signal?: AbortSignal; timeoutMs?: number },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method,
        ca: opts.caPem,
        agent: opts.agent,
        headers: { ...opts.headers, ...(opts.body ? { 'content-length': String(opts.body.length) } : {}) },
        signal: opts.signal,
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} within ${opts.timeoutMs ?? 30_000} ms`)))
    req.on('error', reject)
    req.end(opts.body)
  })
}

export class ManagerClient {
  readonly #agent: Agent
  readonly #base: URL

  constructor(readonly identity: Identity) {
    this.#base = new URL(identity.manager)
    this.#agent = new Agent({ keepAlive: true, maxSockets: 4, ca: identity.ca_pem })
  }

  /** A signed request to `path` (under the protocol prefix); resolves with 2xx replies, rejects with HttpError otherwise. */
  async call(
    method: 'GET' | 'POST',
    path: string,
    opts: { body?: Buffer; headers?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<Reply> {
    const full = `${this.#base.pathname.replace(/\/$/, '')}${PROTOCOL_PREFIX}${path}`
    const body = opts.body ?? Buffer.alloc(0)
    const auth = signRequest(this.identity.agent_id, this.identity.key, method, full, body)
    const r = await httpsRequest(new URL(full, this.#base), {
      method,
      caPem: this.identity.ca_pem,
      agent: this.#agent,
      headers: { ...opts.headers, authorization: auth },
      body: opts.body,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    })
    if (r.status < 200 || r.status > 299) {
      const ra = Number(r.headers['retry-after'])
      throw new HttpError(r.status, r.body, Number.isFinite(ra) ? ra * 1000 : undefined)
    }
    return r
  }

  close(): void {
    this.#agent.destroy()
  }
}
