import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { ConfigError, ConfigSchema, parseConfig, applyOverrides, bytesOf } from '../../../src/manager/config.js'
import { ERRORS } from '../../../src/manager/errors.js'

const doc = (name: string) => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8')

function leaves(schema: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = []
  for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>)) {
    const inner = (v.anyOf as Record<string, unknown>[] | undefined)?.find((x) => x.properties) ?? v
    if (inner.properties) out.push(...leaves(inner, `${prefix}${k}.`))
    else out.push(prefix + k)
  }
  return out
}

test('every error code is documented in docs/api.md with its status, and nothing else is', () => {
  const text = doc('api.md')
  const documented = [...text.matchAll(/^\| `(AW_ERR_[A-Z_]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])])
  assert.deepEqual(documented, Object.entries(ERRORS).map(([code, e]) => [code, e.status]))
})

test('every configuration option is documented in docs/configuration.md', () => {
  const text = doc('configuration.md')
  const keys = leaves(z.toJSONSchema(ConfigSchema, { io: 'input' }) as Record<string, unknown>)
  assert.ok(keys.length > 20)
  for (const k of keys) assert.ok(text.includes(`| \`${k}\` |`), `${k} is not documented`)
})

test('the example in docs/configuration.md is valid', () => {
  const example = /```yaml\n([\s\S]*?)```/.exec(doc('configuration.md'))?.[1]
  assert.ok(example)
  const c = parseConfig(example)
  assert.equal(c.store.retention_days, 90)
  assert.equal(bytesOf(c.store.max_size as string), 50e9)
})

test('an empty file gives every default; unknown keys and bad values are reported with their paths', () => {
  const c = parseConfig('')
  assert.equal(c.listen.port, 55000)
  assert.equal(c.tls.enabled, true)
  assert.equal(c.outputs.alerts_json.enabled, true)
  assert.deepEqual(parseConfig('listen: {}\nstore: {}'), c)
  assert.throws(
    () => parseConfig('listen: { port: 70000, hots: x }\nstorage: {}\ntls: { cert: a.pem }'),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.issues.some((i) => i.startsWith('listen.port:')) &&
      e.issues.some((i) => i.includes('hots')) &&
      e.issues.some((i) => i.includes('storage')) &&
      e.issues.some((i) => i.startsWith('tls:') && i.includes('both')),
  )
  assert.throws(() => parseConfig('listen: [1,\n'), (e: unknown) => e instanceof ConfigError && /line \d/.test(e.issues[0] ?? ''))
})

test('flags override the environment, which overrides the file; the result is frozen', () => {
  const c = applyOverrides(parseConfig('data_dir: /from/file\nlisten: { port: 1 }'), { port: 3 }, { ARMORWATCH_DATA_DIR: '/from/env', ARMORWATCH_PORT: '2' })
  assert.equal(c.data_dir, '/from/env')
  assert.equal(c.listen.port, 3)
  assert.ok(Object.isFrozen(c.listen))
  assert.equal(applyOverrides(parseConfig(''), {}, { XDG_DATA_HOME: '/x' }).data_dir, '/x/armorwatch')
  assert.equal(bytesOf('20GB'), 20e9)
  assert.equal(bytesOf('100MiB'), 100 * 2 ** 20)
})
