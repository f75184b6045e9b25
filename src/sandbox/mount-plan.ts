/**
 * The mounts of a container, decided here and executed in order by B (native/cage.c) inside
 * its own mount namespace, before pivot_root. Nothing is mounted in the host's namespace:
 * every mount vanishes with B, so a killed worker leaves none behind. All containers use the
 * same host directories as mount points (`<runtimeDir>/mnt/root`, `.../scratch` and the
 * staging points), which is safe because each mounts over them in a namespace of its own.
 *
 * Two lists: the preparation (`buildPreparationOps`), run-independent, which B performs while
 * it waits for its run (a prepared container: off the run's critical path): the box's /dev and
 * its /proc with some 40 masks, built at staging mount points; and the run's (`buildMountOps`),
 * which mounts the run's root and /box and moves /dev and /proc into it (one MS_MOVE each).
 *
 * What the box sees of its mounts (/proc/self/mountinfo) names no host path, pid or digest:
 * overlay layers are given as names relative to the run's scratch tmpfs (B chdirs there; the
 * lower layers are symlinks in it, `root-low0` (top) … `root-lowN` (the base), which the kernel
 * follows but never prints), and every bind
 * source lives on a filesystem of the run's own (the scratch tmpfs, the box's /dev tmpfs) or
 * of the job (its directory is a tmpfs of its own, so the source shows as `/box`, `/rootfs`).
 */
import path from 'node:path';
import { MS } from '../linux/constants';
import type { SetupOp } from './protocol';
import { boxProcFiles, type ProcMasks } from './proc-view';
import { addHiddenBind, addReadOnlyBind, checkLayerPath, inside, roBind } from './mount-binds';
import type { RunPlan } from './types';

export { MS };

/** Character devices of the box's /dev: the same major/minor numbers as on any Linux. */
const DEVICES: ReadonlyArray<[string, number, number]> = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
];
const DEV_LINKS: ReadonlyArray<[string, string]> = [
  ['fd', '/proc/self/fd'],
  ['stdin', '/proc/self/fd/0'],
  ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'],
];

export interface MountPaths {
  /** Mount point that becomes "/". */
  root: string;
  /** Mount point of the run's writable tmpfs (overlay upper and work dirs). */
  scratch: string;
  /** Staging mount points of the preparation: the box's /dev, its /proc, its /proc files. */
  dev: string;
  proc: string;
  procFiles: string;
}

/** The staging mount points under a runtime directory (the sandbox creates them). */
export function mountPaths(runtimeDir: string): MountPaths {
  const mnt = path.join(runtimeDir, 'mnt');
  return {
    root: path.join(mnt, 'root'),
    scratch: path.join(mnt, 'scratch'),
    dev: path.join(mnt, 'dev'),
    proc: path.join(mnt, 'proc'),
    procFiles: path.join(mnt, 'proc-files'),
  };
}

export interface PreparationContext {
  paths: MountPaths;
  /** The /proc masks this kernel needs (proc-view.ts: procMasksFor). */
  masks: ProcMasks;
  /** CPUs the box may use (its /proc/stat lists that many). */
  cpus: number;
  /**
   * Rootless: a host directory holding the device nodes (null, zero, full, random, urandom) of
   * this container alone, made by root beforehand (scripts/setup-host.sh --user): a user
   * namespace may not mknod, so they are bound onto files of the box's /dev instead. Absent:
   * the nodes are made (root mode).
   */
  devices?: string;
}

/** The device nodes of a box's /dev, by name (what a rootless device directory holds). */
export const DEVICE_NAMES: readonly string[] = ['null', 'zero', 'full', 'random', 'urandom'];

