/** Number-to-name tables for AppArmor log values: Linux capabilities and IP protocols. */

/** Linux capability names by number (include/uapi/linux/capability.h), without the `cap_` prefix. */
export const capabilityNames: readonly string[] = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
]

/** IP protocol names by number, as /etc/protocols and libapparmor name them. */
const protocolNames: Record<number, string> = {
  0: 'ip', 1: 'icmp', 2: 'igmp', 4: 'ipip', 6: 'tcp', 8: 'egp', 12: 'pup', 17: 'udp', 22: 'idp', 29: 'tp',
  33: 'dccp', 41: 'ipv6', 46: 'rsvp', 47: 'gre', 50: 'esp', 51: 'ah', 58: 'icmpv6', 92: 'mtp', 94: 'beetph',
  98: 'encap', 103: 'pim', 108: 'comp', 115: 'l2tp', 132: 'sctp', 136: 'udplite', 137: 'mpls', 143: 'ethernet',
  255: 'raw', 262: 'mptcp',
}
const protocolNumbers = new Map(Object.entries(protocolNames).map(([n, name]) => [name, Number(n)]))

export function protocolName(n: number): string {
  return protocolNames[n] ?? `unknown(${n})`
}

export function protocolNumber(name: string): number | undefined {
  return protocolNumbers.get(name)
}
