import { runSeccompProgram, checkSeccompProgram, decodeProgram, type SeccompData } from '../../src/sandbox/bpf-interpreter';
import {
  buildSeccompProgram,
  describeRules,
  DEFAULT_RULES,
  ERRNO,
  SECCOMP_RET,
  conditionsOf,
  type ArgCondition,
  type SeccompAction,
  type SeccompRule,
} from '../../src/sandbox/seccomp';
import {
  ARCHES,
  AUDIT_ARCH,
  auditArch,
  maxSyscallNumber,
  nativeArch,
  syscallNumber,
  syscallTable,
  type Arch,
} from '../../src/sandbox/syscalls';

const EPERM = (SECCOMP_RET.ERRNO | ERRNO.EPERM) >>> 0;
const ENOSYS = (SECCOMP_RET.ERRNO | ERRNO.ENOSYS) >>> 0;
const EAFNOSUPPORT = (SECCOMP_RET.ERRNO | ERRNO.EAFNOSUPPORT) >>> 0;
const EMFILE = (SECCOMP_RET.ERRNO | ERRNO.EMFILE) >>> 0;
const EPROTONOSUPPORT = (SECCOMP_RET.ERRNO | ERRNO.EPROTONOSUPPORT) >>> 0;
/** `skip`: SECCOMP_RET_ERRNO with data 0, the call is not made and returns 0. */
const SKIPPED = SECCOMP_RET.ERRNO;
const { ALLOW, USER_NOTIF, KILL_PROCESS } = SECCOMP_RET;

const CLONE_VM = 0x100;
const CLONE_FS = 0x200;
const CLONE_FILES = 0x400;
const CLONE_SIGHAND = 0x800;
const CLONE_THREAD = 0x10000;
const CLONE_SYSVSEM = 0x40000;
const CLONE_SETTLS = 0x80000;
const CLONE_PARENT_SETTID = 0x100000;
const CLONE_CHILD_CLEARTID = 0x200000;
const SIGCHLD = 17;
const PTHREAD_FLAGS =
  CLONE_VM |
  CLONE_FS |
  CLONE_FILES |
  CLONE_SIGHAND |
  CLONE_THREAD |
  CLONE_SYSVSEM |
  CLONE_SETTLS |
  CLONE_PARENT_SETTID |
  CLONE_CHILD_CLEARTID;
const CLONE_NEWUSER = 0x10000000;

const programs = new Map(ARCHES.map((arch) => [arch, buildSeccompProgram({ arch })]));

function nr(name: string, arch: Arch): number {
  const n = syscallNumber(name, arch);
  if (n === undefined) throw new Error(`${name} does not exist on ${arch}`);
  return n;
}

/** Runs the default program of `arch` for a native call. */
function run(arch: Arch, name: string, ...args: (number | bigint)[]): number {
  const prog = programs.get(arch);
  if (!prog) throw new Error(`no program for ${arch}`);
  return runSeccompProgram(prog.program, { nr: nr(name, arch), arch: auditArch(arch), args: args.map((a) => BigInt(a)) });
}

function runRaw(arch: Arch, data: SeccompData): number {
  const prog = programs.get(arch);
  if (!prog) throw new Error(`no program for ${arch}`);
  return runSeccompProgram(prog.program, data);
}

/** The value the filter must return for an action (written out here, not taken from the compiler). */
function expected(a: SeccompAction): number {
  return a.kind === 'kill' ? USER_NOTIF : a.kind === 'skip' ? SKIPPED : (SECCOMP_RET.ERRNO | a.errno) >>> 0;
}

/** A value of argument `when.arg` that makes `when` hold, or fail. */
function valueFor(when: ArgCondition, hold: boolean): bigint {
  let v: number;
  if (when.op === 'maskAny') v = hold ? when.mask : 0;
  else {
    const member = when.op === 'in' ? hold : !hold;
    let outside = 0x1234;
    while (when.values.includes(outside)) outside++;
    const first = when.values[0];
    if (first === undefined) throw new Error(`condition on argument ${when.arg} lists no values`);
    v = member ? first : outside;
  }
  return BigInt(v >>> 0);
}

