/**
 * Host uids for boxes. uid/gid 256 inside a box maps to `base + slot` on the host, and a slot
 * belongs to one running box at a time across every worker process on the host, containers
 * included: a slot is an exclusive flock(2) on the file `<dir>/<slot>`, held while the box runs.
 * The kernel drops it when its holder closes the file or dies, however it dies, in whatever PID
 * namespace, so there is nothing stale to clean and no pid to check. Two boxes never share a
 * host uid, so one box can never signal, ptrace or read the files of another.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HostError } from '../errors';
import type { NativeApi } from './native';

export interface IdSlot {
  slot: number;
  hostUid: number;
  hostGid: number;
  release(): void;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const OPEN_FLAGS = fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW;

export class IdSlots {
  private next = 0;

  constructor(
    private readonly native: NativeApi,
    private readonly dir: string,
    /** First host uid/gid; never 0, and away from the usual subuid ranges. */
    readonly base: number,
    readonly count: number,
  ) {
    if (base < 65536) throw new TypeError(`host id base must be >= 65536 (got ${base})`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  acquire(): IdSlot {
    for (let i = 0; i < this.count; i++) {
      const slot = (this.next + i) % this.count;
      const fd = fs.openSync(path.join(this.dir, String(slot)), OPEN_FLAGS, 0o600);
      let taken = false;
      try {
        taken = this.native.tryLockExclusive(fd);
      } finally {
        if (!taken) fs.closeSync(fd);
      }
      if (!taken) continue;
      this.next = slot + 1;
      let released = false;
      return {
        slot,
        hostUid: this.base + slot,
        hostGid: this.base + slot,
        release: () => {
          if (released) return;
          released = true;
          fs.closeSync(fd); // drops the lock
        },
      };
    }
    throw new HostError(`all ${this.count} host id slots in ${this.dir} are busy`);
  }

  /** Host uids currently held by anyone on this host, this process included (for leak checks). */
  held(): number[] {
    const held: number[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const fd = fs.openSync(path.join(this.dir, name), OPEN_FLAGS, 0o600);
      try {
        if (!this.native.tryLockExclusive(fd)) held.push(this.base + Number(name));
      } finally {
        fs.closeSync(fd);
      }
    }
    return held.sort((a, b) => a - b);
  }
}
