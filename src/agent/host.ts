/**
 * What the agent adds to every event about its host: name, IP addresses, OS, kernel and whether
 * AppArmor is enabled. Read once and refreshed by the pipeline every minute (addresses change).
 */
import { hostname, networkInterfaces, release } from 'node:os'
import { readFile } from 'node:fs/promises'
import type { Fields } from '../event/index.js'

export async function hostFields(root = '/'): Promise<Fields> {
  const ips = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal)
    .map((a) => a!.address)
  const osRelease = await readFile(`${root}etc/os-release`, 'utf8').catch(() => '')
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'unknown'
  const aa = await readFile(`${root}sys/module/apparmor/parameters/enabled`, 'utf8').then(
    (t) => (t.trim() === 'Y' ? 'enabled' : 'disabled'),
    () => 'unavailable',
  )
  return { 'host.hostname': hostname(), 'host.ip': ips, 'host.os': pretty, 'host.kernel': release(), 'host.apparmor': aa }
}