/** What the policy itself says of a call: the first of its rules whose conditions all hold, else allow. */
function policyAnswer(syscall: string, args: readonly bigint[]): number {
  const holds = (c: ArgCondition): boolean => {
    const v = args[c.arg] ?? 0n;
    const low = Number(v & 0xffff_ffffn);
    if (c.op === 'maskAny') return (low & c.mask) !== 0;
    const member = c.values.some((x) => x >>> 0 === low) && (c.upper !== 'zero' || v >> 32n === 0n);
    return c.op === 'in' ? member : !member;
  };
  const rule = DEFAULT_RULES.find((r) => r.syscall === syscall && conditionsOf(r).every(holds));
  return rule ? expected(rule.action) : ALLOW;
}

/** Arguments that make every condition hold. */
function argsHolding(conds: readonly ArgCondition[]): bigint[] {
  const args = [0n, 0n, 0n, 0n, 0n, 0n];
  for (const c of conds) args[c.arg] = valueFor(c, true);
  return args;
}

/** For each condition, arguments where it alone fails (so the whole `when` fails). */
function argsMissing(conds: readonly ArgCondition[]): bigint[][] {
  return conds.map((c) => {
    const args = argsHolding(conds);
    args[c.arg] = valueFor(c, false);
    return args;
  });
}

