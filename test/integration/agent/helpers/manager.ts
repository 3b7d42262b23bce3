/**
 * A bare manager for the agent tests, run as its own process so that tests can SIGKILL it: the
 * agent-channel plugin on fastify over HTTPS, storing into a FileSink. Prints `listening <port>`.
 * argv: dataDir tlsDir port [maxEventsPerSecond]
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'
import { AgentChannel, AgentRegistry, PROTOCOL_PREFIX } from '../../../../src/manager/agent-channel/index.js'
import { FileSink } from './file-sink.js'

const [dataDir, tlsDir, port, rate] = process.argv.slice(2)
const registry = new AgentRegistry(dataDir)
const sink = new FileSink(join(dataDir, 'store.ndjson'))
const channel = new AgentChannel({
  enrollmentSecret: 'integration-test-enrollment-secret',
  sink,
  registry,
  maxEventsPerSecond: rate ? Number(rate) : 1_000_000,
  onNotice: (n) => process.stderr.write(`notice ${n.type} ${n.message}\n`),
})
const app = Fastify({
  https: { key: readFileSync(join(tlsDir, 'server.key')), cert: readFileSync(join(tlsDir, 'server.pem'), 'utf8') + readFileSync(join(tlsDir, 'ca.pem'), 'utf8') },
})
await app.register(channel.plugin, { prefix: PROTOCOL_PREFIX })
await app.listen({ host: '127.0.0.1', port: Number(port) })
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
