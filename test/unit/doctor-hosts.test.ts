/**
 * `caged doctor` on fixture hosts (test/fixtures/hosts/: their /proc, /sys and /etc files and
 * host.json, see doctor-fixture.ts): the mode it announces, what each finding says, and the one
 * command it gives for each missing piece. No root, no Redis, no namespace.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { diagnose, type DoctorReport } from '../../src/doctor/doctor';
import type { Finding, FindingKey } from '../../src/doctor/finding';
import { renderReport } from '../../src/doctor/render';
import { fixtureHost, fixtureOptions } from './doctor-fixture';

const get = (report: DoctorReport, key: FindingKey): Finding => {
  const f = report.findings.find((x) => x.key === key);
  if (!f) throw new Error(`no finding ${key}`);
  return f;
};
const statuses = (report: DoctorReport): Record<string, string> => Object.fromEntries(report.findings.map((f) => [f.key, f.status]));

describe('CPU pinning (CAGED_CPUS)', () => {
  const CPUSET = 'cgroup /sys/fs/cgroup/cpuset cgroup rw,nosuid,nodev,noexec,relatime,cpuset 0 0\n';
  /** The v1 root host with a cpuset mount or not, and the worker's CPUs 0-3. */
  const v1Root = (cpuset: boolean) => {
    const host = fixtureHost('v1-root');
    const files: Record<string, string> = {
      '/proc/self/mounts': (host.view.readText('/proc/self/mounts') ?? '') + (cpuset ? CPUSET : ''),
      '/proc/self/status': `${host.view.readText('/proc/self/status') ?? ''}Cpus_allowed_list:\t0-3\n`,
    };
    return { ...host.view, readText: (f: string) => files[f] ?? host.view.readText(f) };
  };

  it('finds the cpuset of a cgroup v1 host and the CPUs the worker may use', async () => {
    const view = v1Root(true);
    const report = await diagnose(view, { ...fixtureOptions(view), cpus: [2, 3] });
    expect(report.runnable).toBe(true);
    expect(get(report, 'cpus')).toMatchObject({
      status: 'ok',
      detail: 'each run pinned to one of CPUs 2-3 through the cpuset at /sys/fs/cgroup/cpuset',
    });
  });

  it('blocks the worker, as it would refuse to start, without a cpuset or with a CPU it may not use', async () => {
    const none = v1Root(false);
    const noCpuset = await diagnose(none, { ...fixtureOptions(none), cpus: [1] });
    expect(noCpuset.runnable).toBe(false);
    expect(get(noCpuset, 'cpus')).toMatchObject({ status: 'missing', blocking: true, fix: 'CAGED_CPUS=' });
    expect(get(noCpuset, 'cpus').detail).toBe('CAGED_CPUS=1 needs the cpuset controller: no cgroup v1 mount of it');
    const view = v1Root(true);
    const outside = await diagnose(view, { ...fixtureOptions(view), cpus: [3, 4, 5] });
    expect(get(outside, 'cpus')).toMatchObject({
      status: 'missing',
      blocking: true,
      detail: 'CAGED_CPUS=3-5: CPU 4-5 is not one the worker may run on (0-3)',
      fix: 'CAGED_CPUS=0-3',
    });
  });

  it('rootless, needs the cpuset delegated with the rest, and names the Delegate= that does it', async () => {
    const host = fixtureHost('v2-delegated-user');
    const report = await diagnose(host.view, { ...fixtureOptions(host.view), cpus: [0] });
    expect(report.runnable).toBe(false);
    const scope = '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/caged-worker.service';
    expect(get(report, 'cpus')).toMatchObject({
      status: 'missing',
      blocking: true,
      detail: `CAGED_CPUS=0 needs the cpuset controller: cgroup v2: ${scope} is delegated to judge without the cpuset controller (has: cpu memory pids)`,
    });
    expect(get(report, 'cpus').fix).toContain('Delegate=memory pids cpu cpuset');
    // The same host with cpuset delegated too (systemd's Delegate=yes).
    const files: Record<string, string> = { [`${scope}/cgroup.controllers`]: 'cpuset cpu memory pids\n' };
    const view = { ...host.view, readText: (f: string) => files[f] ?? host.view.readText(f) };
    const delegated = await diagnose(view, { ...fixtureOptions(view), cpus: [0] });
    expect(delegated.runnable).toBe(true);
    expect(get(delegated, 'cpus')).toMatchObject({
      status: 'ok',
      detail: 'each run pinned to CPU 0 through the cgroup v2 cpuset controller',
    });
  });
});

