/**
 * The memory cgroup id budget (src/cgroup/memcg-ids.ts): the host's count read from a
 * /proc/cgroups of the test's own, reclaims started at the mark, one at a time, spaced when they
 * cannot bring the count down; and the managers' reclaims against a fake cgroupfs. The real
 * reclaim of dying cgroups is tested on this machine's v1 hierarchy (test/cgroup-v1.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemcgIdBudget, memoryCgroupCount, type MemcgReclaim } from '../../src/cgroup/memcg-ids';
import { CgroupV1Manager } from '../../src/cgroup/v1';
import { CgroupV2Manager } from '../../src/cgroup/v2';
import { WorkerMetrics } from '../../src/queue/metrics';
import { FakeCgroupFs } from './helpers/fake-cgroupfs';

const V1_TABLE = (n: number) =>
  `#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t1\t1\ncpu\t1\t1\t1\nmemory\t4\t${n}\t1\npids\t8\t1\t1\n`;
const V2_TABLE = (n: number) => `#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t0\t${n}\t1\nmemory\t0\t${n}\t1\n`;

let dir: string;
let table: string;
const setCount = (n: number) => fs.writeFileSync(table, V1_TABLE(n));

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-memcg-'));
  table = path.join(dir, 'cgroups');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('memoryCgroupCount', () => {
  it("reads the memory row's num_cgroups, v1 and v2 alike; null without the file or the row", () => {
    fs.writeFileSync(table, V1_TABLE(155));
    expect(memoryCgroupCount(table)).toBe(155);
    fs.writeFileSync(table, V2_TABLE(42));
    expect(memoryCgroupCount(table)).toBe(42);
    fs.writeFileSync(table, '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t1\t1\n');
    expect(memoryCgroupCount(table)).toBeNull();
    expect(memoryCgroupCount(path.join(dir, 'absent'))).toBeNull();
  });

  it('reads this host', () => {
    expect(memoryCgroupCount()).toBeGreaterThan(0);
  });
});

describe('MemcgIdBudget', () => {
  /** A budget whose reclaims are recorded and end when the test says. */
  const budget = (o: { reclaimAt: number; lookEvery: number; regrow?: number }) => {
    const calls: Array<{ end: (err?: Error) => void }> = [];
    const b = new MemcgIdBudget({
      ...o,
      procCgroups: table,
      settleMs: 0,
      reclaim: () => new Promise<void>((resolve, reject) => calls.push({ end: (err) => (err ? reject(err) : resolve()) })),
    });
    return { b, calls };
  };

  it('looks every lookEvery removals, and reclaims at the mark', async () => {
    const { b, calls } = budget({ reclaimAt: 100, lookEvery: 4 });
    setCount(99);
    for (let i = 0; i < 3; i++) b.removed();
    expect(b.lastCount).toBeNull(); // not looked yet
    b.removed();
    expect(b.lastCount).toBe(99);
    expect(calls).toHaveLength(0);
    setCount(100);
    for (let i = 0; i < 4; i++) b.removed();
    expect(calls).toHaveLength(1);
    expect(b.reclaims).toBe(1);
    setCount(40);
    const told = new Promise<MemcgReclaim>((resolve) => (b.onReclaim = resolve));
    calls[0]!.end();
    await b.settled();
    const r = await told;
    expect([r.before, r.after, r.error]).toEqual([100, 40, null]);
    expect(r.ms).toBeGreaterThanOrEqual(0);
    // Below the mark again: the next reclaim at the mark.
    setCount(100);
    b.look();
    expect(calls).toHaveLength(2);
  });

  it('runs one reclaim at a time', async () => {
    const { b, calls } = budget({ reclaimAt: 10, lookEvery: 1 });
    setCount(50);
    for (let i = 0; i < 5; i++) b.removed();
    expect(calls).toHaveLength(1);
    setCount(5);
    calls[0]!.end();
    await b.settled();
    expect(b.reclaims).toBe(1);
  });

  it('waits for the count to grow by regrow after a reclaim that left it at the mark', async () => {
    const { b, calls } = budget({ reclaimAt: 100, lookEvery: 1, regrow: 50 });
    setCount(120);
    b.look();
    setCount(110); // others' cgroups: still at the mark
    calls[0]!.end();
    await b.settled();
    setCount(159);
    b.look();
    expect(calls).toHaveLength(1);
    setCount(160);
    b.look();
    expect(calls).toHaveLength(2);
  });

  it('reports a failed reclaim, and does not retry it at every look', async () => {
    const { b, calls } = budget({ reclaimAt: 100, lookEvery: 1, regrow: 10 });
    setCount(100);
    b.look();
    calls[0]!.end(new Error('cgroup: write memory.force_empty: EACCES'));
    await b.settled();
    expect(b.last?.error?.message).toMatch(/EACCES/);
    b.look();
    expect(calls).toHaveLength(1);
  });

  it('refuses settings that are not positive integers', () => {
    for (const bad of [0, -1, 1.5, NaN])
      expect(() => new MemcgIdBudget({ reclaim: () => Promise.resolve(), reclaimAt: bad })).toThrow(/reclaimAt must be a positive integer/);
  });
});

