/**
 * Child process for the spool crash test: appends numbered events forever (several appends in
 * flight, so group commits are exercised) and prints each seq range once its append resolved.
 */
import { Spool } from '../../../../src/agent/spool.js'

const [dir, startArg] = process.argv.slice(2)
const spool = await Spool.open(dir, { segmentBytes: 64 * 1024 })
let n = Number(startArg)
const inFlight = new Set<Promise<void>>()
for (;;) {
  const events = Array.from({ length: 1 + (n % 7) }, () => ({
    seq: 0, time: new Date(0).toISOString(), agent: '', source: 'test', location: 'x', kind: 'syslog' as const, raw: `n${n++}`, fields: {},
  }))
  const p = spool.append(events, { test: n }).then((r) => {
    process.stdout.write(`${r.last}\n`)
    inFlight.delete(p)
  })
  inFlight.add(p)
  if (inFlight.size >= 4) await Promise.race(inFlight)
}
