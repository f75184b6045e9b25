/**
 * Linux constants the worker passes to the kernel or to B, named as in the kernel's headers.
 * One module, so that a flag is defined once; the values are the same on x86_64 and aarch64.
 */

/** Namespace flags of clone/unshare (linux/sched.h). CLONE_NEWTIME is 0x80, the exit signal's bits in clone(). */
export const CLONE = Object.freeze({
  NEWTIME: 0x00000080,
  NEWNS: 0x00020000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWUSER: 0x10000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
} as const);

/** mount(2) flags (linux/mount.h). */
export const MS = Object.freeze({
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  REMOUNT: 32,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  SHARED: 1 << 20,
} as const);

/** umount2(2) flag: detach now, unmount once no longer busy. */
export const MNT_DETACH = 2;

/** setrlimit(2) resources (asm-generic/resource.h). */
export const RLIMIT = Object.freeze({
  CPU: 0,
  FSIZE: 1,
  DATA: 2,
  STACK: 3,
  CORE: 4,
  RSS: 5,
  NPROC: 6,
  NOFILE: 7,
  MEMLOCK: 8,
  AS: 9,
  LOCKS: 10,
  SIGPENDING: 11,
  MSGQUEUE: 12,
  NICE: 13,
  RTPRIO: 14,
} as const);

/** RLIM_INFINITY as the 64-bit value B passes to prlimit. */
export const RLIM_INFINITY = 0xffffffffffffffffn;

/** open(2)/pipe2(2) flag. */
export const O_CLOEXEC = 0o2000000;

/** socket(2) type flag and the AF_UNIX stream socket of the control channel. */
export const SOCK = Object.freeze({ STREAM: 1, CLOEXEC: 0o2000000 } as const);
export const AF_UNIX = 1;

/** wait4(2) options. */
export const WNOHANG = 1;
export const WALL = 0x40000000;

/** memfd_create(2) flags. */
export const MFD = Object.freeze({ CLOEXEC: 1, ALLOW_SEALING: 2 } as const);

/** fcntl(2) commands. */
export const F = Object.freeze({ SETPIPE_SZ: 1031, ADD_SEALS: 1033 } as const);

/** poll(2) event bits (asm-generic/poll.h). */
export const POLL = Object.freeze({ IN: 0x1, HUP: 0x10 } as const);

/** File seals (F_ADD_SEALS). */
export const F_SEAL = Object.freeze({ SEAL: 1, SHRINK: 2, GROW: 4, WRITE: 8 } as const);

/**
 * `seccomp_data.arch` values (linux/audit.h): EM_* | __AUDIT_ARCH_64BIT (0x80000000) |
 * __AUDIT_ARCH_LE (0x40000000). I386 and ARM are what 32-bit code on these hosts shows up as.
 */
export const AUDIT_ARCH = Object.freeze({
  X86_64: 0xc000003e,
  I386: 0x40000003,
  AARCH64: 0xc00000b7,
  ARM: 0x40000028,
} as const);

/** errno values the box's policy returns (identical on x86_64 and the generic aarch64 ABI). */
export const ERRNO = Object.freeze({ EPERM: 1, EBUSY: 16, EMFILE: 24, ENOSYS: 38, EPROTONOSUPPORT: 93, EAFNOSUPPORT: 97 } as const);