describe('the default program', () => {
  it.each(ARCHES)('is valid classic BPF for seccomp on %s', (arch) => {
    const p = programs.get(arch);
    expect(p).toBeDefined();
    if (!p) return;
    expect(p.arch).toBe(arch);
    expect(p.program.length % 8).toBe(0);
    expect(p.instructions).toBe(p.program.length / 8);
    expect(p.instructions).toBeLessThan(4096);
    // The kernel checks and translates the whole program at every install (per run): one shared
    // `ret` per action keeps it short (181 on x86_64 with 67 ruled calls; 211 before with 55).
    expect(p.instructions).toBeLessThan(256);
    const rets = decodeProgram(p.program)
      .filter((i) => i.code === 0x06)
      .map((i) => i.k);
    expect(rets.length).toBe(new Set(rets).size);
    expect(() => checkSeccompProgram(p.program)).not.toThrow();
  });

  it('builds for this host by default', () => {
    expect(buildSeccompProgram().arch).toBe(nativeArch());
  });

  it('kills foreign ABIs: i386 and arm compat, x32, and the other 64-bit arch', () => {
    expect(runRaw('x86_64', { nr: 0, arch: AUDIT_ARCH.I386 })).toBe(KILL_PROCESS);
    expect(runRaw('x86_64', { nr: 0, arch: AUDIT_ARCH.AARCH64 })).toBe(KILL_PROCESS);
    expect(runRaw('x86_64', { nr: 0x40000000 | 0, arch: AUDIT_ARCH.X86_64 })).toBe(KILL_PROCESS);
    expect(runRaw('x86_64', { nr: 0x40000000 | 101, arch: AUDIT_ARCH.X86_64 })).toBe(KILL_PROCESS);
    expect(runRaw('aarch64', { nr: 63, arch: AUDIT_ARCH.ARM })).toBe(KILL_PROCESS);
    expect(runRaw('aarch64', { nr: 63, arch: AUDIT_ARCH.X86_64 })).toBe(KILL_PROCESS);
  });

  it('answers ENOSYS for calls newer than the table, and leaves gaps to the kernel', () => {
    for (const arch of ARCHES) {
      expect(runRaw(arch, { nr: maxSyscallNumber(arch) + 1, arch: auditArch(arch) })).toBe(ENOSYS);
      expect(runRaw(arch, { nr: 400, arch: auditArch(arch) })).toBe(ALLOW);
    }
  });

  describe.each(ARCHES)('on %s', (arch) => {
    it('answers every system call number as its rules say (the dispatch tree misses none)', () => {
      // Reference: with all arguments 0, a call's first unconditional rule, or its first rule
      // whose condition holds for zeros, decides; a call without rules is allowed.
      // A list of conditions holds when all do. A call without rules must take a path that
      // loads nothing but nr and arch: the kernel's constant-action cache then allows it
      // without running the filter.
      const holdsForZeros = (w: ArgCondition): boolean =>
        w.op === 'maskAny' ? false : w.op === 'in' ? w.values.includes(0) : !w.values.includes(0);
      for (let n = 0; n <= maxSyscallNumber(arch); n++) {
        const rules = DEFAULT_RULES.filter((r) => syscallNumber(r.syscall, arch) === n);
        const decisive = rules.find((r) => conditionsOf(r).every(holdsForZeros));
        const want = !decisive ? ALLOW : expected(decisive.action);
        const loads: number[] = [];
        const got = runSeccompProgram(programs.get(arch)!.program, { nr: n, arch: auditArch(arch), args: [0n, 0n, 0n, 0n, 0n, 0n] }, loads);
        expect([n, got]).toEqual([n, want]);
        if (rules.length === 0) expect([n, loads.filter((off) => off !== 0 && off !== 4)]).toEqual([n, []]);
        else if (conditionsOf(rules[0]!).length) expect([n, loads.some((off) => off >= 16)]).toEqual([n, true]); // its body read an argument
      }
    });

    it('allows what every program does', () => {
      for (const name of ['read', 'write', 'openat', 'mmap', 'execve', 'exit_group', 'futex', 'close_range', 'fcntl', 'seccomp', 'prctl']) {
        expect([name, run(arch, name)]).toEqual([name, ALLOW]);
      }
    });

    it('allows fork and threads through clone', () => {
      expect(run(arch, 'clone', SIGCHLD)).toBe(ALLOW);
      expect(run(arch, 'clone', PTHREAD_FLAGS)).toBe(ALLOW);
      expect(run(arch, 'clone', CLONE_VM | 0x4000 /* CLONE_VFORK */ | SIGCHLD)).toBe(ALLOW);
    });

    it('refuses new namespaces with EPERM, clone3 with ENOSYS', () => {
      expect(run(arch, 'clone', CLONE_NEWUSER | SIGCHLD)).toBe(EPERM);
      expect(run(arch, 'clone', 0x40000000 /* CLONE_NEWNET */)).toBe(EPERM);
      expect(run(arch, 'clone3', 0)).toBe(ENOSYS);
      expect(run(arch, 'unshare', CLONE_NEWUSER)).toBe(EPERM);
      expect(run(arch, 'unshare', 0x80 /* CLONE_NEWTIME */)).toBe(EPERM);
      expect(run(arch, 'unshare', CLONE_FILES)).toBe(ALLOW);
      expect(run(arch, 'setns', 3, 0)).toBe(EPERM);
    });

    it('sends ptrace, keyctl, mount and bpf to the supervisor (SE)', () => {
      for (const name of ['ptrace', 'keyctl', 'mount', 'bpf']) expect([name, run(arch, name)]).toEqual([name, USER_NOTIF]);
    });

    it('treats ioctl by request: TIOCSTI is SE, TCGETS is allowed, high bits do not bypass', () => {
      expect(run(arch, 'ioctl', 0, 0x5412)).toBe(USER_NOTIF);
      expect(run(arch, 'ioctl', 0, 0x541c)).toBe(USER_NOTIF);
      expect(run(arch, 'ioctl', 0, 0xdead_0000_5412n)).toBe(USER_NOTIF);
      expect(run(arch, 'ioctl', 0, 0x5401 /* TCGETS */)).toBe(ALLOW);
    });

    it('refuses vsock and AF_ALG sockets, allows inet, unix and netlink', () => {
      expect(run(arch, 'socket', 40 /* AF_VSOCK */, 1)).toBe(EAFNOSUPPORT);
      expect(run(arch, 'socket', 0x1_0000_0028n, 1)).toBe(EAFNOSUPPORT);
      expect(run(arch, 'socket', 38 /* AF_ALG */, 5)).toBe(EAFNOSUPPORT);
      for (const domain of [2 /* AF_INET */, 10 /* AF_INET6 */, 1 /* AF_UNIX */, 16 /* AF_NETLINK */]) {
        expect([domain, run(arch, 'socket', domain, 1)]).toEqual([domain, ALLOW]);
      }
    });

    it('allows personality queries and PER_LINUX, refuses ADDR_NO_RANDOMIZE', () => {
      expect(run(arch, 'personality', 0)).toBe(ALLOW);
      expect(run(arch, 'personality', 0xffffffff)).toBe(ALLOW);
      expect(run(arch, 'personality', 0x0008)).toBe(ALLOW);
      expect(run(arch, 'personality', 0x0040000)).toBe(EPERM);
      expect(run(arch, 'personality', 0x0400000 /* READ_IMPLIES_EXEC */)).toBe(EPERM);
    });

    it('refuses AIO contexts (ENOSYS) and inotify instances (EMFILE), the host-wide budgets; leaves the calls that need them', () => {
      expect(run(arch, 'io_setup', 1, 0)).toBe(ENOSYS);
      for (const name of ['io_submit', 'io_getevents', 'io_destroy', 'io_cancel', 'inotify_add_watch', 'epoll_create1', 'pipe2']) {
        expect([name, run(arch, name)]).toEqual([name, ALLOW]);
      }
      expect(run(arch, 'inotify_init1', 0)).toBe(EMFILE);
      if (arch === 'x86_64') expect(run(arch, 'inotify_init')).toBe(EMFILE);
    });

    it('makes sync, syncfs and the fsync family return 0 without doing anything', () => {
      for (const name of ['sync', 'syncfs', 'fsync', 'fdatasync', 'sync_file_range'])
        expect([name, run(arch, name, 3)]).toEqual([name, SKIPPED]);
      expect(SKIPPED).toBe(0x00050000);
      const MS_ASYNC = 1,
        MS_INVALIDATE = 2,
        MS_SYNC = 4;
      expect(run(arch, 'msync', 0x1000, 4096, MS_SYNC)).toBe(SKIPPED);
      expect(run(arch, 'msync', 0x1000, 4096, MS_SYNC | MS_INVALIDATE)).toBe(SKIPPED);
      expect(run(arch, 'msync', 0x1000, 4096, MS_ASYNC)).toBe(ALLOW);
      expect(run(arch, 'msync', 0x1000, 4096, MS_INVALIDATE)).toBe(ALLOW);
    });

    it("skips advice that drops shared page cache, keeps the rest (MADV_DONTNEED is malloc's)", () => {
      const DONTNEED = 4,
        WILLNEED = 3,
        SEQUENTIAL = 2,
        COLD = 20,
        PAGEOUT = 21,
        FREE = 8;
      expect(run(arch, 'fadvise64', 3, 0, 0, DONTNEED)).toBe(SKIPPED);
      expect(run(arch, 'fadvise64', 3, 0, 0, 0xffff_ffff_0000_0000n | BigInt(DONTNEED))).toBe(SKIPPED); // an int: low word
      expect(run(arch, 'fadvise64', 3, 0, 0, WILLNEED)).toBe(ALLOW);
      expect(run(arch, 'fadvise64', 3, 0, 0, SEQUENTIAL)).toBe(ALLOW);
      expect(run(arch, 'madvise', 0x1000, 4096, COLD)).toBe(SKIPPED);
      expect(run(arch, 'madvise', 0x1000, 4096, PAGEOUT)).toBe(SKIPPED);
      for (const advice of [DONTNEED, FREE, WILLNEED, 14 /* HUGEPAGE */])
        expect([advice, run(arch, 'madvise', 0x1000, 4096, advice)]).toEqual([advice, ALLOW]);
      expect(run(arch, 'process_madvise', 3, 0x1000, 1, PAGEOUT, 0)).toBe(SKIPPED);
      expect(run(arch, 'process_madvise', 3, 0x1000, 1, DONTNEED, 0)).toBe(ALLOW);
    });

    it('keeps the core limit as the box set it: a set is skipped or refused, a get and other limits pass', () => {
      const CORE = 4,
        NOFILE = 7,
        NEW = 0x7ffd_0000_1000n,
        OLD = 0x7ffd_0000_2000n;
      expect(run(arch, 'prlimit64', 0, CORE, NEW, 0)).toBe(SKIPPED); // glibc's setrlimit
      expect(run(arch, 'prlimit64', 0, CORE, 0x1_0000_0000n, 0)).toBe(SKIPPED); // a pointer: both words
      expect(run(arch, 'prlimit64', 1234, CORE, NEW, OLD)).toBe(EPERM); // old cannot be filled in
      expect(run(arch, 'prlimit64', 0, 0x1_0000_0000n | BigInt(CORE), NEW, 0)).toBe(SKIPPED); // an int: low word
      expect(run(arch, 'prlimit64', 0, CORE, 0, OLD)).toBe(ALLOW); // glibc's getrlimit
      expect(run(arch, 'prlimit64', 0, NOFILE, NEW, OLD)).toBe(ALLOW);
      expect(run(arch, 'prlimit64', 0, NOFILE, NEW, 0)).toBe(ALLOW);
      expect(run(arch, 'setrlimit', CORE, NEW)).toBe(SKIPPED);
      expect(run(arch, 'setrlimit', NOFILE, NEW)).toBe(ALLOW);
      expect(run(arch, 'getrlimit', CORE, OLD)).toBe(ALLOW);
    });

    it('refuses the netlink uevent socket only: both conditions must hold', () => {
      const AF_NETLINK = 16,
        SOCK_RAW = 3,
        SOCK_DGRAM = 2,
        UEVENT = 15;
      expect(run(arch, 'socket', AF_NETLINK, SOCK_DGRAM, UEVENT)).toBe(EPROTONOSUPPORT);
      expect(run(arch, 'socket', AF_NETLINK, SOCK_RAW | 0x80000 /* SOCK_CLOEXEC */, UEVENT)).toBe(EPROTONOSUPPORT);
      expect(run(arch, 'socket', 0x1_0000_0010n, SOCK_DGRAM, 0x1_0000_000fn)).toBe(EPROTONOSUPPORT); // ints: low words
      expect(run(arch, 'socket', AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */)).toBe(ALLOW);
      expect(run(arch, 'socket', AF_NETLINK, SOCK_RAW, 9 /* NETLINK_AUDIT */)).toBe(ALLOW);
      expect(run(arch, 'socket', 2 /* AF_INET */, SOCK_RAW, UEVENT)).toBe(ALLOW);
    });

    it('hits every default rule, and allows the next call in the table', () => {
      const table = syscallTable(arch);
      const ruled = new Set(DEFAULT_RULES.map((r) => r.syscall));
      const byNr = Object.entries(table).sort((a, b) => a[1] - b[1]);
      const seen = new Set<string>();
      for (const rule of DEFAULT_RULES) {
        const n = syscallNumber(rule.syscall, arch);
        if (n === undefined) continue; // e.g. iopl on aarch64
        const want = expected(rule.action);
        const conds = conditionsOf(rule);
        expect([rule.syscall, runRaw(arch, { nr: n, arch: auditArch(arch), args: argsHolding(conds) })]).toEqual([rule.syscall, want]);
        expect([rule.syscall, policyAnswer(rule.syscall, argsHolding(conds))]).toEqual([rule.syscall, want]); // not shadowed
        if (conds.length && !seen.has(rule.syscall)) {
          for (const miss of argsMissing(conds)) {
            // Allowed, unless a later rule of the call holds for these arguments.
            expect([rule.syscall, 'miss', runRaw(arch, { nr: n, arch: auditArch(arch), args: miss })]).toEqual([
              rule.syscall,
              'miss',
              policyAnswer(rule.syscall, miss),
            ]);
          }
        }
        seen.add(rule.syscall);
        const next = byNr.find(([name, m]) => m > n && !ruled.has(name));
        if (next) expect([next[0], runRaw(arch, { nr: next[1], arch: auditArch(arch) })]).toEqual([next[0], ALLOW]);
      }
    });
  });
});