describe('on a cgroup v1 host, as root', () => {
  it('announces root mode with cgroup v1 limits, runnable, ids not needed', async () => {
    const host = fixtureHost('v1-root');
    const report = await diagnose(host.view, fixtureOptions(host.view));
    expect(report).toMatchObject({ runnable: true, mode: 'root', limits: 'cgroup-v1', user: { uid: 0, name: 'root' } });
    expect(statuses(report)).toEqual({
      identity: 'ok',
      userns: 'ok',
      overlay: 'ok',
      cgroup: 'ok',
      cpus: 'skipped',
      disk: 'ok',
      seccomp: 'ok',
      subids: 'skipped',
      idmap: 'skipped',
      devices: 'skipped',
      jobs: 'ok',
      image: 'ok',
      redis: 'ok',
    });
    expect(get(report, 'cgroup').detail).toContain(
      'memory at /sys/fs/cgroup/memory, pids at /sys/fs/cgroup/pids, cpuacct at /sys/fs/cgroup/cpu,cpuacct',
    );
    expect(get(report, 'cgroup').detail).toContain('hybrid');
    expect(get(report, 'disk').detail).toBe(
      'each box capped at 256 MiB/s and 4000 operations/s each way on every block device, through blkio (cgroup v1)',
    );
    expect(get(report, 'image').detail).toContain('1 layers, 1 verified');
    expect(report.findings.filter((f) => f.fix !== undefined)).toEqual([]);
    // As root, the overlay is probed in a mount namespace only (no user namespace in between).
    expect(host.asked).toEqual({ overlay: [false], redis: ['redis://127.0.0.1:6379'] });
    expect(report.summary).toBe(
      'the worker can run: root mode (each box gets a host uid of its own), limits by cgroup v1 (/sys/fs/cgroup/memory/caged, /sys/fs/cgroup/pids/caged, /sys/fs/cgroup/cpu,cpuacct/caged)',
    );
  });

  it('warns when the memory cgroups on the host near the kernel limit (dying ones included), naming the fix', async () => {
    const host = fixtureHost('v1-root');
    const withCount = (n: number) => {
      const table = `#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t1\t1\nmemory\t4\t${n}\t1\n`;
      return { ...host.view, readText: (f: string) => (f === '/proc/cgroups' ? table : host.view.readText(f)) };
    };
    const few = withCount(32767);
    expect(get(await diagnose(few, fixtureOptions(few)), 'cgroup').status).toBe('ok');
    const many = withCount(40000);
    const report = await diagnose(many, fixtureOptions(many));
    expect(report.runnable).toBe(true);
    const cgroup = get(report, 'cgroup');
    expect(cgroup).toMatchObject({ status: 'warn', blocking: false, fix: 'sync && echo 1 | sudo tee /proc/sys/vm/drop_caches' });
    expect(cgroup.detail).toContain('memory at /sys/fs/cgroup/memory');
    expect(cgroup.detail).toContain('the host has 40000 memory cgroups, removed ones still holding cached pages included, of the kernel');
  });

  it('refuses root mode to a root without CAP_SYS_ADMIN (a container), naming the capability', async () => {
    const host = fixtureHost('v1-root');
    const status = host.view.readText('/proc/self/status') ?? '';
    // CapEff without bit 21 (CAP_SYS_ADMIN).
    const view = {
      ...host.view,
      readText: (f: string) =>
        f === '/proc/self/status' ? status.replace(/CapEff:\t\w+/, 'CapEff:\t000001ffffdfffff') : host.view.readText(f),
    };
    const report = await diagnose(view, fixtureOptions(view));
    expect(report.runnable).toBe(false);
    expect(get(report, 'identity')).toMatchObject({ status: 'missing', blocking: true });
    expect(get(report, 'identity').detail).toContain('without CAP_SYS_ADMIN');
  });
});

