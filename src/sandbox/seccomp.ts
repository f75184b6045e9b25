/**
 * The seccomp filter of the untrusted program (C), built here as classic-BPF bytes; the native
 * child installs them with seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER)
 * just before execve. No libseccomp.
 *
 * Theory of operation
 * - It is a deny list: judges run gcc, python, the JVM..., which need a broad set of calls.
 *   Default ALLOW. Namespaces, the uid map, no capabilities, no_new_privs and rlimits do most
 *   of the isolation; the filter removes kernel surface the box never needs.
 * - Three actions. `kill` = SECCOMP_RET_USER_NOTIF: the call waits, the supervisor (B, the
 *   container init) reads the notification, records nr + arch and kills the box: verdict SE
 *   "forbidden system call <name>". `errno` = SECCOMP_RET_ERRNO: the call fails and the program
 *   goes on, for things runtimes probe and cope with (clone3 → ENOSYS, glibc falls back to
 *   clone). A foreign ABI (another audit arch, e.g. i386 via int 0x80, or x32 on x86_64) is
 *   SECCOMP_RET_KILL_PROCESS (the program dies of SIGSYS): a second syscall table would
 *   otherwise slip past every number below.
 * - Calls newer than syscalls-<arch>.ts (nr above the table) fail with ENOSYS, as on a kernel
 *   that lacks them: a kernel upgrade never widens the box silently; libcs fall back.
 * - Layout: ld arch; jeq native or KILL_PROCESS; ld nr; [x86_64: jge 0x40000000 → KILL_PROCESS];
 *   jgt max → ENOSYS; then a binary search (`jge`) over the denied numbers, ending in short runs
 *   of `jeq nr` to that call's body, else ALLOW. Bodies load arguments and end in `ret`, so
 *   paths for other calls touch only nr and arch: the kernel's constant-action cache (5.11+) then marks every unconditionally allowed
 *   call "always allow" for this arch and skips the filter for it (no cost on read/write/futex).
 * - Arguments: seccomp sees 64-bit registers, little-endian (low word at 16 + 8·i). The
 *   kernel truncates int/unsigned int arguments (ioctl's cmd, socket's domain, personality,
 *   clone's flags), so those compare the low word only — a 64-bit compare would be bypassed by
 *   setting the high bits (flatpak CVE-2019-10063, TIOCSTI). `upper: 'zero'` is for true 64-bit
 *   values.
 * - Stacked filters: a program may install its own (seccomp is allowed). The kernel runs all and
 *   takes the most restrictive answer (KILL > TRAP > ERRNO > USER_NOTIF > ALLOW), so it can
 *   never turn our refusal into ALLOW; at most an ERRNO of its own replaces an SE. A second
 *   SECCOMP_FILTER_FLAG_NEW_LISTENER fails with EBUSY (one listener per filter chain), so a
 *   program cannot take the notifications B waits for.
 * - Jumps: cBPF offsets are 8 bits. The assembler resolves labels and widens a conditional jump
 *   whose target is too far into `jcc 0,1; ja T; ja F` (BPF_JA has a 32-bit offset).
 */
import { nativeArch, syscallNumber, auditArch, maxSyscallNumber, ARCHES, type Arch } from './syscalls';

