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
 *   clone). `skip` = SECCOMP_RET_ERRNO with data 0: the kernel does not make the call and
 *   returns 0 (sync, cache-dropping advice: success with nothing done). A foreign ABI (another audit arch, e.g. i386 via int 0x80, or x32 on x86_64) is
 *   SECCOMP_RET_KILL_PROCESS (the program dies of SIGSYS): a second syscall table would
 *   otherwise slip past every number below.
 * - Calls newer than syscalls-<arch>.ts (nr above the table) fail with ENOSYS, as on a kernel
 *   that lacks them: a kernel upgrade never widens the box silently; libcs fall back.
 * - Layout: ld arch; jeq native or KILL_PROCESS; ld nr; [x86_64: jge 0x40000000 → KILL_PROCESS];
 *   jgt max → ENOSYS; then a binary search (`jge`) over the denied numbers, ending in short runs
 *   of `jeq nr` to that call's body (or straight to its action when its one rule is
 *   unconditional), else ALLOW; one shared `ret` per distinct action at the end. Bodies load
 *   arguments, so paths for other calls touch only nr and arch: the kernel's constant-action
 *   cache (5.11+) then marks every unconditionally allowed call "always allow" for this arch and
 *   skips the filter for it (no cost on read/write/futex; the exhaustive test checks the loads).
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
 * - A rule's `when` is one argument test or a list that must all hold (socket: AF_NETLINK and
 *   NETLINK_KOBJECT_UEVENT): a chain of tests, each failing one jumping to the next rule.
 * - Files: the policy (rules and their reasons) is seccomp-policy.ts, the assembler (labels,
 *   jump widening) bpf-assembler.ts, this file the compiler; bpf-interpreter.ts runs the result.
 */
import { assemble, type Insn } from './bpf-assembler';
import {
  conditionsOf,
  DEFAULT_RULES,
  ERRNO,
  validateRule,
  type ArgCondition,
  type SeccompAction,
  type SeccompRule,
} from './seccomp-policy';
import { nativeArch, syscallNumber, auditArch, maxSyscallNumber, type Arch } from './syscalls';

export { assemble, type Insn } from './bpf-assembler';
export {
  CLONE_NS,
  conditionsOf,
  DEFAULT_RULES,
  describeRules,
  ERRNO,
  type ArgCondition,
  type SeccompAction,
  type SeccompRule,
} from './seccomp-policy';

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

/** Below this many numbers the dispatch tree ends in a run of `jeq`s. */
const LINEAR_RUN = 3;

// ---- The program. ----

const OFF_NR = 0;
const OFF_ARCH = 4;
const argLow = (arg: number): number => 16 + 8 * arg;
const argHigh = (arg: number): number => 20 + 8 * arg;

/** kill → USER_NOTIF; errno → ERRNO | n; skip → ERRNO | 0 (the kernel skips the call, returns 0). */
export function actionValue(a: SeccompAction): number {
  if (a.kind === 'kill') return SECCOMP_RET.USER_NOTIF;
  return (SECCOMP_RET.ERRNO | (a.kind === 'errno' ? a.errno : 0)) >>> 0;
}

/** Code for one rule's test: jumps to `yes` when the condition holds, to `no` otherwise. */
function condition(w: ArgCondition, yes: string, no: string, fresh: () => string): Insn[] {
  if (w.op === 'maskAny') {
    return [
      { op: 'ld', offset: argLow(w.arg) },
      { op: 'jcc', cond: 'jset', k: w.mask >>> 0, jt: yes, jf: no },
    ];
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
  rules.forEach(validateRule);
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
  // Every distinct action is one shared `ret` at the end, and a call whose only rule is
  // unconditional jumps straight to it: fewer instructions make installation cheaper too (the
  // kernel checks and translates the whole program at every install).
  const retOf = new Map<number, string>([[SECCOMP_RET.ALLOW, fresh()]]);
  const ret = (value: number): string => {
    const known = retOf.get(value);
    if (known) return known;
    const label = fresh();
    retOf.set(value, label);
    return label;
  };
  const allow = ret(SECCOMP_RET.ALLOW);
  const src: Insn[] = [
    { op: 'ld', offset: OFF_ARCH },
    { op: 'jcc', cond: 'jeq', k: auditArch(arch), jt: 'native', jf: ret(SECCOMP_RET.KILL_PROCESS) },
    { op: 'label', name: 'native' },
    { op: 'ld', offset: OFF_NR },
  ];
  if (arch === 'x86_64') {
    // X32_SYSCALL_BIT and above: the x32 ABI.
    src.push({ op: 'jcc', cond: 'jge', k: 0x40000000, jt: ret(SECCOMP_RET.KILL_PROCESS), jf: 'x64' }, { op: 'label', name: 'x64' });
  }
  src.push(
    { op: 'jcc', cond: 'jgt', k: maxSyscallNumber(arch), jt: ret((SECCOMP_RET.ERRNO | ERRNO.ENOSYS) >>> 0), jf: 'known' },
    { op: 'label', name: 'known' },
  );
  // Dispatch on nr: a binary search over the denied numbers (a few compares per call, where a
  // linear list would take one per rule: the kernel emulates the filter for every syscall
  // number when it installs it, to fill its constant-action cache, so a linear list costs more
  // per installation, i.e. per run: docs/benchmarks.md), then one body per call.
  for (const group of groups.values()) {
    const last = group.findIndex((r) => conditionsOf(r).length === 0);
    if (last !== -1 && last !== group.length - 1)
      throw new RangeError(`seccomp rule ${group[last]!.syscall}: rules after an unconditional one are unreachable`);
  }
  const nrs = [...groups.keys()].sort((a, b) => a - b);
  const direct = (nr: number): boolean => conditionsOf(groups.get(nr)![0]!).length === 0;
  const bodyOf = new Map(nrs.map((nr) => [nr, direct(nr) ? ret(actionValue(groups.get(nr)![0]!.action)) : fresh()]));
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
  for (const nr of nrs) {
    if (direct(nr)) continue;
    const group = groups.get(nr)!;
    src.push({ op: 'label', name: bodyOf.get(nr)! });
    for (const [i, rule] of group.entries()) {
      const conds = conditionsOf(rule);
      const action = ret(actionValue(rule.action));
      if (conds.length === 0) {
        src.push({ op: 'ja', target: action });
        break;
      }
      // All conditions must hold: each one that holds goes on to the next, the last to the
      // action; any that fails goes to the next rule, or after the last rule to ALLOW.
      const no = i === group.length - 1 ? allow : fresh();
      conds.forEach((c, j) => {
        const yes = j === conds.length - 1 ? action : fresh();
        src.push(...condition(c, yes, no, fresh));
        if (yes !== action) src.push({ op: 'label', name: yes });
      });
      if (no !== allow) src.push({ op: 'label', name: no });
    }
  }
  for (const [value, label] of retOf) src.push({ op: 'label', name: label }, { op: 'ret', value });
  const program = assemble(src);
  return { program, instructions: program.length / 8, arch };
}
