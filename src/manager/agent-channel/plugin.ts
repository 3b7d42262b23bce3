/**
 * The manager side of the agent protocol as a fastify plugin (see src/agent/protocol.ts):
 * enrollment with the enrollment secret, signed event batches with dedup by (agent, seq), signed
 * command long polls, keepalives (which carry the agent's report: version, host, spool depth);
 * revocation, disconnect/reconnect and rate-limit notices; each agent's live status for the API.
 *
 * Exactly once into the store: batches of one agent are handled one at a time; the events above the
 * agent's stored high-water mark go to the sink, and only once the sink resolved (durably stored)
 * does the high-water mark move and the ack go out. After a manager crash between the sink's write
 * and the registry update, the sink's own `highestSeq` restores the mark, so a resent batch is
 * recognised as a duplicate.
 */
import { randomBytes } from 'node:crypto'
import { gunzip } from 'node:zlib'
import { promisify } from 'node:util'
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Event } from '../../event/index.js'
import {
  Headers, MAX_CLOCK_SKEW_MS, Routes, parseAuth, parseReport, safeEqualSecret, signReply, verifyRequest, type AgentCommand, type AgentReport,
} from '../../agent/protocol.js'
import { EventRate } from './rate.js'
import type { AgentRecord, AgentRegistry } from './registry.js'

const gunzipAsync = promisify(gunzip)

/** Receives the events of a batch; resolves only once they are durably stored. */
export interface EventSink {
  store(agentId: string, events: Event[]): Promise<void>
  /** The highest seq of this agent already in the store (0 if none). */
  highestSeq(agentId: string): Promise<number>
}

export type ChannelNoticeType =
  | 'agent_enrolled' | 'agent_revoked' | 'agent_disconnected' | 'agent_reconnected' | 'agent_rate_limited' | 'agent_auth_failed'

/** Something the manager should raise an alert about. */
export interface ChannelNotice {
  type: ChannelNoticeType
  agent?: string
  message: string
}

export interface AgentChannelOptions {
  enrollmentSecret: string
  sink: EventSink
  registry: AgentRegistry
  onNotice?: (n: ChannelNotice) => void
  /** Per-agent event rate limit; batches above it get 429 and wait in the agent's spool. */
  maxEventsPerSecond?: number
  /** An agent silent for this long is reported disconnected. */
  disconnectAfterMs?: number
  /** Largest accepted batch after decompression. */
  maxBatchBytes?: number
  /** Longest command long poll. */
  maxPollSeconds?: number
  /** Where stored events are counted per agent (shared with the local agent's counting). */
  rate?: EventRate
}

interface AgentState {
  lastSeen: number
  /** When lastSeen was last written to the registry (at most every SEEN_SAVE_MS); 0 until the agent was heard from. */
  seenSavedAt: number
  connected: boolean
  /** The agent's last keepalive report. */
  report: AgentReport
  /** When a revoked agent's attempt was last raised as a notice (at most one a minute). */
  revokedNoticeAt: number
  /** Highest seq durably stored; undefined until first looked up after a start. */
  stored: number | undefined
  queue: Promise<unknown>
  tokens: number
  tokensAt: number
  limitedAt: number
  commands: AgentCommand[]
  waiters: (() => void)[]
}

const ENROLL_FAILURES_PER_MINUTE = 5
const SEEN_SAVE_MS = 10_000

/** An agent as the API shows it: the registry's record joined with the channel's live state. */
export interface AgentLiveStatus {
  status: 'connected' | 'disconnected' | 'never' | 'revoked'
  last_seen_at: string | null
  version: string | null
  hostname: string | null
  os: string | null
  /** Events stored per second over the last minute. */
  events_per_s: number
  /** Events waiting in the agent's spool, as of its last keepalive; null before one arrived. */
  spool_depth: number | null
}

