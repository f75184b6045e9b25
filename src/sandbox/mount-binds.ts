/**
 * The mount operations of a run's binds (mount-plan.ts): read-only binds of the job's files into
 * the box, the one writable directory of a run (an interactor's feedback), and rootless, the
 * same as overlays whose layers are named by links in the scratch tmpfs; with the path checks
 * every mount of the plan shares.
 */
import path from 'node:path';
import { MS } from '../linux/constants';
import type { SetupOp } from './protocol';
import type { ReadOnlyBind } from './types';

/** An overlay layer's path: absolute, without the characters overlayfs's options split on. */
export function checkLayerPath(p: string): string {
  if (!path.isAbsolute(p)) throw new TypeError(`an overlay layer must be an absolute path: ${p}`);
  if (/[:,\n]/.test(p)) throw new TypeError(`an overlay layer path must not contain ':', ',' or a newline: ${p}`);
  return p;
}

export function inside(root: string, target: string): string {
  if (!path.isAbsolute(target) || target.split('/').includes('..')) {
    throw new TypeError(`container path must be absolute without "..": ${target}`);
  }
  return path.join(root, target);
}

export function roBind(ops: SetupOp[], source: string, target: string, extra: number, why: string): void {
  ops.push({ kind: 'mount', source, target, fstype: null, flags: MS.BIND | MS.REC, data: null, why });
  ops.push({
    kind: 'mount',
    source: null,
    target,
    fstype: null,
    flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | extra,
    data: null,
    why: `${why} (read-only)`,
  });
}

export function addReadOnlyBind(ops: SetupOp[], root: string, b: ReadOnlyBind, ctx: { hostUid: number; hostGid: number }): void {
  const target = inside(root, b.target);
  if (b.kind === 'dir') ops.push({ kind: 'mkdir', target, mode: 0o755, why: `mount point of ${b.target}` });
  else ops.push({ kind: 'mkfile', target, mode: 0o644, why: `mount point of ${b.target}` });
  if (b.kind === 'dir' && b.writable) {
    // The one writable bind: an empty directory of the job made for this run (an interactor's
    // feedback directory), handed to the program; the worker reads it back without following links.
    const why = `${b.target} from the job, writable`;
    ops.push({ kind: 'mount', source: b.hostPath, target, fstype: null, flags: MS.BIND, data: null, why });
    const flags = MS.BIND | MS.REMOUNT | MS.NOSUID | MS.NODEV | MS.NOEXEC;
    ops.push({ kind: 'mount', source: null, target, fstype: null, flags, data: null, why: `${b.target}: no setuid, devices or exec` });
    ops.push({ kind: 'chown', target, uid: ctx.hostUid, gid: ctx.hostGid, why: `${b.target} belongs to the program` });
    return;
  }
  roBind(ops, b.hostPath, target, 0, `${b.target} from the job`);
}

/**
 * Rootless: the binds of addReadOnlyBind, as overlays whose layers are named by links in the
 * scratch tmpfs, so that the box's mountinfo shows no host path (see MountContext.rootless).
 * A directory: a read-only overlay of it (over an empty layer), or, writable, an overlay whose
 * upper layer it is. A file: its directory staged as such a read-only overlay in the scratch
 * (outside the box's root), and the file bound from there.
 */
export function addHiddenBind(
  ops: SetupOp[],
  root: string,
  scratch: string,
  b: ReadOnlyBind,
  i: number,
  ctx: { hostUid: number; hostGid: number },
): void {
  const target = inside(root, b.target);
  const link = (name: string, to: string, why: string) =>
    ops.push({ kind: 'symlink', source: checkLayerPath(to), target: path.join(scratch, name), why });
  const empty = `bind-${i}-empty`;
  ops.push({ kind: 'mkdir', target: path.join(scratch, empty), mode: 0o755, why: `empty layer of ${b.target}` });
  const overlay = (at: string, data: string, flags: number, why: string) =>
    ops.push({ kind: 'mount', source: 'overlay', target: at, fstype: 'overlay', flags, data, why });
  if (b.kind === 'dir' && b.writable) {
    ops.push({ kind: 'mkdir', target, mode: 0o755, why: `mount point of ${b.target}` });
    ops.push({ kind: 'mkdir', target: `${b.hostPath}.work`, mode: 0o700, why: `overlay work directory of ${b.target}` });
    link(`bind-${i}`, b.hostPath, `${b.target} from the job, by a name that hides its path`);
    link(`bind-${i}-work`, `${b.hostPath}.work`, 'its work directory, likewise');
    const data = `lowerdir=${empty},upperdir=bind-${i},workdir=bind-${i}-work`;
    overlay(target, data, MS.NOSUID | MS.NODEV | MS.NOEXEC, `${b.target} from the job, writable (written straight into it)`);
    ops.push({ kind: 'chown', target, uid: ctx.hostUid, gid: ctx.hostGid, why: `${b.target} belongs to the program` });
    return;
  }
  const dir = b.kind === 'dir' ? b.hostPath : path.dirname(b.hostPath);
  link(`bind-${i}`, dir, `${b.target} from the job, by a name that hides its path`);
  const data = `lowerdir=bind-${i}:${empty}`;
  const flags = MS.RDONLY | MS.NOSUID | MS.NODEV;
  if (b.kind === 'dir') {
    ops.push({ kind: 'mkdir', target, mode: 0o755, why: `mount point of ${b.target}` });
    overlay(target, data, flags, `${b.target} from the job (read-only)`);
    return;
  }
  const stage = path.join(scratch, `bind-${i}-stage`);
  ops.push({ kind: 'mkdir', target: stage, mode: 0o755, why: `staging point of ${b.target}'s directory` });
  overlay(stage, data, flags, `${b.target}'s directory, staged outside the root (read-only)`);
  ops.push({ kind: 'mkfile', target, mode: 0o644, why: `mount point of ${b.target}` });
  roBind(ops, path.join(stage, path.basename(b.hostPath)), target, 0, `${b.target} from the job`);
}
