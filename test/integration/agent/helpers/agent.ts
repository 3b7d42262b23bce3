/**
 * Runs the real agent (runAgent) in its own process so that tests can SIGKILL it.
 * argv: the agent config as YAML text. Prints `started` once running; exits 0 after SIGTERM.
 */
import pino from 'pino'
import { runAgent } from '../../../../src/agent/agent.js'
import { loadAgentConfig } from '../../../../src/agent/config.js'

const cfg = loadAgentConfig(process.argv[2], 'argv')
const stop = new AbortController()
process.on('SIGTERM', () => stop.abort())
const running = runAgent(cfg, stop.signal, { log: pino({ level: 'warn' }, pino.destination(2)) })
process.stdout.write('started\n')
await running
