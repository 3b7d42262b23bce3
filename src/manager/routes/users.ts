/** User administration (admin) and API tokens (each user manages their own). */
import type { FastifyInstance } from 'fastify'
import type { Role, StateStore } from '../../store/sqlite/state.js'
import { userOf } from '../auth/context.js'
import { digest, hashPassword, newSecret } from '../auth/secrets.js'
import { AwError } from '../errors.js'
import { errors, PasswordSchema, RoleSchema, TokenSchema, UserNameSchema, UserSchema } from '../schemas.js'

const NameParams = { type: 'object', properties: { name: UserNameSchema }, required: ['name'] } as const
const Ok = { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } as const

export async function userRoutes(api: FastifyInstance, o: { state: StateStore }): Promise<void> {
  const { state } = o
  api.get('/', { config: { role: 'admin' }, schema: { summary: 'List users', response: { 200: { type: 'object', properties: { users: { type: 'array', items: UserSchema } } }, ...errors(401, 403) } } }, async () => ({
    users: state.listUsers(),
  }))

  api.post<{ Body: { name: string; password: string; role: Role } }>(
    '/',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Add a user',
        body: { type: 'object', properties: { name: UserNameSchema, password: PasswordSchema, role: RoleSchema }, required: ['name', 'password', 'role'], additionalProperties: false },
        response: { 201: { type: 'object', properties: { user: UserSchema } }, ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      if (state.userByName(req.body.name)) throw new AwError('AW_ERR_CONFLICT', `user '${req.body.name}' exists`)
      const user = state.addUser(req.body.name, await hashPassword(req.body.password), req.body.role)
      void reply.code(201)
      return { user }
    },
  )

  api.patch<{ Params: { name: string }; Body: { password?: string; role?: Role } }>(
    '/:name',
    {
      config: { role: 'admin' },
      schema: {
        summary: "Change a user's role or password",
        params: NameParams,
        body: { type: 'object', properties: { password: PasswordSchema, role: RoleSchema }, additionalProperties: false, minProperties: 1 },
        response: { 200: { type: 'object', properties: { user: UserSchema } }, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const { name } = req.params
      const u = state.userByName(name)
      if (!u) throw new AwError('AW_ERR_NOT_FOUND', `user '${name}'`)
      if (req.body.role && req.body.role !== 'admin' && u.role === 'admin') assertNotLastAdmin(state)
      if (req.body.role) state.setRole(name, req.body.role)
      if (req.body.password) state.setPassword(name, await hashPassword(req.body.password))
      return { user: state.userById(u.id) }
    },
  )

  api.delete<{ Params: { name: string } }>(
    '/:name',
    { config: { role: 'admin' }, schema: { summary: 'Delete a user (and their tokens and sessions)', params: NameParams, response: { ...Ok, ...errors(401, 403, 404, 409) } } },
    async (req) => {
      const u = state.userByName(req.params.name)
      if (!u) throw new AwError('AW_ERR_NOT_FOUND', `user '${req.params.name}'`)
      if (u.role === 'admin') assertNotLastAdmin(state)
      state.deleteUser(u.name)
      return { ok: true }
    },
  )
}

function assertNotLastAdmin(state: StateStore): void {
  if (state.listUsers().filter((x) => x.role === 'admin').length <= 1) throw new AwError('AW_ERR_CONFLICT', 'the last admin cannot be removed or demoted')
}

export async function tokenRoutes(api: FastifyInstance, o: { state: StateStore }): Promise<void> {
  const { state } = o
  api.get('/', { schema: { summary: 'Your API tokens (never their values)', response: { 200: { type: 'object', properties: { tokens: { type: 'array', items: TokenSchema } } }, ...errors(401) } } }, async (req) => ({
    tokens: state.listTokens(userOf(req).id),
  }))

  api.post<{ Body: { name: string } }>(
    '/',
    {
      schema: {
        summary: 'Create an API token for scripts; its value is shown once',
        body: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['name'], additionalProperties: false },
        response: { 201: { type: 'object', properties: { token: TokenSchema, value: { type: 'string' } } }, ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const value = newSecret('aw_')
      const token = state.addToken(newSecret().slice(0, 16), userOf(req).id, req.body.name, digest(value))
      void reply.code(201)
      return { token, value }
    },
  )

  api.delete<{ Params: { id: string } }>(
    '/:id',
    { schema: { summary: 'Revoke one of your tokens', params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] }, response: { ...Ok, ...errors(401, 403, 404) } } },
    async (req) => {
      if (!state.deleteToken(req.params.id, userOf(req).id)) throw new AwError('AW_ERR_NOT_FOUND', `token '${req.params.id}'`)
      return { ok: true }
    },
  )
}
