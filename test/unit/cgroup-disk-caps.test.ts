/**
 * Disk caps (CAGED_DISK_MB_PER_S, CAGED_DISK_IOPS; src/cgroup/disk-caps.ts) without root: the
 * block devices found in a fixture /sys/block, the v1 throttle rules and v2 io.max lines of each
 * leaf in a fake cgroupfs, and the refusals where the controller is not there (as root and
 * delegated). The throttle itself, on this machine's disk: test/cgroup-v1.test.ts and
 * test/sandbox-limits.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { delegatedCgroupManager, detectCgroupManager, findDelegatedCgroup } from '../../src/cgroup/detect';
import { blockDevices, v1ThrottleWrites, v2IoMaxLines, type DiskCaps } from '../../src/cgroup/disk-caps';
import { CgroupV1Manager } from '../../src/cgroup/v1';
import { CgroupV2Manager } from '../../src/cgroup/v2';
import { loadConfig } from '../../src/config';
import { FakeCgroupFs } from './helpers/fake-cgroupfs';

const MiB = 2 ** 20;
const LIMITS = { memoryBytes: 64 * MiB, pids: 16 };
const NAME = `caged-${process.pid}-1`;
const CAPS: DiskCaps = { bytesPerSecond: 8 * MiB, iops: 500, devices: ['8:0', '254:0'] };

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-disk-caps-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('blockDevices', () => {
  it('lists the whole disks with a size, not empty loop devices or hidden multipath paths, sorted by number', () => {
    const dev = (name: string, files: Record<string, string>) => {
      fs.mkdirSync(path.join(dir, name));
      for (const [f, t] of Object.entries(files)) fs.writeFileSync(path.join(dir, name, f), t);
    };
    dev('vda', { dev: '254:0\n', size: '536870912\n' });
    dev('sdb', { dev: '8:16\n', size: '2048\n' });
    dev('sda', { dev: '8:0\n', size: '2048\n' });
    dev('loop0', { dev: '7:0\n', size: '0\n' });
    dev('nvme0c0n1', { dev: '259:1\n', size: '2048\n', hidden: '1\n' });
    dev('nvme0n1', { dev: '259:0\n', size: '2048\n', hidden: '0\n' });
    dev('broken', { size: '2048\n' });
    expect(blockDevices(dir)).toEqual(['8:0', '8:16', '254:0', '259:0']);
    expect(blockDevices(path.join(dir, 'absent'))).toEqual([]);
  });

  it("finds this machine's devices in /sys/block", () => {
    const found = blockDevices();
    expect(found.length).toBeGreaterThan(0);
    for (const d of found) expect(d).toMatch(/^\d+:\d+$/);
  });
});

describe('the rules of a leaf', () => {
  it('v1: four rules per device, none for a rate that is off', () => {
    expect(v1ThrottleWrites(CAPS)).toHaveLength(8);
    expect(v1ThrottleWrites(CAPS)).toContainEqual(['blkio.throttle.write_iops_device', '254:0 500']);
    expect(v1ThrottleWrites({ ...CAPS, iops: 0 }).map(([f]) => f)).toEqual([
      'blkio.throttle.read_bps_device',
      'blkio.throttle.read_bps_device',
      'blkio.throttle.write_bps_device',
      'blkio.throttle.write_bps_device',
    ]);
  });

  it('v2: one io.max line per device, max for a rate that is off', () => {
    expect(v2IoMaxLines({ ...CAPS, iops: 0 })).toEqual([
      `8:0 rbps=${8 * MiB} wbps=${8 * MiB} riops=max wiops=max`,
      `254:0 rbps=${8 * MiB} wbps=${8 * MiB} riops=max wiops=max`,
    ]);
  });
});

describe('CgroupV1Manager with disk caps', () => {
  let fake: FakeCgroupFs;
  beforeEach(() => (fake = FakeCgroupFs.v1()));
  afterEach(() => fake.remove());

  it('gives each box a blkio leaf with its throttle, attaches there too, and keeps it in the pool', () => {
    const m = new CgroupV1Manager({ root: fake.root, fs: fake, disk: CAPS });
    const box = m.create(NAME, LIMITS);
    const rules = (file: string) => fake.readFile(`${fake.root}/blkio/caged/${NAME}/${file}`);
    expect(rules('blkio.throttle.read_bps_device')).toBe(`8:0 ${8 * MiB}\n254:0 ${8 * MiB}\n`);
    expect(rules('blkio.throttle.write_iops_device')).toBe('8:0 500\n254:0 500\n');
    box.attach(4242);
    expect(rules('cgroup.procs')).toBe('4242\n');
    expect(m.describe()).toContain(`disk capped at 8 MiB/s and 500 operations/s each way on 8:0, 254:0`);
    // A stale leaf of a dead worker is found in blkio too, and removed there.
    fake.writes.length = 0;
    new CgroupV1Manager({ root: fake.root, fs: fake }).create('caged-999999-3', LIMITS);
    fs.mkdirSync(path.join(fake.root, 'blkio/caged/caged-999999-4'));
    fs.writeFileSync(path.join(fake.root, 'blkio/caged/caged-999999-4/cgroup.procs'), '');
    expect(m.cleanupStale((pid) => pid === process.pid)).toEqual(['caged-999999-3', 'caged-999999-4']);
    expect(fake.exists('blkio/caged/caged-999999-4')).toBe(false);
  });

  it('makes no blkio leaf without caps, or with both rates 0', () => {
    for (const disk of [undefined, { ...CAPS, bytesPerSecond: 0, iops: 0 }]) {
      const m = new CgroupV1Manager({ root: fake.root, fs: fake, ...(disk ? { disk } : {}) });
      const box = m.create(NAME, LIMITS);
      expect(fake.exists(`blkio/caged/${NAME}`)).toBe(false);
      box.destroy();
    }
  });

  it('refuses caps where blkio is not mounted, and bad caps', () => {
    const mounts = { memory: `${fake.root}/memory`, pids: `${fake.root}/pids`, cpuacct: `${fake.root}/cpuacct` };
    expect(() => new CgroupV1Manager({ mounts, fs: fake, disk: CAPS })).toThrow(/disk caps need the blkio controller/);
    expect(() => new CgroupV1Manager({ root: fake.root, fs: fake, disk: { ...CAPS, iops: -1 } })).toThrow(/iops must be/);
    expect(() => new CgroupV1Manager({ root: fake.root, fs: fake, disk: { ...CAPS, devices: ['sda'] } })).toThrow(/not major:minor/);
  });
});

describe('CgroupV2Manager with disk caps', () => {
  let fake: FakeCgroupFs;
  afterEach(() => fake.remove());

  it('enables io down to its parent and writes io.max of each leaf, one device per write', () => {
    fake = FakeCgroupFs.v2(['memory', 'pids', 'cpu', 'io']);
    const m = new CgroupV2Manager({ root: fake.root, fs: fake, disk: CAPS });
    m.create(NAME, LIMITS);
    expect(fake.readFile(`${fake.root}/caged/cgroup.subtree_control`).trim().split(' ').sort()).toEqual(['cpu', 'io', 'memory', 'pids']);
    expect(fake.writes.filter(([f]) => f.endsWith('io.max'))).toEqual(v2IoMaxLines(CAPS).map((l) => [`caged/${NAME}/io.max`, l]));
    expect(fake.readFile(`${fake.root}/caged/${NAME}/io.max`)).toBe(`${v2IoMaxLines(CAPS).join('\n')}\n`);
  });

  it('refuses a hierarchy without io, and enables none without caps', () => {
    fake = FakeCgroupFs.v2(['memory', 'pids', 'cpu']);
    expect(() => new CgroupV2Manager({ root: fake.root, fs: fake, disk: CAPS }).create(NAME, LIMITS)).toThrow(/lacks io/);
    new CgroupV2Manager({ root: fake.root, fs: fake }).create(NAME, LIMITS);
    expect(fake.exists(`caged/${NAME}/io.max`)).toBe(false);
  });
});

describe('choosing the manager', () => {
  const write = (name: string, text: string): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const V1 = [
    'cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0',
    'cgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0',
    'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0',
  ].join('\n');
  const V1_BLKIO = `${V1}\ncgroup /sys/fs/cgroup/blkio cgroup rw,blkio 0 0\n`;

  it('as root on v1: blkio or a refusal naming how to run without caps', () => {
    expect(detectCgroupManager({ mountsPath: write('m1', V1_BLKIO), disk: CAPS }).describe()).toMatch(
      /blkio at \/sys\/fs\/cgroup\/blkio.*disk capped/,
    );
    expect(() => detectCgroupManager({ mountsPath: write('m2', V1), disk: CAPS })).toThrow(
      /disk caps .* cannot be set: no cgroup v1 mount of the blkio controller in .*; to run without them: CAGED_DISK_MB_PER_S=0 CAGED_DISK_IOPS=0/,
    );
    expect(detectCgroupManager({ mountsPath: write('m3', V1), disk: { ...CAPS, bytesPerSecond: 0, iops: 0 } }).kind).toBe('v1');
  });

  it('as root on v2: io in the root controllers, or a refusal', () => {
    const root = fs.mkdtempSync(path.join(dir, 'v2-'));
    const mountsPath = write('m4', `cgroup2 ${root} cgroup2 rw 0 0\n`);
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    expect(() => detectCgroupManager({ root, mountsPath, disk: CAPS })).toThrow(/cannot be set: no io controller in .*cgroup.controllers/);
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpu io memory pids\n');
    expect(detectCgroupManager({ root, mountsPath, disk: CAPS }).describe()).toMatch(/io under .*disk capped/);
  });

  it('rootless: the blkio or io controller delegated too, or a refusal with the fix', () => {
    const mountsPath = write('m5', V1_BLKIO);
    const mine = (p: string) => p.includes('/caged-judge');
    expect(findDelegatedCgroup({ mountsPath, user: 'judge', writable: mine })).toMatchObject({ kind: 'v1', disk: { ok: true } });
    expect(delegatedCgroupManager({ mountsPath, user: 'judge', writable: mine, disk: CAPS }).describe()).toContain('disk capped');
    const notBlkio = (p: string) => mine(p) && !p.includes('/blkio/');
    expect(() => delegatedCgroupManager({ mountsPath, user: 'judge', writable: notBlkio, disk: CAPS })).toThrow(
      /blkio\/caged-judge missing or not writable by judge\. Fix: sudo scripts\/setup-host.sh --user judge \(or CAGED_DISK_MB_PER_S=0 CAGED_DISK_IOPS=0\)/,
    );
    // Without caps the same subtree serves.
    expect(delegatedCgroupManager({ mountsPath, user: 'judge', writable: notBlkio }).kind).toBe('v1');

    const scope = '/user.slice/user-1001.slice/user@1001.service/app.slice/run-r1.scope';
    const v2 = (controllers: string) => ({
      mountsPath: write('m6', 'cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n'),
      procSelfCgroup: write('cgroup', `0::${scope}\n`),
      user: 'judge',
      writable: (p: string) => p.startsWith(`/sys/fs/cgroup${scope}`),
      readText: (p: string) => (p.endsWith('cgroup.controllers') ? controllers : null),
      disk: CAPS,
    });
    expect(delegatedCgroupManager(v2('cpu io memory pids\n')).describe()).toContain('disk capped');
    expect(() => delegatedCgroupManager(v2('cpu memory pids\n'))).toThrow(
      /without the io controller \(has: cpu memory pids\)\. Fix: .*Delegate=memory pids cpu io.*\(or CAGED_DISK_MB_PER_S=0 CAGED_DISK_IOPS=0\)/,
    );
  });
});

describe('configuration', () => {
  it('caps by default (256 MiB/s, 4000 operations/s), and 0 turns a rate off', () => {
    expect(loadConfig({}, ['diskBytesPerSecond', 'diskIops'])).toEqual({ diskBytesPerSecond: 256 * MiB, diskIops: 4000 });
    expect(loadConfig({ CAGED_DISK_MB_PER_S: '0', CAGED_DISK_IOPS: '0' }, ['diskBytesPerSecond', 'diskIops'])).toEqual({
      diskBytesPerSecond: 0,
      diskIops: 0,
    });
    expect(() => loadConfig({ CAGED_DISK_IOPS: '-5' }, ['diskIops'])).toThrow(/CAGED_DISK_IOPS/);
  });
});