describe('on a cgroup v2 host with a subtree delegated to the user', () => {
  it('announces rootless mode on the delegated subtree and the subordinate ids', async () => {
    const host = fixtureHost('v2-delegated-user');
    const report = await diagnose(host.view, fixtureOptions(host.view));
    expect(report).toMatchObject({ runnable: true, mode: 'rootless', limits: 'cgroup-v2', user: { uid: 1000, name: 'judge' } });
    const { cpus, disk, ...others } = statuses(report);
    expect(cpus).toBe('skipped'); // CAGED_CPUS is off
    // systemd delegates no io controller by default: the default disk caps do not apply, and it says so.
    expect(disk).toBe('warn');
    expect(Object.values(others).every((s) => s === 'ok')).toBe(true);
    // The worker's own cgroup, which systemd delegated (as src/cgroup/detect.ts finds it); boxes go below it.
    const own = '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/caged-worker.service';
    expect(get(report, 'cgroup').detail).toBe(`cgroup v2, delegated to judge: ${own} with memory, pids, cpu; boxes under ${own}/caged`);
    expect(get(report, 'subids').detail).toContain('65536 for judge (uids 100000-165535, gids 100000-165535)');
    expect(get(report, 'idmap').detail).toBe('/usr/bin/newuidmap (setuid root), /usr/bin/newgidmap (setuid root)');
    expect(get(report, 'userns').detail).toContain('kernel.unprivileged_userns_clone=1');
    expect(host.asked.overlay).toEqual([true]);
    expect(renderReport(report)).toContain("the worker can run: rootless mode (each box's uid 256 maps to a subordinate id of its own)");
    expect(get(report, 'jobs').detail).toBe(
      "in /var/lib/caged/jobs/judge, a tmpfs: its size caps what the boxes' compiles write there together",
    );
  });

  it("warns when the user's job directories have no tmpfs (setup-host.sh --user makes it), naming the fix", async () => {
    const host = fixtureHost('v2-delegated-user');
    const view = { ...host.view, onTmpfs: () => false };
    const report = await diagnose(view, fixtureOptions(view));
    expect(report.runnable).toBe(true);
    expect(get(report, 'jobs')).toMatchObject({ status: 'warn', blocking: false, fix: 'sudo scripts/setup-host.sh --user judge' });
    expect(get(report, 'jobs').detail).toContain('in /home/judge/.local/share/caged/jobs, on a filesystem nothing caps');
    // CAGED_JOBS_DIR on a tmpfs of the operator's choosing is taken as it is.
    const given = { ...host.view, onTmpfs: (d: string) => d === '/srv/jobs' };
    const chosen = await diagnose(given, fixtureOptions(given, { jobsDir: '/srv/jobs' }));
    expect(get(chosen, 'jobs')).toMatchObject({ status: 'ok' });
    expect(get(chosen, 'jobs').detail).toContain('in /srv/jobs, a tmpfs');
  });

  it('runs without the default disk caps where io is not delegated, and refuses caps that were set', async () => {
    const host = fixtureHost('v2-delegated-user');
    const svc = '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/caged-worker.service';
    const defaults = await diagnose(host.view, fixtureOptions(host.view));
    expect(get(defaults, 'disk')).toMatchObject({ status: 'warn', blocking: false });
    expect(get(defaults, 'disk').detail).toBe(
      `boxes would get no disk caps (256 MiB/s and 4000 operations/s each way): cgroup v2: ${svc} is delegated to judge without the io controller (has: cpu memory pids)`,
    );
    expect(get(defaults, 'disk').fix).toContain('Delegate=memory pids cpu io');
    expect(get(defaults, 'disk').fix).toContain('CAGED_DISK_MB_PER_S=0 CAGED_DISK_IOPS=0');
    const asked = await diagnose(host.view, fixtureOptions(host.view, { disk: { bytesPerSecond: 2 ** 20, iops: 0, asked: true } }));
    expect(asked.runnable).toBe(false);
    expect(get(asked, 'disk')).toMatchObject({ status: 'missing', blocking: true });
    const off = await diagnose(host.view, fixtureOptions(host.view, { disk: { bytesPerSecond: 0, iops: 0, asked: true } }));
    expect(get(off, 'disk').status).toBe('skipped');
    const withIo = {
      ...host.view,
      readText: (f: string) => (f === `${svc}/cgroup.controllers` ? 'cpu io memory pids\n' : host.view.readText(f)),
    };
    expect(get(await diagnose(withIo, fixtureOptions(withIo)), 'disk')).toMatchObject({
      status: 'ok',
      detail: 'each box capped at 256 MiB/s and 4000 operations/s each way on every block device, through io (cgroup v2)',
    });
  });

  it('without delegated memory, names the systemd drop-in that delegates it', async () => {
    const host = fixtureHost('v2-delegated-user');
    const svc = '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/caged-worker.service/cgroup.controllers';
    const view = { ...host.view, readText: (f: string) => (f === svc ? 'cpu pids\n' : host.view.readText(f)) };
    const report = await diagnose(view, fixtureOptions(view));
    expect(report.runnable).toBe(false);
    expect(get(report, 'cgroup').detail).toContain('without memory (has: cpu pids)');
    expect(get(report, 'cgroup').fix).toContain(
      "printf '[Service]\\nDelegate=memory pids cpu\\n' | sudo tee /etc/systemd/system/user@.service.d/caged.conf",
    );
  });

  it('with no_new_privs (allowPrivilegeEscalation: false), subordinate ids cannot be mapped: single-uid only if accepted', async () => {
    const host = fixtureHost('v2-delegated-user');
    const status = host.view.readText('/proc/self/status') ?? '';
    const view = {
      ...host.view,
      readText: (f: string) => (f === '/proc/self/status' ? status.replace('NoNewPrivs:\t0', 'NoNewPrivs:\t1') : host.view.readText(f)),
    };
    const refused = await diagnose(view, fixtureOptions(view));
    expect(refused.runnable).toBe(false);
    expect(get(refused, 'idmap')).toMatchObject({ status: 'missing', blocking: true });
    expect(get(refused, 'idmap').detail).toContain('no_new_privs');
    const accepted = await diagnose(view, fixtureOptions(view, { singleUid: true }));
    expect(accepted).toMatchObject({ runnable: true, mode: 'rootless-single-uid', limits: 'cgroup-v2' });
    expect(get(accepted, 'idmap').status).toBe('warn');
  });
});

