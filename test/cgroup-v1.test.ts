/**
 * CgroupV1Manager against this machine's real cgroup v1 hierarchies (memory, pids, cpuacct, cpu
 * under /sys/fs/cgroup). Needs root. Leaves go under a parent of their own, `caged-test-<pid>`,
 * so parallel runs and the real `caged` parent are never touched.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blockDevices } from '../src/cgroup/disk-caps';
import type { BoxCgroup } from '../src/cgroup/manager';
import { CgroupV1Manager, POOL_RESIDUAL_BYTES, writeV1MemoryLimit } from '../src/cgroup/v1';
import { HostError } from '../src/errors';

const ROOT = '/sys/fs/cgroup';
const PARENT = `caged-test-${process.pid}`;
const CONTROLLERS = ['memory', 'pids', 'cpuacct', 'cpu'] as const;
const MiB = 1024 * 1024;

const manager = new CgroupV1Manager({ root: ROOT, parent: PARENT });
const boxes: BoxCgroup[] = [];
const children: ChildProcess[] = [];
let seq = 0;

/** A fresh leaf name owned by this test process. */
function nextName(owner = process.pid): string {
  seq += 1;
  return `caged-${owner}-${seq}`;
}

function createBox(limits: { memoryBytes: number; pids: number; cpuCores?: number }, name = nextName()): BoxCgroup {
  const box = manager.create(name, limits);
  boxes.push(box);
  return box;
}

function leafDir(controller: string, name: string): string {
  return path.join(ROOT, controller, PARENT, name);
}

function readLeaf(controller: string, name: string, file: string): string {
  return fs.readFileSync(path.join(leafDir(controller, name), file), 'utf8').trim();
}

/**
 * Starts `sh -c script` that waits for one line on stdin before running, so that the test can
 * attach it to a box before it does any work (charges made before attach stay in the old cgroup).
 */
function spawnGated(script: string): ChildProcess & { go(): void } {
  const child = spawn('sh', ['-c', `read _gate; ${script}`], { stdio: ['pipe', 'ignore', 'pipe'] });
  children.push(child);
  return Object.assign(child, { go: () => void child.stdin?.write('go\n') });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  for (const c of ['memory', 'pids', 'cpuacct']) {
    const mount = path.join(ROOT, c);
    // Fail loudly (not skip) when the host cannot run these tests.
    if (!fs.existsSync(path.join(mount, 'cgroup.procs'))) throw new Error(`no cgroup v1 ${c} hierarchy at ${mount}`);
  }
  if (process.getuid?.() !== 0) throw new Error('cgroup v1 tests need root');
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const box of boxes.splice(0)) {
    box.killAll();
    box.destroy();
  }
});

