/** detectCgroupManager: which cgroup manager a host's mounts give, and why not when none. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectCgroupManager, parseMounts } from '../src/cgroup/detect';
import { HostError } from '../src/errors';

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('detectCgroupManager', () => {
  function mountsFile(text: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-mounts-'));
    tempDirs.push(dir);
    fs.writeFileSync(path.join(dir, 'mounts'), text);
    return path.join(dir, 'mounts');
  }
  const pureV2 = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n';
  const v1Lines = [
    'tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,mode=755 0 0',
    'cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0',
    'cgroup /sys/fs/cgroup/pids cgroup rw,nosuid,nodev,noexec,relatime,pids 0 0',
    'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpu,cpuacct 0 0',
    'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime 0 0',
  ];

  it('picks v2 when the root is a cgroup2 mount', () => {
    const manager = detectCgroupManager({ mountsPath: mountsFile('proc /proc proc rw 0 0\n' + pureV2) });
    expect(manager.kind).toBe('v2');
    expect(manager.describe()).toBe('cgroup v2: memory, pids, cpu under /sys/fs/cgroup/caged');
  });

  it('picks v1 on a hybrid host, with co-mounted cpu,cpuacct', () => {
    const manager = detectCgroupManager({ mountsPath: mountsFile(v1Lines.join('\n')) });
    expect(manager.kind).toBe('v1');
    expect(manager.describe()).toContain('cpuacct at /sys/fs/cgroup/cpu,cpuacct');
    // cpu too: every box has a cpu group of its own where cpu is mounted.
    expect(manager.describe()).toContain('cpu at /sys/fs/cgroup/cpu,cpuacct');
    expect(manager.describe()).not.toContain('no cpu mount');
  });

  it('picks v1 for this machine (hybrid: v1 controllers, controller-less cgroup2 at /sys/fs/cgroup/unified)', () => {
    const manager = detectCgroupManager();
    expect(manager.kind).toBe('v1');
    expect(manager.describe()).toContain('memory at /sys/fs/cgroup/memory');
  });

  it('follows prefer only when both kinds are usable', () => {
    const both = mountsFile([pureV2.trim(), ...v1Lines.slice(1, 4)].join('\n'));
    expect(detectCgroupManager({ mountsPath: both }).kind).toBe('v2');
    expect(detectCgroupManager({ mountsPath: both, prefer: 'v1' }).kind).toBe('v1');
    expect(detectCgroupManager({ mountsPath: mountsFile(pureV2), prefer: 'v1' }).kind).toBe('v2');
  });

  it('throws a HostError saying what is missing when neither is usable', () => {
    const mountsPath = mountsFile([v1Lines[0], v1Lines[1]].join('\n'));
    const attempt = (): unknown => detectCgroupManager({ mountsPath });
    expect(attempt).toThrow(HostError);
    expect(attempt).toThrow(
      `cgroup: no usable cgroups in ${mountsPath}: no cgroup2 at /sys/fs/cgroup (tmpfs mounted there) and no cgroup v1 mount for pids, cpuacct`,
    );
  });

  it('parseMounts decodes escaped spaces', () => {
    expect(parseMounts('cgroup2 /mnt/my\\040cgroups cgroup2 rw 0 0\n')).toEqual([
      { source: 'cgroup2', mountPoint: '/mnt/my cgroups', fsType: 'cgroup2', options: ['rw'] },
    ]);
  });
});