describe('on a host whose sysctl disables user namespaces', () => {
  it('cannot run, and names kernel.unprivileged_userns_clone with the command that sets it', async () => {
    const host = fixtureHost('userns-disabled');
    const report = await diagnose(host.view, fixtureOptions(host.view));
    expect(report).toMatchObject({ runnable: false, mode: null, limits: null });
    expect(get(report, 'userns')).toMatchObject({ status: 'missing', blocking: true });
    expect(get(report, 'userns').detail).toContain('kernel.unprivileged_userns_clone is 0 (Debian)');
    expect(get(report, 'userns').fix).toBe(
      'echo kernel.unprivileged_userns_clone=1 | sudo tee /etc/sysctl.d/60-caged-userns.conf && sudo sysctl --system',
    );
    // The overlay's failure is not blocking (extraction is the fallback) and offers no false fix.
    expect(get(report, 'overlay')).toMatchObject({ status: 'warn', blocking: false });
    expect(get(report, 'cgroup').status).toBe('ok');
    expect(report.summary).toBe('the worker cannot run: user namespaces missing');
    const text = renderReport(report);
    expect(text).toContain('MISSING  user namespaces');
    expect(text).toContain('fix: echo kernel.unprivileged_userns_clone=1');
  });

  it('with user.max_user_namespaces=0, names that sysctl (it blocks root too)', async () => {
    const host = fixtureHost('userns-disabled');
    const view = { ...host.view, readText: (f: string) => (f === '/proc/sys/user/max_user_namespaces' ? '0\n' : host.view.readText(f)) };
    const report = await diagnose(view, fixtureOptions(view));
    expect(get(report, 'userns').fix).toBe(
      'echo user.max_user_namespaces=15000 | sudo tee /etc/sysctl.d/60-caged-userns.conf && sudo sysctl --system',
    );
  });

  it("under Ubuntu's AppArmor restriction, gives the AppArmor profile for the worker's node", async () => {
    const host = fixtureHost('userns-disabled');
    const sysctls: Record<string, string> = {
      '/proc/sys/kernel/unprivileged_userns_clone': '1\n',
      '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1\n',
    };
    const view = { ...host.view, readText: (f: string) => sysctls[f] ?? host.view.readText(f) };
    const report = await diagnose(view, fixtureOptions(view));
    expect(get(report, 'userns').detail).toContain('restricted by AppArmor');
    expect(get(report, 'userns').fix).toContain('profile caged-worker /usr/bin/node flags=(unconfined)');
    expect(get(report, 'userns').fix).toContain('sudo apparmor_parser -r /etc/apparmor.d/caged-worker');
  });
});

