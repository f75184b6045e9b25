/**
 * The box's seccomp policy: which system calls are denied, how, and why (one line each). The
 * compiler (seccomp.ts) turns it into the classic-BPF filter; its theory of operation is there.
 * Actions: `kill` = verdict SE (the supervisor is notified and kills the box); `errno` = the
 * call fails and the program goes on; `skip` = the call is not made and returns 0, for calls
 * whose only effect outside the box is harm (sync, cache-dropping advice) and whose success a
 * program may rely on.
 */
import { CLONE, ERRNO, RLIMIT } from '../linux/constants';
import { ARCHES, syscallNumber } from './syscalls';

export { ERRNO } from '../linux/constants';

export type SeccompAction = { kind: 'kill' } | { kind: 'errno'; errno: number } | { kind: 'skip' };

/**
 * A test on argument `arg` (0-5). `maskAny`: some bit of `mask` is set in the low word. `in` /
 * `notIn`: the low word is (not) one of `values`. `upper` says what the high word means:
 * 'ignore' (default) for arguments the kernel truncates to 32 bits, 'zero' for 64-bit values
 * (a value is "in" only when its high word is 0).
 */
export type ArgCondition =
  { arg: number; op: 'maskAny'; mask: number } | { arg: number; op: 'in' | 'notIn'; values: readonly number[]; upper?: 'ignore' | 'zero' };

/**
 * One denied system call. Rules of the same call are tried in order; the first whose `when`
 * holds (or that has none) decides; when none holds, the call is allowed. `when` is one
 * condition or a non-empty list of conditions that must all hold. A rule for a call that does
 * not exist on the target arch (iopl on aarch64) is left out.
 */
export interface SeccompRule {
  syscall: string;
  action: SeccompAction;
  when?: ArgCondition | readonly ArgCondition[];
  /** One line: why the box denies it. */
  reason: string;
}

const kill: SeccompAction = { kind: 'kill' };
const errno = (n: number): SeccompAction => ({ kind: 'errno', errno: n });
const skip: SeccompAction = { kind: 'skip' };

/** A rule's conditions as a list: empty when it has none. */
export function conditionsOf(rule: SeccompRule): readonly ArgCondition[] {
  const w = rule.when;
  return w === undefined ? [] : isConditionList(w) ? w : [w];
}

function isConditionList(w: ArgCondition | readonly ArgCondition[]): w is readonly ArgCondition[] {
  return Array.isArray(w);
}

/** Namespace flags of clone/unshare (linux/sched.h). CLONE_NEWTIME is 0x80: see the clone rule. */
export const CLONE_NS = CLONE;
const NS_FLAGS_CLONE =
  CLONE_NS.NEWNS | CLONE_NS.NEWCGROUP | CLONE_NS.NEWUTS | CLONE_NS.NEWIPC | CLONE_NS.NEWUSER | CLONE_NS.NEWPID | CLONE_NS.NEWNET;
const NS_FLAGS_ALL = (NS_FLAGS_CLONE | CLONE_NS.NEWTIME) >>> 0;

const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;
const AF_ALG = 38;
const AF_VSOCK = 40;
const PER_LINUX = 0;
const PER_LINUX32 = 0x0008;
const PERSONALITY_QUERY = 0xffffffff;
const AF_NETLINK = 16;
const NETLINK_KOBJECT_UEVENT = 15;
const MS_SYNC = 4;
const POSIX_FADV_DONTNEED = 4;
const MADV_COLD = 20;
const MADV_PAGEOUT = 21;

function killAll(names: readonly string[], reason: string): SeccompRule[] {
  return names.map((syscall) => ({ syscall, action: kill, reason }));
}

