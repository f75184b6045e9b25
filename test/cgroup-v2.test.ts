/**
 * CgroupV2Manager against a fake cgroupfs in a temporary directory, plus
 * the v2 machinery (attach, cpu.stat, cgroup.kill, rmdir) on this machine's real but
 * controller-less cgroup2 hierarchy at /sys/fs/cgroup/unified.
 *
 * The fake is a CgroupFs that enforces the kernel rules the manager depends on: mkdir populates
 * the interface files of the controllers the parent enabled; subtree_control only takes controllers
 * listed in cgroup.controllers and refuses (EBUSY) a non-root cgroup that has processes; writing a
 * pid to cgroup.procs moves it out of every other cgroup; rmdir refuses (EBUSY) a cgroup with live
 * processes or children; cgroup.procs never lists exited (or zombie) processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseMounts } from '../src/cgroup/detect';
import type { BoxCgroup } from '../src/cgroup/manager';
import { CgroupV2Manager, type CgroupFs } from '../src/cgroup/v2';
import { HostError } from '../src/errors';

const MiB = 1024 * 1024;

function errno(code: string, target: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: fake cgroupfs: ${target}`), { code });
}

/** True while `pid` runs (zombies count as exited, as in cgroup.procs). */
function running(pid: number): boolean {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

interface FakeFeatures {
  /** cgroup.kill exists (Linux 5.14+). */
  cgroupKill: boolean;
  /** memory.swap.max exists (swap accounting on). */
  swap: boolean;
  /** memory.peak exists (Linux 5.19+). */
  peak: boolean;
  /**
   * The root is a cgroup-namespace root inside a container, which is an ordinary cgroup to the
   * kernel: the no-internal-process rule applies to it. False: the host's real root, exempt.
   */
  namespaceRoot: boolean;
}

class FakeCgroupFs implements CgroupFs {
  /** Basename → errno that writes to such files fail with (fault injection). */
  readonly failWrites = new Map<string, string>();

  constructor(
    readonly root: string,
    private readonly features: FakeFeatures,
  ) {}

  readFile(file: string): string {
    const text = fs.readFileSync(file, 'utf8');
    if (path.basename(file) !== 'cgroup.procs') return text;
    return this.pids(path.dirname(file))
      .map((p) => `${p}\n`)
      .join('');
  }

  writeFile(file: string, data: string): void {
    if (!fs.existsSync(file)) throw errno('ENOENT', file);
    const dir = path.dirname(file);
    const failure = this.failWrites.get(path.basename(file));
    if (failure !== undefined) throw errno(failure, file);
    switch (path.basename(file)) {
      case 'cgroup.subtree_control': {
        const available = words(fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8'));
        const enabled = new Set(words(fs.readFileSync(file, 'utf8')));
        for (const token of words(data)) {
          const name = token.slice(1);
          if (!available.includes(name) || !/^[+-]/.test(token)) throw errno('EINVAL', file);
          if (token.startsWith('+')) enabled.add(name);
          else enabled.delete(name);
        }
        if (!this.exempt(dir) && this.pids(dir).length > 0) throw errno('EBUSY', file);
        fs.writeFileSync(file, [...enabled].join(' ') + '\n');
        return;
      }
      case 'cgroup.procs': {
        const pid = Number(data.trim());
        if (!running(pid)) throw errno('ESRCH', file);
        if (!this.exempt(dir) && words(fs.readFileSync(path.join(dir, 'cgroup.subtree_control'), 'utf8')).length > 0) {
          throw errno('EBUSY', file);
        }
        for (const cgroup of this.cgroups(this.root)) {
          const procs = path.join(cgroup, 'cgroup.procs');
          fs.writeFileSync(
            procs,
            this.pids(cgroup)
              .filter((p) => p !== pid)
              .map((p) => `${p}\n`)
              .join(''),
          );
        }
        fs.appendFileSync(file, `${pid}\n`);
        return;
      }
      case 'cgroup.kill':
        for (const cgroup of this.cgroups(dir)) for (const pid of this.pids(cgroup)) process.kill(pid, 'SIGKILL');
        return;
      default:
        fs.writeFileSync(file, data);
    }
  }

  mkdir(dir: string): void {
    fs.mkdirSync(dir);
    const enabled = words(fs.readFileSync(path.join(path.dirname(dir), 'cgroup.subtree_control'), 'utf8'));
    const files: Record<string, string> = {
      'cgroup.controllers': enabled.join(' ') + '\n',
      'cgroup.subtree_control': '',
      'cgroup.procs': '',
      'cpu.stat': 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n',
    };
    if (this.features.cgroupKill) files['cgroup.kill'] = '';
    if (enabled.includes('memory')) {
      Object.assign(files, {
        'memory.max': 'max\n',
        'memory.oom.group': '0\n',
        'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n',
      });
      if (this.features.swap) files['memory.swap.max'] = 'max\n';
      if (this.features.peak) files['memory.peak'] = '0\n';
    }
    if (enabled.includes('pids')) Object.assign(files, { 'pids.max': 'max\n', 'pids.events': 'max 0\n' });
    if (enabled.includes('cpu')) files['cpu.max'] = 'max 100000\n';
    // An empty cpuset.cpus uses the parent's CPUs.
    if (enabled.includes('cpuset')) files['cpuset.cpus'] = '\n';
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  }

  rmdir(dir: string): void {
    if (!fs.existsSync(dir)) throw errno('ENOENT', dir);
    if (this.pids(dir).length > 0 || this.listDirs(dir).length > 0) throw errno('EBUSY', dir);
    fs.rmSync(dir, { recursive: true });
  }

  listDirs(dir: string): string[] {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  }

  /** Live pids listed in `dir`'s cgroup.procs. */
  pids(dir: string): number[] {
    return words(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8'))
      .map(Number)
      .filter(running);
  }

  /** Whether `dir` escapes the no-internal-process rule (only the host's real root does). */
  private exempt(dir: string): boolean {
    return dir === this.root && !this.features.namespaceRoot;
  }

  /** `dir` and every cgroup below it. */
  private cgroups(dir: string): string[] {
    return [dir, ...this.listDirs(dir).flatMap((d) => this.cgroups(path.join(dir, d)))];
  }
}

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

const children: ChildProcess[] = [];
const tempDirs: string[] = [];
let seq = 0;

function nextName(owner = process.pid): string {
  seq += 1;
  return `caged-${owner}-${seq}`;
}

function spawnSleeper(): ChildProcess {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * A fake container-style hierarchy: the root offers the usual controllers, has none enabled, and
 * holds the worker (this process), as a cgroup-namespace root does.
 */
function fakeHierarchy(features: Partial<FakeFeatures> = {}): {
  root: string;
  fake: FakeCgroupFs;
  manager: CgroupV2Manager;
} {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-cgroup2-'));
  tempDirs.push(root);
  fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), '');
  fs.writeFileSync(path.join(root, 'cgroup.procs'), `${process.pid}\n`);
  const fake = new FakeCgroupFs(root, { cgroupKill: true, swap: true, peak: true, namespaceRoot: false, ...features });
  return { root, fake, manager: new CgroupV2Manager({ root, fs: fake }) };
}

function read(...parts: string[]): string {
  return fs.readFileSync(path.join(...parts), 'utf8').trim();
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('CgroupV2Manager on a fake cgroupfs', () => {
  it('moves the worker out of a busy namespace root, then enables memory, pids and cpu down to the parent', () => {
    const { root: nsRoot, fake: nsFake, manager: nsManager } = fakeHierarchy({ namespaceRoot: true });
    const box = nsManager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    expect(nsFake.pids(nsRoot)).toEqual([]);
    expect(nsFake.pids(path.join(nsRoot, 'caged-supervisor'))).toEqual([process.pid]);
    expect(words(read(nsRoot, 'cgroup.subtree_control')).sort()).toEqual(['cpu', 'memory', 'pids']);
    expect(words(read(nsRoot, 'caged', 'cgroup.subtree_control')).sort()).toEqual(['cpu', 'memory', 'pids']);
    expect(nsManager.list()).toEqual([box.name]);
    // The host's real root takes the write with the worker inside: nothing moves.
    const { root, fake, manager } = fakeHierarchy({ namespaceRoot: false });
    manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    expect(words(read(root, 'cgroup.subtree_control')).sort()).toEqual(['cpu', 'memory', 'pids']);
    expect(fs.existsSync(path.join(root, 'caged-supervisor'))).toBe(false);
    expect(fake.pids(root)).toEqual([process.pid]);
  });

  it("writes memory.max, memory.oom.group, pids.max and cpu.max, and the parent's memory.swap.max", () => {
    const { root, manager } = fakeHierarchy();
    const box = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16, cpuCores: 1.5 });
    const leaf = path.join(root, 'caged', box.name);
    expect(read(leaf, 'memory.max')).toBe(String(64 * MiB));
    // Hierarchical: no leaf under the parent can swap.
    expect(read(root, 'caged', 'memory.swap.max')).toBe('0');
    expect(read(leaf, 'memory.oom.group')).toBe('1');
    expect(read(leaf, 'pids.max')).toBe('16');
    expect(read(leaf, 'cpu.max')).toBe('150000 100000');
    expect(manager.describe()).toBe(`cgroup v2: memory, pids, cpu under ${root}/caged`);
  });

  it('pins a box to its CPUs through cpuset.cpus when made for pinning, and only then', () => {
    const { root, fake } = fakeHierarchy();
    const manager = new CgroupV2Manager({ root, fs: fake, cpuset: true });
    expect(manager.pinning).toBe(true);
    const box = manager.create(nextName(), null);
    expect(words(read(root, 'caged', 'cgroup.subtree_control')).sort()).toEqual(['cpu', 'cpuset', 'memory', 'pids']);
    const leaf = path.join(root, 'caged', box.name);
    expect(read(leaf, 'cpuset.cpus')).toBe('');
    box.setLimits({ memoryBytes: 64 * MiB, pids: 16, cpus: [1, 2, 3, 6] });
    expect(read(leaf, 'cpuset.cpus')).toBe('1-3,6');
    expect(manager.describe()).toBe(`cgroup v2: memory, pids, cpu, cpuset under ${root}/caged`);
    const unpinned = fakeHierarchy().manager.create(nextName(), null); // without pinning: no cpuset
    expect(() => unpinned.setLimits({ memoryBytes: 64 * MiB, pids: 16, cpus: [0] })).toThrow('this manager pins no CPU');
  });

  it("sets a prepared leaf's memory.max and pids.max for its run", () => {
    const { root, manager } = fakeHierarchy();
    const box = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 1 });
    const leaf = path.join(root, 'caged', box.name);
    box.setLimits({ memoryBytes: 256 * MiB, pids: 32 });
    expect(read(leaf, 'memory.max')).toBe(String(256 * MiB));
    expect(read(leaf, 'pids.max')).toBe('32');
    expect(read(leaf, 'memory.oom.group')).toBe('1');
  });

  it('leaves cpu.max alone without a CPU cap and skips memory.swap.max on kernels without swap accounting', () => {
    const { root, manager } = fakeHierarchy({ swap: false });
    const box = manager.create(nextName(), { memoryBytes: 32 * MiB, pids: 8 });
    const leaf = path.join(root, 'caged', box.name);
    expect(read(leaf, 'cpu.max')).toBe('max 100000');
    expect(fs.existsSync(path.join(leaf, 'memory.swap.max'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'caged', 'memory.swap.max'))).toBe(false);
    expect(read(leaf, 'memory.max')).toBe(String(32 * MiB));
  });

  it('sets the parent up once, and again when a controller was disabled above it or the parent removed', () => {
    const { root, fake, manager } = fakeHierarchy();
    const first = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    const touched: string[] = [];
    const readFile = fake.readFile.bind(fake);
    fake.readFile = (file: string) => {
      touched.push(file);
      return readFile(file);
    };
    const second = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    expect(touched).toEqual([]); // no cgroup.controllers, no subtree_control: per leaf only writes
    // Someone disables memory and pids in the root: the next leaf enables them again.
    fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), 'cpu\n');
    fs.writeFileSync(path.join(root, 'caged', 'cgroup.subtree_control'), 'cpu\n');
    const third = manager.create(nextName(), { memoryBytes: 32 * MiB, pids: 8 });
    expect(read(root, 'caged', third.name, 'memory.max')).toBe(String(32 * MiB));
    expect(read(root, 'caged', third.name, 'memory.oom.group')).toBe('1');
    expect(words(read(root, 'caged', 'cgroup.subtree_control')).sort()).toEqual(['cpu', 'memory', 'pids']);
    for (const box of [first, second, third]) box.destroy();
    // The parent removed: made again.
    fs.rmSync(path.join(root, 'caged'), { recursive: true });
    const fourth = manager.create(nextName(), { memoryBytes: 32 * MiB, pids: 8 });
    expect(read(root, 'caged', 'memory.swap.max')).toBe('0');
    expect(manager.list()).toEqual([fourth.name]);
  });

  it('reports stats in nanoseconds and bytes from cpu.stat, memory.peak, memory.events and pids.events', () => {
    const { root, manager } = fakeHierarchy();
    const box = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    const leaf = path.join(root, 'caged', box.name);
    fs.writeFileSync(path.join(leaf, 'cpu.stat'), 'usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n');
    fs.writeFileSync(path.join(leaf, 'memory.peak'), `${60 * MiB}\n`);
    fs.writeFileSync(path.join(leaf, 'memory.events'), 'low 0\nhigh 0\nmax 17\noom 1\noom_kill 1\noom_group_kill 1\n');
    fs.writeFileSync(path.join(leaf, 'pids.events'), 'max 3\n');
    expect(box.cpuTimeNs()).toBe(1_234_567_000);
    expect(box.stats()).toEqual({
      cpuTimeNs: 1_234_567_000,
      memoryPeakBytes: 60 * MiB,
      oomKills: 1,
      memoryLimitHits: 17,
      pidsLimitHits: 3,
    });
  });

  it('reports a null peak on kernels without memory.peak', () => {
    const { manager } = fakeHierarchy({ peak: false });
    expect(manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 }).stats().memoryPeakBytes).toBeNull();
  });

  it('attach moves the process into the leaf', () => {
    const { root, fake, manager } = fakeHierarchy();
    const box = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    const child = spawnSleeper();
    fs.appendFileSync(path.join(root, 'cgroup.procs'), `${child.pid}\n`);
    box.attach(child.pid ?? -1);
    expect(fake.pids(path.join(root, 'caged', box.name))).toEqual([child.pid]);
    expect(fake.pids(root)).toEqual([process.pid]);
  });

  it.each([
    ['through cgroup.kill', true],
    ['with SIGKILL per pid on kernels without cgroup.kill', false],
  ])('killAll kills every process %s, sparing the worker', async (_how, cgroupKill) => {
    const { root, manager } = fakeHierarchy({ cgroupKill });
    const box = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    const sleepers = [spawnSleeper(), spawnSleeper()];
    for (const s of sleepers) box.attach(s.pid ?? -1);
    // A worker pid listed in the leaf by mistake must survive (only the fallback reads pids).
    if (!cgroupKill) fs.appendFileSync(path.join(root, 'caged', box.name, 'cgroup.procs'), `${process.pid}\n`);
    box.killAll();
    for (const s of sleepers) expect(await exited(s)).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('destroy kills what still runs after the retry window, removes the leaf, and is idempotent', async () => {
    const { root, manager } = fakeHierarchy();
    const box = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    const child = spawnSleeper();
    box.attach(child.pid ?? -1);
    const started = Date.now();
    box.destroy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(fs.existsSync(path.join(root, 'caged', box.name))).toBe(false);
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(() => box.destroy()).not.toThrow();
    expect(() => box.killAll()).not.toThrow();
    expect(manager.list()).toEqual([]);
  });

  it('destroy gives up with a HostError naming the directory and EBUSY', () => {
    const { root, manager } = fakeHierarchy();
    const box = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    const leaf = path.join(root, 'caged', box.name);
    fs.mkdirSync(path.join(leaf, 'nested'));
    let failure: unknown = null;
    try {
      box.destroy();
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(HostError);
    expect((failure as HostError).message).toMatch(new RegExp(`^cgroup: rmdir ${leaf}: EBUSY \\(still busy after \\d+ ms\\)$`));
  });

  it('reports a failed limit write as a HostError naming the file and errno, leaving no leaf', () => {
    const { root, fake, manager } = fakeHierarchy();
    fake.failWrites.set('pids.max', 'EINVAL');
    const name = nextName();
    const attempt = (): BoxCgroup => manager.create(name, { memoryBytes: 64 * MiB, pids: 16 });
    expect(attempt).toThrow(HostError);
    expect(attempt).toThrow(`cgroup: write ${root}/caged/${name}/pids.max: EINVAL`);
    expect(manager.list()).toEqual([]);
  });

  it('refuses to start when the root does not offer a controller', () => {
    const { root, manager } = fakeHierarchy();
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io\n');
    expect(() => manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 })).toThrow(
      `cgroup: ${root}/cgroup.controllers lacks memory, pids (has: cpuset cpu io)`,
    );
  });

  it('rejects names that are not caged-<ownerPid>-<seq>', () => {
    const { manager } = fakeHierarchy();
    expect(() => manager.create('../escape', { memoryBytes: 64 * MiB, pids: 16 })).toThrow(RangeError);
  });

  it('cleanupStale removes leaves of dead owners, killing their processes, and keeps live ones', async () => {
    const { manager } = fakeHierarchy();
    const dead = spawn('true');
    await exited(dead);
    const stale = manager.create(nextName(dead.pid), { memoryBytes: 64 * MiB, pids: 16 });
    const live = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    const orphan = spawnSleeper();
    stale.attach(orphan.pid ?? -1);
    expect(manager.cleanupStale(running)).toEqual([stale.name]);
    expect(manager.list()).toEqual([live.name]);
    expect(await exited(orphan)).toEqual({ code: null, signal: 'SIGKILL' });
  });
});

