/**
 * The one way the dashboard talks to the manager: same-origin fetch with the session cookie,
 * the CSRF token on changes, and every failure turned into an ApiError carrying the API's
 * `{code, message}` so that views can show it (and the query bar can place a syntax error).
 */
import type { ApiErrorBody } from './types.js'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

const CSRF_KEY = 'aw.csrf'

/** The CSRF token lives in sessionStorage (per tab, gone with it): /api/auth/me does not return it. */
export const csrf = {
  get: (): string | null => sessionStorage.getItem(CSRF_KEY),
  set: (token: string | null): void => (token === null ? sessionStorage.removeItem(CSRF_KEY) : sessionStorage.setItem(CSRF_KEY, token)),
}

/** Called on a 401 from any request but login: the session is gone, the app shows the login form. */
let onUnauthenticated: () => void = () => {}
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn
}

export type Params = Record<string, string | number | undefined | null>

export function apiUrl(path: string, params: Params = {}): string {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v))
  const s = qs.toString()
  return s ? `${path}?${s}` : path
}

async function request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const token = csrf.get()
  if (method !== 'GET' && token) headers['x-csrf-token'] = token
  const res = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(signal ? { signal } : {}),
  })
  const text = await res.text()
  let json: unknown = undefined
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    // Not JSON (a proxy's error page): reported below with the status.
  }
  if (!res.ok) {
    const e = json as Partial<ApiErrorBody> | undefined
    if (res.status === 401 && !url.startsWith('/api/auth/login')) onUnauthenticated()
    throw new ApiError(res.status, e?.code ?? 'AW_ERR_HTTP', e?.message ?? `${res.status} ${res.statusText}`)
  }
  return json as T
}

export const api = {
  get: <T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> => request<T>('GET', apiUrl(path, params), undefined, signal),
  post: <T>(path: string, body: unknown): Promise<T> => request<T>('POST', path, body),
}
