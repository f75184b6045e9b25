/**
 * The rlimits of a run's program (C), one reason each. They are per process and always set,
 * beside the cgroup (which counts the whole container): backstops, and the limits a cgroup
 * cannot express (file size, open files, stack, no core dumps).
 */
import { RLIM_INFINITY, RLIMIT } from '../linux/constants';
import type { RlimitSetting } from './protocol';
import type { RunPlan } from './types';

/**
 * Signals queued to a box and not yet delivered (sigqueue, POSIX timers). The count is per user
 * and climbs the user-namespace tree: each box's namespace is owned by host root, so whatever a
 * box queues is charged to root's count as well. The box's own rlimit stops it at this many, so
 * its charge to root (and to every other box, all owned by root) is at most this.
 */
const SIGPENDING_PER_BOX = 256n;

/** With a cgroup, RLIMIT_CPU is this many times the CPU limit, plus a second: a backstop only. */
export const BACKSTOP_CPU_FACTOR = 1.5;

/**
 * The rlimits of C for this plan, each with its reason (B applies them before exec). `rlimitsOnly`
 * (no cgroup: src/cgroup/rlimits.ts): they are the limits, CPU at the limit rounded up to a second
 * (SIGXCPU, then SIGKILL a second later) and the address space at the memory limit.
 */
export function rlimitsFor(plan: RunPlan, rlimitsOnly = false): RlimitSetting[] {
  const l = plan.limits;
  const b = (n: number) => BigInt(Math.floor(n));
  // With a cgroup, the backstop lies well above the limit: RLIMIT_CPU is checked against a clock
  // that counts whole ticks and runs ahead of the cgroup's precise count under load (20 % was
  // measured: container-run.ts RLIMIT_CPU_MIN_SHARE), and a backstop reached first would end a
  // program at 5.9 s of a 6 s limit by a signal, RE (seen judging GCPC 2023 on 2 busy cores).
  const cpuS = rlimitsOnly ? Math.ceil(l.cpuTimeMs / 1000) : Math.ceil((l.cpuTimeMs * BACKSTOP_CPU_FACTOR) / 1000) + 1;
  const cpuWhy = rlimitsOnly ? 'the CPU limit, per process (rlimits only)' : 'backstop per process; the cgroup watchdog enforces the limit';
  const list: RlimitSetting[] = [
    { resource: RLIMIT.CPU, cur: b(cpuS), max: b(cpuS + 1), why: cpuWhy },
    { resource: RLIMIT.FSIZE, cur: b(l.fileSizeBytes), max: b(l.fileSizeBytes), why: 'largest file the program may write' },
    // Without a stack limit of its own, none: the memory limit bounds the main stack (the
    // cgroup counts its pages; RLIMIT_AS its range), and glibc gives a thread its 2 MiB default
    // stack. Set to the memory limit, glibc would reserve that much for every thread, and under
    // an address-space limit (rlimits only, addressSpaceGraceMiB) not even a second thread fits.
    {
      resource: RLIMIT.STACK,
      cur: l.stackBytes ? b(l.stackBytes) : RLIM_INFINITY,
      max: l.stackBytes ? b(l.stackBytes) : RLIM_INFINITY,
      why: l.stackBytes ? 'stack size' : "stack: none of its own, the memory limit bounds it; threads get glibc's 2 MiB default",
    },
    // 1, not 0: a core file needs a page at least, and a piped core_pattern (apport,
    // systemd-coredump) aborts at exactly 1 where 0 still starts its helper as root on the host.
    // seccomp keeps the program from changing it (seccomp-policy.ts).
    { resource: RLIMIT.CORE, cur: 1n, max: 1n, why: "no core dumps, not even to a piped core_pattern's host helper" },
    { resource: RLIMIT.NPROC, cur: b(l.pids), max: b(l.pids), why: "processes of the box's own host uid" },
    { resource: RLIMIT.NOFILE, cur: b(l.openFiles), max: b(l.openFiles), why: 'open files' },
    { resource: RLIMIT.MEMLOCK, cur: 0n, max: 0n, why: 'no locked memory' },
    { resource: RLIMIT.MSGQUEUE, cur: 0n, max: 0n, why: 'no POSIX message queues' },
    {
      resource: RLIMIT.SIGPENDING,
      cur: SIGPENDING_PER_BOX,
      max: SIGPENDING_PER_BOX,
      why: 'queued signals, charged to host root too: bounded per box',
    },
    { resource: RLIMIT.NICE, cur: 0n, max: 0n, why: 'no raising priority' },
    { resource: RLIMIT.RTPRIO, cur: 0n, max: 0n, why: 'no real-time scheduling' },
  ];
  const as = addressSpaceOf(plan, rlimitsOnly);
  list.push({
    resource: RLIMIT.AS,
    cur: as ? b(as) : RLIM_INFINITY,
    max: as ? b(as) : RLIM_INFINITY,
    why: rlimitsOnly ? 'the memory limit, per process (rlimits only)' : 'address space (optional; the cgroup limit is what counts)',
  });
  return list;
}

/** RLIMIT_AS of the plan's program in bytes, 0 for none: its own, else the memory limit with rlimits only. */
function addressSpaceOf(plan: RunPlan, rlimitsOnly: boolean): number {
  return plan.limits.addressSpaceBytes || (rlimitsOnly ? plan.limits.memoryBytes : 0);
}

/**
 * glibc's arena bound for a program under an address-space limit. Each thread's first `malloc`
 * would otherwise make it an arena of its own (up to 8 per core), each reserving 64 MiB of
 * address space (128 MiB while it is made) that RLIMIT_AS counts and the program never touches:
 * two threads that allocated once left a 200 MiB `malloc` under 256 MiB returning NULL (measured
 * with prlimit on Debian 12's glibc). One arena reserves nothing beyond what is allocated.
 */
const ARENA_BOUND = 'MALLOC_ARENA_MAX=1';

/** Whether `env` bounds glibc's arenas itself (MALLOC_ARENA_MAX, or GLIBC_TUNABLES naming arena_max). */
function boundsArenas(env: RunPlan['env']): boolean {
  return Object.hasOwn(env, 'MALLOC_ARENA_MAX') || (env.GLIBC_TUNABLES ?? '').includes('glibc.malloc.arena_max');
}

/**
 * The environment of the plan's program, `NAME=value` each. Under an address-space limit it gains
 * ARENA_BOUND, unless the plan's own environment already bounds the arenas (MALLOC_ARENA_MAX, or
 * GLIBC_TUNABLES naming arena_max: the language's or the operator's choice is kept).
 */
export function envFor(plan: RunPlan, rlimitsOnly = false): string[] {
  const env = Object.entries(plan.env).map(([k, v]) => `${k}=${v}`);
  if (addressSpaceOf(plan, rlimitsOnly) && !boundsArenas(plan.env)) env.push(ARENA_BOUND);
  return env;
}
