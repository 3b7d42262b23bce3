/**
 * Who is calling: an API token (`Authorization: Bearer aw_…`) or a dashboard session cookie.
 * Session-authenticated changes (any method but GET/HEAD/OPTIONS) must also carry the session's
 * CSRF token in `x-csrf-token`: a cross-site page can make the browser send the cookie, but it
 * cannot read the token. The cookie is also HttpOnly and SameSite=Strict.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Role, StateStore } from '../../store/sqlite/state.js'
import { AwError } from '../errors.js'
import { hasRole } from './roles.js'
import { digest, sameSecret } from './secrets.js'

export const SESSION_COOKIE = 'aw_session'

export interface AuthUser {
  readonly id: number
  readonly name: string
  readonly role: Role
  readonly via: 'token' | 'session'
  /** The session id digest, for logout. */
  readonly session?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthUser
  }
  interface FastifyContextConfig {
    /** The least role a route needs; `public` only for health and login. Default: viewer. */
    role?: Role | 'public'
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function authenticate(state: StateStore): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req) => {
    if (req.routeOptions.config.role === 'public') return
    const header = req.headers.authorization
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(header)
      const tok = m ? state.useToken(digest(m[1] as string)) : undefined
      const user = tok ? state.userById(tok.user_id) : undefined
      if (!user) throw new AwError('AW_ERR_UNAUTHENTICATED')
      req.user = { id: user.id, name: user.name, role: user.role, via: 'token' }
    } else {
      const sid = req.cookies[SESSION_COOKIE]
      const key = sid ? digest(sid) : undefined
      const session = key ? state.session(key) : undefined
      const user = session ? state.userById(session.user_id) : undefined
      if (!session || !user) throw new AwError('AW_ERR_UNAUTHENTICATED')
      if (!SAFE_METHODS.has(req.method)) {
        const csrf = req.headers['x-csrf-token']
        if (typeof csrf !== 'string' || !sameSecret(csrf, session.csrf)) throw new AwError('AW_ERR_CSRF')
      }
      req.user = { id: user.id, name: user.name, role: user.role, via: 'session', session: key }
    }
    const need = req.routeOptions.config.role ?? 'viewer'
    if (!hasRole(req.user.role, need)) throw new AwError('AW_ERR_FORBIDDEN', need)
  }
}

/** The authenticated user of a route behind `authenticate` (never undefined there). */
export function userOf(req: FastifyRequest): AuthUser {
  if (!req.user) throw new AwError('AW_ERR_UNAUTHENTICATED')
  return req.user
}
