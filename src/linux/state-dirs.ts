/**
 * Where the worker keeps its state (image cache, job directories, compile cache) and its
 * runtime files (mount points, id leases). Root: /var/lib/caged and /run/caged, shared by
 * every worker on the host. An ordinary user (rootless mode) cannot write those: it gets a
 * store of its own, unpacked from the same image as that user (docs/security.md, "Rootless").
 *
 *   state:   $CAGED_STATE_DIR, else /var/lib/caged (root), else $XDG_DATA_HOME/caged,
 *            else ~/.local/share/caged
 *   runtime: $CAGED_RUNTIME_DIR, else /run/caged (root), else $XDG_RUNTIME_DIR/caged,
 *            else <tmpdir>/caged-<uid> (made 0700 and checked to be the user's own)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostError } from '../errors';

const isRoot = (): boolean => process.geteuid?.() === 0;

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAGED_STATE_DIR) return path.resolve(env.CAGED_STATE_DIR);
  if (isRoot()) return '/var/lib/caged';
  if (env.XDG_DATA_HOME) return path.join(path.resolve(env.XDG_DATA_HOME), 'caged');
  return path.join(os.homedir(), '.local', 'share', 'caged');
}

export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAGED_RUNTIME_DIR) return path.resolve(env.CAGED_RUNTIME_DIR);
  if (isRoot()) return '/run/caged';
  if (env.XDG_RUNTIME_DIR) return path.join(path.resolve(env.XDG_RUNTIME_DIR), 'caged');
  return path.join(os.tmpdir(), `caged-${process.geteuid?.() ?? 'user'}`);
}

/**
 * Makes `dir` (mode 0700 when new) and checks it is a directory of this user's, not a link:
 * in a shared /tmp another user could have made it first.
 */
export function ownPrivateDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  const uid = process.geteuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new HostError(`${dir} is not a directory of this user's (uid ${uid}): remove it or set CAGED_RUNTIME_DIR`);
  }
  return dir;
}

/** The statfs type of a tmpfs (linux/magic.h TMPFS_MAGIC). */
const TMPFS_MAGIC = 0x01021994;

/** Whether `dir` is on a tmpfs (its size bounds what is written there); false when it cannot be read. */
export function onTmpfs(dir: string): boolean {
  try {
    return fs.statfsSync(dir).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
}

/** Rootless: the tmpfs `scripts/setup-host.sh --user NAME` mounts for that user's job directories. */
export function rootlessJobsTmpfs(user: string): string {
  return path.join('/var/lib/caged/jobs', user);
}

/** What jobsDir reads of the host: the worker's (realJobsProbe), or the doctor's view of one. */
export interface JobsDirProbe {
  /** Whether `dir` is on a tmpfs. */
  tmpfs(dir: string): boolean;
  /** The owner of directory `dir` (not followed if a link), or null when it is no directory. */
  dirOwner(dir: string): number | null;
}

export const realJobsProbe: JobsDirProbe = {
  tmpfs: onTmpfs,
  dirOwner(dir) {
    try {
      const st = fs.lstatSync(dir);
      return st.isDirectory() ? st.uid : null;
    } catch {
      return null;
    }
  },
};

/**
 * Where job directories go: CAGED_JOBS_DIR, else as root `<state>/jobs`, where each job is a
 * size-capped tmpfs of its own; rootless, the user's jobs tmpfs when it is there (a tmpfs of this
 * user's), else `<state>/jobs`, which nothing caps in total (probe.tmpfs tells).
 */
export function jobsDir(
  rootless: boolean,
  env: NodeJS.ProcessEnv = process.env,
  user: { name: string; uid: number } = { name: os.userInfo().username, uid: process.geteuid?.() ?? -1 },
  probe: JobsDirProbe = realJobsProbe,
): string {
  if (env.CAGED_JOBS_DIR) return path.resolve(env.CAGED_JOBS_DIR);
  const fallback = path.join(stateDir(env), 'jobs');
  if (!rootless) return fallback;
  const tmpfs = rootlessJobsTmpfs(user.name);
  return probe.dirOwner(tmpfs) === user.uid && probe.tmpfs(tmpfs) ? tmpfs : fallback;
}