/** seccomp return values (linux/seccomp.h); the native side needs USER_NOTIF and KILL_PROCESS. */
export const SECCOMP_RET = Object.freeze({
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const);

/** errno values used by the rules (identical on x86_64 and the generic aarch64 ABI). */
export const ERRNO = Object.freeze({ EPERM: 1, EBUSY: 16, ENOSYS: 38, EAFNOSUPPORT: 97 } as const);

export type SeccompAction = { kind: 'kill' } | { kind: 'errno'; errno: number };

/**
 * A test on argument `arg` (0-5). `maskAny`: some bit of `mask` is set in the low word. `in` /
 * `notIn`: the low word is (not) one of `values`. `upper` says what the high word means:
 * 'ignore' (default) for arguments the kernel truncates to 32 bits, 'zero' for 64-bit values
 * (a value is "in" only when its high word is 0).
 */
export type ArgCondition =
  | { arg: number; op: 'maskAny'; mask: number }
  | { arg: number; op: 'in' | 'notIn'; values: readonly number[]; upper?: 'ignore' | 'zero' };

/**
 * One denied system call. Rules of the same call are tried in order; the first whose `when`
 * holds (or that has none) decides; when none holds, the call is allowed. A rule for a call
 * that does not exist on the target arch (iopl on aarch64) is skipped.
 */
export interface SeccompRule {
  syscall: string;
  action: SeccompAction;
  when?: ArgCondition;
  /** One line: why the box denies it. */
  reason: string;
}

const kill: SeccompAction = { kind: 'kill' };
const errno = (n: number): SeccompAction => ({ kind: 'errno', errno: n });

/** Namespace flags of clone/unshare (linux/sched.h). CLONE_NEWTIME is 0x80: see the clone rule. */
export const CLONE_NS = Object.freeze({
  NEWTIME: 0x00000080,
  NEWNS: 0x00020000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWUSER: 0x10000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
} as const);
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

function killAll(names: readonly string[], reason: string): SeccompRule[] {
  return names.map((syscall) => ({ syscall, action: kill, reason }));
}

/** The box's policy. Kill = verdict SE; errno = the call fails and the program goes on. */
export const DEFAULT_RULES: readonly SeccompRule[] = Object.freeze([
  // Namespaces: a new user namespace grants full capabilities over fresh kernel surface.
  { syscall: 'clone', action: errno(ERRNO.EPERM), when: { arg: 0, op: 'maskAny', mask: NS_FLAGS_CLONE },
    reason: 'new namespaces (a user namespace arms every capability); in clone() 0x80 is the exit signal, not CLONE_NEWTIME' },
  { syscall: 'clone3', action: errno(ERRNO.ENOSYS),
    reason: 'flags live in memory the filter cannot read; glibc and runtimes fall back to clone' },
  { syscall: 'unshare', action: errno(ERRNO.EPERM), when: { arg: 0, op: 'maskAny', mask: NS_FLAGS_ALL },
    reason: 'new namespaces; CLONE_FILES/CLONE_FS/CLONE_SYSVSEM stay allowed' },
  { syscall: 'setns', action: errno(ERRNO.EPERM), reason: 'joining another namespace' },
  // Terminals and sockets.
  { syscall: 'ioctl', action: kill, when: { arg: 1, op: 'in', values: [TIOCSTI, TIOCLINUX] },
    reason: 'injecting input into a terminal (TIOCSTI) or driving the console (TIOCLINUX)' },
  { syscall: 'socket', action: errno(ERRNO.EAFNOSUPPORT), when: { arg: 0, op: 'in', values: [AF_VSOCK, AF_ALG] },
    reason: 'AF_VSOCK is not network-namespaced (reaches the host/hypervisor); AF_ALG is kernel crypto surface, unused by runtimes' },
  { syscall: 'personality', action: errno(ERRNO.EPERM),
    when: { arg: 0, op: 'notIn', values: [PER_LINUX, PER_LINUX32, PERSONALITY_QUERY] },
    reason: 'ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC and the like weaken the process; query, PER_LINUX and linux32 stay allowed' },
  // Other processes and the kernel's secrets.
  ...killAll(['ptrace', 'process_vm_readv', 'process_vm_writev', 'pidfd_getfd'], 'reading or writing another process'),
  { syscall: 'kcmp', action: errno(ERRNO.EPERM),
    reason: 'ptrace-class; orders kernel pointers (KASLR leak); Mesa probes it' },
  ...killAll(['keyctl', 'add_key', 'request_key'], 'kernel keyrings are not namespaced'),
  { syscall: 'perf_event_open', action: kill, reason: 'performance counters: side channels and a long CVE history' },
  { syscall: 'bpf', action: kill, reason: 'eBPF programs and maps: verifier bugs are kernel code execution' },
  { syscall: 'userfaultfd', action: errno(ERRNO.EPERM),
    reason: 'stalls kernel copies at will (race exploits); EPERM as with vm.unprivileged_userfaultfd=0' },
  { syscall: 'io_uring_setup', action: errno(ERRNO.ENOSYS),
    reason: 'io_uring bypasses seccomp for the I/O it performs and is a CVE hotspot; libuv and others fall back' },
  { syscall: 'io_uring_enter', action: errno(ERRNO.ENOSYS), reason: 'io_uring (see io_uring_setup)' },
  { syscall: 'io_uring_register', action: errno(ERRNO.ENOSYS), reason: 'io_uring (see io_uring_setup)' },
  // Filesystems and mounts.
  ...killAll(['mount', 'umount2', 'pivot_root', 'chroot', 'move_mount', 'open_tree', 'open_tree_attr', 'fsopen',
    'fsconfig', 'fsmount', 'fspick', 'mount_setattr'], 'changing the mount table'),
  { syscall: 'open_by_handle_at', action: kill,
    reason: 'opens files by handle around the mount tree (the "shocker" container escape)' },
  { syscall: 'name_to_handle_at', action: kill, reason: 'the other half of open_by_handle_at' },
  ...killAll(['quotactl', 'quotactl_fd'], 'disk quotas of the host filesystem'),
  ...killAll(['swapon', 'swapoff'], 'host swap'),
  { syscall: 'acct', action: kill, reason: 'host process accounting' },
  { syscall: 'fanotify_init', action: kill, reason: 'filesystem-wide event monitoring; inotify covers programs' },
  // The machine itself.
  ...killAll(['kexec_load', 'kexec_file_load', 'reboot'], 'replacing or restarting the host kernel'),
  ...killAll(['init_module', 'finit_module', 'delete_module'], 'loading or removing kernel modules'),
  ...killAll(['iopl', 'ioperm'], 'x86 I/O port access'),
  { syscall: 'modify_ldt', action: errno(ERRNO.ENOSYS),
    reason: 'x86 16-bit segments, a CVE source; ENOSYS as on kernels built without it' },
  ...killAll(['settimeofday', 'clock_settime'], 'setting the host clock (not namespaced)'),
  { syscall: 'adjtimex', action: errno(ERRNO.EPERM),
    reason: 'tuning the host clock; EPERM lets read-only queries (ntp_gettime) fail softly' },
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

// ---- The assembler: labels, forward jumps only, widened when an 8-bit offset is too short. ----

/** One assembler line; `label` names the address of the next instruction. */
export type Insn =
  | { op: 'ld'; offset: number }
  | { op: 'jcc'; cond: 'jeq' | 'jge' | 'jgt' | 'jset'; k: number; jt: string; jf: string }
  | { op: 'ja'; target: string }
  | { op: 'ret'; value: number }
  | { op: 'label'; name: string };

const CODE = { ld: 0x20, jeq: 0x15, jgt: 0x25, jge: 0x35, jset: 0x45, ja: 0x05, ret: 0x06 } as const;
const MAX_SHORT_JUMP = 255;
const MAX_INSTRUCTIONS = 4096;
/** Below this many numbers the dispatch tree ends in a run of `jeq`s. */
const LINEAR_RUN = 3;

/** Resolves labels and encodes `struct sock_filter`s, widening far conditional jumps. */
export function assemble(source: readonly Insn[]): Buffer {
  const code = source.filter((i): i is Exclude<Insn, { op: 'label' }> => i.op !== 'label');
  const labelAt = new Map<string, number>(); // label → index in `code`
  let n = 0;
  for (const i of source) {
    if (i.op !== 'label') n++;
    else if (labelAt.has(i.name)) throw new RangeError(`label ${i.name} defined twice`);
    else labelAt.set(i.name, n);
  }
  const indexOf = (label: string): number => {
    const at = labelAt.get(label);
    if (at === undefined) throw new RangeError(`undefined label ${label}`);
    return at;
  };
  const wide = new Set<number>();
  let addr: number[] = [];
  for (;;) {
    addr = [];
    let pc = 0;
    for (let i = 0; i < code.length; i++) {
      addr.push(pc);
      pc += wide.has(i) ? 3 : 1;
    }
    addr.push(pc);
    const before = wide.size;
    code.forEach((ins, i) => {
      if (ins.op !== 'jcc' || wide.has(i)) return;
      const far = [ins.jt, ins.jf].some((l) => addr[indexOf(l)] - addr[i] - 1 > MAX_SHORT_JUMP);
      if (far) wide.add(i);
    });
    if (wide.size === before) break;
  }
  const out: number[][] = []; // [code, jt, jf, k]
  const offset = (from: number, label: string): number => {
    const d = addr[indexOf(label)] - from - 1;
    if (d < 0) throw new RangeError(`backward jump to ${label}: cBPF jumps forward only`);
    return d;
  };
  code.forEach((ins, i) => {
    const pc = addr[i];
    if (ins.op === 'ld') out.push([CODE.ld, 0, 0, ins.offset]);
    else if (ins.op === 'ret') out.push([CODE.ret, 0, 0, ins.value]);
    else if (ins.op === 'ja') out.push([CODE.ja, 0, 0, offset(pc, ins.target)]);
    else if (!wide.has(i)) out.push([CODE[ins.cond], offset(pc, ins.jt), offset(pc, ins.jf), ins.k]);
    else out.push([CODE[ins.cond], 0, 1, ins.k], [CODE.ja, 0, 0, offset(pc + 1, ins.jt)], [CODE.ja, 0, 0, offset(pc + 2, ins.jf)]);
  });
  if (out.length > MAX_INSTRUCTIONS) throw new RangeError(`seccomp program has ${out.length} instructions (max ${MAX_INSTRUCTIONS})`);
  const buf = Buffer.alloc(out.length * 8);
  out.forEach(([c, jt, jf, k], i) => {
    buf.writeUInt16LE(c, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}

// ---- The program. ----

const OFF_NR = 0;
const OFF_ARCH = 4;
const argLow = (arg: number): number => 16 + 8 * arg;
const argHigh = (arg: number): number => 20 + 8 * arg;

function actionValue(a: SeccompAction): number {
  return a.kind === 'kill' ? SECCOMP_RET.USER_NOTIF : (SECCOMP_RET.ERRNO | a.errno) >>> 0;
}

const isU32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

function validate(rule: SeccompRule): void {
  const where = `seccomp rule ${rule.syscall}`;
  if (!ARCHES.some((a) => syscallNumber(rule.syscall, a) !== undefined)) throw new RangeError(`${where}: unknown system call`);
  if (rule.reason.trim() === '') throw new RangeError(`${where}: a reason is required`);
  if (rule.action.kind === 'errno' && !(Number.isInteger(rule.action.errno) && rule.action.errno >= 1 && rule.action.errno <= 4095)) {
    throw new RangeError(`${where}: errno ${rule.action.errno} is not in 1..4095`);
  }
  const w = rule.when;
  if (!w) return;
  if (!(Number.isInteger(w.arg) && w.arg >= 0 && w.arg <= 5)) throw new RangeError(`${where}: argument ${w.arg} is not 0..5`);
  if (w.op === 'maskAny' ? !isU32(w.mask) || w.mask === 0 : w.values.length === 0 || !w.values.every(isU32)) {
    throw new RangeError(`${where}: condition values must be non-empty 32-bit unsigned integers`);
  }
}

/** Code for one rule's test: jumps to `yes` when the condition holds, to `no` otherwise. */
function condition(w: ArgCondition, yes: string, no: string, fresh: () => string): Insn[] {
  if (w.op === 'maskAny') {
    return [{ op: 'ld', offset: argLow(w.arg) }, { op: 'jcc', cond: 'jset', k: w.mask >>> 0, jt: yes, jf: no }];
  }
  const member = w.op === 'in' ? yes : no; // where a listed value goes
  const other = w.op === 'in' ? no : yes;
  const out: Insn[] = [];
  if (w.upper === 'zero') {
    const low = fresh();
    out.push({ op: 'ld', offset: argHigh(w.arg) }, { op: 'jcc', cond: 'jeq', k: 0, jt: low, jf: other }, { op: 'label', name: low });
  }
  out.push({ op: 'ld', offset: argLow(w.arg) });
  w.values.forEach((v, i) => {
    const next = fresh();
    const last = i === w.values.length - 1;
    out.push({ op: 'jcc', cond: 'jeq', k: v >>> 0, jt: member, jf: last ? other : next });
    if (!last) out.push({ op: 'label', name: next });
  });
  return out;
}

export interface SeccompProgram {
  /** `struct sock_filter[]`, 8 bytes each, little-endian: what `sock_fprog.filter` points at. */
  program: Buffer;
  /** `sock_fprog.len`. */
  instructions: number;
  /** The architecture the program admits; every other audit arch is KILL_PROCESS. */
  arch: Arch;
}

/** Builds the filter for `arch` (default: this host) from `rules` (default: DEFAULT_RULES). */
export function buildSeccompProgram(opts: { arch?: Arch; rules?: readonly SeccompRule[] } = {}): SeccompProgram {
  const arch = opts.arch ?? nativeArch();
  const rules = opts.rules ?? DEFAULT_RULES;
  rules.forEach(validate);
  const groups = new Map<number, SeccompRule[]>(); // by nr, in order of first appearance
  for (const r of rules) {
    const nr = syscallNumber(r.syscall, arch);
    if (nr === undefined) continue; // exists on another arch only
    const g = groups.get(nr) ?? [];
    g.push(r);
    groups.set(nr, g);
  }
  let counter = 0;
  const fresh = (): string => `L${counter++}`;
  const src: Insn[] = [
    { op: 'ld', offset: OFF_ARCH },
    { op: 'jcc', cond: 'jeq', k: auditArch(arch), jt: 'native', jf: 'foreign' },
    { op: 'label', name: 'foreign' },
    { op: 'ret', value: SECCOMP_RET.KILL_PROCESS },
    { op: 'label', name: 'native' },
    { op: 'ld', offset: OFF_NR },
  ];
  if (arch === 'x86_64') {
    src.push(
      { op: 'jcc', cond: 'jge', k: 0x40000000, jt: 'x32', jf: 'x64' }, // X32_SYSCALL_BIT and above
      { op: 'label', name: 'x32' },
      { op: 'ret', value: SECCOMP_RET.KILL_PROCESS },
      { op: 'label', name: 'x64' },
    );
  }
  src.push(
    { op: 'jcc', cond: 'jgt', k: maxSyscallNumber(arch), jt: 'newer', jf: 'known' },
    { op: 'label', name: 'newer' },
    { op: 'ret', value: (SECCOMP_RET.ERRNO | ERRNO.ENOSYS) >>> 0 },
    { op: 'label', name: 'known' },
  );
  // Dispatch on nr: a binary search over the denied numbers (a few compares per call, where a
  // linear list would take one per rule: the kernel emulates the filter for every syscall
  // number when it installs it, to fill its constant-action cache, so a linear list made
  // installation cost ~240 us per run here against ~130 for the tree), then one body per call.
  const nrs = [...groups.keys()].sort((a, b) => a - b);
  const bodyOf = new Map(nrs.map((nr) => [nr, fresh()]));
  const allow = fresh();
  const tree = (lo: number, hi: number): void => {
    if (hi - lo <= LINEAR_RUN) {
      for (let i = lo; i < hi; i++) {
        const next = fresh();
        src.push({ op: 'jcc', cond: 'jeq', k: nrs[i]!, jt: bodyOf.get(nrs[i]!)!, jf: next }, { op: 'label', name: next });
      }
      src.push({ op: 'ja', target: allow });
      return;
    }
    const mid = lo + Math.floor((hi - lo) / 2);
    const left = fresh();
    const right = fresh();
    src.push({ op: 'jcc', cond: 'jge', k: nrs[mid]!, jt: right, jf: left }, { op: 'label', name: left });
    tree(lo, mid);
    src.push({ op: 'label', name: right });
    tree(mid, hi);
  };
  tree(0, nrs.length);
  for (const [nr, group] of groups) {
    src.push({ op: 'label', name: bodyOf.get(nr)! });
    for (const [i, rule] of group.entries()) {
      if (!rule.when) {
        if (i !== group.length - 1) throw new RangeError(`seccomp rule ${rule.syscall}: rules after an unconditional one are unreachable`);
        src.push({ op: 'ret', value: actionValue(rule.action) });
        break;
      }
      const yes = fresh();
      const no = fresh();
      src.push(...condition(rule.when, yes, no, fresh), { op: 'label', name: yes }, { op: 'ret', value: actionValue(rule.action) });
      src.push({ op: 'label', name: no });
      if (i === group.length - 1) src.push({ op: 'ret', value: SECCOMP_RET.ALLOW });
    }
  }
  src.push({ op: 'label', name: allow }, { op: 'ret', value: SECCOMP_RET.ALLOW });
  const program = assemble(src);
  return { program, instructions: program.length / 8, arch };
}

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
    const action = r.action.kind === 'kill' ? 'SE' : `errno ${ERRNO_NAMES.get(r.action.errno) ?? r.action.errno}`;
    const when = r.when ? ` when ${describeCondition(r.when)}` : '';
    return `${r.syscall}${when}: ${action} — ${r.reason}`;
  });
}
