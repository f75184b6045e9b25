/**
 * A fake cgroupfs in a temporary directory, for the cgroup managers (youki tests its
 * controllers the same way). It keeps the kernel rules the managers depend on: mkdir creates the
 * interface files of the hierarchy (v1: the controller mounted there; v2: the controllers the
 * parent enabled in cgroup.subtree_control); a write never creates a file (ENOENT); rmdir of a
 * cgroup with processes or children is EBUSY and removes its interface files with it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CgroupFs } from '../../../src/cgroup/cgroupfs';

function errno(code: string, target: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: fake cgroupfs: ${target}`), { code });
}

const V1_FILES: Record<string, Record<string, string>> = {
  memory: {
    'memory.limit_in_bytes': '9223372036854771712\n',
    'memory.memsw.limit_in_bytes': '9223372036854771712\n',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
    'memory.swappiness': '60\n',
    'memory.failcnt': '0\n',
    'memory.memsw.failcnt': '0\n',
    'memory.max_usage_in_bytes': '0\n',
    'memory.force_empty': '',
  },
  pids: { 'pids.max': 'max\n', 'pids.events': 'max 0\n' },
  cpuacct: { 'cpuacct.usage': '0\n' },
  cpu: { 'cpu.cfs_period_us': '100000\n', 'cpu.cfs_quota_us': '-1\n' },
  blkio: {
    'blkio.throttle.read_bps_device': '',
    'blkio.throttle.write_bps_device': '',
    'blkio.throttle.read_iops_device': '',
    'blkio.throttle.write_iops_device': '',
  },
};

const V2_FILES: Record<string, Record<string, string>> = {
  memory: {
    'memory.max': 'max\n',
    'memory.swap.max': 'max\n',
    'memory.oom.group': '0\n',
    'memory.peak': '0\n',
    'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n',
    'memory.current': '0\n',
    'memory.reclaim': '',
  },
  pids: { 'pids.max': 'max\n', 'pids.events': 'max 0\n' },
  cpu: { 'cpu.max': 'max 100000\n' },
  io: { 'io.max': '' },
};

export class FakeCgroupFs implements CgroupFs {
  readonly root: string;
  /** Every write, in order (file relative to the root, data). */
  readonly writes: Array<[string, string]> = [];

  private constructor(readonly kind: 'v1' | 'v2') {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), `caged-fake-cgroup-${kind}-`));
  }

  /** `<root>/<controller>` for each v1 controller, each a hierarchy root. */
  static v1(): FakeCgroupFs {
    const f = new FakeCgroupFs('v1');
    for (const c of Object.keys(V1_FILES)) {
      fs.mkdirSync(path.join(f.root, c));
      f.populate(path.join(f.root, c));
    }
    return f;
  }

  /** A unified hierarchy whose root offers `controllers`. */
  static v2(controllers = ['memory', 'pids', 'cpu']): FakeCgroupFs {
    const f = new FakeCgroupFs('v2');
    fs.writeFileSync(path.join(f.root, 'cgroup.controllers'), `${controllers.join(' ')}\n`);
    fs.writeFileSync(path.join(f.root, 'cgroup.subtree_control'), '\n');
    fs.writeFileSync(path.join(f.root, 'cgroup.procs'), '');
    fs.writeFileSync(path.join(f.root, 'cpu.stat'), 'usage_usec 0\n');
    return f;
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  /** Sets a file as the kernel would (counters, usage). */
  set(file: string, data: string): void {
    fs.writeFileSync(path.join(this.root, file), data);
  }

  exists(rel: string): boolean {
    return fs.existsSync(path.join(this.root, rel));
  }

  readFile(file: string): string {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      throw errno('ENOENT', file);
    }
  }

  writeFile(file: string, data: string): void {
    if (!fs.existsSync(file)) throw errno('ENOENT', file);
    this.writes.push([path.relative(this.root, file), data]);
    const name = path.basename(file);
    if (name === 'cgroup.subtree_control') {
      const dir = path.dirname(file);
      const available = this.readFile(path.join(dir, 'cgroup.controllers')).split(/\s+/).filter(Boolean);
      const enabled = new Set(this.readFile(file).split(/\s+/).filter(Boolean));
      for (const token of data.split(/\s+/).filter(Boolean)) {
        if (!available.includes(token.slice(1))) throw errno('EINVAL', file);
        if (token.startsWith('+')) enabled.add(token.slice(1));
        else enabled.delete(token.slice(1));
      }
      fs.writeFileSync(file, `${[...enabled].join(' ')}\n`);
      return;
    }
    if (name === 'cgroup.procs') {
      fs.appendFileSync(file, `${data.trim()}\n`);
      return;
    }
    if (name.endsWith('_device') || name === 'io.max') {
      // Per-device rules (blkio.throttle.*_device, io.max): one device per write, which replaces its rule.
      const [device, ...rest] = data.trim().split(/\s+/);
      if (!/^\d+:\d+$/.test(device ?? '') || rest.length === 0 || data.trim().includes('\n')) throw errno('EINVAL', file);
      const rules = this.readFile(file)
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith(`${device} `));
      fs.writeFileSync(file, [...rules, data.trim()].map((l) => `${l}\n`).join(''));
      return;
    }
    if (name === 'memory.oom_control') {
      // Sets oom_kill_disable; the counters stay.
      const text = this.readFile(file);
      fs.writeFileSync(file, text.replace(/oom_kill_disable \d/, `oom_kill_disable ${data.trim()}`));
      return;
    }
    fs.writeFileSync(file, data);
  }

  mkdir(dir: string): void {
    if (fs.existsSync(dir)) throw errno('EEXIST', dir);
    if (!fs.existsSync(path.dirname(dir))) throw errno('ENOENT', dir);
    fs.mkdirSync(dir);
    this.populate(dir);
  }

  rmdir(dir: string): void {
    if (!fs.existsSync(dir)) throw errno('ENOENT', dir);
    if (this.listDirs(dir).length > 0) throw errno('EBUSY', dir);
    if (this.readFile(path.join(dir, 'cgroup.procs')).trim() !== '') throw errno('EBUSY', dir);
    fs.rmSync(dir, { recursive: true });
  }

  listDirs(dir: string): string[] {
    if (!fs.existsSync(dir)) throw errno('ENOENT', dir);
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  }

  private populate(dir: string): void {
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), '');
    if (this.kind === 'v1') {
      const controller = path.relative(this.root, dir).split(path.sep)[0]!;
      for (const [f, v] of Object.entries(V1_FILES[controller] ?? {})) fs.writeFileSync(path.join(dir, f), v);
      if (controller === 'memory' && dir !== path.join(this.root, 'memory')) {
        // As mem_cgroup_css_alloc: a new memory cgroup takes its parent's oom_kill_disable and swappiness.
        const parent = path.dirname(dir);
        const disabled = /oom_kill_disable (\d)/.exec(this.readFile(path.join(parent, 'memory.oom_control')))?.[1] ?? '0';
        fs.writeFileSync(path.join(dir, 'memory.oom_control'), `oom_kill_disable ${disabled}\nunder_oom 0\noom_kill 0\n`);
        fs.copyFileSync(path.join(parent, 'memory.swappiness'), path.join(dir, 'memory.swappiness'));
      }
      return;
    }
    const enabled = this.readFile(path.join(path.dirname(dir), 'cgroup.subtree_control'))
      .split(/\s+/)
      .filter(Boolean);
    fs.writeFileSync(path.join(dir, 'cgroup.controllers'), `${enabled.join(' ')}\n`);
    fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), '\n');
    fs.writeFileSync(path.join(dir, 'cgroup.kill'), '');
    fs.writeFileSync(path.join(dir, 'cpu.stat'), 'usage_usec 0\n');
    for (const c of enabled) for (const [f, v] of Object.entries(V2_FILES[c] ?? {})) fs.writeFileSync(path.join(dir, f), v);
  }
}
