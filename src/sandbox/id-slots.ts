/**
 * Host uids for boxes. uid/gid 256 inside a box maps to `base + slot` on the host, and a slot
 * belongs to one running box at a time across every worker process on the host: a slot is a
 * lock file `<dir>/<slot>` created with O_EXCL holding the owner's pid. A slot whose owner is
 * dead is taken over. Two boxes never share a host uid, so one box can never signal, ptrace
 * or read the files of another.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HostError } from '../errors';

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

export class IdSlots {
  private next = 0;

  constructor(
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
      if (this.tryTake(slot)) {
        this.next = slot + 1;
        const file = path.join(this.dir, String(slot));
        let released = false;
        return {
          slot,
          hostUid: this.base + slot,
          hostGid: this.base + slot,
          release: () => {
            if (released) return;
            released = true;
            fs.rmSync(file, { force: true });
          },
        };
      }
    }
    throw new HostError(`all ${this.count} host id slots in ${this.dir} are busy`);
  }

  private tryTake(slot: number): boolean {
    const file = path.join(this.dir, String(slot));
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o600);
        fs.writeSync(fd, String(process.pid));
        fs.closeSync(fd);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number.parseInt(readOrEmpty(file), 10);
      if (Number.isFinite(owner) && (owner === process.pid || pidAlive(owner))) return false;
      fs.rmSync(file, { force: true }); // a dead owner's slot
    }
    return false;
  }

  /** Removes slot files of dead owners; returns how many. */
  cleanupStale(): number {
    let removed = 0;
    for (const name of fs.readdirSync(this.dir)) {
      const owner = Number.parseInt(readOrEmpty(path.join(this.dir, name)), 10);
      if (!Number.isFinite(owner) || !pidAlive(owner)) {
        fs.rmSync(path.join(this.dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Host uids currently held by anyone (for leak checks). */
  held(): number[] {
    return fs.readdirSync(this.dir).map((n) => this.base + Number(n));
  }
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
