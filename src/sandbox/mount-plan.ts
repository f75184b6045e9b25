/**
 * The mounts of a container, decided here and executed in order by B (native/cage.c) inside
 * its own mount namespace, before pivot_root. Nothing is mounted in the host's namespace:
 * every mount vanishes with B, so a killed worker leaves none behind. All containers use the
 * same two host directories as mount points (`<runtimeDir>/mnt/root` and `.../scratch`),
 * which is safe because each mounts over them in a private namespace.
 */
import path from 'node:path';
import type { SetupOp } from './protocol';
import type { ReadOnlyBind, RunPlan } from './types';

export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, REMOUNT: 32, BIND: 4096, REC: 16384,
} as const;

/** Host files masked with /dev/null inside /proc, and why. */
const PROC_MASKED: ReadonlyArray<[string, string]> = [
  ['kcore', 'physical memory image'],
  ['keys', 'kernel keyrings of every user'],
  ['timer_list', 'host timers leak other processes'],
  ['sched_debug', 'host scheduler state'],
  ['sysrq-trigger', 'host magic SysRq'],
  ['latency_stats', 'host latency data'],
  ['kallsyms', 'kernel symbol addresses'],
];
/** /proc directories made read-only, and why. */
const PROC_READONLY: ReadonlyArray<[string, string]> = [
  ['sys', 'kernel tunables'],
  ['irq', 'interrupt affinity'],
  ['bus', 'host buses'],
  ['fs', 'filesystem tunables'],
];

export interface MountPaths {
  /** Mount point that becomes "/". */
  root: string;
  /** Mount point of the run's writable tmpfs (overlay upper and work dirs). */
  scratch: string;
  /** The /dev skeleton (see dev-skeleton.ts). */
  devSkeleton: string;
}

export interface MountContext {
  paths: MountPaths;
  /** Host uid/gid of uid/gid 256 inside, owner of /box. */
  hostUid: number;
  hostGid: number;
}

function checkOverlayPath(p: string): string {
  if (!path.isAbsolute(p) || /[,:\\\s]/.test(p)) {
    throw new TypeError(`path cannot be an overlay layer (absolute, no commas, colons, blanks): ${p}`);
  }
  return p;
}

function inside(root: string, target: string): string {
  if (!path.isAbsolute(target) || target.split('/').includes('..')) {
    throw new TypeError(`container path must be absolute without "..": ${target}`);
  }
  return path.join(root, target);
}

function roBind(ops: SetupOp[], source: string, target: string, extra: number, why: string): void {
  ops.push({ kind: 'mount', source, target, fstype: null, flags: MS.BIND | MS.REC, data: null, why });
  ops.push({
    kind: 'mount', source: null, target, fstype: null,
    flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | extra, data: null,
    why: `${why} (read-only)`,
  });
}

