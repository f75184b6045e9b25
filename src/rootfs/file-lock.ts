/**
 * Advisory locks between processes on one host: flock(2) on a lock file, called through koffi.
 *
 * Why flock: the kernel drops the lock when its holder dies, however it dies (SIGKILL, OOM), so
 * there are no stale locks to detect or take over, and no pid files that a reused pid could fool.
 * Locks belong to the open file description, so two opens in one process exclude each other
 * just like two processes do.
 *
 * Waiting never blocks the event loop: every attempt is LOCK_NB (a few system calls that do not
 * wait, made synchronously), and a busy lock is retried after `pollMs`. Lock files may be deleted by their holder (gc does); after locking, the holder checks
 * that the path still names the inode it locked and starts over otherwise.
 */
import fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import koffi from 'koffi';
import { HostError, ImageError } from '../errors';

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

type FlockFn = (fd: number, operation: number) => number;
let flockFn: FlockFn | undefined;

/** libc's flock, loaded on first use (a cache of a constant, not shared state). */
function flock(fd: number, operation: number): { rc: number; errno: number } {
  flockFn ??= koffi.load('libc.so.6').func('int flock(int fd, int operation)') as FlockFn;
  const rc = flockFn(fd, operation);
  return { rc, errno: rc === 0 ? 0 : koffi.errno() };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type LockMode = 'exclusive' | 'shared';

export interface LockOptions {
  mode: LockMode;
  /** Retry interval while the lock is busy, ms. Default 100. */
  pollMs?: number;
  /** Give up after this long, ms; 0 means try once. Default: wait forever. */
  timeoutMs?: number;
}

/** A held lock. `release()` is idempotent. */
export class FileLock {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    readonly mode: LockMode,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Takes the lock, or returns null when `timeoutMs` passes first (0: a single attempt). */
  static async acquire(path: string, options: LockOptions): Promise<FileLock | null> {
    const pollMs = options.pollMs ?? 100;
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    for (;;) {
      const lock = FileLock.tryAcquire(path, options.mode);
      if (lock !== null) return lock;
      if (Date.now() + pollMs > deadline) return null;
      await sleep(pollMs);
    }
  }

  /**
   * One attempt, synchronous: a handful of system calls that never wait (LOCK_NB), cheaper
   * than as many trips through the thread pool (a worker's start takes two locks per layer).
   * Null when another holder has it.
   */
  static tryAcquire(path: string, mode: LockMode): FileLock | null {
    const op = (mode === 'exclusive' ? LOCK_EX : LOCK_SH) | LOCK_NB;
    for (;;) {
      const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
      let keep = false;
      try {
        const { rc, errno } = flock(fd, op);
        if (rc === 0) {
          // The holder before us may have deleted or replaced the file: then our lock guards nothing.
          const mine = fs.fstatSync(fd);
          const named = fs.statSync(path, { throwIfNoEntry: false });
          if (named !== undefined && named.ino === mine.ino && named.dev === mine.dev) {
            keep = true;
            return new FileLock(path, mode, fd);
          }
          continue;
        }
        if (errno !== osConstants.errno.EWOULDBLOCK && errno !== osConstants.errno.EINTR) {
          throw new HostError(`flock(${path}): errno ${errno}`);
        }
        return null;
      } finally {
        if (!keep) fs.closeSync(fd);
      }
    }
  }

  /** Like acquire, but a timeout is an ImageError saying who to look for. */
  static async acquireOrFail(path: string, options: LockOptions & { timeoutMs: number }): Promise<FileLock> {
    const lock = await FileLock.acquire(path, options);
    if (lock === null) {
      throw new ImageError(`gave up after ${options.timeoutMs} ms waiting for the lock ${path} (see \`fuser -v ${path}\`)`);
    }
    return lock;
  }

  get held(): boolean {
    return this.fd !== undefined;
  }

  /** Deletes the lock file while holding the lock (waiters notice and start over). */
  async unlinkWhileHeld(): Promise<void> {
    if (this.fd !== undefined) await fs.promises.rm(this.path, { force: true });
  }

  /** Unlocks and closes (synchronously; a promise for the callers that await it). Idempotent. */
  release(): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) return Promise.resolve();
    this.fd = undefined;
    flock(fd, LOCK_UN);
    fs.closeSync(fd);
    return Promise.resolve();
  }
}