/** The box's policy. Kill = verdict SE; errno = the call fails and the program goes on; skip = returns 0 undone. */
export const DEFAULT_RULES: readonly SeccompRule[] = Object.freeze([
  // Namespaces: a new user namespace grants full capabilities over fresh kernel surface.
  {
    syscall: 'clone',
    action: errno(ERRNO.EPERM),
    when: { arg: 0, op: 'maskAny', mask: NS_FLAGS_CLONE },
    reason: 'new namespaces (a user namespace arms every capability); in clone() 0x80 is the exit signal, not CLONE_NEWTIME',
  },
  {
    syscall: 'clone3',
    action: errno(ERRNO.ENOSYS),
    reason: 'flags live in memory the filter cannot read; glibc and runtimes fall back to clone',
  },
  {
    syscall: 'unshare',
    action: errno(ERRNO.EPERM),
    when: { arg: 0, op: 'maskAny', mask: NS_FLAGS_ALL },
    reason: 'new namespaces; CLONE_FILES/CLONE_FS/CLONE_SYSVSEM stay allowed',
  },
  { syscall: 'setns', action: errno(ERRNO.EPERM), reason: 'joining another namespace' },
  // Terminals and sockets.
  {
    syscall: 'ioctl',
    action: kill,
    when: { arg: 1, op: 'in', values: [TIOCSTI, TIOCLINUX] },
    reason: 'injecting input into a terminal (TIOCSTI) or driving the console (TIOCLINUX)',
  },
  {
    syscall: 'socket',
    action: errno(ERRNO.EAFNOSUPPORT),
    when: { arg: 0, op: 'in', values: [AF_VSOCK, AF_ALG] },
    reason: 'AF_VSOCK is not network-namespaced (reaches the host/hypervisor); AF_ALG is kernel crypto surface, unused by runtimes',
  },
  {
    syscall: 'socket',
    action: errno(ERRNO.EPROTONOSUPPORT),
    when: [
      { arg: 0, op: 'in', values: [AF_NETLINK] },
      { arg: 2, op: 'in', values: [NETLINK_KOBJECT_UEVENT] },
    ],
    reason:
      "the network namespace belongs to the initial user namespace, so a uevent socket hears the host's device events; NETLINK_ROUTE (getaddrinfo) stays",
  },
  {
    syscall: 'personality',
    action: errno(ERRNO.EPERM),
    when: { arg: 0, op: 'notIn', values: [PER_LINUX, PER_LINUX32, PERSONALITY_QUERY] },
    reason: 'ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC and the like weaken the process; query, PER_LINUX and linux32 stay allowed',
  },
  // Core dumps. The box's RLIMIT_CORE is 1 (run-limits.ts): no core file (below the ELF dump's
  // page minimum), and a piped core_pattern's host helper is not started (the kernel aborts a
  // piped dump at exactly 1; at 0 it starts the helper, as root on the host). The program may not
  // change it; lowering it to 0 would start the helper. glibc's setrlimit and getrlimit are
  // prlimit64 calls: a get (no new limit) stays allowed.
  {
    syscall: 'prlimit64',
    action: skip,
    when: [
      { arg: 1, op: 'in', values: [RLIMIT.CORE] },
      { arg: 2, op: 'notIn', values: [0], upper: 'zero' },
      { arg: 3, op: 'in', values: [0], upper: 'zero' },
    ],
    reason: "setting the core limit (setrlimit): 0 would start a piped core_pattern's helper on the host; not done, reported done",
  },
  {
    syscall: 'prlimit64',
    action: errno(ERRNO.EPERM),
    when: [
      { arg: 1, op: 'in', values: [RLIMIT.CORE] },
      { arg: 2, op: 'notIn', values: [0], upper: 'zero' },
      { arg: 3, op: 'notIn', values: [0], upper: 'zero' },
    ],
    reason: 'setting the core limit and reading the old one: refused, as the old limit cannot be filled in',
  },
  {
    syscall: 'setrlimit',
    action: skip,
    when: { arg: 0, op: 'in', values: [RLIMIT.CORE] },
    reason: 'as prlimit64: the core limit stays 1',
  },
  // Other processes and the kernel's secrets.
  ...killAll(['ptrace', 'process_vm_readv', 'process_vm_writev', 'pidfd_getfd'], 'reading or writing another process'),
  { syscall: 'kcmp', action: errno(ERRNO.EPERM), reason: 'ptrace-class; orders kernel pointers (KASLR leak); Mesa probes it' },
  ...killAll(['keyctl', 'add_key', 'request_key'], 'kernel keyrings are not namespaced'),
  { syscall: 'perf_event_open', action: kill, reason: 'performance counters: side channels and a long CVE history' },
  { syscall: 'bpf', action: kill, reason: 'eBPF programs and maps: verifier bugs are kernel code execution' },
  {
    syscall: 'userfaultfd',
    action: errno(ERRNO.EPERM),
    reason: 'stalls kernel copies at will (race exploits); EPERM as with vm.unprivileged_userfaultfd=0',
  },
  {
    syscall: 'io_uring_setup',
    action: errno(ERRNO.ENOSYS),
    reason: 'io_uring bypasses seccomp for the I/O it performs and is a CVE hotspot; libuv and others fall back',
  },
  { syscall: 'io_uring_enter', action: errno(ERRNO.ENOSYS), reason: 'io_uring (see io_uring_setup)' },
  { syscall: 'io_uring_register', action: errno(ERRNO.ENOSYS), reason: 'io_uring (see io_uring_setup)' },
  // Host-wide budgets: counted for the whole host, or per user through the user-namespace tree
  // (every box's user namespace is owned by host root, so its use is charged to root's own).
  // The other per-user counters and what bounds them: new namespaces (clone/unshare flags EPERM,
  // clone3, setns); fanotify (SE); keys (SE); queued signals and POSIX timers (RLIMIT_SIGPENDING
  // 256, rlimitsFor); processes (RLIMIT_NPROC = pids, and the pids cgroup); mqueue bytes
  // (RLIMIT_MSGQUEUE 0); locked memory (RLIMIT_MEMLOCK 0; io_uring and bpf, which charge it,
  // are denied); epoll watches and pipe buffers count per host uid, unique to the box, so a box
  // exhausts only its own (and their memory is charged to its memory cgroup).
  {
    syscall: 'io_setup',
    action: errno(ERRNO.ENOSYS),
    reason:
      'AIO contexts count against fs.aio-max-nr, one budget for the whole host; ENOSYS as without CONFIG_AIO: runtimes fall back to threads (io_submit & co. need a context)',
  },
  {
    syscall: 'inotify_init',
    action: errno(ERRNO.EMFILE),
    reason:
      'inotify instances are charged to host root (max_user_instances, 128 for all of root); EMFILE is what a full budget answers, the case watchers already fall back from',
  },
  { syscall: 'inotify_init1', action: errno(ERRNO.EMFILE), reason: 'inotify instances are charged to host root (see inotify_init)' },
  // The host's disk and page cache: skipped, as they would succeed with nothing to do.
  {
    syscall: 'sync',
    action: skip,
    reason:
      "flushes every filesystem of the host, disk caches included; a box writes only to tmpfs (/tmp, the overlay's upper layer, the job directory)",
  },
  {
    syscall: 'syncfs',
    action: skip,
    reason: "on a bind of a host directory (/dev, checker files) it flushes the host disk; the box's own filesystems are tmpfs",
  },
  {
    syscall: 'fsync',
    action: skip,
    reason:
      "ext4 flushes the disk cache even for an unchanged read-only file (a bind of the host's); the box's writable files are tmpfs, where fsync does nothing",
  },
  { syscall: 'fdatasync', action: skip, reason: 'as fsync' },
  { syscall: 'sync_file_range', action: skip, reason: "writeback of host files; the box's writable files are tmpfs" },
  {
    syscall: 'msync',
    action: skip,
    when: { arg: 2, op: 'maskAny', mask: MS_SYNC },
    reason: 'MS_SYNC on a shared mapping of a host file is an fsync; MS_ASYNC stays (libunwind probes addresses with it)',
  },
  {
    syscall: 'fadvise64',
    action: skip,
    when: { arg: 3, op: 'in', values: [POSIX_FADV_DONTNEED] },
    reason: "DONTNEED evicts the image's files from the host page cache, slowing every box; it is advice, so not doing it is correct",
  },
  {
    syscall: 'madvise',
    action: skip,
    when: { arg: 2, op: 'in', values: [MADV_COLD, MADV_PAGEOUT] },
    reason: "ages or reclaims pages of shared file mappings (the image's); MADV_DONTNEED, which malloc uses, stays",
  },
  {
    syscall: 'process_madvise',
    action: skip,
    when: { arg: 3, op: 'in', values: [MADV_COLD, MADV_PAGEOUT] },
    reason: 'madvise through a pidfd (see madvise)',
  },
  // Filesystems and mounts.
  ...killAll(
    [
      'mount',
      'umount2',
      'pivot_root',
      'chroot',
      'move_mount',
      'open_tree',
      'open_tree_attr',
      'fsopen',
      'fsconfig',
      'fsmount',
      'fspick',
      'mount_setattr',
    ],
    'changing the mount table',
  ),
  { syscall: 'open_by_handle_at', action: kill, reason: 'opens files by handle around the mount tree (the "shocker" container escape)' },
  { syscall: 'name_to_handle_at', action: kill, reason: 'the other half of open_by_handle_at' },
  ...killAll(['quotactl', 'quotactl_fd'], 'disk quotas of the host filesystem'),
  ...killAll(['swapon', 'swapoff'], 'host swap'),
  { syscall: 'acct', action: kill, reason: 'host process accounting' },
  {
    syscall: 'fanotify_init',
    action: kill,
    reason: "filesystem-wide event monitoring; its groups and marks are charged to host root, as inotify's are",
  },
  // The machine itself.
  ...killAll(['kexec_load', 'kexec_file_load', 'reboot'], 'replacing or restarting the host kernel'),
  ...killAll(['init_module', 'finit_module', 'delete_module'], 'loading or removing kernel modules'),
  ...killAll(['iopl', 'ioperm'], 'x86 I/O port access'),
  {
    syscall: 'modify_ldt',
    action: errno(ERRNO.ENOSYS),
    reason: 'x86 16-bit segments, a CVE source; ENOSYS as on kernels built without it',
  },
  ...killAll(['settimeofday', 'clock_settime'], 'setting the host clock (not namespaced)'),
  {
    syscall: 'adjtimex',
    action: errno(ERRNO.EPERM),
    reason: 'tuning the host clock; EPERM lets read-only queries (ntp_gettime) fail softly',
  },
  { syscall: 'clock_adjtime', action: errno(ERRNO.EPERM), reason: 'tuning the host clock (see adjtimex)' },
  { syscall: 'syslog', action: kill, reason: 'the host kernel log' },
  { syscall: 'vhangup', action: kill, reason: 'hanging up the terminal' },
  { syscall: 'sethostname', action: errno(ERRNO.EPERM), reason: 'the hostname is fixed ("caged")' },
  { syscall: 'setdomainname', action: errno(ERRNO.EPERM), reason: 'the domain name is fixed' },
  { syscall: 'lookup_dcookie', action: kill, reason: 'oprofile internals (removed in 6.9)' },
  { syscall: 'nfsservctl', action: kill, reason: 'removed NFS server control' },
  { syscall: 'uselib', action: kill, reason: 'a.out library loading (removed)' },
  { syscall: '_sysctl', action: kill, reason: 'removed binary sysctl' },
] satisfies SeccompRule[]);

