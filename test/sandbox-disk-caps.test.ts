/**
 * Disk caps on real boxes (CAGED_DISK_MB_PER_S, CAGED_DISK_IOPS; src/cgroup/disk-caps.ts): a
 * program reading an image file with O_DIRECT, past the page cache, is held to its cap and waits
 * (wall time, not CPU time); the same read in a box without caps runs at the disk's speed. Root
 * and rootless (the blkio subtree `scripts/setup-host.sh --user` hands over).
 */
import { JobDirs, type JobDir } from '../src/rootfs/job-dirs';
import { Sandbox } from '../src/sandbox/sandbox';
import type { RunResult } from '../src/sandbox/types';
import { testRootfs } from './helpers/image';
import { ENV, LIMITS } from './helpers/programs';

const MiB = 2 ** 20;
/** 12 MiB of the compiler, read past the page cache. */
const READ = ['dd', 'if=/usr/lib/gcc/x86_64-linux-gnu/12/cc1', 'of=/dev/null', 'bs=1M', 'count=12', 'iflag=direct', 'status=none'];

let capped: Sandbox;
let free: Sandbox;
let fewOps: Sandbox;
let rootfs: string[];
const jobs: JobDir[] = [];

beforeAll(async () => {
  capped = await Sandbox.create({ cpus: [], disk: { bytesPerSecond: 4 * MiB, iops: 0 } });
  free = await Sandbox.create({ cpus: [], disk: { bytesPerSecond: 0, iops: 0 } });
  fewOps = await Sandbox.create({ cpus: [], disk: { bytesPerSecond: 0, iops: 200 } });
  rootfs = await testRootfs();
}, 120_000);

afterAll(async () => {
  for (const job of jobs) job.remove();
  await capped?.close();
  await free?.close();
  await fewOps?.close();
});

function read(sandbox: Sandbox, argv = READ): Promise<RunResult> {
  const job = JobDirs.of(sandbox).create();
  jobs.push(job);
  return sandbox.run({
    rootfs: { mode: 'overlay', lowerDirs: rootfs },
    box: { hostDir: job.box, mode: 'overlay' },
    argv,
    env: ENV,
    limits: { ...LIMITS, cpuTimeMs: 5000, wallTimeMs: 30_000 },
  });
}

it('holds a direct reader to its cap, the wait counted as wall time, not CPU time', async () => {
  expect(capped.cgroups.describe()).toContain('disk capped at 4 MiB/s each way');
  const r = await read(capped);
  expect(r).toMatchObject({ exitCode: 0, limitHit: null });
  // 12 MiB at 4 MiB/s: 3 s; the kernel lets the first slice through at once.
  expect(r.wallTimeMs).toBeGreaterThan(1500);
  expect(r.cpuTimeMs).toBeLessThan(500);
  const uncapped = await read(free);
  expect(uncapped).toMatchObject({ exitCode: 0, limitHit: null });
  expect(uncapped.wallTimeMs).toBeLessThan(r.wallTimeMs / 2);
  expect(free.cgroups.describe()).not.toContain('disk capped');
}, 60_000);

it('holds a reader of small blocks to its operations per second', async () => {
  expect(fewOps.cgroups.describe()).toContain('disk capped at 200 operations/s each way');
  // 800 reads of 4 KiB (3 MiB, far below any bandwidth cap): 4 s at 200 a second.
  const small = READ.map((a) => (a === 'bs=1M' ? 'bs=4k' : a === 'count=12' ? 'count=800' : a));
  const r = await read(fewOps, small);
  expect(r).toMatchObject({ exitCode: 0, limitHit: null });
  expect(r.wallTimeMs).toBeGreaterThan(2000);
  const uncapped = await read(free, small);
  expect(uncapped.wallTimeMs).toBeLessThan(r.wallTimeMs / 2);
}, 60_000);