describe('on a host without subordinate ids for the user', () => {
  it('cannot run, and gives the usermod command granting a range', async () => {
    const host = fixtureHost('no-subids');
    const report = await diagnose(host.view, fixtureOptions(host.view));
    expect(report).toMatchObject({ runnable: false, mode: null });
    expect(get(report, 'subids')).toMatchObject({ status: 'missing', blocking: true });
    expect(get(report, 'subids').detail).toContain('/etc/subuid has no range for judge');
    expect(get(report, 'subids').fix).toBe(
      'sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 judge (or accept CAGED_ROOTLESS_SINGLE_UID=yes: weaker isolation)',
    );
    expect(get(report, 'cgroup').detail).toContain('delegated to judge');
  });

  it('runs in single-uid mode when the operator accepted it, saying the isolation is weaker', async () => {
    const host = fixtureHost('no-subids');
    const report = await diagnose(host.view, fixtureOptions(host.view, { singleUid: true }));
    expect(report).toMatchObject({ runnable: true, mode: 'rootless-single-uid', limits: 'cgroup-v1' });
    expect(get(report, 'subids').status).toBe('warn');
    expect(report.summary).toContain("every box's program runs as the worker's own uid: weaker isolation");
  });

  it('without its delegated cgroups either, refuses, naming the set-up that delegates them', async () => {
    const host = fixtureHost('no-subids');
    const view = {
      ...host.view,
      stat: (f: string) => (f.startsWith('/sys/fs/cgroup/') && f.includes('/caged') ? null : host.view.stat(f)),
    };
    const refused = await diagnose(view, fixtureOptions(view, { singleUid: true }));
    expect(refused.runnable).toBe(false);
    expect(get(refused, 'cgroup')).toMatchObject({
      status: 'missing',
      blocking: true,
      fix: 'sudo scripts/setup-host.sh --user judge (or accept CAGED_RLIMITS_ONLY=yes: per-process limits only)',
    });
    expect(refused.summary).toBe('the worker cannot run: cgroups missing');
  });

  it('without its delegated cgroups, runs on rlimits only when CAGED_RLIMITS_ONLY=yes, and says so', async () => {
    const host = fixtureHost('no-subids');
    const view = {
      ...host.view,
      stat: (f: string) => (f.startsWith('/sys/fs/cgroup/') && f.includes('/caged') ? null : host.view.stat(f)),
    };
    const report = await diagnose(view, fixtureOptions(view, { singleUid: true, rlimitsOnly: true }));
    expect(report).toMatchObject({ runnable: true, mode: 'rootless-single-uid', limits: 'rlimits' });
    expect(get(report, 'cgroup')).toMatchObject({ status: 'warn', blocking: false });
    expect(get(report, 'cgroup').detail).toContain('CAGED_RLIMITS_ONLY=yes: limits by rlimits only (per process, weaker)');
    expect(report.summary).toContain('limits by rlimits only (no writable cgroup');
    // A delegated cgroup is used whatever the opt-in says.
    const delegated = await diagnose(host.view, fixtureOptions(host.view, { singleUid: true, rlimitsOnly: true }));
    expect(delegated.limits).toBe('cgroup-v1');
  });
});