describe("CgroupV2Manager on this machine's controller-less cgroup2 at /sys/fs/cgroup/unified", () => {
  const root = '/sys/fs/cgroup/unified';
  const parent = `caged-test-${process.pid}`;
  const manager = new CgroupV2Manager({ root, parent, controllers: [] });
  let box: BoxCgroup | null = null;

  beforeAll(() => {
    const mount = parseMounts(fs.readFileSync('/proc/self/mounts', 'utf8')).find((m) => m.mountPoint === root);
    if (mount?.fsType !== 'cgroup2') throw new Error(`${root} is not a cgroup2 mount on this machine`);
  });

  afterAll(() => {
    box?.destroy();
    try {
      fs.rmdirSync(path.join(root, parent));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  });

  it('attaches, accounts CPU in cpu.stat, kills through cgroup.kill and removes the leaf', async () => {
    box = manager.create(nextName(), { memoryBytes: 64 * MiB, pids: 16 });
    expect(manager.describe()).toBe(`cgroup v2: no controllers under ${root}/${parent}`);
    const busy = spawn('sh', ['-c', 'read _gate; while :; do :; done'], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(busy);
    box.attach(busy.pid ?? -1);
    expect(fs.readFileSync(`/proc/${busy.pid}/cgroup`, 'utf8')).toContain(`0::/${parent}/${box.name}\n`);
    const idleNs = box.cpuTimeNs();
    expect(idleNs).toBeLessThan(50e6);
    busy.stdin?.write('go\n');
    const deadline = Date.now() + 10_000;
    while (box.cpuTimeNs() < idleNs + 200e6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(box.cpuTimeNs()).toBeGreaterThanOrEqual(idleNs + 200e6);
    expect(box.stats()).toEqual({
      cpuTimeNs: expect.any(Number) as number,
      memoryPeakBytes: null,
      oomKills: 0,
      memoryLimitHits: 0,
      pidsLimitHits: 0,
    });
    box.killAll();
    expect(await exited(busy)).toEqual({ code: null, signal: 'SIGKILL' });
    box.destroy();
    expect(fs.existsSync(path.join(root, parent, box.name))).toBe(false);
    expect(manager.list()).toEqual([]);
  });
});
