/**
 * What holds in both modes, checked here with the mode the run was started in (root by
 * `npm test`, rootless by scripts/test-rootless.sh as an ordinary user): the box's identity
 * (hostname caged, uid/gid 256, a host uid that is neither root nor the worker's, only `lo`, no
 * host path in mountinfo), that the program cannot unmount or remount anything even when it
 * makes itself root of a new user namespace (its mounts are locked), and that the limits are
 * the cgroup's (rootless: the user's delegated subtree).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JobDirs, type JobDir } from '../src/rootfs/job-dirs';
import { stateDir, runtimeDir } from '../src/linux/state-dirs';
import { readOwnerSubIds, currentOwner } from '../src/linux/subids';
import { Sandbox } from '../src/sandbox/sandbox';
import type { RunPlan, RunResult } from '../src/sandbox/types';
import { testRootfs } from './helpers/image';
import { EXPECTED_MODE, ROOTLESS } from './helpers/mode';
import { ENV, LIMITS } from './helpers/programs';

let sandbox: Sandbox;
let unfiltered: Sandbox;
let rootfs: string[];
let job: JobDir;

beforeAll(async () => {
  sandbox = await Sandbox.create();
  // The same sandbox without its seccomp filter, so that the program may try mount(2) itself.
  unfiltered = await Sandbox.create({ seccomp: false, preparedContainers: 0 });
  rootfs = await testRootfs();
  job = JobDirs.of(sandbox).create();
}, 300_000);

afterAll(async () => {
  job?.remove();
  await sandbox?.close();
  await unfiltered?.close();
});

function run(script: string, opts: { sb?: Sandbox; plan?: Partial<RunPlan> } = {}): Promise<RunResult> {
  return (opts.sb ?? sandbox).run({
    rootfs: { mode: 'overlay', lowerDirs: rootfs },
    box: { hostDir: job.box, mode: 'overlay' },
    argv: ['/bin/sh', '-c', script],
    env: ENV,
    limits: { ...LIMITS, wallTimeMs: 20_000 },
    ...opts.plan,
  });
}

describe('the sandbox', () => {
  it(`runs in ${EXPECTED_MODE} mode, as the test run asked`, () => {
    expect(sandbox.mode).toBe(EXPECTED_MODE);
    if (ROOTLESS) expect(sandbox.cgroups.describe()).toContain(`caged-${currentOwner().name}`);
  });
});

describe("a box's identity", () => {
  it('is hostname caged, uid/gid 256, only lo, no capabilities', async () => {
    const r = await run(
      'hostname; id -u; id -g; ls /sys/class/net 2>/dev/null || cut -d: -f1 /proc/net/dev | tail -n +3; grep CapEff /proc/self/status',
    );
    const out = r.stdout.toString().trim().split('\n');
    expect(out.slice(0, 3)).toEqual(['caged', '256', '256']);
    expect(out.slice(3, -1).map((l) => l.trim())).toEqual(['lo']);
    expect(out.at(-1)).toMatch(/CapEff:\s+0{16}/);
  }, 60_000);

  it("has a host uid that is neither root nor the worker's (rootless: one of the worker's subordinate ids)", async () => {
    // Looked at while the program runs: afterwards a rootless sandbox gives the box's files back to the worker.
    const name = `owner-${Date.now()}`;
    const running = run(`touch /box/${name}; sleep 3`, { plan: { box: { hostDir: job.box, mode: 'rw' } } });
    const file = path.join(job.box, name);
    for (const end = Date.now() + 15_000; !fs.existsSync(file) && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
    const st = fs.statSync(file);
    expect((await running).exitCode).toBe(0);
    expect(st.uid).not.toBe(0);
    expect(st.uid).not.toBe(process.geteuid!());
    expect(st.gid).not.toBe(process.getegid!());
    if (ROOTLESS) {
      const ids = readOwnerSubIds();
      expect(ids.uids.ranges.some((x) => st.uid >= x.start && st.uid < x.start + x.count)).toBe(true);
      expect(ids.gids.ranges.some((x) => st.gid >= x.start && st.gid < x.start + x.count)).toBe(true);
      // Once the box is gone, what it wrote is the worker's again (to read and remove).
      expect(fs.statSync(file).uid).toBe(process.geteuid!());
    }
  }, 60_000);

  it.each(['overlay', 'rw'] as const)(
    'names no host path, user or pid in its mountinfo (/box %s)',
    async (mode) => {
      const r = await run('cat /proc/self/mountinfo /proc/1/mountinfo', { plan: { box: { hostDir: job.box, mode } } });
      const text = r.stdout.toString();
      expect(text).toMatch(/ \/proc /);
      for (const bad of [job.path, stateDir(), runtimeDir(), os.homedir(), '/var/lib/caged', `caged-${process.pid}`, ...rootfs]) {
        expect(text).not.toContain(bad);
      }
      expect(text).not.toMatch(new RegExp(`(^|[\\s/,=:-])${process.pid}($|[\\s/,=:-])`, 'm'));
    },
    60_000,
  );
});

describe('when the program tries to change its mounts', () => {
  // Without seccomp (which kills any mount call first), and then as root of a user namespace of
  // its own (unshare -Urm): what it then holds is a copy of its mounts, locked by the kernel.
  const attempts = [
    'umount /proc/keys',
    'umount -l /dev',
    'umount -l /proc',
    'mount -o remount,rw /proc/sys',
    'mount -o remount,bind,rw /dev',
    'mount -o remount,bind,suid /tmp',
  ];
  const block =
    'try() { if "$@" 2>/dev/null; then echo "$*: done"; else echo "$*: refused"; fi; }; ' + attempts.map((a) => `try ${a}`).join('; ');
  const script = `${block}; unshare -Urm sh -c '${block}'; unshare -Urm true && echo nested-ok`;

  it('refuses every unmount and remount, also as root of a user namespace of its own', async () => {
    const r = await run(script, { sb: unfiltered });
    const out = r.stdout.toString();
    expect(out).toContain('nested-ok'); // the nested attempts did run as root of their namespace
    const lines = out.split('\n').filter((l) => l.includes(':'));
    expect(lines).toHaveLength(2 * attempts.length);
    for (const l of lines) expect(l).toMatch(/: refused$/);
  }, 60_000);
});

describe("the box's limits", () => {
  it('are enforced through the cgroup: memory (MLE) and processes', async () => {
    const mem = await run('python3 -c "x = bytearray(300 * 2**20); print(len(x))"', {
      plan: { limits: { ...LIMITS, memoryBytes: 64 * 2 ** 20, wallTimeMs: 20_000 } },
    });
    expect(mem.limitHit).toBe('memory');
    expect(mem.stdout.toString()).toBe('');
    expect(mem.memoryBytes).toBeGreaterThan(32 * 2 ** 20);
    // Forks until refused, four processes allowed: B, python and two children.
    const fork =
      'import os, time\nn = 0\ntry:\n  while n < 20:\n    if os.fork() == 0:\n      time.sleep(3)\n      os._exit(0)\n    n += 1\nexcept OSError as e:\n  print(n, e.errno)';
    const pids = await run(`exec python3 -c '${fork}'`, { plan: { limits: { ...LIMITS, pids: 4 } } });
    expect(pids.stdout.toString().trim()).toBe(`2 ${os.constants.errno.EAGAIN}`);
  }, 60_000);
});
