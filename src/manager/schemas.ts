/** JSON schemas shared by the routes; response schemas are allow-lists (fastify drops the rest). */
export const ErrorReplySchema = {
  type: 'object',
  properties: { statusCode: { type: 'integer' }, code: { type: 'string' }, error: { type: 'string' }, message: { type: 'string' } },
  required: ['statusCode', 'code', 'error', 'message'],
} as const

export const UserSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'analyst', 'viewer'] },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const

export const TokenSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    created_at: { type: 'string' },
    last_used_at: { type: ['string', 'null'] },
  },
} as const

export const RoleSchema = { type: 'string', enum: ['admin', 'analyst', 'viewer'] } as const
export const UserNameSchema = { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,64}$' } as const
export const PasswordSchema = { type: 'string', minLength: 12, maxLength: 1024 } as const

/** An alert document: open-ended (every key kept), so no properties are listed. */
export const AlertSchema = { type: 'object', additionalProperties: true } as const

export const TimeRangeQuery = {
  from: { type: 'string', description: 'now, 15m, 24h, 7d or an ISO 8601 time (default 24h)' },
  to: { type: 'string', description: 'now, a relative age or an ISO 8601 time (default now)' },
} as const

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorReplySchema]))