describe('faults every host can have', () => {
  it("rootless without the user's device slots cannot run, and names the set-up that makes them", async () => {
    const host = fixtureHost('v2-delegated-user');
    const view = { ...host.view, deviceSlots: () => 0 };
    const report = await diagnose(view, fixtureOptions(view));
    expect(report.runnable).toBe(false);
    expect(get(report, 'devices')).toMatchObject({ status: 'missing', blocking: true, fix: 'sudo scripts/setup-host.sh --user judge' });
    expect(get(report, 'devices').detail).toContain('no device slots in /var/lib/caged/devices/judge');
  });

  it('Redis not answering blocks, with the setup command for a local URL and the variable for another', async () => {
    const down = { result: 'failed' as const, detail: 'connect ECONNREFUSED' };
    const host = fixtureHost('v1-root', { redis: down });
    const local = await diagnose(host.view, fixtureOptions(host.view));
    expect(get(local, 'redis')).toMatchObject({ status: 'missing', blocking: true, fix: 'sudo bash scripts/setup-host.sh' });
    const remote = await diagnose(host.view, fixtureOptions(host.view, { redisUrl: 'redis://queue.internal:6379' }));
    expect(get(remote, 'redis').fix).toContain('CAGED_REDIS_URL=');
    // A password in the URL is never printed (the worker logs the same report).
    const secret = await diagnose(host.view, fixtureOptions(host.view, { redisUrl: 'redis://:s3cret-pass@queue.internal:6379/2' }));
    expect(JSON.stringify(secret)).not.toContain('s3cret-pass');
    expect(get(secret, 'redis').detail).toContain('redis://:***@queue.internal:6379/2');
    const skipped = await diagnose(host.view, fixtureOptions(host.view, { redisUrl: null }));
    expect(get(skipped, 'redis').status).toBe('skipped');
    expect(skipped.runnable).toBe(true);
  });

  it('a missing image blocks with the build command; a layer not yet unpacked only warns', async () => {
    const host = fixtureHost('v1-root');
    const missing = await diagnose(host.view, fixtureOptions(host.view, { manifestPath: '/nowhere/manifest.json' }));
    expect(get(missing, 'image')).toMatchObject({ status: 'missing', blocking: true, fix: 'npm run image:build -- debian' });
    const fresh = await diagnose(host.view, fixtureOptions(host.view, { imageCacheDir: '/var/lib/caged/empty' }));
    expect(get(fresh, 'image').status).toBe('warn');
    expect(get(fresh, 'image').detail).toContain(
      "1 not yet unpacked into /var/lib/caged/empty (base): the worker's first start unpacks them",
    );
    expect(fresh.runnable).toBe(true);
  });

  it('CAGED_ROOTFS=overlay makes a failing overlay blocking; extract does not probe it', async () => {
    const host = fixtureHost('v1-root', { overlay: { result: 'failed', detail: 'mount: permission denied' } });
    const overlay = await diagnose(host.view, fixtureOptions(host.view, { rootfs: 'overlay' }));
    expect(get(overlay, 'overlay')).toMatchObject({ status: 'missing', blocking: true, fix: 'CAGED_ROOTFS=extract' });
    const extract = await diagnose(host.view, fixtureOptions(host.view, { rootfs: 'extract' }));
    expect(get(extract, 'overlay').status).toBe('skipped');
    expect(host.asked.overlay).toEqual([false]);
  });
});

