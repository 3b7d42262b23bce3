/**
 * The dashboard in a real browser: a real manager (temp data dir, own CA, real rules) whose local
 * agent reads the seed scenario (moved to the last minutes) plus an XSS payload, and watches a
 * profile directory (real FIM); Debian's chromium, headless, driven by playwright-core. Every page
 * renders seeded data without console errors, the explorer answers typed queries, chart clicks
 * filter, event text never becomes markup, login is required and logout ends the session.
 * Screenshots of every page go to test-artifacts/e2e/.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { applyOverrides, parseConfig } from '../../src/manager/config.js'
import { startManager, type RunningManager } from '../../src/manager/server.js'
import { browserUnavailable, launchChromium, login, newContext, requireDashboardBuild } from './browser.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/e2e/', import.meta.url))
const PASSWORD = 'a very good password'
const XSS_PROFILE = '<img src=x onerror=window.__xss=1>'
const XSS_PATH = '/tmp/<script>window.__xss=2</script>'

/** The seed scenario with its audit times moved so that its last event is a minute ago. */
function recentScenario(): string {
  const text = readFileSync(join(FIXTURES, 'store', 'seed-scenario.audit.log'), 'utf8')
  const times = [...text.matchAll(/audit\((\d+)\.(\d+):/g)].map((m) => Number(m[1]))
  const shift = Math.floor(Date.now() / 1000) - 60 - Math.max(...times)
  const moved = text.replace(/audit\((\d+)\.(\d+):/g, (_m, s: string, ms: string) => `audit(${Number(s) + shift}.${ms}:`)
  const t = Math.floor(Date.now() / 1000) - 30
  // An attacker-chosen profile name and path: the dashboard must show them as text.
  const xss = `type=AVC msg=audit(${t}.100:39001): apparmor="DENIED" operation="open" class="file" profile="${XSS_PROFILE}" name="${XSS_PATH}" pid=7001 comm="evil" requested_mask="r" denied_mask="r" fsuid=0 ouid=0\n`
  return moved + (moved.endsWith('\n') ? '' : '\n') + xss
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 150))) if (await check()) return
  assert.fail(`timed out waiting for ${what}`)
}

