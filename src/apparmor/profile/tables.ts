/**
 * The names the profile language accepts, as AppArmor 3.0.8's parser knows them (Debian 12), plus
 * what 4.x adds. Kept in one place so the validator, linter and evaluator agree.
 */

export const CAPABILITIES: ReadonlySet<string> = new Set(
  (
    'chown dac_override dac_read_search fowner fsetid kill setgid setuid setpcap linux_immutable ' +
    'net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module sys_rawio sys_chroot ' +
    'sys_ptrace sys_pacct sys_admin sys_boot sys_nice sys_resource sys_time sys_tty_config mknod lease ' +
    'audit_write audit_control setfcap mac_override mac_admin syslog wake_alarm block_suspend audit_read ' +
    'perfmon bpf checkpoint_restore'
  ).split(' '),
)

export const NETWORK_DOMAINS: ReadonlySet<string> = new Set(
  (
    'unspec unix inet ax25 ipx appletalk netrom bridge atmpvc x25 inet6 rose netbeui security key netlink packet ' +
    'ash econet atmsvc rds sna irda pppox wanpipe llc ib mpls can tipc bluetooth iucv rxrpc isdn phonet ' +
    'ieee802154 caif alg nfc vsock kcm qipcrtr smc xdp mctp'
  ).split(' '),
)

export const NETWORK_TYPES: ReadonlySet<string> = new Set(['stream', 'dgram', 'raw', 'rdm', 'seqpacket', 'packet'])

/** Protocols accepted by name; only meaningful for inet and inet6. */
export const NETWORK_PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp', 'icmp'])

/** Accesses of network and unix rules (one grammar rule, net_perm, serves both). */
export const NETWORK_ACCESS: ReadonlySet<string> = new Set(
  'create bind listen accept connect shutdown getattr setattr getopt setopt send receive r w rw read write'.split(' '),
)

export const SIGNALS: ReadonlySet<string> = new Set(
  (
    'hup int quit ill trap abrt bus fpe kill usr1 segv usr2 pipe alrm term stkflt chld cont stop stp ttin ' +
    'ttou urg xcpu xfsz vtalrm prof winch io pwr sys emt exists'
  ).split(' '),
)

/** The permission letters the non-file rules share (parse_X_perms): `r` receive/read, `w` send/write. */
export const RW_LETTERS = /^[rw]+$/

export const SIGNAL_ACCESS: ReadonlySet<string> = new Set('send receive r w rw read write'.split(' '))
export const PTRACE_ACCESS: ReadonlySet<string> = new Set('read readby trace tracedby write r w rw'.split(' '))
export const DBUS_ACCESS: ReadonlySet<string> = new Set('send receive bind eavesdrop r read w write rw'.split(' '))
export const MQUEUE_ACCESS: ReadonlySet<string> = new Set(
  'r w rw read write create open delete getattr setattr'.split(' '),
)

export const RLIMITS: ReadonlySet<string> = new Set(
  'cpu fsize data stack core rss nofile ofile as nproc memlock locks sigpending msgqueue nice rtprio rttime'.split(' '),
)

export const MOUNT_OPTIONS: ReadonlySet<string> = new Set(
  (
    'ro r read-only rw w suid nosuid dev nodev exec noexec sync async remount mand nomand dirsync ' +
    'atime noatime diratime nodiratime bind B rbind R move M verbose silent loud acl noacl unbindable ' +
    'make-unbindable runbindable make-runbindable private make-private rprivate make-rprivate slave ' +
    'make-slave rslave make-rslave shared make-shared rshared make-rshared relatime norelatime iversion ' +
    'noiversion strictatime user nouser'
  ).split(' '),
)

/** The mount options 4.x adds. */
export const MOUNT_OPTIONS_4: ReadonlySet<string> = new Set('nostrictatime lazytime nolazytime symfollow nosymfollow'.split(' '))

/** Profile flags of 3.0.8, and those 4.x adds (some take a value: `kill.signal=`, `error=`). */
export const FLAGS_3: ReadonlySet<string> = new Set(
  (
    'enforce complain audit kill unconfined mediate_deleted delegate_deleted attach_disconnected ' +
    'no_attach_disconnected chroot_relative namespace_relative chroot_attach chroot_no_attach'
  ).split(' '),
)
export const FLAGS_4: ReadonlySet<string> = new Set(['default_allow', 'prompt', 'interruptible', 'debug'])
export const FLAGS_4_VALUED: ReadonlySet<string> = new Set([
  'attach_disconnected.path',
  'attach_disconnected.ipc',
  'kill.signal',
  'error',
])

