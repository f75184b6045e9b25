/**
 * Host uids for boxes. uid/gid 256 inside a box maps to `base + index` on the host, and each
 * host id is leased to one running box at a time across every worker process on the host,
 * containers included: a lease is an exclusive flock(2) on the file `<dir>/<index>`, held while
 * the box runs. The lock directory is `<runtimeDir>/slots` (its old name, kept so that workers
 * of two versions on one host still share it).
 * The kernel drops it when its holder unlocks or closes the file or dies, however it dies, in
 * whatever PID namespace, so there is nothing stale to clean and no pid to check. The lock files
 * stay open for the object's life (close()): a lease costs a flock and its release a LOCK_UN. Two boxes never share a
 * host uid, so one box can never signal, ptrace or read the files of another.
 *
 * Rootless, the ids are the worker's subordinate ids (src/linux/user-namespace.ts): index i is
 * id 1 + i of the worker's user namespace (`outerUid`), whose host uid the mapping gives; the
 * lock directory is the worker user's own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HostError } from '../errors';
import type { NativeApi } from './native';

export interface HostIdLease {
  /** The index of the host id in the range (its lock file's name). */
  index: number;
  hostUid: number;
  hostGid: number;
  /** Rootless: the ids in the worker's user namespace that map to hostUid/hostGid; root mode: equal to them. */
  outerUid: number;
  outerGid: number;
  release(): void;
}

/** Rootless: which ids index i stands for (instead of base + i). */
export interface HostIdMapping {
  outer(index: number): number;
  hostUid(index: number): number;
  hostGid(index: number): number;
}

const OPEN_FLAGS = fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW;

export class HostIdLeases {
  private next = 0;
  /**
   * Each lock file this object has opened, kept open until close(): a lease is a flock on it and
   * its release a LOCK_UN, so a run costs one flock and one unlock, not an open and a close.
   */
  private readonly files = new Map<number, { fd: number }>();
  /** Indexes this object has leased and not released: flock on an open file that already holds the lock succeeds again. */
  private readonly leased = new Set<number>();

  constructor(
    private readonly native: NativeApi,
    private readonly dir: string,
    /** First host uid/gid; never 0, and away from the usual subuid ranges. */
    readonly base: number,
    readonly count: number,
    private readonly mapping?: HostIdMapping,
  ) {
    if (!mapping && base < 65536) throw new TypeError(`host id base must be >= 65536 (got ${base})`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** True when `uid` is a host uid this range gives to boxes (leak checks). */
  includes(uid: number): boolean {
    if (!this.mapping) return uid >= this.base && uid < this.base + this.count;
    for (let i = 0; i < this.count; i++) if (this.mapping.hostUid(i) === uid) return true;
    return false;
  }

  /** A free host id, locked until `release()` (or the holder's death); HostError when all are leased. */
  acquire(): HostIdLease {
    for (let i = 0; i < this.count; i++) {
      const index = (this.next + i) % this.count;
      if (this.leased.has(index)) continue;
      const file = this.lockFile(index);
      if (!this.native.tryLockExclusive(file.fd)) continue;
      this.leased.add(index);
      this.next = index + 1;
      let released = false;
      const m = this.mapping;
      const hostUid = m ? m.hostUid(index) : this.base + index;
      const hostGid = m ? m.hostGid(index) : this.base + index;
      return {
        index,
        hostUid,
        hostGid,
        outerUid: m ? m.outer(index) : hostUid,
        outerGid: m ? m.outer(index) : hostGid,
        release: () => {
          if (released) return;
          released = true;
          try {
            // Not after close(): the file is closed (the lock with it), its number maybe reused.
            if (this.files.get(index) === file) this.native.unlock(file.fd);
          } finally {
            this.leased.delete(index);
          }
        },
      };
    }
    throw new HostError(`all ${this.count} host ids (lock files in ${this.dir}) are leased`);
  }

  /** The open lock file of `index`, opened at its first use. */
  private lockFile(index: number): { fd: number } {
    let file = this.files.get(index);
    if (file === undefined) {
      file = { fd: fs.openSync(path.join(this.dir, String(index)), OPEN_FLAGS, 0o600) };
      this.files.set(index, file);
    }
    return file;
  }

  /** Closes the lock files (dropping any lease still held); acquire opens them again. */
  close(): void {
    for (const file of this.files.values()) fs.closeSync(file.fd);
    this.files.clear();
    this.leased.clear();
  }

  /** Host uids currently held by anyone on this host, this process included (for leak checks). */
  held(): number[] {
    const held: number[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const fd = fs.openSync(path.join(this.dir, name), OPEN_FLAGS, 0o600);
      try {
        if (!this.native.tryLockExclusive(fd)) held.push(this.mapping ? this.mapping.hostUid(Number(name)) : this.base + Number(name));
      } finally {
        fs.closeSync(fd);
      }
    }
    return held.sort((a, b) => a - b);
  }
}
