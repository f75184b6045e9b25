/**
 * The mount plan, without root: what a run mounts on its critical path stays few (the box's
 * /dev and /proc are built by the preparation, while a prepared container waits), and no mount
 * data names a host path (overlayfs prints its options in mountinfo as given).
 */
import { MS, buildMountOps, buildPreparationOps, mountPaths } from '../../src/sandbox/mount-plan';
import { PROC_MASKED_DIRS, PROC_MASKED_FILES } from '../../src/sandbox/proc-view';
import type { SetupOp } from '../../src/sandbox/protocol';
import type { RunPlan } from '../../src/sandbox/types';
import { ENV, LIMITS } from '../helpers/programs';

const paths = mountPaths('/run/caged');
const plan: RunPlan = {
  rootfs: { mode: 'overlay', lowerDir: '/var/lib/caged/images/0123abcd/rootfs' },
  box: { hostDir: '/var/lib/caged/jobs/caged-4242-7/box', mode: 'overlay' },
  argv: ['true'],
  env: ENV,
  limits: LIMITS,
};
const mounts = (ops: SetupOp[]) => ops.filter((o): o is Extract<SetupOp, { kind: 'mount' }> => o.kind === 'mount');

describe('the mount plan', () => {
  it("mounts at most 7 times on a run's critical path (the base had 19 on this kernel, 23 at most)", () => {
    const run = mounts(buildMountOps(plan, { paths, hostUid: 1, hostGid: 1 }));
    expect(run.length).toBeLessThanOrEqual(7);
    expect(run.filter((m) => m.flags & MS.MOVE).map((m) => m.target)).toEqual(['/run/caged/mnt/root/dev', '/run/caged/mnt/root/proc']);
  });

  it('names no host path in any mount data (overlay layers are relative names)', () => {
    const run = mounts(buildMountOps(plan, { paths, hostUid: 1, hostGid: 1 }));
    for (const m of run) {
      expect(m.data ?? '').not.toMatch(/\//);
    }
    expect(run.find((m) => m.fstype === 'overlay')?.data).toBe('lowerdir=root-low,upperdir=root-up,workdir=root-work');
  });

  it("prepares /dev and /proc with every mask it is given, from the box's own files only", () => {
    const masks = { files: PROC_MASKED_FILES, dirs: PROC_MASKED_DIRS };
    const prep = buildPreparationOps({ paths, masks, cpus: 2 });
    const binds = mounts(prep).filter((m) => m.flags === MS.BIND);
    expect(binds.length).toBe(PROC_MASKED_FILES.length + PROC_MASKED_DIRS.length + 5);
    for (const b of binds) expect([paths.dev, paths.procFiles].some((d) => b.source!.startsWith(`${d}/`))).toBe(true);
    expect(prep.filter((o) => o.kind === 'mknod').map((o) => o.target.split('/').pop())).toEqual([
      'null',
      'zero',
      'full',
      'random',
      'urandom',
    ]);
  });
});