export interface MountContext {
  paths: MountPaths;
  /** Host uid/gid of uid/gid 256 inside, owner of /box (rootless: its id in the worker's user namespace). */
  hostUid: number;
  hostGid: number;
  /**
   * Rootless: the job directory is a plain directory of the host's disk, and a bind from it
   * would show its path in the box's mountinfo. So a writable /box is an overlay whose upper
   * layer is the job's box (writes land there as with a bind) over an empty lower one, and an
   * extracted root is an overlay's only lower layer (read-only at the end as the bind is), both
   * named by links.
   */
  rootless?: boolean;
}

/** Lower directories of one overlay root at most (overlayfs allows 500; mount data is one page). */
export const MAX_LOWER_DIRS = 64;

/**
 * The box's /dev and /proc, independent of any run, built at staging mount points.
 * /dev: a tmpfs of the box's own (no host disk behind it, no inode shared with another box),
 * holding only harmless devices, the fd links and a mount point for /dev/shm; then read-only.
 * Devices must work (no MS_NODEV), but nothing can be created, run or setuid there.
 * /proc: of the container's PID namespace (B is in it already), with the host's parts masked
 * (a bind inherits the flags of its source's mount: the masks from /dev are read-only) or
 * replaced by box-relative files (proc-view.ts) on a small tmpfs; meminfo is rewritten by each
 * run with its memory limit.
 */
export function buildPreparationOps(ctx: PreparationContext): SetupOp[] {
  const { dev, proc, procFiles } = ctx.paths;
  const ops: SetupOp[] = [];
  const bind = (source: string, target: string, why: string, optional = false) =>
    ops.push({ kind: 'mount', source, target, fstype: null, flags: MS.BIND, data: null, optional, why });

  ops.push({
    kind: 'mount',
    source: 'caged-dev',
    target: dev,
    fstype: 'tmpfs',
    flags: MS.NOSUID | MS.NOEXEC,
    data: 'size=16k,nr_inodes=32,mode=0755',
    why: "the box's own /dev",
  });
  for (const [name, major, minor] of DEVICES) {
    const target = path.join(dev, name);
    if (ctx.devices === undefined) {
      ops.push({ kind: 'mknod', target, mode: 0o666, major, minor, why: `/dev/${name}` });
      continue;
    }
    // An inode of this container's own (as a mknod would give): no lock or lease on it is seen by another box.
    ops.push({ kind: 'mkfile', target, mode: 0o666, why: `mount point of /dev/${name}` });
    const source = path.join(ctx.devices, name);
    ops.push({ kind: 'mount', source, target, fstype: null, flags: MS.BIND, data: null, why: `/dev/${name}, this container's own node` });
  }
  for (const [name, target] of DEV_LINKS) ops.push({ kind: 'symlink', source: target, target: path.join(dev, name), why: `/dev/${name}` });
  ops.push({
    kind: 'mkdir',
    target: path.join(dev, 'shm'),
    mode: 0o755,
    why: 'mount point of /dev/shm (and the empty directory masking /proc directories)',
  });
  ops.push({
    kind: 'mount',
    source: null,
    target: dev,
    fstype: null,
    flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NOEXEC,
    data: null,
    why: '/dev read-only, no exec, no setuid',
  });

  ops.push({
    kind: 'mount',
    source: 'caged-proc',
    target: procFiles,
    fstype: 'tmpfs',
    flags: MS.NOSUID | MS.NODEV | MS.NOEXEC,
    data: 'size=64k,nr_inodes=16,mode=0755',
    why: "the box's own /proc files",
  });
  const files = boxProcFiles({ memoryBytes: 0, cpus: ctx.cpus, bootTimeS: Math.floor(Date.now() / 1000) });
  for (const [name, content, why] of files) {
    ops.push({ kind: 'write', target: path.join(procFiles, path.basename(name)), mode: 0o444, content, why: `/proc/${name}: ${why}` });
  }

  ops.push({
    kind: 'mount',
    source: 'proc',
    target: proc,
    fstype: 'proc',
    flags: MS.NOSUID | MS.NODEV | MS.NOEXEC,
    data: null,
    why: "/proc of the container's PID namespace",
  });
  // Masks below /proc/sys go on after its read-only bind, which would hide them.
  const inSys = (name: string): boolean => name.startsWith('sys/');
  const maskFile = ([name, why]: [string, string]): void => {
    bind(path.join(dev, 'null'), path.join(proc, name), `mask /proc/${name}: ${why}`, true);
  };
  ctx.masks.files.filter(([n]) => !inSys(n)).forEach(maskFile);
  for (const [name, why] of ctx.masks.dirs) bind(path.join(dev, 'shm'), path.join(proc, name), `mask /proc/${name}: ${why}`, true);
  roBind(ops, path.join(proc, 'sys'), path.join(proc, 'sys'), MS.NOEXEC, '/proc/sys: kernel tunables');
  ctx.masks.files.filter(([n]) => inSys(n)).forEach(maskFile);
  for (const [name, , why] of files) bind(path.join(procFiles, path.basename(name)), path.join(proc, name), `/proc/${name}: ${why}`);
  return ops;
}

