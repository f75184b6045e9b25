/**
 * The cgroup v1 and v2 managers against a fake cgroupfs in a temporary directory: leaves made
 * with their limits, limits set for a prepared leaf's run, measurements read, leaves removed
 * and stale ones (of dead owners) cleaned. No root, no real cgroup.
 */
import { CgroupV1Manager } from '../../src/cgroup/v1';
import { CgroupV2Manager } from '../../src/cgroup/v2';
import { FakeCgroupFs } from './helpers/fake-cgroupfs';

const MiB = 2 ** 20;
const LIMITS = { memoryBytes: 64 * MiB, pids: 16 };
const NAME = `caged-${process.pid}-1`;

let fake: FakeCgroupFs;
afterEach(() => fake.remove());

describe('CgroupV1Manager', () => {
  const manager = () => new CgroupV1Manager({ root: fake.root, fs: fake });
  beforeEach(() => {
    fake = FakeCgroupFs.v1();
  });

  it('creates a leaf in memory, pids and cpuacct with the limits, and no swap', () => {
    const box = manager().create(NAME, LIMITS);
    // cpu too, with no quota asked: a box's threads weigh as one task against the worker.
    for (const c of ['memory', 'pids', 'cpuacct', 'cpu']) expect(fake.exists(`${c}/caged/${NAME}`)).toBe(true);
    expect(fake.writes.some(([f]) => f.endsWith('cpu.cfs_quota_us'))).toBe(false);
    const writes = Object.fromEntries(fake.writes.map(([f, d]) => [f, d]));
    expect(writes[`memory/caged/${NAME}/memory.limit_in_bytes`]).toBe(String(64 * MiB));
    expect(writes[`memory/caged/${NAME}/memory.memsw.limit_in_bytes`]).toBe(String(64 * MiB));
    // Set once on the parent, which the leaf inherits at its creation: not written per leaf.
    expect(writes['memory/caged/memory.oom_control']).toBe('0');
    expect(writes['memory/caged/memory.swappiness']).toBe('0');
    expect(writes[`memory/caged/${NAME}/memory.oom_control`]).toBeUndefined();
    expect(fake.readFile(`${fake.root}/memory/caged/${NAME}/memory.oom_control`)).toMatch(/^oom_kill_disable 0\n/);
    expect(fake.readFile(`${fake.root}/memory/caged/${NAME}/memory.swappiness`).trim()).toBe('0');
    expect(writes[`pids/caged/${NAME}/pids.max`]).toBe('16');
    expect(box.name).toBe(NAME);
  });

  it('writes to each leaf what its parent refuses to pass on', () => {
    // A parent whose swappiness cannot be written (a kernel refusing it): leaves get it themselves.
    const refusing = Object.assign(Object.create(fake) as FakeCgroupFs, {
      writeFile: (file: string, data: string) => {
        if (file === `${fake.root}/memory/caged/memory.swappiness`) throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
        fake.writeFile(file, data);
      },
    });
    const m = new CgroupV1Manager({ root: fake.root, fs: refusing });
    m.create(NAME, LIMITS);
    m.create(`caged-${process.pid}-2`, LIMITS);
    const leafWrites = fake.writes.filter(([f]) => /caged-\d+-\d+\/memory\.swappiness$/.test(f));
    expect(leafWrites).toEqual([
      [`memory/caged/${NAME}/memory.swappiness`, '0'],
      [`memory/caged/caged-${process.pid}-2/memory.swappiness`, '0'],
    ]);
  });

  it('lowers the memory limit before memsw and raises memsw first (the kernel keeps memsw >= limit)', () => {
    const box = manager().create(NAME, LIMITS);
    const order = (): string[] => fake.writes.filter(([f]) => /limit_in_bytes$/.test(f)).map(([f]) => f.split('/').pop()!);
    fake.writes.length = 0;
    box.setLimits({ memoryBytes: 128 * MiB, pids: 16 });
    expect(order()).toEqual(['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes']);
    fake.writes.length = 0;
    box.setLimits({ memoryBytes: 32 * MiB, pids: 16 });
    expect(order()).toEqual(['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes']);
  });

  it('makes no cpu leaf where cpu is not mounted, and then refuses a CPU cap', () => {
    const mounts = { memory: `${fake.root}/memory`, pids: `${fake.root}/pids`, cpuacct: `${fake.root}/cpuacct` };
    const box = new CgroupV1Manager({ mounts, fs: fake }).create(NAME, LIMITS);
    expect(fake.exists(`cpu/caged/${NAME}`)).toBe(false);
    expect(() => box.setLimits({ ...LIMITS, cpuCores: 1 })).toThrow(/not mounted/);
  });

  it('reads CPU time, peak memory, OOM kills and limit hits', () => {
    const box = manager().create(NAME, LIMITS);
    fake.set(`cpuacct/caged/${NAME}/cpuacct.usage`, '1500000\n');
    fake.set(`memory/caged/${NAME}/memory.max_usage_in_bytes`, `${10 * MiB}\n`);
    fake.set(`memory/caged/${NAME}/memory.oom_control`, 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    fake.set(`pids/caged/${NAME}/pids.events`, 'max 3\n');
    expect(box.stats()).toEqual({ cpuTimeNs: 1_500_000, memoryPeakBytes: 10 * MiB, oomKills: 2, memoryLimitHits: 2, pidsLimitHits: 3 });
  });

  it('removes every leaf on destroy, idempotently', () => {
    const box = manager().create(NAME, LIMITS);
    box.destroy();
    box.destroy();
    expect(manager().list()).toEqual([]);
  });

  it('cleans up the leaves of dead owners and keeps the live ones', () => {
    const m = manager();
    m.create('caged-999999-1', LIMITS);
    m.create(NAME, LIMITS);
    expect(m.cleanupStale((pid) => pid === process.pid)).toEqual(['caged-999999-1']);
    expect(m.list()).toEqual([NAME]);
  });

  it('removes a half-made leaf when a limit cannot be written, and names the file', () => {
    const m = new CgroupV1Manager({
      root: fake.root,
      fs: { ...bind(fake), writeFile: (f, d) => (f.endsWith('pids.max') ? fail(f) : fake.writeFile(f, d)) },
    });
    expect(() => m.create(NAME, LIMITS)).toThrow(/pids\.max/);
    expect(m.list()).toEqual([]);
  });
});

describe('CgroupV2Manager', () => {
  const manager = () => new CgroupV2Manager({ root: fake.root, fs: fake });
  beforeEach(() => {
    fake = FakeCgroupFs.v2();
  });

  it('enables the controllers down to its parent and creates a leaf with the limits', () => {
    manager().create(NAME, LIMITS);
    expect(fake.readFile(`${fake.root}/cgroup.subtree_control`).trim().split(' ').sort()).toEqual(['cpu', 'memory', 'pids']);
    const writes = Object.fromEntries(fake.writes.map(([f, d]) => [f, d]));
    expect(writes[`caged/${NAME}/memory.max`]).toBe(String(64 * MiB));
    expect(writes['caged/memory.swap.max']).toBe('0'); // hierarchical: once, for every leaf
    expect(writes[`caged/${NAME}/memory.oom.group`]).toBe('1');
    expect(writes[`caged/${NAME}/pids.max`]).toBe('16');
  });

  it('refuses a hierarchy that lacks a controller, naming what it has', () => {
    fake.remove();
    fake = FakeCgroupFs.v2(['memory', 'cpu']);
    expect(() => manager().create(NAME, LIMITS)).toThrow(/lacks pids \(has: memory cpu\)/);
  });

  it('reads CPU time, peak memory and events', () => {
    const box = manager().create(NAME, LIMITS);
    fake.set(`caged/${NAME}/cpu.stat`, 'usage_usec 1500\nuser_usec 1000\n');
    fake.set(`caged/${NAME}/memory.peak`, `${10 * MiB}\n`);
    fake.set(`caged/${NAME}/memory.events`, 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n');
    fake.set(`caged/${NAME}/pids.events`, 'max 2\n');
    expect(box.cpuTimeNs()).toBe(1_500_000);
    expect(box.stats()).toMatchObject({ cpuTimeNs: 1_500_000, memoryPeakBytes: 10 * MiB, oomKills: 1, pidsLimitHits: 2 });
    expect(box.stats().memoryLimitHits).toBeGreaterThanOrEqual(1);
  });

  it('sets a CPU cap as cpu.max when asked', () => {
    const box = manager().create(NAME, LIMITS);
    box.setLimits({ ...LIMITS, cpuCores: 0.5 });
    expect(fake.readFile(`${fake.root}/caged/${NAME}/cpu.max`)).toBe('50000 100000');
  });

  it('removes leaves on destroy and cleans up those of dead owners', () => {
    const m = manager();
    const mine = m.create(NAME, LIMITS);
    m.create('caged-999999-7', LIMITS);
    expect(m.cleanupStale((pid) => pid === process.pid)).toEqual(['caged-999999-7']);
    mine.destroy();
    mine.destroy();
    expect(m.list()).toEqual([]);
  });
});

function fail(file: string): never {
  throw Object.assign(new Error(`EACCES: ${file}`), { code: 'EACCES' });
}

function bind(f: FakeCgroupFs) {
  return {
    readFile: f.readFile.bind(f),
    writeFile: f.writeFile.bind(f),
    mkdir: f.mkdir.bind(f),
    rmdir: f.rmdir.bind(f),
    listDirs: f.listDirs.bind(f),
  };
}
