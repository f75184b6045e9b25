/** A run plan's checks, rlimits and environment, without a sandbox: bad plans are the caller's error; every rlimit has its reason. */
import { InvalidRequestError } from '../../src/errors';
import { RLIM_INFINITY, RLIMIT } from '../../src/linux/constants';
import { validatePlan } from '../../src/sandbox/plan-checks';
import { envFor, rlimitsFor } from '../../src/sandbox/run-limits';
import type { RunPlan } from '../../src/sandbox/types';

const MiB = 2 ** 20;
const plan = (over: Partial<RunPlan> = {}): RunPlan => ({
  rootfs: { mode: 'overlay', lowerDirs: ['/nonexistent'] },
  argv: ['/bin/true'],
  env: { PATH: '/bin' },
  limits: {
    cpuTimeMs: 1500,
    wallTimeMs: 3000,
    memoryBytes: 64 * MiB,
    addressSpaceBytes: 0,
    pids: 8,
    outputBytes: MiB,
    fileSizeBytes: MiB,
    openFiles: 32,
    stackBytes: 0,
    diskBytes: 16 * MiB,
  },
  ...over,
});

describe('validatePlan', () => {
  it('accepts a whole plan', () => {
    expect(() => validatePlan(plan())).not.toThrow();
  });

  it('refuses an empty command, a limit out of range and a bad environment entry, naming the field', () => {
    expect(() => validatePlan(plan({ argv: [] }))).toThrow(InvalidRequestError);
    expect(() => validatePlan(plan({ limits: { ...plan().limits, pids: 0 } }))).toThrow(/positive/);
    expect(() => validatePlan(plan({ limits: { ...plan().limits, stackBytes: -1 } }))).toThrow(/zero or positive/);
    expect(() => validatePlan(plan({ env: { 'A=B': 'x' } }))).toThrow(/environment/);
  });

  it("accepts lower layers of an overlay /box only, each an absolute path fit for overlayfs's options", () => {
    const box = (mode: 'rw' | 'overlay', lowerDirs: string[]) => plan({ box: { hostDir: '/jobs/1/box', mode, lowerDirs } });
    expect(() => validatePlan(box('overlay', ['/cache/entries/k/files']))).not.toThrow();
    expect(() => validatePlan(box('rw', ['/cache/entries/k/files']))).toThrow(/only for an overlay/);
    for (const bad of ['relative', '/a:b', '/a,b']) expect(() => validatePlan(box('overlay', [bad]))).toThrow(InvalidRequestError);
  });

  it('accepts owned directories of an rw /box only, each a relative path of plain names', () => {
    const box = (mode: 'rw' | 'overlay', ownedDirs: string[]) => plan({ box: { hostDir: '/jobs/1/box', mode, ownedDirs } });
    expect(() => validatePlan(box('rw', ['unsigned', 'a/b']))).not.toThrow();
    expect(() => validatePlan(box('overlay', ['unsigned']))).toThrow(/only for an rw/);
    for (const bad of ['', '/etc', '..', 'a/../..', 'a//b', './a', 'a\0b'])
      expect(() => validatePlan(box('rw', [bad]))).toThrow(/relative path of plain names/);
  });
});

describe('rlimitsFor', () => {
  const byResource = (p: RunPlan) => new Map(rlimitsFor(p).map((r) => [r.resource, r]));

  it('sets each resource once, each with a reason', () => {
    const list = rlimitsFor(plan());
    expect(new Set(list.map((r) => r.resource)).size).toBe(list.length);
    for (const r of list) expect(r.why.length).toBeGreaterThan(0);
  });

  it('backs the CPU limit with whole seconds well above it, and leaves the address space open when unset', () => {
    const m = byResource(plan());
    // 1.5 × the limit, rounded up to a second, plus a second: the tick-counted clock runs ahead under load.
    expect(plan().limits.cpuTimeMs).toBe(1500);
    expect(m.get(RLIMIT.CPU)).toMatchObject({ cur: 4n, max: 5n });
    const six = byResource(plan({ limits: { ...plan().limits, cpuTimeMs: 6000 } }));
    expect(six.get(RLIMIT.CPU)).toMatchObject({ cur: 10n, max: 11n });
    expect(m.get(RLIMIT.AS)).toMatchObject({ cur: RLIM_INFINITY, max: RLIM_INFINITY });
    // No stack limit of its own (the memory limit bounds it): glibc's threads then get 2 MiB, not the memory limit each.
    expect(m.get(RLIMIT.STACK)).toMatchObject({ cur: RLIM_INFINITY, max: RLIM_INFINITY });
    const own = byResource(plan({ limits: { ...plan().limits, stackBytes: 8 * MiB } }));
    expect(own.get(RLIMIT.STACK)).toMatchObject({ cur: BigInt(8 * MiB), max: BigInt(8 * MiB) });
    expect(m.get(RLIMIT.CORE)).toMatchObject({ cur: 1n, max: 1n });
  });

  it('rlimits only: the CPU limit rounded up to a second, the address space at the memory limit, processes at pids', () => {
    const m = new Map(rlimitsFor(plan(), true).map((r) => [r.resource, r]));
    expect(m.get(RLIMIT.CPU)).toMatchObject({ cur: 2n, max: 3n });
    expect(m.get(RLIMIT.AS)).toMatchObject({ cur: BigInt(64 * MiB), max: BigInt(64 * MiB) });
    expect(m.get(RLIMIT.NPROC)?.cur).toBe(BigInt(plan().limits.pids));
    // An explicit address-space limit stays what it is.
    const own = new Map(rlimitsFor(plan({ limits: { ...plan().limits, addressSpaceBytes: 512 * MiB } }), true).map((r) => [r.resource, r]));
    expect(own.get(RLIMIT.AS)?.cur).toBe(BigInt(512 * MiB));
  });
});

describe('envFor', () => {
  const limited = (env: Record<string, string> = { PATH: '/bin' }) =>
    plan({ env, limits: { ...plan().limits, addressSpaceBytes: 320 * MiB } });

  it("is the plan's environment when no address-space limit applies", () => {
    expect(envFor(plan())).toEqual(['PATH=/bin']);
  });

  it('bounds glibc to one arena under an address-space limit: its own, or the memory limit with rlimits only', () => {
    expect(envFor(limited())).toEqual(['PATH=/bin', 'MALLOC_ARENA_MAX=1']);
    expect(envFor(plan(), true)).toEqual(['PATH=/bin', 'MALLOC_ARENA_MAX=1']);
  });

  it("keeps a bound the plan's environment sets itself", () => {
    expect(envFor(limited({ PATH: '/bin', MALLOC_ARENA_MAX: '4' }))).toEqual(['PATH=/bin', 'MALLOC_ARENA_MAX=4']);
    const tunables = { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' };
    expect(envFor(limited(tunables))).toEqual(['GLIBC_TUNABLES=glibc.malloc.arena_max=2']);
    // Other tunables do not bound the arenas.
    expect(envFor(limited({ GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0' }))).toContain('MALLOC_ARENA_MAX=1');
  });
});
