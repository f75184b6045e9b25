/**
 * Rootless mode's plan, without root: the box's /dev nodes come from the container's device slot
 * (a user namespace cannot mknod), and no mount takes a host directory as its source (a bind would
 * show its host path in the box's mountinfo): writable /box, extracted root and the job's binds
 * are overlays of layers named by links in the run's scratch tmpfs. The worker's user namespace
 * maps 0 to the worker and its subordinate ranges from 1 on.
 */
import { mapLines } from '../../src/linux/user-namespace';
import { MS, buildMountOps, buildPreparationOps, mountPaths } from '../../src/sandbox/mount-plan';
import { procMasksFor } from '../../src/sandbox/proc-view';
import type { SetupOp } from '../../src/sandbox/protocol';
import type { RunPlan } from '../../src/sandbox/types';
import { ENV, LIMITS } from '../helpers/programs';

const paths = mountPaths('/tmp/caged-1001');
const JOB = '/home/judge/.local/share/caged/jobs/caged-4242-7';
const mounts = (ops: SetupOp[]) => ops.filter((o): o is Extract<SetupOp, { kind: 'mount' }> => o.kind === 'mount');
/** Sources that are host paths outside the run's own mount points. */
const hostSources = (ops: SetupOp[]) =>
  mounts(ops)
    .map((m) => m.source)
    .filter((s): s is string => s !== null && s.startsWith('/') && !s.startsWith('/tmp/caged-1001/mnt/'));

describe("a rootless container's /dev", () => {
  it("binds the device slot's nodes instead of making them", () => {
    const ops = buildPreparationOps({ paths, masks: procMasksFor(), cpus: 2, devices: '/var/lib/caged/devices/judge/3' });
    expect(ops.filter((o) => o.kind === 'mknod')).toEqual([]);
    const binds = mounts(ops).filter((m) => m.flags === MS.BIND && m.source?.startsWith('/var/lib/caged/devices/'));
    expect(binds.map((m) => [m.source, m.target])).toEqual(
      ['null', 'zero', 'full', 'random', 'urandom'].map((n) => [`/var/lib/caged/devices/judge/3/${n}`, `${paths.dev}/${n}`]),
    );
  });
});

describe("a rootless run's mounts", () => {
  const base: RunPlan = { rootfs: { mode: 'overlay', lowerDirs: ['/l/0'] }, argv: ['true'], env: ENV, limits: LIMITS };
  const ctx = { paths, hostUid: 5, hostGid: 5, rootless: true };

  it('takes no host directory as a mount source, whatever the box, root and binds', () => {
    const plans: RunPlan[] = [
      { ...base, box: { hostDir: `${JOB}/box`, mode: 'rw' } },
      { ...base, rootfs: { mode: 'dir', dir: `${JOB}/rootfs-c` }, box: { hostDir: `${JOB}/box`, mode: 'overlay' } },
      {
        ...base,
        binds: [
          { hostPath: `${JOB}/io`, target: '/checker', kind: 'dir' },
          { hostPath: `${JOB}/fb`, target: '/feedback', kind: 'dir', writable: true },
          { hostPath: `${JOB}/io/input`, target: '/input', kind: 'file' },
        ],
      },
    ];
    for (const plan of plans) {
      const ops = buildMountOps(plan, ctx);
      expect(hostSources(ops)).toEqual([]);
      for (const m of mounts(ops)) expect(m.data ?? '').not.toContain(JOB);
    }
  });

  it("makes a writable /box an overlay written straight into the job's box", () => {
    const ops = buildMountOps({ ...base, box: { hostDir: `${JOB}/box`, mode: 'rw' } }, ctx);
    const links = ops.filter((o) => o.kind === 'symlink').map((o) => [o.target.split('/').pop(), 'source' in o ? o.source : '']);
    expect(links).toContainEqual(['box-rw', `${JOB}/box`]);
    expect(mounts(ops).find((m) => m.target === `${paths.root}/box`)?.data).toBe('lowerdir=box-empty,upperdir=box-rw,workdir=box-rw-work');
  });
});

describe("the worker's user namespace map", () => {
  it('maps 0 to the worker and the subordinate ranges from 1 on, in order', () => {
    expect(
      mapLines(1001, [
        { start: 100000, count: 65536 },
        { start: 300000, count: 10 },
      ]),
    ).toEqual([
      [0, 1001, 1],
      [1, 100000, 65536],
      [65537, 300000, 10],
    ]);
  });
});
