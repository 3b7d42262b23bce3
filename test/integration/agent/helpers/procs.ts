/** Starting and stopping the helper processes of the agent integration tests. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const SECRET = 'integration-test-enrollment-secret'

export interface Proc {
  child: ChildProcess
  stderr: () => string
  exited: Promise<number | null>
}

/** Spawns `helpers/<script>.ts` and resolves once its stdout printed a line matching `ready`. */
export function startHelper(script: string, args: string[], ready: RegExp): Promise<{ proc: Proc; match: RegExpMatchArray }> {
  const file = fileURLToPath(new URL(`./${script}.ts`, import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  const proc: Proc = { child, stderr: () => err, exited }
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = out.match(ready)
      if (m) resolve({ proc, match: m })
    })
    void exited.then((code) => reject(new Error(`${script} exited (${code}) before it was ready:\n${err}`)))
  })
}

export async function kill(p: Proc, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return
  p.child.kill(signal)
  await p.exited
}

export async function startManager(dataDir: string, tlsDir: string, port = 0, rate?: number): Promise<{ proc: Proc; port: number }> {
  const { proc, match } = await startHelper('manager', [dataDir, tlsDir, String(port), ...(rate ? [String(rate)] : [])], /listening (\d+)/)
  return { proc, port: Number(match[1]) }
}

/** Polls `check` until it is true (the tests' only waiting; bounded by the test timeout). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
