/**
 * The container's /dev, built once per start-up on the host and bind-mounted read-only into
 * every box: only harmless character devices (null, zero, full, random, urandom — the same
 * major/minor numbers as on any Linux), the /proc/self/fd links, and an empty shm directory
 * (a per-run tmpfs goes over it). Two mount operations per run instead of one per device.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NativeApi } from './native';

const S_IFCHR = 0o020000;
const DEVICES: ReadonlyArray<[string, number, number]> = [
  ['null', 1, 3],
  ['zero', 1, 5],
  ['full', 1, 7],
  ['random', 1, 8],
  ['urandom', 1, 9],
];
const LINKS: ReadonlyArray<[string, string]> = [
  ['fd', '/proc/self/fd'],
  ['stdin', '/proc/self/fd/0'],
  ['stdout', '/proc/self/fd/1'],
  ['stderr', '/proc/self/fd/2'],
];

/** (Re)creates the skeleton in `dir` atomically and returns its path. */
export function prepareDevSkeleton(native: NativeApi, dir: string): string {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { mode: 0o755 });
  for (const [name, major, minor] of DEVICES) {
    native.mknod(path.join(tmp, name), S_IFCHR | 0o666, (major << 8) | minor);
    fs.chmodSync(path.join(tmp, name), 0o666); // mknod honours the umask
  }
  for (const [name, target] of LINKS) fs.symlinkSync(target, path.join(tmp, name));
  fs.mkdirSync(path.join(tmp, 'shm'), { mode: 0o1777 });
  fs.chmodSync(path.join(tmp, 'shm'), 0o1777);
  // Replace any previous skeleton; boxes already running keep the one they bound.
  const old = `${dir}.old-${process.pid}`;
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
  return dir;
}
