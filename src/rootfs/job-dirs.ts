/**
 * Job directories: `<jobsDir>/caged-<pid>-<seq>`, one per job (and per custom checker), each a
 * size-capped tmpfs of its own (so that nothing a box writes, even in a writable /box, can fill
 * the host's disk) holding the job's /box and, in extract mode, its rootfs. The directory
 * carries its owner's pid: `cleanupStale` removes those of dead workers.
 *
 * Rootless (the sandbox's `hostMounts.plainDirs`), nothing can be mounted on the host: a job
 * directory is a plain directory, its size bounded only by the rlimits of what runs in it
 * (docs/security.md), and its removal goes through `hostMounts.removeTree` (the boxes' files
 * belong to their subordinate ids).
 *
 * The jobs directory itself belongs to the sandbox: it makes it, and makes it a shared mount
 * while it keeps prepared containers (see `shareJobsDir` in src/sandbox/sandbox.ts), so that a
 * job directory mounted here later also appears in a container prepared before it existed.
 *
 * An emptied mount point is kept for the next job instead of removed (a few, `SPARE_DIRS`): the
 * rmdir of a directory that was a mount point waits on the mount namespaces' lock and was the
 * largest system call of a short job on the event loop (docs/benchmarks.md). The next job mounts
 * a fresh tmpfs on it: nothing of the last job's files is there (they went with their tmpfs),
 * and a spare that is not an empty directory of its own is removed, never reused. `close()`
 * removes the spares; a dead worker's go with `cleanupStale`, as they carry its pid.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { MS } from '../linux/constants';
import { pidAlive } from '../linux/pid-alive';
import type { HostMounts, Sandbox } from '../sandbox/sandbox';
import { detachOffLoop } from './unmount-off-loop';

export interface JobDirOptions {
  /** Size of the job directory's tmpfs in bytes: the box and, in extract mode, the rootfs. Default 256 MiB. */
  diskBytes?: number;
}

export interface JobDir {
  /** `<jobsDir>/caged-<pid>-<seq>`, a size-capped tmpfs of its own */
  path: string;
  /** The job's /box on the host. */
  box: string;
  /** Unmounts and deletes the directory; idempotent. */
  remove(): void;
  /**
   * The same, with the unmount off the event loop (on libuv's thread pool), the emptied mount
   * point kept as a spare for the next job (or, with enough spares, removed with one rmdir):
   * what a job's end awaits, so that other jobs go on meanwhile. Idempotent, with `remove` too.
   */
  removeAsync(): Promise<void>;
}

const PREFIX = 'caged-';
/** Emptied mount points a JobDirs keeps for its next jobs: enough for a worker's concurrent jobs to turn over. */
const SPARE_DIRS = 8;

/**
 * The sequence of a name is the process's, not one JobDirs', so that two in one process (over
 * one jobs directory) never pick the same name. A name counter, not a gate.
 */
let lastSeq = 0;
const nextSeq = (): number => ++lastSeq;

export class JobDirs {
  /**
   * `dir`: the jobs directory (it exists); `mounts`: mount(2) and detaching in the host's
   * namespace; `detachAsync`: detaching off the event loop (default: `mounts.detach`, in line).
   */
  constructor(
    readonly dir: string,
    private readonly mounts: HostMounts,
    private readonly detachAsync: (target: string) => Promise<boolean> = (target) => Promise.resolve(mounts.detach(target)),
  ) {}

  /** Emptied mount points (an unmounted job directory, empty), most recent last. */
  private readonly spares: string[] = [];

  /** The job directories of a sandbox's jobs directory. */
  static of(sandbox: Sandbox): JobDirs {
    const mounts = sandbox.hostMounts;
    return new JobDirs(sandbox.jobsDir, mounts, detachOffLoop(mounts));
  }

