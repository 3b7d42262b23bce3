/** `<srcip>`/`<dstip>` conditions: IPv4 addresses or CIDR blocks (or exact text), `!` negating. */

interface Entry {
  readonly negate: boolean
  readonly net?: { base: number; mask: number }
  readonly text: string
}

function ipv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (m === null) return undefined
  const parts = m.slice(1).map(Number)
  if (parts.some((p) => p > 255)) return undefined
  return (((parts[0] as number) << 24) | ((parts[1] as number) << 16) | ((parts[2] as number) << 8) | (parts[3] as number)) >>> 0
}

export class IpMatcher {
  private readonly entries: Entry[] = []
  /** `negate="yes"` on the element. */
  negate = false

  add(spec: string): void {
    const negate = spec.startsWith('!')
    const text = negate ? spec.slice(1) : spec
    const [addr = '', bits] = text.split('/')
    const base = ipv4(addr)
    if (base !== undefined) {
      const b = bits === undefined ? 32 : Number(bits)
      const mask = b <= 0 ? 0 : (0xffffffff << (32 - Math.min(32, b))) >>> 0
      this.entries.push({ negate, net: { base: (base & mask) >>> 0, mask }, text })
    } else this.entries.push({ negate, text })
  }

  /** Wazuh's OS_IPFoundList: the first entry containing the address decides. */
  test(value: string): boolean {
    return this.found(value) !== this.negate
  }

  private found(value: string): boolean {
    const ip = ipv4(value)
    for (const e of this.entries) {
      const hit = e.net !== undefined && ip !== undefined ? ((ip & e.net.mask) >>> 0) === e.net.base : value === e.text
      if (hit) return !e.negate
    }
    return this.entries.every((e) => e.negate)
  }
}
