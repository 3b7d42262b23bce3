/**
 * TLS for the manager: on first start it makes its own CA and a server certificate signed by it
 * (with the openssl CLI, run without a shell), kept in `<data dir>/tls/` with private keys 0600.
 * Agents pin the CA (its fingerprint is printed); given certificate files are used as they are.
 */
import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TlsMaterial {
  key: Buffer
  cert: Buffer
  /** The CA certificate (PEM) agents and browsers should trust; absent for given certificates. */
  ca?: Buffer
  caPath?: string
  /** SHA-256 fingerprint of the CA (or of the certificate when no CA is ours), `AB:CD:…`. */
  fingerprint: string
  /** True when this call created the files. */
  created: boolean
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 60_000 })
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string }
    if (e.code === 'ENOENT') throw new Error('making the TLS certificates needs the openssl command (apt install openssl), or give tls.cert and tls.key', { cause: err })
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`, { cause: err })
  }
}

export function fingerprint(pem: Buffer): string {
  return new X509Certificate(pem).fingerprint256
}

/** Uses `cert`/`key` when given; else the CA and server certificate in `dir`, made when missing. */
export async function ensureTls(dir: string, given?: { cert: string; key: string }, names: readonly string[] = []): Promise<TlsMaterial> {
  if (given) {
    const cert = readFileSync(given.cert)
    return { cert, key: readFileSync(given.key), fingerprint: fingerprint(cert), created: false }
  }
  const p = (f: string) => join(dir, f)
  const done = ['ca.crt', 'server.key', 'server.crt'].every((f) => existsSync(p(f)))
  if (!done) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const host = hostname()
    const sans = [...new Set(['localhost', host, ...names])].map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`))
    sans.push('IP:127.0.0.1', 'IP:::1')
    const ec = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
    await openssl(['genpkey', ...ec, '-out', p('ca.key')])
    await openssl([
      'req', '-x509', '-new', '-key', p('ca.key'), '-sha256', '-days', '3650', '-subj', `/O=armorwatch/CN=armorwatch CA ${host}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', p('ca.crt'),
    ])
    await openssl(['genpkey', ...ec, '-out', p('server.key')])
    await openssl(['req', '-new', '-key', p('server.key'), '-subj', `/O=armorwatch/CN=${host}`, '-out', p('server.csr')])
    writeFileSync(
      p('server.ext'),
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${[...new Set(sans)].join(',')}\n`,
    )
    await openssl([
      'x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
      '-days', '825', '-sha256', '-extfile', p('server.ext'), '-out', p('server.crt'),
    ])
    for (const f of ['server.csr', 'server.ext', 'ca.srl']) rmSync(p(f), { force: true })
    chmodSync(p('ca.key'), 0o600)
    chmodSync(p('server.key'), 0o600)
  }
  const ca = readFileSync(p('ca.crt'))
  // The server presents its chain, so clients that pin the CA can verify it.
  const cert = Buffer.concat([readFileSync(p('server.crt')), ca])
  return { key: readFileSync(p('server.key')), cert, ca, caPath: p('ca.crt'), fingerprint: fingerprint(ca), created: !done }
}
