/**
 * The API's error catalogue: every error reply is `{statusCode, code, error, message}` with a
 * code from this list (documented in docs/api.md; a test keeps the two in sync).
 */
export const ERRORS = {
  AW_ERR_UNAUTHENTICATED: { status: 401, message: 'authentication required: log in or send an API token' },
  AW_ERR_BAD_CREDENTIALS: { status: 401, message: 'wrong user name or password' },
  AW_ERR_FORBIDDEN: { status: 403, message: 'this needs the %s role' },
  AW_ERR_CSRF: { status: 403, message: 'missing or wrong x-csrf-token header for a session-authenticated change' },
  AW_ERR_NOT_FOUND: { status: 404, message: '%s not found' },
  AW_ERR_CONFLICT: { status: 409, message: '%s' },
  AW_ERR_QUERY: { status: 400, message: '%s' },
  AW_ERR_VALIDATION: { status: 400, message: '%s' },
  AW_ERR_RATE_LIMITED: { status: 429, message: 'too many requests, retry in %s' },
  AW_ERR_UNAVAILABLE: { status: 503, message: '%s' },
  AW_ERR_INTERNAL: { status: 500, message: 'internal error' },
} as const

export type ErrorCode = keyof typeof ERRORS

export class AwError extends Error {
  readonly statusCode: number
  constructor(
    readonly code: ErrorCode,
    ...args: (string | number)[]
  ) {
    let i = 0
    super(ERRORS[code].message.replace(/%s/g, () => String(args[i++] ?? '')))
    this.name = 'AwError'
    this.statusCode = ERRORS[code].status
  }
}

export interface ErrorReply {
  statusCode: number
  code: string
  error: string
  message: string
}

const REASON: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
}

export function errorReply(statusCode: number, code: string, message: string): ErrorReply {
  return { statusCode, code, error: REASON[statusCode] ?? 'Error', message }
}
