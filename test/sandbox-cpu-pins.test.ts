/**
 * Pinning runs to CPUs (CAGED_CPUS, SandboxOptions.cpus) on this machine's real cgroups and
 * programs compiled by the image's gcc, as root and, in the rootless tier, as an ordinary user
 * whose cpuset scripts/setup-host.sh delegated: a run, its threads and its children stay on the CPU it
 * was given, a program cannot widen its own affinity beyond it, runs at once get CPUs of their
 * own, and what cannot be pinned is refused at start. The CPU choice alone:
 * test/unit/cpu-pins.test.ts; the cgroup v2 files: test/cgroup-v2.test.ts; finding a delegated
 * cpuset, and the refusals without one: test/unit/cgroup-delegation.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import { allowedCpus } from '../src/linux/cpu-list';
import { Sandbox } from '../src/sandbox/sandbox';
import { testRootfs } from './helpers/image';
import { ROOTLESS } from './helpers/mode';
import { ENV, LIMITS, compilePrograms, type Programs } from './helpers/programs';

jest.setTimeout(120_000);

const cpus = allowedCpus();
const last = cpus[cpus.length - 1]!;

/** What ./pinned printed: its CPUs, its children's, and its CPUs after asking for all. */
function report(stdout: Buffer): { allowed: number[]; children: number[]; widened: number[] } {
  const lines = stdout.toString().trim().split('\n');
  const list = (prefix: string): number[] =>
    (lines.find((l) => l.startsWith(`${prefix} `)) ?? lines.find((l) => l === prefix) ?? '').split(' ').slice(1).map(Number);
  return {
    allowed: list('allowed'),
    children: lines.filter((l) => l.startsWith('child ')).map((l) => Number(l.split(' ')[1])),
    widened: list('widened'),
  };
}

/** Where the v1 CPU groups are: root's `caged`, a rootless worker's `caged-<user>` (scripts/setup-host.sh --user). */
const V1_GROUPS = `/sys/fs/cgroup/cpuset/${ROOTLESS ? `caged-${os.userInfo().username}` : 'caged'}`;

describe(`runs pinned to CPUs (${ROOTLESS ? 'rootless, the cpuset delegated by setup-host.sh' : 'root'})`, () => {
  let sandbox: Sandbox;
  let programs: Programs;
  let rootfs: readonly string[];

  beforeAll(async () => {
    sandbox = await Sandbox.create({ cpus: [last] });
    expect(sandbox.mode).toBe(ROOTLESS ? 'rootless' : 'root');
    rootfs = await testRootfs();
    programs = await compilePrograms(sandbox, rootfs);
  });
  afterAll(async () => {
    programs?.job.remove();
    await sandbox?.close();
  });

  it('keeps a program and all its children on its CPU, which it cannot widen', async () => {
    const r = await programs.run(['./pinned'], { pids: 16 });
    expect(r.exitCode).toBe(0);
    const got = report(r.stdout);
    expect(got.allowed).toEqual([last]);
    expect(got.children).toEqual(Array(8).fill(last));
    expect(got.widened).toEqual([last]);
  });

  it('makes a cgroup v1 CPU group anew when it was removed since its last run', async () => {
    if (sandbox.cgroups.kind !== 'v1') return; // v2 pins each run's own leaf: no shared group to remove
    const group = `${V1_GROUPS}/cpus-${last}`;
    expect((await programs.run(['./pinned'], { pids: 16 })).exitCode).toBe(0);
    await sandbox.whenPrepared(); // the last run's B has exited: the group is empty
    fs.rmdirSync(group);
    const r = await programs.run(['./pinned'], { pids: 16 });
    expect(r.exitCode).toBe(0);
    expect(report(r.stdout).allowed).toEqual([last]);
    expect(fs.readFileSync(`${group}/cpuset.cpus`, 'utf8').trim()).toBe(String(last));
  });

  it('gives runs at once CPUs of their own while the list has enough', async () => {
    if (cpus.length < 2) return; // one CPU: nothing to tell apart
    const two = await Sandbox.create({ cpus: cpus.slice(0, 2) });
    try {
      // Each sleeps 800 ms after its report: the two overlap.
      const runs = await Promise.all(
        [0, 1].map(() =>
          two.run({
            rootfs: { mode: 'overlay', lowerDirs: rootfs },
            box: { hostDir: programs.job.box, mode: 'overlay' },
            argv: ['./pinned', '800'],
            env: ENV,
            limits: { ...LIMITS, pids: 16 },
          }),
        ),
      );
      expect(runs.map((r) => r.exitCode)).toEqual([0, 0]);
      const allowed = runs.map((r) => report(r.stdout).allowed);
      expect(allowed.map((a) => a.length)).toEqual([1, 1]);
      expect(new Set(allowed.flat())).toEqual(new Set(cpus.slice(0, 2)));
    } finally {
      await two.close();
    }
  });

  it('refuses at start a CPU this process may not run on', async () => {
    await expect(Sandbox.create({ cpus: [4095], preparedContainers: 0 })).rejects.toThrow(
      /CAGED_CPUS: CPU 4095 is not one this process may run on/,
    );
  });
});