test('dashboard in headless chromium', { timeout: 120_000, skip: browserUnavailable() }, async (t) => {
  requireDashboardBuild()
  const dir = mkdtempSync(join(tmpdir(), 'aw-e2e-'))
  const running: { manager?: RunningManager; browser?: Browser } = {}
  t.after(async () => {
    await running.browser?.close()
    await running.manager?.close()
    rmSync(dir, { recursive: true, force: true })
  })
  mkdirSync(ARTIFACTS, { recursive: true })
  const log = join(dir, 'audit.log')
  writeFileSync(log, recentScenario())
  const profiles = join(dir, 'etc', 'apparmor.d')
  mkdirSync(profiles, { recursive: true })
  // This host's AppArmor state: test-app in complain mode (a securityfs tree like the kernel's).
  const root = join(dir, 'root')
  const securityfs = join(root, 'sys', 'kernel', 'security', 'apparmor')
  mkdirSync(securityfs, { recursive: true })
  mkdirSync(join(root, 'sys', 'module', 'apparmor', 'parameters'), { recursive: true })
  mkdirSync(join(root, 'proc'))
  writeFileSync(join(root, 'sys', 'module', 'apparmor', 'parameters', 'enabled'), 'Y\n')
  writeFileSync(join(securityfs, 'revision'), '1\n')
  writeFileSync(join(securityfs, 'profiles'), '/usr/local/bin/test-app (complain)\n/usr/sbin/cupsd (enforce)\n')
  // The manager's policy directory, where the readiness check reads test-app's profile text.
  const policy = join(dir, 'policy')
  for (const sub of ['abstractions', 'tunables', 'abi']) cpSync(join('/etc/apparmor.d', sub), join(policy, sub), { recursive: true })
  cpSync(join(FIXTURES, 'profiles', 'usr.local.bin.test-app'), join(policy, 'usr.local.bin.test-app'))
  const cfg = applyOverrides(
    parseConfig(`
listen: { host: 127.0.0.1, port: 0 }
rules: { files: [${join(FIXTURES, 'store', 'local_rules.xml')}, ${join(FIXTURES, 'fim', 'apparmor_fim_rules.xml')}] }
profiles: { dir: ${policy} }
local_agent:
  files: [${log}]
  from_beginning: true
  apparmor_state: { root: ${root}, interval_ms: 500 }
  fim: { directories: [{ path: ${profiles}, realtime: true, report_changes: true }] }
`),
    { dataDir: join(dir, 'data') },
  )
  const [manager, browser] = await Promise.all([
    startManager({ config: cfg, localAgent: true, adminPassword: PASSWORD }).then((m) => (running.manager = m)),
    launchChromium().then((b) => (running.browser = b)),
  ])
  const count = async (q: string) => Number((await manager.store.alerts.query(`${q} | stats count`)).rows[0]?.count ?? 0)
  await until('the seed scenario alerts', async () => (await count('rule.id: 100701')) >= 3 && (await count(`apparmor.profile: "${XSS_PROFILE}"`)) >= 1)
  // A profile added, switched to complain, deleted: the seed's FIM rules 100601-100603 with a diff.
  const profile = join(profiles, 'usr.local.bin.test-app')
  writeFileSync(profile, '/usr/local/bin/test-app {\n  /tmp/demo_output.txt w,\n}\n')
  await until('profile added', async () => (await count('rule.id: 100601')) >= 1)
  writeFileSync(profile, '/usr/local/bin/test-app flags=(complain) {\n  /tmp/demo_output.txt w,\n}\n')
  await until('profile modified', async () => (await count('rule.id: 100602')) >= 1)
  unlinkSync(profile)
  await until('profile deleted', async () => (await count('rule.id: 100603')) >= 1)

  const context = await newContext(browser, manager.url)
  const page = await context.newPage()
  const errors: string[] = []
  let watching = false
  page.on('console', (msg) => {
    if (watching && msg.type() === 'error') errors.push(`${page.url()}: ${msg.text()}`)
  })
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`))
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
  const noXss = async () => assert.equal(await page.evaluate(() => (globalThis as unknown as { __xss?: unknown }).__xss), undefined, 'an event payload ran as script')

  await t.test('login is required', async () => {
    await page.goto('/explorer?q=rule.id%3A%20100701')
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await page.getByLabel('User name').fill('admin')
    await page.getByLabel('Password').fill('not the password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'Wrong user name or password' }).waitFor()
    await shot('login')
    await login(page, 'admin', PASSWORD)
    // The shared link opens after login.
    await page.getByRole('heading', { name: 'Explorer' }).waitFor()
    assert.match(page.url(), /\/explorer\?q=rule\.id/)
    watching = true
  })

  await t.test('overview renders the seeded alerts and its charts click through', async () => {
    await page.goto('/')
    await page.locator('[data-chart] .recharts-bar-rectangle').first().waitFor()
    const denials = page.locator('section.card', { has: page.getByRole('heading', { name: 'Denials by profile' }) })
    await denials.getByText('/usr/local/bin/test-app').waitFor()
    await page.getByRole('heading', { name: 'MITRE ATT&CK techniques' }).waitFor()
    assert.ok(await page.evaluate(() => performance.getEntriesByName('aw:overview-drawn').length === 1), 'the overview marks when its data is drawn')
    // The payload is on screen as text, and nothing ran.
    await denials.getByText(XSS_PROFILE, { exact: true }).waitFor()
    assert.equal(await page.locator('img[src="x"]').count(), 0)
    await noXss()
    await shot('overview')
    await page.getByRole('button', { name: 'Switch to dark theme' }).click()
    await shot('overview-dark')
    await page.getByRole('button', { name: 'Switch to light theme' }).click()

    // A top-list bar: the explorer with that profile's denials.
    await denials.getByRole('button', { name: /^\/usr\/sbin\/database-server:/ }).click()
    await page.getByRole('heading', { name: 'Explorer' }).waitFor()
    assert.equal(new URL(page.url()).searchParams.get('q'), 'apparmor.status: DENIED AND apparmor.profile: "/usr/sbin/database-server"')
    await page.getByText('1 alert', { exact: true }).waitFor()
    assert.equal(await page.locator('table.data tbody tr').count(), 1)
    await page.locator('table.data tbody tr').getByText('/usr/sbin/database-server').waitFor()

    // A timeline bar: the explorer over that bucket's time range.
    await page.goto('/')
    await page.locator('[data-chart] .recharts-bar-rectangle path').first().click()
    await page.getByRole('heading', { name: 'Explorer' }).waitFor()
    const url = new URL(page.url())
    assert.ok(url.searchParams.get('from') && url.searchParams.get('to'), `bucket range in ${url.href}`)
    assert.match(url.searchParams.get('q') ?? '', /^rule\.level: \d+$/)
    await page.locator('table.data tbody tr').first().waitFor()
  })

  await t.test('explorer: typed queries, syntax errors in place, aggregates, alert detail', async () => {
    await page.goto('/explorer')
    const bar = page.getByRole('combobox', { name: 'Query' })
    await bar.fill('rule.id: 100701')
    await bar.press('Enter')
    await page.getByText('3 alerts', { exact: true }).waitFor()
    const rows = page.locator('table.data tbody tr')
    assert.equal(await rows.count(), 3)
    for (const text of await rows.allInnerTexts()) assert.match(text, /AppArmor blocked access to critical file: \/etc\/(shadow|passwd|sudoers)/)
    assert.equal(new URL(page.url()).searchParams.get('q'), 'rule.id: 100701')

    // Field completion from the fields the API knows.
    await bar.fill('apparmor.prof')
    await page.getByRole('option', { name: /apparmor\.profile/ }).first().waitFor()
    await bar.press('Tab')
    assert.equal(await bar.inputValue(), 'data.apparmor.profile: ')

    await bar.fill('rule.id: (1 OR')
    await bar.press('Enter')
    const err = page.locator('.query-error')
    await err.getByText(/at column \d+/).waitFor()
    assert.match(await err.locator('pre').innerText(), /rule\.id: \(1 OR\n\s+\^/)
    // Chrome logs the API's 400 for the bad query: expected here, and only here.
    const bad = errors.findIndex((e) => e.includes('status of 400'))
    assert.ok(bad >= 0, 'the bad query was answered with 400')
    errors.splice(bad, 1)
    await shot('explorer-error')

    await bar.fill('rule.id: 100702 | stats count by data.audit.exe')
    await bar.press('Enter')
    await page.getByText('2 rows', { exact: true }).waitFor()
    assert.deepEqual((await rows.allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim()).sort(), ['/usr/local/bin/test-app 1', '/usr/sbin/database-server 1'])
    await shot('explorer-stats')

    await page.goto(`/explorer?q=${encodeURIComponent('rule.id: 100701')}`)
    await rows.first().click()
    const detail = page.locator('aside.detail')
    await detail.getByText('AppArmor blocked access to critical file', { exact: false }).first().waitFor()
    assert.match(await detail.locator('pre.log').innerText(), /apparmor="DENIED"/)
    assert.equal(await detail.getByRole('link', { name: 'T1003.008' }).getAttribute('href'), 'https://attack.mitre.org/techniques/T1003/008/')
    assert.ok(new URL(page.url()).searchParams.get('sel'), 'the selection is in the URL')
    await detail.getByRole('link', { name: 'Same profile' }).waitFor()
    await shot('explorer')

    // The payload in the explorer and the alert detail: text, never markup.
    await page.goto(`/explorer?q=${encodeURIComponent(`apparmor.profile: "${XSS_PROFILE}"`)}`)
    await rows.first().click()
    await detail.getByText(XSS_PATH).first().waitFor()
    assert.equal(await page.locator('img[src="x"]').count(), 0)
    assert.equal(await page.locator('main script').count(), 0)
    await noXss()
    await shot('explorer-xss')
  })

  await t.test('integrity: changes over time, per host, the diff', async () => {
    await page.goto('/integrity')
    await page.locator('[data-chart] .recharts-bar-rectangle').first().waitFor()
    const changes = page.locator('table.data', { has: page.locator('caption', { hasText: 'File integrity events' }) })
    for (const e of ['added', 'modified', 'deleted']) await changes.getByText(e, { exact: true }).first().waitFor()
    await changes.getByText('modified', { exact: true }).first().click()
    await page.locator('pre.diff').getByText('flags=(complain)', { exact: false }).first().waitFor()
    await shot('integrity')
  })

  await t.test('profiles: the fleet inventory', async () => {
    await page.goto('/profiles')
    await page.getByRole('heading', { name: 'Profiles', exact: true }).waitFor()
    await page.getByText('/usr/local/bin/test-app', { exact: true }).first().waitFor()
    // test-app is in complain mode on this host: its readiness for enforce, replayed from its
    // logged accesses against the profile text (the seed's /etc/shadow read would be denied).
    await page.locator('ul.complain').getByRole('button', { name: /\/usr\/local\/bin\/test-app/ }).click()
    const readiness = page.locator('aside.detail')
    await readiness.getByText(/^Not ready: 1 of \d+ logged accesses would be denied in enforce mode\.$/).waitFor()
    await readiness.getByRole('list', { name: 'Accesses enforce mode would deny' }).getByText('r /etc/shadow', { exact: true }).waitFor()
    await readiness.getByRole('heading', { name: 'Withheld (1)' }).waitFor()
    await shot('profiles')
  })

  await t.test('security metrics', async () => {
    await page.goto('/security')
    await page.getByText('blocked privilege escalations').waitFor()
    await page.getByText('prevented data access').waitFor()
    await page.locator('section.card', { has: page.getByRole('heading', { name: 'Data access: sensitive paths' }) }).getByText('/etc/shadow').waitFor()
    await shot('security')
  })

  await t.test('agents', async () => {
    await page.goto('/agents')
    await page.locator('table.data tbody tr').first().waitFor()
    await shot('agents')
  })

  await t.test('rules: search and logtest', async () => {
    await page.goto('/rules?search=100701')
    await page.locator('table.data tbody tr').getByText('AppArmor blocked access to critical file', { exact: false }).waitFor()
    await page
      .getByLabel('Log line')
      .fill('type=AVC msg=audit(1795168865.905:31008): apparmor="DENIED" operation="open" class="file" profile="/usr/local/bin/test-app" name="/etc/shadow" pid=4500 comm="test-app" requested_mask="r" denied_mask="r" fsuid=0 ouid=0')
    await page.getByRole('button', { name: 'Test', exact: true }).click()
    await page.locator('.logtest-result').getByText('100701: AppArmor blocked access to critical file: /etc/shadow').waitFor()
    await shot('rules')
  })

  await t.test('no console errors on any page', () => {
    assert.deepEqual(errors, [])
  })

  await t.test('logout ends the session', async () => {
    watching = false
    await page.goto('/')
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await page.reload()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    assert.equal(await page.evaluate(async () => (await fetch('/api/auth/me')).status), 401)
  })
})
