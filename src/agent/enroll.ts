/**
 * Enrollment: pins the manager's CA, then trades the enrollment secret for an agent id and key.
 *
 * The CA is taken from the certificate chain the manager presents. Before the secret is sent, the
 * chain is checked (the leaf is signed by that CA and names the host) and, when the user gave one,
 * the CA's SHA-256 fingerprint must match; otherwise the fingerprint is shown so that it can be
 * compared with `armorwatch manager ca` output (trust on first use). The enrollment request itself
 * then runs over TLS verified against the pinned CA only.
 */
import { X509Certificate } from 'node:crypto'
import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises'
import { isIP } from 'node:net'
import { connect as tlsConnect, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls'
import { dirname } from 'node:path'
import { httpsRequest, type Identity } from './client.js'
import { PROTOCOL_PREFIX, Routes } from './protocol.js'


export class EnrollError extends Error {}

/** Normalizes `AB:CD:...` or `abcd...` to lowercase hex without separators. */
export function normalizeFingerprint(fp: string): string {
  return fp.replace(/[:\s]/g, '').toLowerCase()
}

export interface PinnedCa {
  pem: string
  /** SHA-256 of the CA certificate, `AB:CD:...` as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint: string
}

function toPem(der: Buffer): string {
  const b64 = der.toString('base64').match(/.{1,64}/g)!.join('\n')
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`
}

/** Connects without trusting anything yet, and returns the root CA of the chain the server sent, once checked. */
export async function fetchManagerCa(manager: URL, timeoutMs = 10_000): Promise<PinnedCa> {
  const host = manager.hostname.replace(/^\[|\]$/g, '')
  const port = Number(manager.port || 443)
  const chain = await new Promise<DetailedPeerCertificate>((resolve, reject) => {
    const sock = tlsConnect({ host, port, servername: isIP(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const c = sock.getPeerCertificate(true)
      sock.end()
      resolve(c)
    })
    sock.on('timeout', () => sock.destroy(new Error(`no TLS handshake with ${manager.host} within ${timeoutMs} ms`)))
    sock.on('error', reject)
  })
  if (!chain.raw) throw new EnrollError(`${manager.host} presented no certificate`)
  const certs: X509Certificate[] = []
  const seen = new Set<string>()
  for (let c: PeerCertificate | undefined = chain; c?.raw && !seen.has(c.fingerprint256); c = (c as DetailedPeerCertificate).issuerCertificate) {
    seen.add(c.fingerprint256)
    certs.push(new X509Certificate(c.raw))
  }
  const root = certs[certs.length - 1]
  if (certs.length < 2 || !root.ca || !root.verify(root.publicKey)) {
    throw new EnrollError(`${manager.host} did not send its CA certificate in its chain (the manager must serve its certificate followed by its CA; otherwise give the CA with --ca-file)`)
  }
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i].verify(certs[i + 1].publicKey)) throw new EnrollError(`${manager.host}: certificate ${i} of the chain is not signed by the next one`)
  }
  const leaf = certs[0]
  if (!(isIP(host) ? leaf.checkIP(host) : leaf.checkHost(host))) {
    throw new EnrollError(`${manager.host}: the certificate is not valid for ${host}`)
  }
  return { pem: toPem(root.raw), fingerprint: root.fingerprint256 }
}

export interface EnrollOptions {
  manager: string
  secret: string
  name: string
  /** Expected CA fingerprint; enrollment fails on a mismatch. Without it the CA is trusted on first use. */
  caFingerprint?: string
  /** Or a CA certificate file to trust instead of the chain the server sends. */
  caPem?: string
}

export async function enroll(o: EnrollOptions): Promise<Identity> {
  let manager: URL
  try {
    manager = new URL(o.manager)
  } catch {
    throw new EnrollError(`${o.manager}: not a URL`)
  }
  if (manager.protocol !== 'https:') throw new EnrollError(`${o.manager}: the manager URL must be https://`)
  const ca: PinnedCa = o.caPem
    ? { pem: o.caPem, fingerprint: new X509Certificate(o.caPem).fingerprint256 }
    : await fetchManagerCa(manager)
  if (o.caFingerprint && normalizeFingerprint(o.caFingerprint) !== normalizeFingerprint(ca.fingerprint)) {
    throw new EnrollError(`the manager's CA fingerprint is ${ca.fingerprint}, not the expected ${o.caFingerprint}; not enrolling`)
  }
  const url = new URL(`${manager.pathname.replace(/\/$/, '')}${PROTOCOL_PREFIX}${Routes.enroll}`, manager)
  const r = await httpsRequest(url, {
    method: 'POST',
    caPem: ca.pem,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ secret: o.secret, name: o.name })),
  })
  if (r.status !== 200) {
    let msg = r.body
    try {
      msg = (JSON.parse(r.body) as { message?: string }).message ?? r.body
    } catch {
      // not JSON: keep the text
    }
    throw new EnrollError(`enrollment refused (${r.status}): ${msg}`)
  }
  const { agent_id, key } = JSON.parse(r.body) as { agent_id: string; key: string }
  return { version: 1, manager: manager.href, agent_id, name: o.name, key, ca_pem: ca.pem, ca_fingerprint: ca.fingerprint }
}

/** Writes the identity 0600 (tmp + fsync + rename), its directory 0700. */
export async function saveIdentity(path: string, id: Identity): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(JSON.stringify(id, null, 2) + '\n')
    await fh.sync()
  } finally {
    await fh.close()
  }
  await chmod(tmp, 0o600)
  await rename(tmp, path)
}

export async function loadIdentity(path: string): Promise<Identity> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new EnrollError(`${path}: cannot read the agent identity (${(err as NodeJS.ErrnoException).code}); run \`armorwatch enroll\` first`)
  }
  const id = JSON.parse(text) as Identity
  if (id.version !== 1 || !id.agent_id || !id.key || !id.ca_pem || !id.manager) throw new EnrollError(`${path}: not an armorwatch agent identity`)
  return id
}
