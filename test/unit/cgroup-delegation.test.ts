/**
 * Finding the cgroup subtree delegated to an unprivileged worker, on fixture mount tables and
 * /proc/self/cgroup files: v1 `<controller>/caged-<user>`, v2 the process's own cgroup, and the
 * refusal (with its fix) when nothing is writable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { delegatedCgroupManager, findDelegatedCgroup } from '../../src/cgroup/detect';
import { loadConfig } from '../../src/config';

let dir: string;
const write = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-delegation-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const V1_MOUNTS = [
  'tmpfs /sys/fs/cgroup tmpfs rw 0 0',
  'cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0',
  'cgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0',
  'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0',
].join('\n');
const V2_MOUNTS = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n';
const SCOPE = '/user.slice/user-1001.slice/user@1001.service/app.slice/run-r1.scope';

describe('findDelegatedCgroup', () => {
  it('finds v1 subtrees named for the user in every controller', () => {
    const mountsPath = write('mounts', V1_MOUNTS);
    const d = findDelegatedCgroup({ mountsPath, user: 'judge', writable: (p) => p.includes('/caged-judge') });
    expect(d).toMatchObject({ kind: 'v1', parent: 'caged-judge' });
    if (d.kind === 'v1')
      expect(d.mounts).toEqual({
        memory: '/sys/fs/cgroup/memory',
        pids: '/sys/fs/cgroup/pids',
        cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
        cpu: '/sys/fs/cgroup/cpu,cpuacct',
      });
  });

  it('names the v1 subtrees it cannot write and the command that makes them', () => {
    const mountsPath = write('mounts', V1_MOUNTS);
    const d = findDelegatedCgroup({ mountsPath, user: 'judge', writable: (p) => !p.includes('/pids/') });
    expect(d).toMatchObject({ kind: 'none', fix: 'sudo scripts/setup-host.sh --user judge' });
    if (d.kind === 'none') expect(d.reason).toContain('/sys/fs/cgroup/pids/caged-judge');
  });

  it("uses the process's own v2 cgroup when its files are writable", () => {
    const mountsPath = write('mounts', V2_MOUNTS);
    const procSelfCgroup = write('cgroup', `0::${SCOPE}\n`);
    const d = findDelegatedCgroup({ mountsPath, procSelfCgroup, user: 'judge', writable: (p) => p.startsWith(`/sys/fs/cgroup${SCOPE}`) });
    expect(d).toMatchObject({ kind: 'v2', root: `/sys/fs/cgroup${SCOPE}`, parent: 'caged' });
  });

  it('refuses a v2 cgroup that is not delegated, naming the files and systemd Delegate=yes', () => {
    const mountsPath = write('mounts', V2_MOUNTS);
    const procSelfCgroup = write('cgroup', `0::${SCOPE}\n`);
    const d = findDelegatedCgroup({ mountsPath, procSelfCgroup, user: 'judge', writable: (p) => !p.endsWith('subtree_control') });
    expect(d.kind).toBe('none');
    if (d.kind === 'none') {
      expect(d.reason).toContain('cgroup.subtree_control');
      expect(d.fix).toContain('Delegate=yes');
    }
  });
});

describe('delegatedCgroupManager and CAGED_RLIMITS_ONLY', () => {
  const noneWritable = () => ({ mountsPath: write('mounts', V1_MOUNTS), user: 'judge', writable: () => false });

  it('refuses without a writable cgroup, naming the fix and the opt-in', () => {
    expect(() => delegatedCgroupManager(noneWritable())).toThrow(
      /no writable cgroup: .*Fix: sudo scripts\/setup-host.sh --user judge .*CAGED_RLIMITS_ONLY=yes/,
    );
  });

  it('runs on rlimits only when opted in and no cgroup is writable', () => {
    const m = delegatedCgroupManager({ ...noneWritable(), rlimitsOnly: true });
    expect(m.kind).toBe('rlimits');
    expect(m.describe()).toContain('/sys/fs/cgroup/pids/caged-judge');
    const box = m.create('caged-1-1', null);
    expect(m.list()).toEqual(['caged-1-1']);
    box.recordUsage?.(2e9, 3 * 2 ** 20);
    expect(box.stats()).toMatchObject({ cpuTimeNs: 2e9, memoryPeakBytes: 3 * 2 ** 20, oomKills: 0, memoryLimitHits: 0 });
    box.release();
    expect(m.list()).toEqual([]);
  });

  it('never replaces a writable cgroup: the opt-in is ignored when one exists', () => {
    const mountsPath = write('mounts', V1_MOUNTS);
    const m = delegatedCgroupManager({ mountsPath, user: 'judge', writable: (p) => p.includes('/caged-judge'), rlimitsOnly: true });
    expect(m.kind).toBe('v1');
  });

  it('is read from CAGED_RLIMITS_ONLY (default no) and refuses other values', () => {
    expect(loadConfig({}, ['rlimitsOnly']).rlimitsOnly).toBe('no');
    expect(loadConfig({ CAGED_RLIMITS_ONLY: 'yes' }, ['rlimitsOnly']).rlimitsOnly).toBe('yes');
    expect(() => loadConfig({ CAGED_RLIMITS_ONLY: 'maybe' }, ['rlimitsOnly'])).toThrow(/CAGED_RLIMITS_ONLY/);
  });
});