export function buildMountOps(plan: RunPlan, ctx: MountContext): SetupOp[] {
  const { root, scratch } = ctx.paths;
  const { diskBytes } = plan.limits;
  const ops: SetupOp[] = [];
  const at = (p: string) => inside(root, p);

  ops.push({
    kind: 'mount', source: 'caged', target: scratch, fstype: 'tmpfs', flags: MS.NOSUID | MS.NODEV,
    data: `size=${diskBytes},mode=0755`, why: 'the run\'s writable layer, capped at the disk quota',
  });
  for (const d of ['root-up', 'root-work', 'box-up', 'box-work']) {
    ops.push({ kind: 'mkdir', target: path.join(scratch, d), mode: 0o755, why: 'overlay layer' });
  }

  if (plan.rootfs.mode === 'overlay') {
    const lower = checkOverlayPath(plan.rootfs.lowerDir);
    ops.push({
      kind: 'mount', source: 'overlay', target: root, fstype: 'overlay', flags: MS.NOSUID | MS.NODEV,
      data: `lowerdir=${lower},upperdir=${scratch}/root-up,workdir=${scratch}/root-work`,
      why: 'the image, copy-on-write onto the run\'s tmpfs',
    });
  } else {
    ops.push({
      kind: 'mount', source: plan.rootfs.dir, target: root, fstype: null, flags: MS.BIND | MS.REC,
      data: null, why: 'the job\'s own unpacked root',
    });

  }

  // /box: the job's files.
  ops.push({ kind: 'mkdir', target: at('/box'), mode: 0o755, why: 'mount point of /box' });
  if (plan.box?.mode === 'rw') {
    ops.push({ kind: 'mount', source: plan.box.hostDir, target: at('/box'), fstype: null, flags: MS.BIND, data: null, why: 'the job\'s files, writable' });
    ops.push({ kind: 'mount', source: null, target: at('/box'), fstype: null, flags: MS.BIND | MS.REMOUNT | MS.NOSUID | MS.NODEV, data: null, why: 'no setuid, no devices in /box' });
  } else if (plan.box?.mode === 'overlay') {
    const lower = checkOverlayPath(plan.box.hostDir);
    ops.push({
      kind: 'mount', source: 'overlay', target: at('/box'), fstype: 'overlay', flags: MS.NOSUID | MS.NODEV,
      data: `lowerdir=${lower},upperdir=${scratch}/box-up,workdir=${scratch}/box-work`,
      why: 'the job\'s files; the run\'s writes vanish with it',
    });
  }
  ops.push({ kind: 'chown', target: at('/box'), uid: ctx.hostUid, gid: ctx.hostGid, why: '/box belongs to the program' });

  // /proc of the new PID namespace, with the host-revealing parts masked.
  ops.push({ kind: 'mkdir', target: at('/proc'), mode: 0o555, why: 'mount point of /proc' });
  ops.push({ kind: 'mount', source: 'proc', target: at('/proc'), fstype: 'proc', flags: MS.NOSUID | MS.NODEV | MS.NOEXEC, data: null, why: '/proc of the container\'s PID namespace' });
  for (const [name, why] of PROC_MASKED) {
    ops.push({ kind: 'mount', source: '/dev/null', target: at(`/proc/${name}`), fstype: null, flags: MS.BIND, data: null, optional: true, why: `mask /proc/${name}: ${why}` });
  }
  for (const [name, why] of PROC_READONLY) {
    roBind(ops, at(`/proc/${name}`), at(`/proc/${name}`), MS.NOEXEC, `/proc/${name}: ${why}`);
  }

  // A minimal /dev: the read-only skeleton prepared at start-up (null, zero, full, random,
  // urandom, the fd links, an empty shm), and a private, capped /dev/shm on top.
  ops.push({ kind: 'mkdir', target: at('/dev'), mode: 0o755, why: 'mount point of /dev' });
  roBindDev(ops, ctx.paths.devSkeleton, at('/dev'));
  ops.push({ kind: 'mount', source: 'caged-shm', target: at('/dev/shm'), fstype: 'tmpfs', flags: MS.NOSUID | MS.NODEV | MS.NOEXEC, data: `size=${diskBytes},mode=1777`, why: 'POSIX shared memory, capped' });

  // A private, capped /tmp.
  ops.push({ kind: 'mkdir', target: at('/tmp'), mode: 0o1777, why: 'mount point of /tmp' });
  ops.push({ kind: 'mount', source: 'caged-tmp', target: at('/tmp'), fstype: 'tmpfs', flags: MS.NOSUID | MS.NODEV, data: `size=${diskBytes},mode=1777`, why: 'a private /tmp, capped at the disk quota' });

  for (const b of plan.binds ?? []) addReadOnlyBind(ops, root, b);
  if (plan.rootfs.mode === 'dir') {
    // Read-only, last (mount points above are made first): the job's extracted root is shared
    // by its compile, tests and checker, so no run may leave anything in it for the next one.
    ops.push({
      kind: 'mount', source: null, target: root, fstype: null,
      flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV, data: null, why: 'read-only, no setuid, no devices',
    });
  }
  return ops;
}

/** Devices must work (no MS_NODEV) but nothing can be created, run or setuid there. */
function roBindDev(ops: SetupOp[], skeleton: string, target: string): void {
  ops.push({ kind: 'mount', source: skeleton, target, fstype: null, flags: MS.BIND, data: null, why: '/dev from the skeleton' });
  ops.push({ kind: 'mount', source: null, target, fstype: null, flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NOEXEC, data: null, why: '/dev read-only, no exec, no setuid' });
}

function addReadOnlyBind(ops: SetupOp[], root: string, b: ReadOnlyBind): void {
  const target = inside(root, b.target);
  if (b.kind === 'dir') ops.push({ kind: 'mkdir', target, mode: 0o755, why: `mount point of ${b.target}` });
  else ops.push({ kind: 'mkfile', target, mode: 0o644, why: `mount point of ${b.target}` });
  roBind(ops, b.hostPath, target, 0, `${b.target} from the job`);
}