describe("in docker-compose.yml's worker-rootless container", () => {
  it('maps subordinate ids through file-capability newuidmap, but finds no writable cgroup (Docker mounts it read-only)', async () => {
    const host = fixtureHost('docker-rootless');
    const report = await diagnose(host.view, fixtureOptions(host.view));
    expect(report.runnable).toBe(false);
    expect(report.summary).toBe('the worker cannot run: cgroups missing');
    expect(get(report, 'cgroup').detail).toContain('mounted read-only');
    expect(get(report, 'idmap')).toMatchObject({
      status: 'ok',
      detail: '/usr/bin/newuidmap (cap_setuid), /usr/bin/newgidmap (cap_setgid)',
    });
    expect(get(report, 'subids').status).toBe('ok');
    expect(get(report, 'devices').status).toBe('ok');
  });

  it('a setuid-root newuidmap there cannot work (its bounding set lacks CAP_DAC_OVERRIDE, CAP_SYS_ADMIN): the fix is a file capability', async () => {
    const host = fixtureHost('docker-rootless');
    const setuid = { uid: 0, gid: 0, mode: 0o4755, isDirectory: false };
    const view = { ...host.view, fileCaps: () => null, stat: (f: string) => (f.startsWith('/usr/bin/new') ? setuid : host.view.stat(f)) };
    const report = await diagnose(view, fixtureOptions(view));
    expect(get(report, 'idmap').detail).toContain("the worker's bounding set lacks CAP_DAC_OVERRIDE, CAP_SYS_ADMIN");
    expect(get(report, 'idmap').fix).toBe(
      'give it a file capability instead: sudo chmod u-s /usr/bin/newuidmap && sudo setcap cap_setuid+ep /usr/bin/newuidmap (or accept CAGED_ROOTLESS_SINGLE_UID=yes: weaker isolation)',
    );
  });
});

describe("in deploy/kubernetes's pod (no_new_privs, no capabilities)", () => {
  it('maps no subordinate id (single-uid mode, accepted in its ConfigMap) and finds no writable cgroup', async () => {
    const host = fixtureHost('k8s-pod');
    const refused = await diagnose(host.view, fixtureOptions(host.view));
    expect(get(refused, 'idmap')).toMatchObject({ status: 'missing', blocking: true });
    expect(get(refused, 'idmap').detail).toContain('no_new_privs');
    const report = await diagnose(host.view, fixtureOptions(host.view, { singleUid: true }));
    expect(get(report, 'idmap').status).toBe('warn');
    expect(report.summary).toBe('the worker cannot run: cgroups missing');
  });

  it('runs with its ConfigMap as written: single uid, limits by rlimits only', async () => {
    const host = fixtureHost('k8s-pod');
    const config = YAML.parse(fs.readFileSync(path.join(__dirname, '../../deploy/kubernetes/configmap.yaml'), 'utf8')) as {
      data: Record<string, string>;
    };
    expect(config.data).toMatchObject({ CAGED_ROOTLESS_SINGLE_UID: 'yes', CAGED_RLIMITS_ONLY: 'yes', CAGED_CONCURRENCY: '1' });
    const report = await diagnose(host.view, fixtureOptions(host.view, { singleUid: true, rlimitsOnly: true }));
    expect(report).toMatchObject({ runnable: true, mode: 'rootless-single-uid', limits: 'rlimits' });
  });
});