  /**
   * A fresh job directory: a size-capped tmpfs holding an empty box, owned by root until a run
   * hands it over. `remove()` unmounts and deletes it; a dead worker's are removed by `cleanupStale`.
   */
  create(opts: JobDirOptions = {}): JobDir {
    const size = opts.diskBytes ?? 256 * 2 ** 20;
    if (!Number.isSafeInteger(size) || size <= 0) throw new InvalidRequestError(`must be a positive integer (got ${size})`, 'diskBytes');
    let dir = this.spares.pop();
    if (dir !== undefined && !isSpare(dir)) {
      // Never followed: a link is unlinked, a directory (a mount point now?) detached and removed.
      if (fs.lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) this.remove(dir);
      else fs.rmSync(dir, { force: true });
      dir = undefined;
    }
    if (dir === undefined) {
      dir = path.join(this.dir, `${PREFIX}${process.pid}-${nextSeq()}`);
      fs.mkdirSync(dir, { mode: 0o711 });
    }
    try {
      if (!this.mounts.plainDirs) this.mounts.mount('caged-job', dir, 'tmpfs', MS.NOSUID | MS.NODEV, `size=${size},mode=0711`);
      fs.mkdirSync(path.join(dir, 'box'), { mode: 0o755 });
    } catch (err) {
      this.remove(dir);
      throw err;
    }
    let removed: Promise<void> | undefined;
    return {
      path: dir,
      box: path.join(dir, 'box'),
      remove: () => {
        if (removed) return;
        removed = Promise.resolve();
        this.remove(dir);
      },
      removeAsync: () => (removed ??= this.removeAsync(dir)),
    };
  }

  /** Removes the job directories of workers that died mid-job on this host; returns their names. */
  cleanupStale(isAlive: (pid: number) => boolean = pidAlive): string[] {
    const removed: string[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const owner = ownerPid(name);
      if (owner !== null && owner !== process.pid && !isAlive(owner)) {
        this.remove(path.join(this.dir, name));
        removed.push(name);
      }
    }
    return removed;
  }

  private remove(dir: string): void {
    const unmounted = this.mounts.detach(dir);
    if (this.mounts.removeTree) this.mounts.removeTree(dir);
    else if (!(unmounted && removedEmpty(dir))) fs.rmSync(dir, { recursive: true, force: true });
  }

  private async removeAsync(dir: string): Promise<void> {
    const unmounted = await this.detachAsync(dir);
    // Rootless, the job's files are on the host's disk, however deep, and some belong to the
    // boxes' ids: only removeTree removes those (Node's rm stops at ENAMETOOLONG).
    if (this.mounts.removeTree) this.mounts.removeTree(dir);
    else if (unmounted && this.spares.length < SPARE_DIRS && !this.closed) this.spares.push(dir);
    else if (!(unmounted && removedEmpty(dir))) await fs.promises.rm(dir, { recursive: true, force: true });
  }

  private closed = false;

  /** Removes the spare mount points; a job directory made after this is removed at its end. */
  close(): void {
    this.closed = true;
    for (const dir of this.spares.splice(0)) if (!removedEmpty(dir)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether a spare `dir` can take the next job's tmpfs: a directory (not a link), not a mount
 * point (its device is its parent's), owned by root and writable by no one else, with nothing
 * in it. Checked when it is taken; a few microseconds against the rmdir it saves.
 */
function isSpare(dir: string): boolean {
  try {
    const st = fs.lstatSync(dir);
    const parent = fs.statSync(path.dirname(dir));
    return (
      st.isDirectory() &&
      st.dev === parent.dev &&
      st.uid === process.getuid!() &&
      (st.mode & 0o022) === 0 &&
      fs.readdirSync(dir).length === 0
    );
  } catch {
    return false;
  }
}

/**
 * Once its tmpfs is unmounted (and its files gone with it), a job directory is the empty mount
 * point made by `create`: one rmdir(2) removes it, in line, instead of a recursive walk on
 * libuv's pool. False when it is not empty after all (or rmdir fails otherwise): the caller
 * then removes the tree, and reports what fails there.
 */
function removedEmpty(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function ownerPid(name: string): number | null {
  const m = /^caged-(\d+)-\d+$/.exec(name);
  return m ? Number(m[1]) : null;
}