describe('rules', () => {
  it('each carry a one-line reason and name a known call', () => {
    for (const r of DEFAULT_RULES) {
      expect([r.syscall, r.reason.trim().length > 0 && !r.reason.includes('\n')]).toEqual([r.syscall, true]);
      expect([r.syscall, ARCHES.some((a) => syscallNumber(r.syscall, a) !== undefined)]).toEqual([r.syscall, true]);
    }
  });

  it('are described one line each', () => {
    const lines = describeRules();
    expect(lines).toHaveLength(DEFAULT_RULES.length);
    expect(lines.find((l) => l.startsWith('ptrace'))).toMatch(/^ptrace: SE — /);
    expect(lines.find((l) => l.startsWith('clone3'))).toMatch(/errno ENOSYS/);
    expect(lines.find((l) => l.startsWith('sync:'))).toMatch(/^sync: no-op \(returns 0\) — /);
    expect(lines.find((l) => l.includes('EPROTONOSUPPORT'))).toMatch(
      /^socket when arg0 \(low 32 bits\) in \{0x10\} and arg2 \(low 32 bits\) in \{0xf\}: errno EPROTONOSUPPORT — /,
    );
  });

  it('hold a list of conditions only when all hold, in any combination of tests', () => {
    const p = buildSeccompProgram({
      arch: 'x86_64',
      rules: [
        {
          syscall: 'lseek',
          action: { kind: 'skip' },
          reason: 'x',
          when: [
            { arg: 0, op: 'maskAny', mask: 0x6 },
            { arg: 1, op: 'in', values: [7, 9], upper: 'zero' },
            { arg: 2, op: 'notIn', values: [1] },
          ],
        },
        { syscall: 'lseek', action: { kind: 'errno', errno: 22 }, when: [{ arg: 2, op: 'in', values: [1] }], reason: 'x' },
      ],
    });
    const at = (a: bigint, b: bigint, c: bigint): number =>
      runSeccompProgram(p.program, { nr: 8, arch: AUDIT_ARCH.X86_64, args: [a, b, c] });
    expect(at(2n, 7n, 0n)).toBe(SKIPPED);
    expect(at(4n, 9n, 2n)).toBe(SKIPPED);
    expect(at(1n, 7n, 0n)).toBe(ALLOW); // first fails
    expect(at(2n, 8n, 0n)).toBe(ALLOW); // second fails
    expect(at(2n, 0x1_0000_0007n, 0n)).toBe(ALLOW); // second fails on the high word
    expect(at(2n, 7n, 1n)).toBe((SECCOMP_RET.ERRNO | 22) >>> 0); // third fails: the next rule decides
    expect(at(0n, 0n, 1n)).toBe((SECCOMP_RET.ERRNO | 22) >>> 0);
    expect(() => checkSeccompProgram(p.program)).not.toThrow();
  });

  it('reject an empty condition list', () => {
    expect(() =>
      buildSeccompProgram({ arch: 'x86_64', rules: [{ syscall: 'read', action: { kind: 'skip' }, when: [], reason: 'x' }] }),
    ).toThrow(/empty condition list/);
  });

  it('reject unknown calls, bad errnos and bad arguments', () => {
    const build = (rules: SeccompRule[]) => () => buildSeccompProgram({ arch: 'x86_64', rules });
    expect(build([{ syscall: 'no_such_call', action: { kind: 'kill' }, reason: 'x' }])).toThrow(/unknown system call/);
    expect(build([{ syscall: 'read', action: { kind: 'errno', errno: 0 }, reason: 'x' }])).toThrow(/errno/);
    expect(build([{ syscall: 'read', action: { kind: 'kill' }, reason: ' ' }])).toThrow(/reason/);
    expect(build([{ syscall: 'read', action: { kind: 'kill' }, when: { arg: 6, op: 'maskAny', mask: 1 }, reason: 'x' }])).toThrow(
      /argument/,
    );
    expect(
      build([
        { syscall: 'read', action: { kind: 'kill' }, reason: 'x' },
        { syscall: 'read', action: { kind: 'kill' }, when: { arg: 0, op: 'in', values: [1] }, reason: 'x' },
      ]),
    ).toThrow(/unreachable/);
  });

  it('compare the high word when asked (upper: zero)', () => {
    const p = buildSeccompProgram({
      arch: 'x86_64',
      rules: [{ syscall: 'lseek', action: { kind: 'kill' }, when: { arg: 1, op: 'notIn', values: [0, 5], upper: 'zero' }, reason: 'x' }],
    });
    const at = (off: bigint): number => runSeccompProgram(p.program, { nr: 8, arch: AUDIT_ARCH.X86_64, args: [3n, off] });
    expect(at(5n)).toBe(ALLOW);
    expect(at(0n)).toBe(ALLOW);
    expect(at(0x1_0000_0005n)).toBe(USER_NOTIF);
    expect(at(7n)).toBe(USER_NOTIF);
  });

  it('try several rules of one call in order', () => {
    const p = buildSeccompProgram({
      arch: 'aarch64',
      rules: [
        { syscall: 'socket', action: { kind: 'errno', errno: 97 }, when: { arg: 0, op: 'in', values: [40] }, reason: 'x' },
        { syscall: 'socket', action: { kind: 'kill' }, when: { arg: 1, op: 'maskAny', mask: 3 }, reason: 'x' },
      ],
    });
    const sock = (d: number, t: number): number =>
      runSeccompProgram(p.program, { nr: 198, arch: AUDIT_ARCH.AARCH64, args: [BigInt(d), BigInt(t)] });
    expect(sock(40, 1)).toBe(EAFNOSUPPORT);
    expect(sock(2, 1)).toBe(USER_NOTIF);
    expect(sock(2, 4)).toBe(ALLOW);
  });
});
