import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { harness, PASSWORD, type Harness } from './harness.js'

let h: Harness
before(async () => {
  h = await harness()
})
after(() => h.close())

/** Every route and the least role it needs; the test fails when a route is added without a line here. */
const EXPECTED: Record<string, string> = {
  'GET /api/health': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/logout': 'viewer',
  'GET /api/auth/me': 'viewer',
  'PUT /api/auth/password': 'viewer',
  'GET /api/alerts': 'viewer',
  'GET /api/alerts/aggregations': 'viewer',
  'GET /api/alerts/fim': 'viewer',
  'GET /api/alerts/profiles': 'viewer',
  'GET /api/alerts/{id}': 'viewer',
  'GET /api/alerts/fields': 'viewer',
  'GET /api/alerts/security': 'viewer',
  'GET /api/alerts/stream': 'viewer',
  'GET /api/profiles': 'viewer',
  'GET /api/profiles/{name}/readiness': 'viewer',
  'GET /api/agents': 'viewer',
  'POST /api/agents/{id}/revoke': 'admin',
  'GET /api/rules': 'viewer',
  'POST /api/rules/test': 'analyst',
  'GET /api/users': 'admin',
  'POST /api/users': 'admin',
  'PATCH /api/users/{name}': 'admin',
  'DELETE /api/users/{name}': 'admin',
  'GET /api/tokens': 'viewer',
  'POST /api/tokens': 'viewer',
  'DELETE /api/tokens/{id}': 'viewer',
  'GET /api/openapi.json': 'viewer',
  'GET /metrics': 'viewer',
}

interface Op {
  method: string
  path: string
  role: string
}

async function operations(): Promise<Op[]> {
  const res = await h.app.inject({ url: '/api/openapi.json', headers: h.auth.admin })
  assert.equal(res.statusCode, 200)
  const doc = res.json() as { paths: Record<string, Record<string, { 'x-role': string }>> }
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, role: op['x-role'] })),
  )
}

const url = (path: string) => path.replace(/\{[^}]+\}/g, 'x')

test('the OpenAPI document lists every route with the role it needs', async () => {
  const ops = await operations()
  assert.deepEqual(Object.fromEntries(ops.map((o) => [`${o.method} ${o.path}`, o.role])), EXPECTED)
})

test('every route but health and login rejects anonymous requests, bad tokens and bad cookies', async () => {
  for (const op of await operations()) {
    if (op.role === 'public') continue
    for (const headers of [{}, { authorization: 'Bearer aw_wrong' }, { authorization: 'Basic YWRtaW46YWRtaW4=' }, { cookie: 'aw_session=forged' }]) {
      const res = await h.app.inject({ method: op.method as 'GET', url: url(op.path), headers, payload: op.method === 'GET' || op.method === 'DELETE' ? undefined : {} })
      assert.equal(res.statusCode, 401, `${op.method} ${op.path} with ${JSON.stringify(headers)}`)
      assert.equal(res.json().code, 'AW_ERR_UNAUTHENTICATED')
    }
  }
})

test('every route rejects roles below the one it needs', async () => {
  const below: Record<string, string[]> = { admin: ['analyst', 'viewer'], analyst: ['viewer'], viewer: [], public: [] }
  let checked = 0
  for (const op of await operations()) {
    for (const role of below[op.role] ?? []) {
      const res = await h.app.inject({ method: op.method as 'GET', url: url(op.path), headers: h.auth[role as 'viewer'], payload: op.method === 'GET' || op.method === 'DELETE' ? undefined : {} })
      assert.equal(res.statusCode, 403, `${op.method} ${op.path} as ${role}`)
      assert.equal(res.json().code, 'AW_ERR_FORBIDDEN')
      checked++
    }
  }
  assert.equal(checked, 11)
})

test('public routes answer anonymously; health says ok', async () => {
  const res = await h.app.inject({ url: '/api/health' })
  assert.equal(res.statusCode, 200)
  assert.equal(res.json().status, 'ok')
})