/**
 * The names `error=` takes (matched without case): every `E...` macro of Linux's <errno.h>, as
 * apparmor_parser's Makefile generates its errnos.h (`cc -E -dD` on `#include <errno.h>`).
 */
export const ERRNO_NAMES: ReadonlySet<string> = new Set(
  (
    'E2BIG EACCES EADDRINUSE EADDRNOTAVAIL EADV EAFNOSUPPORT EAGAIN EALREADY EBADE EBADF EBADFD ' +
    'EBADMSG EBADR EBADRQC EBADSLT EBFONT EBUSY ECANCELED ECHILD ECHRNG ECOMM ECONNABORTED ' +
    'ECONNREFUSED ECONNRESET EDEADLK EDEADLOCK EDESTADDRREQ EDOM EDOTDOT EDQUOT EEXIST EFAULT ' +
    'EFBIG EHOSTDOWN EHOSTUNREACH EHWPOISON EIDRM EILSEQ EINPROGRESS EINTR EINVAL EIO EISCONN ' +
    'EISDIR EISNAM EKEYEXPIRED EKEYREJECTED EKEYREVOKED EL2HLT EL2NSYNC EL3HLT EL3RST ELIBACC ' +
    'ELIBBAD ELIBEXEC ELIBMAX ELIBSCN ELNRNG ELOOP EMEDIUMTYPE EMFILE EMLINK EMSGSIZE EMULTIHOP ' +
    'ENAMETOOLONG ENAVAIL ENETDOWN ENETRESET ENETUNREACH ENFILE ENOANO ENOBUFS ENOCSI ENODATA ' +
    'ENODEV ENOENT ENOEXEC ENOKEY ENOLCK ENOLINK ENOMEDIUM ENOMEM ENOMSG ENONET ENOPKG ' +
    'ENOPROTOOPT ENOSPC ENOSR ENOSTR ENOSYS ENOTBLK ENOTCONN ENOTDIR ENOTEMPTY ENOTNAM ' +
    'ENOTRECOVERABLE ENOTSOCK ENOTSUP ENOTTY ENOTUNIQ ENXIO EOPNOTSUPP EOVERFLOW EOWNERDEAD EPERM ' +
    'EPFNOSUPPORT EPIPE EPROTO EPROTONOSUPPORT EPROTOTYPE ERANGE EREMCHG EREMOTE EREMOTEIO ' +
    'ERESTART ERFKILL EROFS ESHUTDOWN ESOCKTNOSUPPORT ESPIPE ESRCH ESRMNT ESTALE ESTRPIPE ETIME ' +
    'ETIMEDOUT ETOOMANYREFS ETXTBSY EUCLEAN EUNATCH EUSERS EWOULDBLOCK EXDEV EXFUL'
  ).split(' '),
)

/** Flags that select the profile mode: at most one may be given. */
export const MODE_FLAGS: readonly string[] = ['enforce', 'complain', 'kill', 'unconfined', 'default_allow', 'prompt']

/** Rule keywords that start a rule of that kind (AppArmor 4.x ones need `abi 4`). */
export const RULE_KEYWORDS: ReadonlyMap<string, { kind: string; since: 3 | 4 }> = new Map([
  ['file', { kind: 'file', since: 3 }],
  ['link', { kind: 'link', since: 3 }],
  ['capability', { kind: 'capability', since: 3 }],
  ['network', { kind: 'network', since: 3 }],
  ['signal', { kind: 'signal', since: 3 }],
  ['ptrace', { kind: 'ptrace', since: 3 }],
  ['dbus', { kind: 'dbus', since: 3 }],
  ['unix', { kind: 'unix', since: 3 }],
  ['mount', { kind: 'mount', since: 3 }],
  ['remount', { kind: 'remount', since: 3 }],
  ['umount', { kind: 'umount', since: 3 }],
  ['pivot_root', { kind: 'pivot_root', since: 3 }],
  ['change_profile', { kind: 'change_profile', since: 3 }],
  ['set', { kind: 'rlimit', since: 3 }],
  ['userns', { kind: 'userns', since: 4 }],
  ['io_uring', { kind: 'io_uring', since: 4 }],
  ['mqueue', { kind: 'mqueue', since: 4 }],
  ['all', { kind: 'all', since: 4 }],
])
