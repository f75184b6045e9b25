/**
 * Job directories against a recording fake of the host's mounts: each is a tmpfs of its own,
 * removal unmounts before deleting, and only dead owners' directories are cleaned up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidRequestError } from '../../src/errors';
import { JobDirs } from '../../src/rootfs/job-dirs';
import { MS } from '../../src/linux/constants';
import type { HostMounts } from '../../src/sandbox/sandbox';

let root: string;
let calls: string[];
const mounts: HostMounts = {
  mount: (source, target, fstype, flags, data) => {
    calls.push(`mount ${source} ${path.basename(target)} ${fstype} ${flags} ${data}`);
  },
  detach: (target) => {
    calls.push(`detach ${path.basename(target)}`);
    return true;
  },
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-job-dirs-'));
  calls = [];
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** A fake unmount that takes the tmpfs's files with it, as the kernel's does. */
function unmount(target: string): boolean {
  calls.push(`detach ${path.basename(target)}`);
  fs.rmSync(path.join(target, 'box'), { recursive: true, force: true });
  return true;
}

describe('JobDirs', () => {
  it('makes each job directory a size-capped tmpfs named for this process, holding an empty box', () => {
    const job = new JobDirs(root, mounts).create({ diskBytes: 1024 * 1024 });
    const name = path.basename(job.path);
    expect(name).toMatch(new RegExp(`^caged-${process.pid}-\\d+$`));
    expect(calls).toEqual([`mount caged-job ${name} tmpfs ${MS.NOSUID | MS.NODEV} size=1048576,mode=0711`]);
    expect(fs.readdirSync(job.box)).toEqual([]);
  });

  it('never gives two job directories of one process the same name', () => {
    const a = new JobDirs(root, mounts).create();
    const b = new JobDirs(root, mounts).create();
    expect(a.path).not.toBe(b.path);
  });

  it('unmounts, then deletes, once however often removed', () => {
    const job = new JobDirs(root, mounts).create();
    job.remove();
    job.remove();
    expect(calls.filter((c) => c.startsWith('detach'))).toEqual([`detach ${path.basename(job.path)}`]);
    expect(fs.existsSync(job.path)).toBe(false);
  });

  it('unmounts off the event loop, then deletes, once however often removed (either way)', async () => {
    const offLoop: string[] = [];
    const dirs = new JobDirs(root, mounts, (target) => {
      offLoop.push(`detach ${path.basename(target)}`);
      return Promise.resolve(true);
    });
    const job = dirs.create();
    fs.writeFileSync(path.join(job.box, 'main.c'), 'int main(){}');
    const removing = job.removeAsync();
    expect(job.removeAsync()).toBe(removing);
    await removing;
    job.remove();
    expect(offLoop).toEqual([`detach ${path.basename(job.path)}`]);
    expect(calls.filter((c) => c.startsWith('detach'))).toEqual([]);
    dirs.close(); // the unmounted directory was kept as a spare: close removes it
    expect(fs.existsSync(job.path)).toBe(false);
  });

  it('removes an unmounted job directory (its tmpfs gone) with one rmdir, and a non-empty one as a tree', async () => {
    const rm = jest.spyOn(fs.promises, 'rm');
    const rmSync = jest.spyOn(fs, 'rmSync');
    try {
      const dirs = new JobDirs(root, { ...mounts, detach: unmount }, (target) => Promise.resolve(unmount(target)));
      const a = dirs.create();
      const b = dirs.create();
      await a.removeAsync();
      b.remove();
      dirs.close();
      expect(rm).not.toHaveBeenCalled();
      expect(rmSync.mock.calls.filter(([p]) => p === a.path || p === b.path)).toEqual([]);
      expect(fs.existsSync(a.path) || fs.existsSync(b.path)).toBe(false);
      // Not a mount point after all (detach says false): whatever it holds goes, through rm.
      const c = new JobDirs(root, mounts, () => Promise.resolve(false)).create();
      fs.writeFileSync(path.join(c.box, 'left'), 'x');
      await c.removeAsync();
      expect(rm).toHaveBeenCalledWith(c.path, { recursive: true, force: true });
      expect(fs.existsSync(c.path)).toBe(false);
    } finally {
      rm.mockRestore();
      rmSync.mockRestore();
    }
  });

  it('does not remove again off the loop what was removed in line', async () => {
    let offLoop = 0;
    const job = new JobDirs(root, mounts, () => Promise.resolve(++offLoop > 0)).create();
    job.remove();
    await job.removeAsync();
    expect(offLoop).toBe(0);
    expect(calls.filter((c) => c.startsWith('detach'))).toHaveLength(1);
  });

  it('refuses a size that is not a positive integer, naming diskBytes', () => {
    expect(() => new JobDirs(root, mounts).create({ diskBytes: 0 })).toThrow(InvalidRequestError);
    expect(() => new JobDirs(root, mounts).create({ diskBytes: 1.5 })).toThrow(/diskBytes|positive integer/);
  });

  it('cleans up only the directories of dead owners', () => {
    for (const n of ['caged-111-1', 'caged-222-7', `caged-${process.pid}-99`, 'other']) fs.mkdirSync(path.join(root, n));
    const removed = new JobDirs(root, mounts).cleanupStale((pid) => pid === 222);
    expect(removed).toEqual(['caged-111-1']);
    expect(fs.readdirSync(root).sort()).toEqual([`caged-${process.pid}-99`, 'caged-222-7', 'other'].sort());
  });

  it('keeps an emptied mount point for the next job, which mounts a fresh tmpfs on it', async () => {
    const dirs = new JobDirs(root, { ...mounts, detach: unmount }, (target) => Promise.resolve(unmount(target)));
    const a = dirs.create();
    fs.writeFileSync(path.join(a.box, 'main.c'), 'int main(){}');
    await a.removeAsync();
    expect(fs.readdirSync(a.path)).toEqual([]);
    const b = dirs.create();
    expect(b.path).toBe(a.path);
    expect(fs.readdirSync(b.box)).toEqual([]);
    const name = path.basename(a.path);
    expect(calls.filter((c) => c.includes(name))).toEqual([
      `mount caged-job ${name} tmpfs ${MS.NOSUID | MS.NODEV} size=268435456,mode=0711`,
      `detach ${name}`,
      `mount caged-job ${name} tmpfs ${MS.NOSUID | MS.NODEV} size=268435456,mode=0711`,
    ]);
    // In-line removal and close() delete; nothing is kept after close.
    b.remove();
    expect(fs.existsSync(b.path)).toBe(false);
    const c = dirs.create();
    dirs.close();
    await c.removeAsync();
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('never reuses a spare that is not an empty directory of its own, and removes it', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-elsewhere-'));
    fs.mkdirSync(path.join(elsewhere, 'box'));
    fs.writeFileSync(path.join(elsewhere, 'box', 'kept'), 'x');
    const spoil: Array<[string, (dir: string) => void]> = [
      ['holds a file', (dir) => fs.writeFileSync(path.join(dir, 'planted'), 'x')],
      ['is writable by others', (dir) => fs.chmodSync(dir, 0o777)],
      ['is a symlink', (dir) => (fs.rmdirSync(dir), fs.symlinkSync(elsewhere, dir))],
      ['is gone', (dir) => fs.rmdirSync(dir)],
    ];
    for (const [what, f] of spoil) {
      const dirs = new JobDirs(root, { ...mounts, detach: unmount }, (target) => Promise.resolve(unmount(target)));
      const a = dirs.create();
      await a.removeAsync();
      f(a.path);
      const b = dirs.create();
      expect([what, b.path === a.path]).toEqual([what, false]);
      expect([what, fs.existsSync(a.path)]).toEqual([what, false]);
      b.remove();
    }
    // A link is unlinked, never followed: what it pointed to is intact.
    expect(fs.readFileSync(path.join(elsewhere, 'box', 'kept'), 'utf8')).toBe('x');
    fs.rmSync(elsewhere, { recursive: true });
  });

  it('keeps at most 8 spares', async () => {
    const dirs = new JobDirs(root, { ...mounts, detach: unmount }, (target) => Promise.resolve(unmount(target)));
    const jobs = Array.from({ length: 11 }, () => dirs.create());
    for (const j of jobs) await j.removeAsync();
    expect(fs.readdirSync(root)).toHaveLength(8);
    dirs.close();
    expect(fs.readdirSync(root)).toEqual([]);
  });
});