test('session login: HttpOnly SameSite=Strict cookie; changes need the CSRF token; logout ends it', async () => {
  const bad = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'analyst', password: 'nope' } })
  assert.equal(bad.statusCode, 401)
  assert.equal(bad.json().code, 'AW_ERR_BAD_CREDENTIALS')
  const nobody = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'ghost', password: PASSWORD } })
  assert.equal(nobody.json().message, bad.json().message, 'unknown users and wrong passwords look the same')

  const res = await h.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'analyst', password: PASSWORD } })
  assert.equal(res.statusCode, 200)
  const setCookie = String(res.headers['set-cookie'])
  assert.match(setCookie, /aw_session=[^;]+;/)
  assert.match(setCookie, /HttpOnly/)
  assert.match(setCookie, /SameSite=Strict/)
  assert.ok(!('password_hash' in res.json().user))
  const cookie = setCookie.split(';')[0] as string
  const csrf = res.json().csrf_token as string

  const me = await h.app.inject({ url: '/api/auth/me', headers: { cookie } })
  assert.equal(me.json().user.name, 'analyst')
  const line = { line: 'apparmor="DENIED" operation="open"' }
  const noCsrf = await h.app.inject({ method: 'POST', url: '/api/rules/test', headers: { cookie }, payload: line })
  assert.equal(noCsrf.statusCode, 403)
  assert.equal(noCsrf.json().code, 'AW_ERR_CSRF')
  const wrongCsrf = await h.app.inject({ method: 'POST', url: '/api/rules/test', headers: { cookie, 'x-csrf-token': csrf + 'x' }, payload: line })
  assert.equal(wrongCsrf.statusCode, 403)
  const ok = await h.app.inject({ method: 'POST', url: '/api/rules/test', headers: { cookie, 'x-csrf-token': csrf }, payload: line })
  assert.equal(ok.statusCode, 200)
  assert.equal(ok.json().rule.id, 100700)

  const out = await h.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, 'x-csrf-token': csrf } })
  assert.equal(out.statusCode, 200)
  assert.equal((await h.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode, 401)
})

test('login is rate limited per client', async () => {
  const h2 = await harness({ loginLimit: { max: 3, timeWindowMs: 60_000 } })
  try {
    const codes: number[] = []
    for (let i = 0; i < 5; i++) {
      const r = await h2.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'wrong-wrong-wrong' } })
      codes.push(r.statusCode)
      if (r.statusCode === 429) assert.equal(r.json().code, 'AW_ERR_RATE_LIMITED')
    }
    assert.deepEqual(codes, [401, 401, 401, 429, 429])
  } finally {
    await h2.close()
  }
})

test('users and tokens: admin manages users, hashes are never returned, tokens shown once and revocable', async () => {
  const add = await h.app.inject({ method: 'POST', url: '/api/users', headers: h.auth.admin, payload: { name: 'carol', password: 'a long enough pw', role: 'viewer' } })
  assert.equal(add.statusCode, 201)
  assert.deepEqual(Object.keys(add.json().user).sort(), ['created_at', 'id', 'name', 'role', 'updated_at'])
  const dup = await h.app.inject({ method: 'POST', url: '/api/users', headers: h.auth.admin, payload: { name: 'carol', password: 'a long enough pw', role: 'viewer' } })
  assert.equal(dup.statusCode, 409)
  const short = await h.app.inject({ method: 'POST', url: '/api/users', headers: h.auth.admin, payload: { name: 'dave', password: 'short', role: 'viewer' } })
  assert.equal(short.statusCode, 400)
  assert.equal(short.json().code, 'AW_ERR_VALIDATION')
  const list = await h.app.inject({ url: '/api/users', headers: h.auth.admin })
  assert.ok(!JSON.stringify(list.json()).includes('scrypt'))

  const tok = await h.app.inject({ method: 'POST', url: '/api/tokens', headers: h.auth.viewer, payload: { name: 'script' } })
  assert.equal(tok.statusCode, 201)
  const value = tok.json().value as string
  assert.match(value, /^aw_/)
  const use = await h.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${value}` } })
  assert.equal(use.json().user.name, 'viewer')
  assert.ok(!JSON.stringify((await h.app.inject({ url: '/api/tokens', headers: h.auth.viewer })).json()).includes(value))
  const del = await h.app.inject({ method: 'DELETE', url: `/api/tokens/${tok.json().token.id}`, headers: h.auth.viewer })
  assert.equal(del.statusCode, 200)
  assert.equal((await h.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${value}` } })).statusCode, 401)

  const last = await h.app.inject({ method: 'DELETE', url: '/api/users/admin', headers: h.auth.admin })
  assert.equal(last.statusCode, 409, 'the last admin stays')
})
