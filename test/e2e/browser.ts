/**
 * What the dashboard's E2E tests and bench/dashboard.ts share: the built dashboard, Debian's
 * chromium driven by playwright-core, and a browser context that trusts the manager's own CA.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { missingTool } from '../helpers/tool.js'

export const DASHBOARD_DIST = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url))

/** The built dashboard; `npm ci` (prepare) or `npm run build` makes it. */
export function requireDashboardBuild(): string {
  if (!existsSync(`${DASHBOARD_DIST}index.html`)) throw new Error(`${DASHBOARD_DIST}index.html is missing: build the dashboard first (npm run build)`)
  return DASHBOARD_DIST
}

const NO_CHROMIUM = 'chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)'

/** Debian's chromium (apt-get install chromium; .ci/run installs it), or CHROMIUM_PATH. */
export function chromiumPath(): string | undefined {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  return existsSync(p) ? p : undefined
}

/** Why the browser tests cannot run here, or undefined when they can. With CI=true a missing browser is a failure. */
export function browserUnavailable(): string | undefined {
  return chromiumPath() ? undefined : missingTool(NO_CHROMIUM)
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath()
  if (!executablePath) throw new Error(NO_CHROMIUM)
  // --no-sandbox: CI and these machines run tests as root, where chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
}

/** A fresh context (its own cookies); the manager's certificate is issued by its own CA. */
export async function newContext(browser: Browser, baseURL: string, colorScheme: 'light' | 'dark' = 'light'): Promise<BrowserContext> {
  return browser.newContext({ baseURL, ignoreHTTPSErrors: true, viewport: { width: 1440, height: 900 }, colorScheme })
}

/** Logs in through the form (the way a user does). */
export async function login(page: Page, user: string, password: string): Promise<void> {
  await page.getByLabel('User name').fill(user)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('navigation', { name: 'Main' }).waitFor()
}
