/** A throwaway CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI. */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TestTls {
  caPem: string
  key: string
  /** The server certificate followed by the CA, as the manager serves it. */
  chain: string
  caFingerprint: string
}

export function makeTls(dir: string): TestTls {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-days', '2', '-subj', '/CN=armorwatch test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign')
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost')
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n')
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf')
  const fp = ssl('x509', '-in', 'ca.pem', '-noout', '-fingerprint', '-sha256').toString().trim().split('=')[1]
  const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8')
  return { caPem, key: readFileSync(join(dir, 'server.key'), 'utf8'), chain: readFileSync(join(dir, 'server.pem'), 'utf8') + caPem, caFingerprint: fp }
}