describe('/metrics', () => {
  it("exports the host's memory cgroups and the reclaims started", async () => {
    const b = new MemcgIdBudget({ reclaim: () => Promise.resolve(), reclaimAt: 1, lookEvery: 1, procCgroups: table, settleMs: 0 });
    setCount(5);
    b.look();
    await b.settled();
    const metrics = new WorkerMetrics({ queueCounts: () => Promise.resolve({}), processMetrics: false, memcgIds: b });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^caged_memory_cgroup_reclaims_total 1$/m);
    // The gauge reads this host's /proc/cgroups at the scrape (other processes move it meanwhile).
    expect(Number(/^caged_memory_cgroups (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    const without = await new WorkerMetrics({ queueCounts: () => Promise.resolve({}), processMetrics: false }).registry.metrics();
    expect(without).not.toMatch(/caged_memory_cgroup/);
  });
});

describe("the managers' reclaims", () => {
  const MiB = 2 ** 20;
  const LIMITS = { memoryBytes: 64 * MiB, pids: 16 };
  let fake: FakeCgroupFs;
  afterEach(() => fake.remove());

  it("v1: a removed leaf is counted, and the reclaim writes the parent's memory.force_empty", async () => {
    fake = FakeCgroupFs.v1();
    setCount(10);
    const m = new CgroupV1Manager({
      root: fake.root,
      fs: fake,
      poolSize: 0,
      memcgIds: { reclaimAt: 10, lookEvery: 2, procCgroups: table, settleMs: 0 },
    });
    m.create(`caged-${process.pid}-1`, LIMITS).release();
    expect(m.memcgIds!.reclaims).toBe(0);
    m.create(`caged-${process.pid}-2`, LIMITS).release();
    expect(m.memcgIds!.reclaims).toBe(1);
    await m.memcgIds!.settled();
    expect(m.memcgIds!.last?.error).toBeNull();
    expect(fake.writes).toContainEqual(['memory/caged/memory.force_empty', '0']);
  });

  it('v1: a pooled leaf is not removed, so not counted', () => {
    fake = FakeCgroupFs.v1();
    const m = new CgroupV1Manager({ root: fake.root, fs: fake, memcgIds: { lookEvery: 1, procCgroups: table } });
    const box = m.create(`caged-${process.pid}-1`, LIMITS);
    fake.set(`memory/caged/${box.name}/memory.usage_in_bytes`, '0\n');
    fake.set(`memory/caged/${box.name}/memory.stat`, 'cache 0\nrss 0\n');
    fake.set(`memory/caged/${box.name}/memory.memsw.max_usage_in_bytes`, '0\n');
    setCount(10);
    box.release();
    expect(m.pooled).toBe(1);
    expect(m.memcgIds!.lastCount).toBeNull();
  });

  it('v2: reclaims as much as the parent holds through memory.reclaim; EAGAIN is done; nothing held, no write', async () => {
    fake = FakeCgroupFs.v2();
    const reclaims: string[] = [];
    const eagain = Object.assign(Object.create(fake) as FakeCgroupFs, {
      writeFile: (file: string, data: string) => {
        if (path.basename(file) !== 'memory.reclaim') return fake.writeFile(file, data);
        reclaims.push(data);
        throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
      },
    });
    setCount(10);
    const m = new CgroupV2Manager({
      root: fake.root,
      fs: eagain,
      memcgIds: { reclaimAt: 10, lookEvery: 1, regrow: 1, procCgroups: table, settleMs: 0 },
    });
    const box = m.create(`caged-${process.pid}-1`, LIMITS);
    fake.set('caged/memory.current', '7340032\n');
    box.release();
    await m.memcgIds!.settled();
    expect(reclaims).toEqual(['7340032']);
    expect(m.memcgIds!.last?.error).toBeNull();
    fake.set('caged/memory.current', '0\n');
    setCount(11); // the first left it at the mark: the next at one more
    m.create(`caged-${process.pid}-2`, LIMITS).release();
    await m.memcgIds!.settled();
    expect(m.memcgIds!.reclaims).toBe(2);
    expect(reclaims).toHaveLength(1);
  });

  it('v2 without the memory controller, or turned off: no budget', () => {
    fake = FakeCgroupFs.v2(['pids', 'cpu']);
    expect(new CgroupV2Manager({ root: fake.root, fs: fake, controllers: ['pids', 'cpu'] }).memcgIds).toBeNull();
    expect(new CgroupV2Manager({ root: fake.root, fs: fake, memcgIds: false }).memcgIds).toBeNull();
  });
});