class ChannelError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** The channel: its fastify plugin plus the operations the rest of the manager calls. */
export class AgentChannel {
  readonly #o: Required<Omit<AgentChannelOptions, 'onNotice'>> & Pick<AgentChannelOptions, 'onNotice'>
  readonly #agents = new Map<string, AgentState>()
  /** Nonces seen, with when they were seen, in that order (a Map iterates in insertion order). */
  readonly #nonces = new Map<string, number>()
  /** Failed enrollments per client address in the current minute: guessing the secret is throttled. */
  readonly #enrollFailures = new Map<string, { count: number; since: number }>()
  #timer: NodeJS.Timeout | undefined

  constructor(opts: AgentChannelOptions) {
    if (opts.enrollmentSecret.length < 16) throw new Error('the enrollment secret must be at least 16 characters')
    this.#o = {
      maxEventsPerSecond: 10_000,
      disconnectAfterMs: 90_000,
      maxBatchBytes: 64 * 1024 * 1024,
      maxPollSeconds: 60,
      rate: new EventRate(),
      ...opts,
    }
  }

  /** Queues a command for an agent; it is delivered on the agent's next (or current) long poll. */
  sendCommand(agentId: string, type: string, args: Record<string, unknown> = {}): AgentCommand {
    if (!this.#o.registry.get(agentId)) throw new Error(`agent '${agentId}' is not enrolled`)
    const cmd: AgentCommand = { id: randomBytes(8).toString('hex'), type, args }
    const st = this.#state(agentId)
    st.commands.push(cmd)
    for (const w of st.waiters.splice(0)) w()
    return cmd
  }

  revoke(agentId: string): boolean {
    const ok = this.#o.registry.revoke(agentId)
    if (ok) this.#notice({ type: 'agent_revoked', agent: agentId, message: `Agent ${agentId} was revoked.` })
    for (const w of this.#agents.get(agentId)?.waiters.splice(0) ?? []) w()
    return ok
  }

  /** Mount with `app.register(channel.plugin, { prefix: PROTOCOL_PREFIX })`. */
  readonly plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    app.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer', bodyLimit: this.#o.maxBatchBytes }, (_req, body, done) =>
      done(null, body),
    )
    // Enrollment and keepalive bodies are small JSON; the raw bytes are kept to check signatures.
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body))
    app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
      const status = err instanceof ChannelError ? err.statusCode : (err.statusCode ?? 500)
      if (status >= 500) req.log.error({ err }, 'Agent channel request failed.')
      else req.log.warn({ code: err.code, msg: err.message }, 'Agent channel request refused.')
      void reply.code(status).send({ statusCode: status, code: err.code ?? 'AW_ERR_INTERNAL', error: err.name, message: err.message })
    })
    this.#timer = setInterval(() => this.#checkDisconnects(), Math.min(this.#o.disconnectAfterMs / 3, 30_000))
    this.#timer.unref()
    app.addHook('onClose', async () => {
      clearInterval(this.#timer)
      for (const st of this.#agents.values()) for (const w of st.waiters.splice(0)) w()
    })

    app.post(Routes.enroll, async (req) => this.#enroll(req))
    app.post(Routes.events, async (req, reply) => this.#events(req, reply))
    app.get(Routes.commands, async (req, reply) => this.#commands(req, reply))
    app.post(Routes.keepalive, async (req) => {
      const agent = this.#authenticate(req)
      this.#report(agent, parseReport(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)))
      return { stored_seq: await this.#storedSeq(agent.id) }
    })
  }

  #notice(n: ChannelNotice): void {
    this.#o.onNotice?.(n)
  }

  #state(id: string): AgentState {
    let st = this.#agents.get(id)
    if (!st) {
      st = {
        lastSeen: Date.now(), seenSavedAt: 0, connected: true, report: {}, revokedNoticeAt: 0, stored: undefined, queue: Promise.resolve(), tokens: this.#o.maxEventsPerSecond,
        tokensAt: Date.now(), limitedAt: 0, commands: [], waiters: [],
      }
      this.#agents.set(id, st)
    }
    return st
  }

  async #enroll(req: FastifyRequest): Promise<{ agent_id: string; key: string }> {
    let body: { secret?: unknown; name?: unknown }
    try {
      body = JSON.parse(String(req.body ?? '')) as typeof body
    } catch {
      throw new ChannelError(400, 'AW_ERR_BAD_REQUEST', 'the enrollment request is not JSON')
    }
    const now = Date.now()
    let failures = this.#enrollFailures.get(req.ip)
    if (failures && now - failures.since > 60_000) failures = undefined
    if (failures && failures.count >= ENROLL_FAILURES_PER_MINUTE) {
      throw new ChannelError(429, 'AW_ERR_ENROLL_THROTTLED', 'too many failed enrollments from this address; retry in a minute')
    }
    if (typeof body.secret !== 'string' || !safeEqualSecret(body.secret, this.#o.enrollmentSecret)) {
      this.#enrollFailures.set(req.ip, { count: (failures?.count ?? 0) + 1, since: failures?.since ?? now })
      if (this.#enrollFailures.size > 10_000) this.#enrollFailures.clear() // bounded, even under a spray of addresses
      this.#notice({ type: 'agent_auth_failed', message: `Enrollment with a wrong secret from ${req.ip}.` })
      throw new ChannelError(401, 'AW_ERR_ENROLL_SECRET', 'wrong enrollment secret')
    }
    const name = typeof body.name === 'string' && /^[\w.-]{1,128}$/.test(body.name) ? body.name : undefined
    if (!name) throw new ChannelError(400, 'AW_ERR_BAD_REQUEST', 'the agent name must be 1-128 letters, digits, dots, dashes or underscores')
    const rec = this.#o.registry.enroll(name, randomBytes(32).toString('hex'))
    this.#notice({ type: 'agent_enrolled', agent: rec.id, message: `Agent ${rec.id} (${name}) enrolled from ${req.ip}.` })
    return { agent_id: rec.id, key: rec.key }
  }

  /** Checks the signature, the clock window and the nonce; returns the agent or throws 401/403. */
  #authenticate(req: FastifyRequest): AgentRecord {
    const fail = (why: string, agent?: string): never => {
      this.#notice({ type: 'agent_auth_failed', agent, message: `Agent request refused from ${req.ip}: ${why}.` })
      throw new ChannelError(401, 'AW_ERR_AGENT_AUTH', why)
    }
    const auth = parseAuth(req.headers.authorization)
    if (!auth) return fail('missing or malformed authorization')
    const rec = this.#o.registry.get(auth.agent)
    if (!rec) return fail(`agent '${auth.agent}' is not enrolled`)
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    if (!verifyRequest(auth, rec.key, req.method, req.url, body)) return fail('bad signature', rec.id)
    if (Math.abs(Date.now() - auth.ts) > MAX_CLOCK_SKEW_MS) return fail('timestamp outside the allowed window', rec.id)
    const nonceKey = `${rec.id}:${auth.nonce}`
    if (this.#nonces.has(nonceKey)) return fail('replayed request', rec.id)
    this.#pruneNonces()
    this.#nonces.set(nonceKey, Date.now())
    const st = this.#state(rec.id)
    if (rec.revoked_at) {
      // The agent keeps retrying (its events spool until it is enrolled again): one notice a minute.
      if (Date.now() - st.revokedNoticeAt > 60_000) {
        st.revokedNoticeAt = Date.now()
        this.#notice({ type: 'agent_auth_failed', agent: rec.id, message: `Revoked agent ${rec.id} tried to connect from ${req.ip}.` })
      }
      throw new ChannelError(403, 'AW_ERR_AGENT_REVOKED', `agent '${rec.id}' was revoked`)
    }
    st.lastSeen = Date.now()
    if (st.lastSeen - st.seenSavedAt >= SEEN_SAVE_MS) {
      st.seenSavedAt = st.lastSeen
      this.#o.registry.setLastSeen(rec.id, new Date(st.lastSeen))
    }
    if (!st.connected) {
      st.connected = true
      this.#notice({ type: 'agent_reconnected', agent: rec.id, message: `Agent ${rec.id} (${rec.name}) reconnected.` })
    }
    return rec
  }

  #report(agent: AgentRecord, r: AgentReport): void {
    const st = this.#state(agent.id)
    const prev = st.report
    st.report = { ...prev, ...r }
    if (r.version !== prev.version || r.hostname !== prev.hostname || r.os !== prev.os) this.#o.registry.setInfo(agent.id, r)
  }

  /**
   * Forgets nonces no request can replay any more: one seen at T had a timestamp of at most
   * T + MAX_CLOCK_SKEW_MS, so after T + 2 × MAX_CLOCK_SKEW_MS its replay fails the clock check.
   * They are pruned oldest first and the walk stops at the first one still needed, so a request
   * costs what it prunes: a scan of every nonce once past 10,000 of them (some 17 requests a
   * second across the fleet) made each request cost as many steps as the fleet's traffic of the
   * last ten minutes.
   */
  #pruneNonces(): void {
    const cutoff = Date.now() - 2 * MAX_CLOCK_SKEW_MS
    for (const [k, seenAt] of this.#nonces) {
      if (seenAt >= cutoff) break
      this.#nonces.delete(k)
    }
  }

  #checkDisconnects(): void {
    const now = Date.now()
    for (const [id, st] of this.#agents) {
      if (st.connected && st.waiters.length === 0 && now - st.lastSeen > this.#o.disconnectAfterMs) {
        st.connected = false
        this.#notice({ type: 'agent_disconnected', agent: id, message: `Agent ${id} has not been heard from for ${Math.round((now - st.lastSeen) / 1000)} s.` })
      }
    }
  }

  async #storedSeq(id: string): Promise<number> {
    const st = this.#state(id)
    if (st.stored === undefined) {
      st.stored = Math.max(this.#o.registry.get(id)?.stored_seq ?? 0, await this.#o.sink.highestSeq(id))
    }
    return st.stored
  }

  /** Token bucket per agent; a batch is let through when the bucket is full even if larger than it. */
  #allow(st: AgentState, n: number): boolean {
    const rate = this.#o.maxEventsPerSecond
    const now = Date.now()
    st.tokens = Math.min(rate, st.tokens + ((now - st.tokensAt) / 1000) * rate)
    st.tokensAt = now
    if (st.tokens < n && st.tokens < rate) return false
    st.tokens -= n
    return true
  }

  async #events(req: FastifyRequest, reply: FastifyReply): Promise<{ stored_seq: number; duplicates: number }> {
    const agent = this.#authenticate(req)
    const first = Number(req.headers[Headers.firstSeq])
    const last = Number(req.headers[Headers.lastSeq])
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 1 || last < first) {
      throw new ChannelError(400, 'AW_ERR_BATCH_RANGE', 'missing or invalid seq range headers')
    }
    let raw = req.body as Buffer
    if (req.headers['content-encoding'] === 'gzip') {
      try {
        raw = await gunzipAsync(raw, { maxOutputLength: this.#o.maxBatchBytes })
      } catch (err) {
        throw new ChannelError(400, 'AW_ERR_BATCH_ENCODING', `the batch does not decompress: ${(err as Error).message}`)
      }
    }
    const events = parseBatch(raw.toString('utf8'), first, last, agent.id)
    const st = this.#state(agent.id)
    if (!this.#allow(st, events.length)) {
      if (Date.now() - st.limitedAt > 60_000) {
        st.limitedAt = Date.now()
        this.#notice({
          type: 'agent_rate_limited',
          agent: agent.id,
          message: `Agent ${agent.id} exceeds its limit of ${this.#o.maxEventsPerSecond} events/s; its events wait in its spool.`,
        })
      }
      void reply.header('retry-after', '1')
      throw new ChannelError(429, 'AW_ERR_AGENT_RATE', `over the limit of ${this.#o.maxEventsPerSecond} events/s; retry later`)
    }
    // One batch at a time per agent: the high-water mark is read and moved without interleaving.
    const run = st.queue.then(async () => {
      const stored = await this.#storedSeq(agent.id)
      // Agents resend from their last ack, which is never above what was stored, so a gap means the
      // manager lost stored data (a restored backup). Refusing would block the agent for ever.
      if (first > stored + 1) req.log.warn({ agent: agent.id, first, expected: stored + 1 }, 'Batch leaves a gap in the seqs; events are missing.')
      const fresh = events.filter((e) => e.seq > stored)
      if (fresh.length) {
        await this.#o.sink.store(agent.id, fresh)
        this.#o.rate.add(agent.id, fresh.length)
        st.stored = last
        this.#o.registry.setStoredSeq(agent.id, last)
      }
      const duplicates = events.length - fresh.length
      if (duplicates) req.log.info({ agent: agent.id, first, last, duplicates }, 'Dropped duplicate events of a resent batch.')
      return { stored_seq: st.stored ?? stored, duplicates }
    })
    st.queue = run.catch(() => {})
    return run
  }

  async #commands(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const agent = this.#authenticate(req)
    const st = this.#state(agent.id)
    const wait = Math.min(Number((req.query as { wait?: string }).wait ?? 30) || 0, this.#o.maxPollSeconds)
    if (st.commands.length === 0 && wait > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, wait * 1000)
        function done(): void {
          clearTimeout(t)
          st.waiters = st.waiters.filter((w) => w !== done)
          resolve()
        }
        st.waiters.push(done)
        req.raw.once('close', done)
      })
    }
    st.lastSeen = Date.now()
    const body = JSON.stringify({ commands: st.commands.splice(0) })
    void reply.header(Headers.signature, signReply(agent.key, body)).type('application/json').send(body)
  }

  /**
   * An enrolled agent's status: live state when it was heard from since this manager started, else
   * what the registry kept (an agent heard from before the restart counts as disconnected until it
   * is heard from again).
   */
  liveStatus(rec: AgentRecord): AgentLiveStatus {
    const st = this.#agents.get(rec.id)
    const heard = st !== undefined && st.seenSavedAt > 0
    const lastSeen = heard ? new Date(st.lastSeen).toISOString() : rec.last_seen_at
    const status = rec.revoked_at ? 'revoked' : heard ? (st.connected ? 'connected' : 'disconnected') : lastSeen ? 'disconnected' : 'never'
    return {
      status,
      last_seen_at: lastSeen,
      version: st?.report.version ?? rec.version,
      hostname: st?.report.hostname ?? rec.hostname,
      os: st?.report.os ?? rec.os,
      events_per_s: this.#o.rate.perSecond(rec.id),
      spool_depth: st?.report.spool_depth ?? null,
    }
  }
}

/** Parses an NDJSON batch; every line must be an event and the seqs exactly `first..last`. */
function parseBatch(text: string, first: number, last: number, agentId: string): Event[] {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  if (lines.length !== last - first + 1) {
    throw new ChannelError(400, 'AW_ERR_BATCH_RANGE', `the batch holds ${lines.length} events but its range ${first}-${last} says ${last - first + 1}`)
  }
  return lines.map((line, i) => {
    let ev: Event
    try {
      ev = JSON.parse(line) as Event
    } catch {
      throw new ChannelError(400, 'AW_ERR_BATCH_EVENT', `batch line ${i + 1} is not JSON`)
    }
    if (typeof ev !== 'object' || ev === null || ev.seq !== first + i || typeof ev.raw !== 'string' || typeof ev.fields !== 'object') {
      throw new ChannelError(400, 'AW_ERR_BATCH_EVENT', `batch line ${i + 1} is not event seq ${first + i}`)
    }
    // The authenticated identity wins over whatever the agent wrote.
    ev.agent = agentId
    return ev
  })
}