export function buildMountOps(plan: RunPlan, ctx: MountContext): SetupOp[] {
  const { root, scratch } = ctx.paths;
  const { diskBytes } = plan.limits;
  const ops: SetupOp[] = [];
  const at = (p: string) => inside(root, p);

  ops.push({
    kind: 'mount',
    source: 'caged',
    target: scratch,
    fstype: 'tmpfs',
    flags: MS.NOSUID | MS.NODEV,
    data: `size=${diskBytes},mode=0755`,
    why: "the run's writable layer, capped at the disk quota",
  });
  for (const d of ['root-up', 'root-work', 'box-up', 'box-work']) {
    ops.push({ kind: 'mkdir', target: path.join(scratch, d), mode: 0o755, why: 'overlay layer' });
  }
  // Overlay layers by relative names (mountinfo prints them as given): B works in the scratch.
  ops.push({ kind: 'chdir', target: scratch, why: 'overlay layers named relative to the scratch tmpfs' });

  if (plan.rootfs.mode === 'overlay' || ctx.rootless) {
    const lowers = plan.rootfs.mode === 'overlay' ? plan.rootfs.lowerDirs : [plan.rootfs.dir];
    if (lowers.length === 0) throw new TypeError('an overlay root needs at least one lower directory');
    if (lowers.length > MAX_LOWER_DIRS)
      throw new TypeError(`an overlay root takes at most ${MAX_LOWER_DIRS} lower directories, not ${lowers.length}`);
    lowers.forEach((dir, i) =>
      ops.push({
        kind: 'symlink',
        source: checkLayerPath(dir),
        target: path.join(scratch, `root-low${i}`),
        why: `image layer ${i} (0 = top), by a name that hides its path`,
      }),
    );
    ops.push({
      kind: 'mount',
      source: 'overlay',
      target: root,
      fstype: 'overlay',
      flags: MS.NOSUID | MS.NODEV,
      data: `lowerdir=${lowers.map((_, i) => `root-low${i}`).join(':')},upperdir=root-up,workdir=root-work`,
      why: "the image's layers, copy-on-write onto the run's tmpfs",
    });
  } else {
    ops.push({
      kind: 'mount',
      source: plan.rootfs.dir,
      target: root,
      fstype: null,
      flags: MS.BIND | MS.REC,
      data: null,
      why: "the job's own unpacked root",
    });
  }

  // /box: the job's files.
  ops.push({ kind: 'mkdir', target: at('/box'), mode: 0o755, why: 'mount point of /box' });
  if (plan.box?.lowerDirs?.length && plan.box.mode !== 'overlay') throw new TypeError('lower layers are only for an overlay /box');
  if (plan.box?.ownedDirs?.length && plan.box.mode !== 'rw') throw new TypeError('owned directories are only for an rw /box');
  if (plan.box?.mode === 'rw' && ctx.rootless) {
    const work = `${checkLayerPath(plan.box.hostDir)}.work`;
    ops.push({ kind: 'mkdir', target: path.join(scratch, 'box-empty'), mode: 0o755, why: 'empty lower layer of the writable /box' });
    ops.push({ kind: 'mkdir', target: work, mode: 0o700, why: "overlay work directory beside the job's box" });
    ops.push({
      kind: 'symlink',
      source: plan.box.hostDir,
      target: path.join(scratch, 'box-rw'),
      why: "the job's files, by a name that hides their path",
    });
    ops.push({ kind: 'symlink', source: work, target: path.join(scratch, 'box-rw-work'), why: 'its work directory, likewise' });
    ops.push({
      kind: 'mount',
      source: 'overlay',
      target: at('/box'),
      fstype: 'overlay',
      flags: MS.NOSUID | MS.NODEV,
      data: 'lowerdir=box-empty,upperdir=box-rw,workdir=box-rw-work',
      why: "the job's files, writable (written straight into the job's box)",
    });
  } else if (plan.box?.mode === 'rw') {
    ops.push({
      kind: 'mount',
      source: plan.box.hostDir,
      target: at('/box'),
      fstype: null,
      flags: MS.BIND,
      data: null,
      why: "the job's files, writable",
    });
    ops.push({
      kind: 'mount',
      source: null,
      target: at('/box'),
      fstype: null,
      flags: MS.BIND | MS.REMOUNT | MS.NOSUID | MS.NODEV,
      data: null,
      why: 'no setuid, no devices in /box',
    });
  } else if (plan.box?.mode === 'overlay') {
    const extra = plan.box.lowerDirs ?? [];
    if (extra.length + 1 > MAX_LOWER_DIRS)
      throw new TypeError(`an overlay /box takes at most ${MAX_LOWER_DIRS - 1} extra lower directories, not ${extra.length}`);
    ops.push({
      kind: 'symlink',
      source: checkLayerPath(plan.box.hostDir),
      target: path.join(scratch, 'box-low'),
      why: "the job's files, by a name that hides their path",
    });
    // A kept upper layer (BoxSpec.upper): the run's writes land in the worker's directory.
    const upper = plan.box.upper;
    if (upper) {
      if (plan.box.readOnly) throw new TypeError('a read-only /box keeps no writes');
      ops.push({
        kind: 'symlink',
        source: checkLayerPath(upper.dir),
        target: path.join(scratch, 'box-kept'),
        why: "the run's kept writes, by a name that hides their path",
      });
      ops.push({
        kind: 'symlink',
        source: checkLayerPath(upper.work),
        target: path.join(scratch, 'box-kept-work'),
        why: 'its work directory, likewise',
      });
    }
    // Extra read-only layers under the job's files (the compile cache's entry on a hit): the
    // job's files hide same-named ones below; copy-up goes to box-up, never into a layer.
    extra.forEach((dir, i) =>
      ops.push({
        kind: 'symlink',
        source: checkLayerPath(dir),
        target: path.join(scratch, `box-low${i + 1}`),
        why: `read-only layer ${i + 1} of /box, by a name that hides its path`,
      }),
    );
    ops.push({
      kind: 'mount',
      source: 'overlay',
      target: at('/box'),
      fstype: 'overlay',
      flags: MS.NOSUID | MS.NODEV,
      data: `lowerdir=${['box-low', ...extra.map((_, i) => `box-low${i + 1}`)].join(':')},${upper ? 'upperdir=box-kept,workdir=box-kept-work' : 'upperdir=box-up,workdir=box-work'}`,
      why: `the job's files${extra.length ? ' over read-only layers' : ''}; ${upper ? "the run's writes kept for the worker to read" : "the run's writes vanish with it"}`,
    });
  }
  // The sources' directories (BoxSpec.ownedDirs) too: made by the worker in the fresh box, no link on their paths.
  for (const [dir, why] of [
    ['', '/box belongs to the program'],
    ...(plan.box?.ownedDirs ?? []).map((d) => [`/${d}`, 'a directory of the sources']),
  ])
    ops.push({ kind: 'chown', target: at(`/box${dir}`), uid: ctx.hostUid, gid: ctx.hostGid, why: why! });
  const only = plan.box?.onlyWritable;
  if (only !== undefined) {
    if (!/^[^/\0]{1,255}$/.test(only) || only === '.' || only === '..')
      throw new TypeError(`the one writable file of /box must be a plain file name: ${JSON.stringify(only)}`);
    // The one writable file: the program's, a mount of its own (bound on itself), so that the
    // read-only remount of /box below leaves it writable.
    const file = at(`/box/${only}`);
    ops.push({ kind: 'chown', target: file, uid: ctx.hostUid, gid: ctx.hostGid, why: `/box/${only} belongs to the program` });
    ops.push({
      kind: 'mount',
      source: file,
      target: file,
      fstype: null,
      flags: MS.BIND,
      data: null,
      why: `/box/${only}, the one file it may write`,
    });
  }
  if (plan.box?.readOnly || only !== undefined) {
    // After the chown (a read-only mount refuses it), before anything is mounted under /box.
    ops.push({
      kind: 'mount',
      source: null,
      target: at('/box'),
      fstype: null,
      flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV,
      data: null,
      why:
        only !== undefined ? `/box read-only: the program may write /box/${only} alone` : '/box read-only: the program may not write files',
    });
  }

  // The box's /dev and /proc, prepared while the container waited (buildPreparationOps).
  ops.push({ kind: 'mkdir', target: at('/dev'), mode: 0o755, why: 'mount point of /dev' });
  ops.push({
    kind: 'mount',
    source: ctx.paths.dev,
    target: at('/dev'),
    fstype: null,
    flags: MS.MOVE,
    data: null,
    why: "the box's own /dev, prepared",
  });
  ops.push({ kind: 'mkdir', target: at('/proc'), mode: 0o555, why: 'mount point of /proc' });
  ops.push({
    kind: 'mount',
    source: ctx.paths.proc,
    target: at('/proc'),
    fstype: null,
    flags: MS.MOVE,
    data: null,
    why: "the box's /proc with its masks, prepared",
  });
  const [meminfo] = boxProcFiles({ memoryBytes: plan.limits.memoryBytes, cpus: 1, bootTimeS: 0 });
  ops.push({
    kind: 'write',
    target: path.join(ctx.paths.procFiles, 'meminfo'),
    mode: 0o444,
    content: meminfo![1],
    why: `/proc/meminfo: ${meminfo![2]}`,
  });

  ops.push({
    kind: 'mount',
    source: 'caged-shm',
    target: at('/dev/shm'),
    fstype: 'tmpfs',
    flags: MS.NOSUID | MS.NODEV | MS.NOEXEC,
    data: `size=${diskBytes},mode=1777`,
    why: 'POSIX shared memory, capped',
  });

  // A private, capped /tmp.
  ops.push({ kind: 'mkdir', target: at('/tmp'), mode: 0o1777, why: 'mount point of /tmp' });
  ops.push({
    kind: 'mount',
    source: 'caged-tmp',
    target: at('/tmp'),
    fstype: 'tmpfs',
    flags: MS.NOSUID | MS.NODEV,
    data: `size=${diskBytes},mode=1777`,
    why: 'a private /tmp, capped at the disk quota',
  });

  (plan.binds ?? []).forEach((b, i) => (ctx.rootless ? addHiddenBind(ops, root, scratch, b, i, ctx) : addReadOnlyBind(ops, root, b, ctx)));
  if (plan.rootfs.mode === 'dir') {
    // Read-only, last (mount points above are made first): the job's extracted root is shared
    // by its compile, tests and checker, so no run may leave anything in it for the next one.
    ops.push({
      kind: 'mount',
      source: null,
      target: root,
      fstype: null,
      flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV,
      data: null,
      why: 'read-only, no setuid, no devices',
    });
  }
  return ops;
}
