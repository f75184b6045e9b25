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
  rootfs: { mode: 'overlay', lowerDirs: ['/var/lib/caged/images/0123abcd/rootfs'] },
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
    expect(run.find((m) => m.fstype === 'overlay')?.data).toBe('lowerdir=root-low0,upperdir=root-up,workdir=root-work');
  });

  it('stacks a chain of layers top first, each by a symlink in the scratch, with the same mounts', () => {
    const layers = ['/var/lib/caged/images/cccc/rootfs', '/var/lib/caged/images/bbbb/rootfs', '/var/lib/caged/images/aaaa/rootfs'];
    const ops = buildMountOps({ ...plan, rootfs: { mode: 'overlay', lowerDirs: layers } }, { paths, hostUid: 1, hostGid: 1 });
    const overlay = mounts(ops).find((m) => m.target === paths.root);
    expect(overlay?.data).toBe('lowerdir=root-low0:root-low1:root-low2,upperdir=root-up,workdir=root-work');
    const links = ops.filter((o) => o.kind === 'symlink' && o.target.startsWith(`${paths.scratch}/root-low`));
    expect(links.map((o) => [o.target, o.kind === 'symlink' ? o.source : null])).toEqual(
      layers.map((dir, i) => [`${paths.scratch}/root-low${i}`, dir]),
    );
    // The links come after the scratch tmpfs is mounted and before the overlay that reads them.
    const at = (pred: (o: SetupOp) => boolean) => ops.findIndex(pred);
    expect(at((o) => o.kind === 'mount' && o.target === paths.scratch)).toBeLessThan(at((o) => o === links[0]));
    expect(at((o) => o === links[2])).toBeLessThan(at((o) => o.kind === 'mount' && o.target === paths.root));
    expect(mounts(ops).length).toBe(mounts(buildMountOps(plan, { paths, hostUid: 1, hostGid: 1 })).length);
  });

  it("puts a box's extra layers under the job's files, each by a symlink, with the same mounts", () => {
    const entry = '/var/lib/caged/compile-cache/entries/abcd/files';
    const ops = buildMountOps({ ...plan, box: { ...plan.box!, lowerDirs: [entry] } }, { paths, hostUid: 1, hostGid: 1 });
    const box = mounts(ops).find((m) => m.target === `${paths.root}/box`);
    expect(box?.data).toBe('lowerdir=box-low:box-low1,upperdir=box-up,workdir=box-work');
    const link = ops.find((o) => o.kind === 'symlink' && o.target === `${paths.scratch}/box-low1`);
    expect(link).toMatchObject({ source: entry });
    expect(ops.indexOf(link!)).toBeLessThan(ops.indexOf(box!));
    expect(mounts(ops).length).toBe(mounts(buildMountOps(plan, { paths, hostUid: 1, hostGid: 1 })).length);
    // Only an overlay /box takes layers.
    expect(() =>
      buildMountOps({ ...plan, box: { hostDir: plan.box!.hostDir, mode: 'rw', lowerDirs: [entry] } }, { paths, hostUid: 1, hostGid: 1 }),
    ).toThrow(/only for an overlay/);
    expect(() => buildMountOps({ ...plan, box: { ...plan.box!, lowerDirs: ['/a,b'] } }, { paths, hostUid: 1, hostGid: 1 })).toThrow(
      /must not contain/,
    );
  });

  it("keeps a run's writes to /box in the worker's directory when asked (BoxSpec.upper), by links that hide its path", () => {
    const upper = { dir: '/var/lib/caged/jobs/caged-1-2/box', work: '/var/lib/caged/jobs/caged-1-2/work' };
    const ops = buildMountOps({ ...plan, box: { ...plan.box!, upper } }, { paths, hostUid: 1, hostGid: 1 });
    const box = mounts(ops).find((m) => m.target === `${paths.root}/box`);
    expect(box?.data).toBe('lowerdir=box-low,upperdir=box-kept,workdir=box-kept-work');
    expect(ops.find((o) => o.kind === 'symlink' && o.target === `${paths.scratch}/box-kept`)).toMatchObject({ source: upper.dir });
    expect(ops.find((o) => o.kind === 'symlink' && o.target === `${paths.scratch}/box-kept-work`)).toMatchObject({ source: upper.work });
    expect(mounts(ops).length).toBe(mounts(buildMountOps(plan, { paths, hostUid: 1, hostGid: 1 })).length);
    expect(() => buildMountOps({ ...plan, box: { ...plan.box!, upper, readOnly: true } }, { paths, hostUid: 1, hostGid: 1 })).toThrow(
      /read-only/,
    );
    expect(() =>
      buildMountOps({ ...plan, box: { ...plan.box!, upper: { ...upper, work: '/a:b' } } }, { paths, hostUid: 1, hostGid: 1 }),
    ).toThrow(/must not contain/);
  });

  it.each([
    ['an overlay /box', { mode: 'overlay' as const }, {}],
    ['an overlay /box over layers', { mode: 'overlay' as const, lowerDirs: ['/var/lib/caged/compile-cache/entries/abcd/files'] }, {}],
    ['a bound /box (no overlayfs)', { mode: 'rw' as const }, {}],
    ['a rootless /box', { mode: 'rw' as const }, { rootless: true }],
  ])('makes a read-only /box read-only after its chown, before anything under it: %s', (_what, box, extra) => {
    const hostDir = plan.box!.hostDir;
    const ctx = { paths, hostUid: 1, hostGid: 1, ...extra };
    const writable = buildMountOps({ ...plan, box: { hostDir, ...box } }, ctx);
    const ops = buildMountOps({ ...plan, box: { hostDir, ...box, readOnly: true } }, ctx);
    const target = `${paths.root}/box`;
    const ro = ops.filter((o) => o.kind === 'mount' && o.target === target && (o.flags & MS.RDONLY) !== 0);
    expect(ro).toHaveLength(1);
    expect(ro[0]).toMatchObject({ source: null, flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV });
    const chown = ops.findIndex((o) => o.kind === 'chown' && o.target === target);
    expect(chown).toBe(ops.indexOf(ro[0]!) - 1);
    // Nothing else changes; a writable /box has no read-only mount.
    expect(ops.filter((o) => o !== ro[0])).toEqual(writable);
    expect(writable.some((o) => o.kind === 'mount' && o.target === target && (o.flags & MS.RDONLY) !== 0)).toBe(false);
  });

  it.each([
    [
      'an overlay /box keeping its writes',
      { mode: 'overlay' as const, upper: { dir: '/var/lib/caged/jobs/j/box', work: '/var/lib/caged/jobs/j/work' } },
    ],
    ['a bound /box (no overlayfs)', { mode: 'rw' as const }],
  ])('leaves one file of a read-only /box writable (BoxSpec.onlyWritable): %s', (_what, box) => {
    const hostDir = plan.box!.hostDir;
    const ctx = { paths, hostUid: 7, hostGid: 8 };
    const writable = buildMountOps({ ...plan, box: { hostDir, ...box } }, ctx);
    const ops = buildMountOps({ ...plan, box: { hostDir, ...box, onlyWritable: 'output.txt' } }, ctx);
    const file = `${paths.root}/box/output.txt`;
    const target = `${paths.root}/box`;
    const added = ops.filter((o) => !writable.includes(o) && !writable.some((w) => JSON.stringify(w) === JSON.stringify(o)));
    // The file is the program's, bound on itself, and only then is /box remounted read-only.
    expect(added.map((o) => [o.kind, o.target])).toEqual([
      ['chown', file],
      ['mount', file],
      ['mount', target],
    ]);
    expect(added[0]).toMatchObject({ uid: 7, gid: 8 });
    expect(added[1]).toMatchObject({ source: file, flags: MS.BIND });
    expect(added[2]).toMatchObject({ source: null, flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV });
    expect(ops.indexOf(added[0]!)).toBe(ops.findIndex((o) => o.kind === 'chown' && o.target === target) + 1);
    expect(ops.indexOf(added[2]!)).toBe(ops.indexOf(added[1]!) + 1);
    for (const bad of ['a/b', '..', ''])
      expect(() => buildMountOps({ ...plan, box: { hostDir, ...box, onlyWritable: bad } }, ctx)).toThrow(/plain file name/);
  });

  it("hands the sources' directories of an rw /box to the program after /box itself, and only of an rw /box", () => {
    const box = { hostDir: plan.box!.hostDir, mode: 'rw' as const };
    const ctx = { paths, hostUid: 7, hostGid: 8 };
    const ops = buildMountOps({ ...plan, box: { ...box, ownedDirs: ['unsigned', 'unsigned/deep'] } }, ctx);
    const chowns = ops.filter((o) => o.kind === 'chown').map((o) => (o.kind === 'chown' ? [o.target, o.uid, o.gid] : null));
    expect(chowns).toEqual([
      [`${paths.root}/box`, 7, 8],
      [`${paths.root}/box/unsigned`, 7, 8],
      [`${paths.root}/box/unsigned/deep`, 7, 8],
    ]);
    // Nothing else changes.
    expect(ops.filter((o) => o.kind !== 'chown' || o.target === `${paths.root}/box`)).toEqual(buildMountOps({ ...plan, box }, ctx));
    expect(() => buildMountOps({ ...plan, box: { ...plan.box!, ownedDirs: ['a'] } }, ctx)).toThrow(/only for an rw \/box/);
  });

  it('refuses an overlay without layers, a relative layer or one whose path would break the mount data', () => {
    const build = (lowerDirs: string[]) => () =>
      buildMountOps({ ...plan, rootfs: { mode: 'overlay', lowerDirs } }, { paths, hostUid: 1, hostGid: 1 });
    expect(build([])).toThrow(/at least one lower directory/);
    expect(build(['relative/rootfs'])).toThrow(/absolute path/);
    expect(build(['/var/lib/a:b'])).toThrow(/must not contain/);
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