const ERRNO_NAMES = new Map<number, string>(Object.entries(ERRNO).map(([k, v]) => [v, k]));
const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

function describeCondition(w: ArgCondition): string {
  if (w.op === 'maskAny') return `arg${w.arg} & ${hex(w.mask)}`;
  const vals = w.values.map(hex).join(', ');
  return `arg${w.arg}${w.upper === 'zero' ? '' : ' (low 32 bits)'} ${w.op === 'in' ? 'in' : 'not in'} {${vals}}`;
}

/** One line per rule, for the README and the start-up log: "ptrace: SE — reading or writing …". */
export function describeRules(rules: readonly SeccompRule[] = DEFAULT_RULES): string[] {
  return rules.map((r) => {
    const a = r.action;
    const action = a.kind === 'kill' ? 'SE' : a.kind === 'skip' ? 'no-op (returns 0)' : `errno ${ERRNO_NAMES.get(a.errno) ?? a.errno}`;
    const conds = conditionsOf(r);
    const when = conds.length ? ` when ${conds.map(describeCondition).join(' and ')}` : '';
    return `${r.syscall}${when}: ${action} — ${r.reason}`;
  });
}

const isU32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/** Throws a RangeError naming the rule when it cannot be compiled as meant. */
export function validateRule(rule: SeccompRule): void {
  const where = `seccomp rule ${rule.syscall}`;
  if (!ARCHES.some((a) => syscallNumber(rule.syscall, a) !== undefined)) throw new RangeError(`${where}: unknown system call`);
  if (rule.reason.trim() === '') throw new RangeError(`${where}: a reason is required`);
  if (rule.action.kind === 'errno' && !(Number.isInteger(rule.action.errno) && rule.action.errno >= 1 && rule.action.errno <= 4095)) {
    throw new RangeError(`${where}: errno ${rule.action.errno} is not in 1..4095`);
  }
  const conds = conditionsOf(rule);
  if (rule.when !== undefined && conds.length === 0)
    throw new RangeError(`${where}: an empty condition list (leave out \`when\` for always)`);
  for (const w of conds) {
    if (!(Number.isInteger(w.arg) && w.arg >= 0 && w.arg <= 5)) throw new RangeError(`${where}: argument ${w.arg} is not 0..5`);
    if (w.op === 'maskAny' ? !isU32(w.mask) || w.mask === 0 : w.values.length === 0 || !w.values.every(isU32)) {
      throw new RangeError(`${where}: condition values must be non-empty 32-bit unsigned integers`);
    }
  }
}
