/**
 * The CLI talking to a running manager's API: an API token from --token or $ARMORWATCH_TOKEN, the
 * manager's CA when it has its own, JSON back. Used by `query` and `agents` when a manager holds
 * the data directory (or --url names one).
 */
import { readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { CliError } from './exit.js'

export interface ManagerTarget {
  readonly url: string
  /** PEM file of the CA that signed the manager's certificate. */
  readonly ca: string | undefined
}

const TIMEOUT_MS = 60_000

/** One request with the API token; resolves with any HTTP status and the JSON body. */
export function managerRequest(t: ManagerTarget, token: string | undefined, method: 'GET' | 'POST', path: string | URL): Promise<{ status: number; body: Record<string, unknown> }> {
  const bearer = token ?? process.env.ARMORWATCH_TOKEN
  if (!bearer) throw new CliError(`a manager serves this data at ${t.url}: pass --token or set ARMORWATCH_TOKEN (make one with: armorwatch user token NAME)`)
  const url = new URL(path, t.url)
  const req = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const r = req(url, { method, headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' }, ...(t.ca ? { ca: readFileSync(t.ca) } : {}), timeout: TIMEOUT_MS }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> })
        } catch {
          reject(new CliError(`the manager at ${t.url} answered ${res.statusCode} with something that is not JSON`))
        }
      })
    })
    r.on('timeout', () => r.destroy(new Error(`the manager did not answer within ${TIMEOUT_MS / 1000} s`)))
    r.on('error', (err) => reject(err instanceof CliError ? err : new CliError(`cannot reach the manager at ${t.url}: ${err.message}`)))
    r.end()
  })
}