/** Removes `<controller>/<name>` in every controller (absent ones are fine). */
function removeParents(name: string): void {
  for (const c of CONTROLLERS) {
    try {
      fs.rmdirSync(path.join(ROOT, c, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

afterAll(() => {
  for (const c of CONTROLLERS) {
    try {
      fs.rmdirSync(path.join(ROOT, c, PARENT));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
});

describe('CgroupV1Manager on this machine', () => {
  it('creates a leaf in memory, pids, cpuacct and cpu with the limits applied', () => {
    const box = createBox({ memoryBytes: 64 * MiB, pids: 16 });
    expect(readLeaf('memory', box.name, 'memory.limit_in_bytes')).toBe(String(64 * MiB));
    if (fs.existsSync(path.join(leafDir('memory', box.name), 'memory.memsw.limit_in_bytes'))) {
      expect(readLeaf('memory', box.name, 'memory.memsw.limit_in_bytes')).toBe(String(64 * MiB));
    }
    expect(readLeaf('memory', box.name, 'memory.swappiness')).toBe('0');
    expect(readLeaf('pids', box.name, 'pids.max')).toBe('16');
    expect(fs.existsSync(leafDir('cpuacct', box.name))).toBe(true);
    // cpu too, with no quota: the box's threads weigh as one task against the worker.
    expect(readLeaf('cpu', box.name, 'cpu.cfs_quota_us')).toBe('-1');
    expect(manager.list()).toEqual([box.name]);
  });

  it("puts a box's processes in a cpu group of their own, where its threads weigh as one task", async () => {
    const box = createBox({ memoryBytes: 64 * MiB, pids: 16 });
    const child = spawnGated('sleep 30');
    box.attach(child.pid!);
    const own = fs.readFileSync(`/proc/${child.pid}/cgroup`, 'utf8');
    // Where cpu and cpuacct are mounted apart (this machine) as where they share a hierarchy.
    expect(own).toMatch(new RegExp(`^\\d+:(cpu|cpu,cpuacct|cpuacct,cpu):/${PARENT}/${box.name}$`, 'm'));
    child.kill('SIGKILL');
    await exited(child);
  });

  it('adds a cpu leaf with a CFS quota when a CPU cap is given', () => {
    const box = createBox({ memoryBytes: 64 * MiB, pids: 16, cpuCores: 0.5 });
    expect(readLeaf('cpu', box.name, 'cpu.cfs_period_us')).toBe('100000');
    expect(readLeaf('cpu', box.name, 'cpu.cfs_quota_us')).toBe('50000');
  });

  it("sets a prepared leaf's limits for its run, a CPU cap included", () => {
    const box = createBox({ memoryBytes: 64 * MiB, pids: 1 });
    box.setLimits({ memoryBytes: 256 * MiB, pids: 32 });
    expect(readLeaf('memory', box.name, 'memory.limit_in_bytes')).toBe(String(256 * MiB));
    expect(readLeaf('pids', box.name, 'pids.max')).toBe('32');
    box.setLimits({ memoryBytes: 16 * MiB, pids: 4 });
    expect(readLeaf('memory', box.name, 'memory.limit_in_bytes')).toBe(String(16 * MiB));
    expect(readLeaf('pids', box.name, 'pids.max')).toBe('4');
    box.setLimits({ memoryBytes: 16 * MiB, pids: 4, cpuCores: 1 });
    expect(readLeaf('cpu', box.name, 'cpu.cfs_quota_us')).toBe('100000');
    expect(() => box.setLimits({ memoryBytes: -1, pids: 4 })).toThrow();
  });

  it('raises and lowers the memory limit with memsw kept equal', () => {
    const box = createBox({ memoryBytes: 64 * MiB, pids: 16 });
    const dir = leafDir('memory', box.name);
    const hasMemsw = fs.existsSync(path.join(dir, 'memory.memsw.limit_in_bytes'));
    for (const bytes of [128 * MiB, 32 * MiB, 96 * MiB]) {
      writeV1MemoryLimit(dir, bytes);
      expect(readLeaf('memory', box.name, 'memory.limit_in_bytes')).toBe(String(bytes));
      if (hasMemsw) expect(readLeaf('memory', box.name, 'memory.memsw.limit_in_bytes')).toBe(String(bytes));
    }
  });

  it('moves an attached process into the leaf of every controller', async () => {
    const box = createBox({ memoryBytes: 64 * MiB, pids: 16, cpuCores: 1 });
    const child = spawnGated('exec sleep 5');
    box.attach(child.pid ?? -1);
    const lines = fs.readFileSync(`/proc/${child.pid}/cgroup`, 'utf8').trim().split('\n');
    for (const c of CONTROLLERS) {
      const line = lines.find((l) => l.split(':')[1]?.split(',').includes(c));
      expect(line?.split(':')[2]).toBe(`/${PARENT}/${box.name}`);
    }
    expect(readLeaf('memory', box.name, 'cgroup.procs')).toBe(String(child.pid));
    box.killAll();
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it("throttles a box's disk reads to its cap in a blkio leaf of its own, an uncapped box reading at the disk's speed", async () => {
    // A file on the disk the checkout is on, read with O_DIRECT so that the page cache cannot answer.
    const file = path.join(process.cwd(), `.disk-cap-${process.pid}.dat`);
    fs.writeFileSync(file, crypto.randomBytes(12 * MiB));
    const capped = new CgroupV1Manager({ root: ROOT, parent: PARENT, disk: { bytesPerSecond: 4 * MiB, iops: 0, devices: blockDevices() } });
    const read = async (box: BoxCgroup): Promise<number> => {
      const child = spawnGated(`exec dd if=${file} of=/dev/null bs=1M iflag=direct status=none`);
      box.attach(child.pid ?? -1);
      const start = process.hrtime.bigint();
      child.go();
      expect(await exited(child)).toEqual({ code: 0, signal: null });
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    try {
      const box = capped.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
      boxes.push(box);
      expect(readLeaf('blkio', box.name, 'blkio.throttle.read_bps_device')).toContain(` ${4 * MiB}`);
      const cappedMs = await read(box);
      // 12 MiB at 4 MiB/s: 3 s; the kernel lets the first slice through at once.
      expect(cappedMs).toBeGreaterThan(1500);
      // The reads went through the box's own leaf.
      const served = readLeaf('blkio', box.name, 'blkio.throttle.io_service_bytes');
      expect(Math.max(...[...served.matchAll(/^\d+:\d+ Read (\d+)$/gm)].map((m) => Number(m[1])))).toBeGreaterThanOrEqual(12 * MiB);
      const freeMs = await read(createBox({ memoryBytes: 64 * MiB, pids: 16 }));
      expect(freeMs).toBeLessThan(cappedMs / 2);
    } finally {
      fs.rmSync(file, { force: true });
      for (const box of boxes.splice(0)) box.destroy();
      fs.rmdirSync(path.join(ROOT, 'blkio', PARENT));
    }
  });

  it('accounts the CPU time of a busy child', async () => {
    const box = createBox({ memoryBytes: 256 * MiB, pids: 16 });
    // Spins until it has used 400 ms of CPU itself (process.cpuUsage is in microseconds), so the
    // test does not depend on how busy the machine is.
    const spin = 'while (process.cpuUsage().user + process.cpuUsage().system < 400000) {}';
    const child = spawnGated(`exec ${process.execPath} -e "${spin}"`);
    box.attach(child.pid ?? -1);
    expect(box.cpuTimeNs()).toBeLessThan(50e6);
    child.go();
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    const cpuTimeNs = box.cpuTimeNs();
    // rusage (what the child measures) and cpuacct (scheduler runtime) differ by a few ms.
    expect(cpuTimeNs).toBeGreaterThanOrEqual(0.9 * 400e6);
    expect(cpuTimeNs).toBeLessThan(3e9);
    expect(box.stats().cpuTimeNs).toBe(cpuTimeNs);
  });

  it('OOM-kills a memory hog and reports the kill, the limit hits and the peak', async () => {
    const limit = 64 * MiB;
    const box = createBox({ memoryBytes: limit, pids: 16 });
    // tail keeps the whole newline-free stream in memory.
    const child = spawnGated('exec tail /dev/zero');
    box.attach(child.pid ?? -1);
    child.go();
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
    const stats = box.stats();
    expect(stats.oomKills).toBeGreaterThanOrEqual(1);
    expect(stats.memoryLimitHits).toBeGreaterThanOrEqual(stats.oomKills);
    expect(stats.memoryPeakBytes).toBeGreaterThanOrEqual(0.9 * limit);
    expect(stats.memoryPeakBytes).toBeLessThanOrEqual(limit);
  });

  it('refuses forks beyond pids.max and counts them', async () => {
    const box = createBox({ memoryBytes: 64 * MiB, pids: 4 });
    const child = spawnGated('for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; wait');
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The sleeps hold the shell's stderr too: it ends once they are killed.
    const stderrEnded = new Promise<void>((resolve) => (child.stderr ? child.stderr.on('end', () => resolve()) : resolve()));
    box.attach(child.pid ?? -1);
    child.go();
    const leafProcs = (): number[] => readLeaf('pids', box.name, 'cgroup.procs').split('\n').filter(Boolean).map(Number);
    const deadline = Date.now() + 5000;
    while (box.stats().pidsLimitHits === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(box.stats().pidsLimitHits).toBeGreaterThan(0);
    expect(Number(readLeaf('pids', box.name, 'pids.current'))).toBeLessThanOrEqual(4);
    // The shell saw the refusal itself: dash stops at the first failed fork ("Cannot fork") and
    // exits, leaving the sleeps it started. Waited for before killAll, which would race it.
    expect(await exited(child)).toEqual({ code: 2, signal: null });
    const before = leafProcs();
    expect(before.length).toBeGreaterThan(1);
    box.killAll();
    const killDeadline = Date.now() + 2000;
    while (leafProcs().length > 0 && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 10));
    expect(leafProcs()).toEqual([]);
    await stderrEnded;
    expect(stderr).toMatch(/cannot fork/i);
  });

  it('destroy kills what is still running, removes every leaf, and is idempotent', async () => {
    const box = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16, cpuCores: 1 });
    const child = spawnGated('exec sleep 30');
    box.attach(child.pid ?? -1);
    const started = Date.now();
    box.destroy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    for (const c of CONTROLLERS) expect(fs.existsSync(leafDir(c, box.name))).toBe(false);
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(() => box.destroy()).not.toThrow();
    expect(() => box.killAll()).not.toThrow();
    expect(manager.list()).toEqual([]);
  });

  it('cleanupStale removes leaves of dead owners (killing their processes) and keeps live ones', async () => {
    const dead = spawn('true');
    await exited(dead);
    const deadPid = dead.pid ?? -1;
    expect(isAlive(deadPid)).toBe(false);
    const stale = manager.create(nextName(deadPid), { memoryBytes: 64 * MiB, pids: 16 });
    const live = createBox({ memoryBytes: 64 * MiB, pids: 16 });
    const orphan = spawnGated('exec sleep 30');
    stale.attach(orphan.pid ?? -1);
    expect(manager.list()).toEqual([stale.name, live.name].sort());

    expect(manager.cleanupStale(isAlive)).toEqual([stale.name]);
    expect(manager.list()).toEqual([live.name]);
    expect(await exited(orphan)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(manager.cleanupStale(isAlive)).toEqual([]);
  });

  it('pools a released empty leaf with every counter reset, and hands it to the next create', async () => {
    const pool = new CgroupV1Manager({ root: ROOT, parent: PARENT, poolSize: 1 });
    // The programs' files in the page cache first: read from inside, they would be charged to the
    // leaf (whose pages then keep it out of the pool, rightly), as on a host that evicted them.
    spawnSync('sh', ['-c', "head -c 1 /dev/zero | tr '\\0' a >/dev/null; sleep 0"]);
    const box = pool.create(nextName(), { memoryBytes: 64 * MiB, pids: 4 });
    boxes.push(box);
    // A run that uses CPU, 16 MiB of anonymous memory (freed at its exit), and is refused forks.
    const child = spawnGated(
      "x=$(head -c 16777216 /dev/zero | tr '\\0' a); i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; for i in 1 2 3 4 5 6; do sleep 1 & done",
    );
    box.attach(child.pid ?? -1);
    child.go();
    await exited(child);
    for (let i = 0; i < 200 && box.stats().pidsLimitHits === 0; i++) await new Promise((r) => setTimeout(r, 10));
    // The background sleeps: wait until the leaf has no task left (B's reaping, in a real run).
    box.killAll();
    for (let i = 0; i < 200 && readLeaf('pids', box.name, 'cgroup.procs') !== ''; i++) await new Promise((r) => setTimeout(r, 10));
    const used = box.stats();
    expect(used.cpuTimeNs).toBeGreaterThan(0);
    expect(used.memoryPeakBytes).toBeGreaterThan(16 * MiB);
    expect(used.pidsLimitHits).toBeGreaterThan(0);

    // What the kernel frees after a grace period (the shell's task structs) may still be charged:
    // such a leaf is removed, never pooled (its residue, freed during the next run, would hide
    // that run's own peak: max_usage_in_bytes restarts from the charge at reset).
    const usage = () => Number(readLeaf('memory', box.name, 'memory.usage_in_bytes'));
    for (let i = 0; i < 200 && usage() > POOL_RESIDUAL_BYTES; i++) await new Promise((r) => setTimeout(r, 10));
    const left = readLeaf('memory', box.name, 'memory.stat').split('\n').slice(0, 2).join(', ');
    const residue = usage();
    box.release();
    if (residue > POOL_RESIDUAL_BYTES) {
      expect({ pooled: pool.pooled, residue: residue > 0 }).toEqual({ pooled: 0, residue: true });
      for (const c of ['memory', 'pids', 'cpuacct']) expect(fs.existsSync(leafDir(c, box.name))).toBe(false);
      const next = pool.create(nextName(), { memoryBytes: 32 * MiB, pids: 8 });
      expect(next).not.toBe(box);
      expect(next.stats()).toMatchObject({ cpuTimeNs: 0, memoryPeakBytes: 0, pidsLimitHits: 0, oomKills: 0 });
      next.release();
      pool.drain();
      return;
    }
    expect({ pooled: pool.pooled, left }).toEqual({ pooled: 1, left: 'cache 0, rss 0' });
    expect(pool.list()).toEqual([box.name]);
    const again = pool.create(nextName(), { memoryBytes: 32 * MiB, pids: 8 });
    expect(again).toBe(box);
    expect(pool.pooled).toBe(0);
    const fresh = again.stats();
    expect(fresh.cpuTimeNs).toBe(0);
    expect(fresh.memoryPeakBytes).toBeLessThanOrEqual(POOL_RESIDUAL_BYTES);
    expect(fresh.pidsLimitHits).toBe(0);
    expect(fresh.oomKills).toBe(0);
    expect(fresh.memoryLimitHits).toBe(0);
    expect(readLeaf('memory', box.name, 'memory.limit_in_bytes')).toBe(String(32 * MiB));
    expect(readLeaf('pids', box.name, 'pids.max')).toBe('8');
    again.release();
    pool.drain();
    expect(pool.pooled).toBe(0);
    for (const c of ['memory', 'pids', 'cpuacct']) expect(fs.existsSync(leafDir(c, box.name))).toBe(false);
  });

  it('removes a released leaf that still holds a task, or the page cache of what its run read', async () => {
    const pool = new CgroupV1Manager({ root: ROOT, parent: PARENT, poolSize: 4 });
    const busy = pool.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    boxes.push(busy);
    const sleeper = spawnGated('exec sleep 30');
    busy.attach(sleeper.pid ?? -1);
    busy.release(); // not empty: destroyed, which kills what is left
    expect(pool.pooled).toBe(0);
    expect(await exited(sleeper)).toEqual({ code: null, signal: 'SIGKILL' });

    const reader = pool.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    boxes.push(reader);
    // A file it writes: its pages stay in the page cache, charged to this leaf.
    const file = path.join(fs.mkdtempSync('/var/tmp/caged-cgroup-test-'), 'data');
    const child = spawnGated(`head -c 4194304 /dev/zero > ${file}`);
    reader.attach(child.pid ?? -1);
    child.go();
    await exited(child);
    reader.release();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    expect(pool.pooled).toBe(0);
    expect(pool.list()).toEqual([]);
  });

  it("reclaims the page cache its removed leaves left charged (dying cgroups) once the host's memory cgroups reach the mark", async () => {
    // A parent of its own: its usage counts what its removed leaves still hold.
    const parent = `${PARENT}-ids`;
    const usage = () => Number(fs.readFileSync(path.join(ROOT, 'memory', parent, 'memory.usage_in_bytes'), 'utf8'));
    const dir = fs.mkdtempSync('/var/tmp/caged-memcg-test-');
    const N = 24;
    const FILE = 256 * 1024;
    /** N leaves, each writing a file of its own: its pages stay cached, charged to the leaf it removes. */
    const runLeaves = async (m: CgroupV1Manager, tag: string) => {
      for (let i = 0; i < N; i++) {
        const box = m.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
        const child = spawnGated(`head -c ${FILE} /dev/zero > ${dir}/${tag}${i}`);
        box.attach(child.pid ?? -1);
        child.go();
        await exited(child);
        box.release();
      }
    };
    try {
      // The control: no budget. The leaves are gone from the tree, their pages still charged below the parent.
      const without = new CgroupV1Manager({ root: ROOT, parent, poolSize: 0, memcgIds: false });
      await runLeaves(without, 'a');
      expect(without.list()).toEqual([]);
      expect(usage()).toBeGreaterThanOrEqual(N * FILE);
      // With the budget, at a mark the host is past: the N-th removal looks, and reclaims.
      const m = new CgroupV1Manager({ root: ROOT, parent, poolSize: 0, memcgIds: { reclaimAt: 1, lookEvery: N } });
      const budget = m.memcgIds!;
      await runLeaves(m, 'b');
      expect(budget.reclaims).toBe(1);
      await budget.settled();
      expect(budget.last?.error).toBeNull();
      // Both sets of dying leaves freed: their pages reclaimed, their ids given back.
      expect(usage()).toBeLessThan(N * FILE);
      const { before, after } = budget.last!;
      expect(after).not.toBeNull();
      expect(after!).toBeLessThanOrEqual(before - N);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      removeParents(parent);
    }
  });

  it('sets the OOM killer on and swappiness 0 on the parent, which leaves inherit; finds a parent changed since', () => {
    // A parent someone left with the OOM killer disabled and the default swappiness.
    const parentName = `${PARENT}-inherit`;
    const memoryParent = path.join(ROOT, 'memory', parentName);
    fs.mkdirSync(memoryParent);
    const own = new CgroupV1Manager({ root: ROOT, parent: parentName, poolSize: 0 });
    try {
      fs.writeFileSync(path.join(memoryParent, 'memory.oom_control'), '1');
      fs.writeFileSync(path.join(memoryParent, 'memory.swappiness'), '60');
      const oomDisabled = (dir: string): string =>
        /oom_kill_disable (\d)/.exec(fs.readFileSync(path.join(dir, 'memory.oom_control'), 'utf8'))?.[1] ?? '?';
      const first = own.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
      const firstDir = path.join(memoryParent, first.name);
      expect([oomDisabled(memoryParent), fs.readFileSync(path.join(memoryParent, 'memory.swappiness'), 'utf8').trim()]).toEqual(['0', '0']);
      expect([oomDisabled(firstDir), fs.readFileSync(path.join(firstDir, 'memory.swappiness'), 'utf8').trim()]).toEqual(['0', '0']);
      first.release();
      // Changed behind the manager's back: the leaf made next inherits it, its stats find it, and
      // the leaf after that is made once the parent is set again.
      fs.writeFileSync(path.join(memoryParent, 'memory.oom_control'), '1');
      const second = own.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
      expect(oomDisabled(path.join(memoryParent, second.name))).toBe('1');
      second.stats();
      expect(oomDisabled(path.join(memoryParent, second.name))).toBe('0');
      second.release();
      const third = own.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
      expect(oomDisabled(memoryParent)).toBe('0');
      expect(oomDisabled(path.join(memoryParent, third.name))).toBe('0');
      third.release();
      expect(own.list()).toEqual([]);
    } finally {
      removeParents(parentName);
    }
  });

  it('reports a failed limit write as a HostError naming the file and errno, leaving no leaf', () => {
    // pids.max accepts at most PID_MAX_LIMIT (2^22).
    const name = nextName();
    const attempt = (): BoxCgroup => manager.create(name, { memoryBytes: 64 * MiB, pids: 2 ** 40 });
    expect(attempt).toThrow(HostError);
    expect(attempt).toThrow(`cgroup: write ${leafDir('pids', name)}/pids.max: EINVAL`);
    expect(manager.list()).toEqual([]);
  });
});
