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

describe('pinning in a delegated subtree (CAGED_CPUS, rootless)', () => {
  const V1_CPUSET = `${V1_MOUNTS}\ncgroup /sys/fs/cgroup/cpuset cgroup rw,cpuset 0 0\n`;
  /** cgroup files by path; a missing one reads as null. */
  const files =
    (content: Record<string, string>) =>
    (p: string): string | null =>
      content[p] ?? null;
  const ownCpuset = { '/sys/fs/cgroup/cpuset/caged-judge/cpuset.cpus': '0-3\n', '/sys/fs/cgroup/cpuset/caged-judge/cpuset.mems': '0\n' };
  let tables = 0;
  const v1 = (mounts: string, content: Record<string, string>, writable = (p: string) => p.includes('/caged-judge')) => ({
    mountsPath: write(`mounts-${++tables}`, mounts),
    user: 'judge',
    writable,
    readText: files(content),
  });

  it("uses the user's v1 cpuset directory when it is theirs and has CPUs and memory nodes", () => {
    const d = findDelegatedCgroup(v1(V1_CPUSET, ownCpuset));
    expect(d).toMatchObject({ kind: 'v1', pinning: { cpuset: '/sys/fs/cgroup/cpuset' } });
    const m = delegatedCgroupManager({ ...v1(V1_CPUSET, ownCpuset), pinning: true });
    expect(m.pinning).toBe(true);
    expect(m.describe()).toContain('pinned to CPUs through the cpuset at /sys/fs/cgroup/cpuset');
    // Without CAGED_CPUS the same subtree pins nothing.
    expect(delegatedCgroupManager(v1(V1_CPUSET, ownCpuset)).pinning).toBe(false);
  });

  it('refuses to pin, naming what is missing and the fix, when the cpuset is not handed over', () => {
    const cases: Array<[ReturnType<typeof v1>, RegExp]> = [
      [v1(V1_MOUNTS, ownCpuset), /no mount of the cpuset controller\. Fix: sudo mkdir -p \/sys\/fs\/cgroup\/cpuset/],
      [
        v1(V1_CPUSET, ownCpuset, (p) => p.includes('/caged-judge') && !p.includes('/cpuset/')),
        /\/sys\/fs\/cgroup\/cpuset\/caged-judge missing or not writable by judge\. Fix: sudo scripts\/setup-host.sh --user judge/,
      ],
      [
        v1(V1_CPUSET, { '/sys/fs/cgroup/cpuset/caged-judge/cpuset.cpus': '0-3\n', '/sys/fs/cgroup/cpuset/caged-judge/cpuset.mems': '\n' }),
        /caged-judge has an empty cpuset\.mems\. Fix: sudo scripts\/setup-host.sh --user judge/,
      ],
    ];
    for (const [opts, why] of cases) {
      expect(() => delegatedCgroupManager({ ...opts, pinning: true })).toThrow(why);
      // The same subtree still serves a worker that pins nothing.
      expect(delegatedCgroupManager(opts).kind).toBe('v1');
    }
  });

  it('pins on v2 when the delegated cgroup has the cpuset controller, else names Delegate=', () => {
    const procSelfCgroup = write('cgroup', `0::${SCOPE}\n`);
    const at = (controllers: string) => ({
      mountsPath: write('mounts', V2_MOUNTS),
      procSelfCgroup,
      user: 'judge',
      writable: (p: string) => p.startsWith(`/sys/fs/cgroup${SCOPE}`),
      readText: files({ [`/sys/fs/cgroup${SCOPE}/cgroup.controllers`]: controllers }),
    });
    expect(findDelegatedCgroup(at('cpuset cpu io memory pids\n'))).toMatchObject({
      kind: 'v2',
      pinning: { cpuset: `/sys/fs/cgroup${SCOPE}` },
    });
    expect(delegatedCgroupManager({ ...at('cpuset cpu io memory pids\n'), pinning: true }).pinning).toBe(true);
    expect(() => delegatedCgroupManager({ ...at('cpu io memory pids\n'), pinning: true })).toThrow(
      /delegated to judge without the cpuset controller \(has: cpu io memory pids\)\. Fix: .*Delegate=memory pids cpu cpuset/,
    );
  });

  it('refuses to pin with no writable cgroup, even with CAGED_RLIMITS_ONLY', () => {
    const none = { mountsPath: write('mounts', V1_CPUSET), user: 'judge', writable: () => false, rlimitsOnly: true };
    expect(delegatedCgroupManager(none).kind).toBe('rlimits');
    expect(() => delegatedCgroupManager({ ...none, pinning: true })).toThrow(/pinning boxes to CPUs \(CAGED_CPUS\) needs a cgroup/);
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
