/** Login (the one public route besides health, rate-limited), logout, who am I, own password. */
import type { FastifyInstance } from 'fastify'
import type { StateStore } from '../../store/sqlite/state.js'
import { SESSION_COOKIE, userOf } from '../auth/context.js'
import { digest, hashPassword, newSecret, verifyPassword } from '../auth/secrets.js'
import { AwError } from '../errors.js'
import { errors, PasswordSchema, UserSchema } from '../schemas.js'

export interface AuthRouteOptions {
  state: StateStore
  /** Cookies get `Secure` when the API is served over TLS. */
  secureCookies: boolean
  sessionHours: number
  login: { max: number; timeWindowMs: number }
}

/** A fixed hash to verify against when the user does not exist, so timing does not reveal names. */
let decoy: Promise<string> | undefined

export async function authRoutes(api: FastifyInstance, o: AuthRouteOptions): Promise<void> {
  decoy ??= hashPassword(newSecret())
  api.post<{ Body: { username: string; password: string } }>(
    '/login',
    {
      config: { role: 'public', rateLimit: { max: o.login.max, timeWindow: o.login.timeWindowMs } },
      schema: {
        summary: 'Log in: sets the session cookie and returns the CSRF token for changes',
        body: {
          type: 'object',
          properties: { username: { type: 'string', maxLength: 64 }, password: { type: 'string', maxLength: 1024 } },
          required: ['username', 'password'],
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { user: UserSchema, csrf_token: { type: 'string' } } }, ...errors(400, 401, 429) },
      },
    },
    async (req, reply) => {
      const u = o.state.userByName(req.body.username)
      const ok = await verifyPassword(req.body.password, u?.password_hash ?? (await (decoy as Promise<string>)))
      if (!u || !ok) throw new AwError('AW_ERR_BAD_CREDENTIALS')
      const sid = newSecret()
      const csrf = newSecret()
      const expires = new Date(Date.now() + o.sessionHours * 3600_000)
      o.state.expireSessions()
      o.state.addSession(digest(sid), u.id, csrf, expires)
      void reply.setCookie(SESSION_COOKIE, sid, {
        httpOnly: true,
        secure: o.secureCookies,
        sameSite: 'strict',
        path: '/',
        expires,
      })
      const { password_hash: _, ...user } = u
      return { user, csrf_token: csrf }
    },
  )

  api.post('/logout', { schema: { summary: 'End the current session', response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } }, ...errors(401, 403) } } }, async (req, reply) => {
    const user = userOf(req)
    if (user.session) o.state.deleteSession(user.session)
    void reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return { ok: true }
  })

  api.get('/me', { schema: { summary: 'The authenticated user', response: { 200: { type: 'object', properties: { user: UserSchema, via: { type: 'string' } } }, ...errors(401) } } }, async (req) => {
    const u = userOf(req)
    return { user: o.state.userById(u.id), via: u.via }
  })

  api.put<{ Body: { current: string; password: string } }>(
    '/password',
    {
      schema: {
        summary: 'Change your own password (ends your sessions)',
        body: {
          type: 'object',
          properties: { current: { type: 'string', maxLength: 1024 }, password: PasswordSchema },
          required: ['current', 'password'],
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } }, ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const u = o.state.userByName(userOf(req).name)
      if (!u || !(await verifyPassword(req.body.current, u.password_hash))) throw new AwError('AW_ERR_BAD_CREDENTIALS')
      o.state.setPassword(u.name, await hashPassword(req.body.password))
      return { ok: true }
    },
  )
}
