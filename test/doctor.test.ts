/**
 * `caged doctor` on this machine, for real: as root, with the real Redis and image, it must
 * announce root mode and exit 0; its live probes really create a user namespace and mount an
 * overlay; a Redis that does not answer makes it exit 1 naming the fix; and a worker logs the
 * same report when it starts.
 */
import { spawnSync } from 'node:child_process';
import { diagnose } from '../src/doctor/doctor';
import { doctorOptionsFromEnv } from '../src/doctor/options';
import { realHostView } from '../src/doctor/real-host';
import { allowedCpus } from '../src/linux/cpu-list';
import { freePort, freshQueueName, MAIN_JS, obliterate, REDIS_URL, WorkerProcess } from './helpers/queue';

const doctor = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [MAIN_JS, 'doctor', ...args], {
    env: { ...process.env, CAGED_REDIS_URL: REDIS_URL, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('test/doctor.test.ts checks root mode: run it as root (CI does)');
});

describe('caged doctor as root on this host', () => {
  it('reports root mode, runnable, every capability there, and exits 0', () => {
    const r = doctor([]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^caged doctor: user root \(uid 0\)$/m);
    expect(r.stdout).toMatch(/^the worker can run: root mode .*, limits by cgroup v[12] /m);
    for (const title of ['user namespaces', 'overlayfs', 'cgroups', 'seccomp', 'image store', 'Redis']) {
      expect(r.stdout).toMatch(new RegExp(`^ {2}ok +${title} `, 'm'));
    }
    expect(r.stdout).not.toContain('MISSING');
  });

  it('--json gives the same report as an object', () => {
    const r = doctor(['--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { mode: string; runnable: boolean; findings: Array<{ key: string; status: string }> };
    expect(report).toMatchObject({ mode: 'root', runnable: true, user: { uid: 0, name: 'root' } });
    expect(report.findings.map((f) => f.key)).toEqual([
      'identity',
      'userns',
      'overlay',
      'cgroup',
      'cpus',
      'disk',
      'seccomp',
      'subids',
      'idmap',
      'devices',
      'jobs',
      'image',
      'redis',
    ]);
    // As root each job directory is a tmpfs of its own.
    expect(report.findings.find((f) => f.key === 'jobs')).toMatchObject({ status: 'ok' });
  });

  it('finds the blkio controller for the disk caps, and skips them when they are off', () => {
    const disk = (env: Record<string, string>) => {
      const report = JSON.parse(doctor(['--json'], env).stdout) as { findings: Array<{ key: string; status: string; detail: string }> };
      return report.findings.find((f) => f.key === 'disk')!;
    };
    expect(disk({ CAGED_DISK_MB_PER_S: '', CAGED_DISK_IOPS: '' })).toMatchObject({
      status: 'ok',
      detail: 'each box capped at 256 MiB/s and 4000 operations/s each way on every block device, through blkio (cgroup v1)',
    });
    expect(disk({ CAGED_DISK_MB_PER_S: '0', CAGED_DISK_IOPS: '0' }).status).toBe('skipped');
  });

  it('checks CPU pinning only when CAGED_CPUS asks for it, on the real cpuset', () => {
    const keyed = (env: Record<string, string>) => {
      const r = doctor(['--json'], env);
      const report = JSON.parse(r.stdout) as { runnable: boolean; findings: Array<{ key: string; status: string; detail: string }> };
      return { status: r.status, runnable: report.runnable, cpus: report.findings.find((f) => f.key === 'cpus')! };
    };
    expect(keyed({ CAGED_CPUS: '' }).cpus.status).toBe('skipped');
    const cpu = String(allowedCpus().pop());
    const pinned = keyed({ CAGED_CPUS: cpu });
    expect(pinned).toMatchObject({ status: 0, runnable: true, cpus: { status: 'ok' } });
    expect(pinned.cpus.detail).toMatch(new RegExp(`^each run pinned to CPU ${cpu} through the c`));
    const foreign = keyed({ CAGED_CPUS: '4095' });
    expect(foreign).toMatchObject({ status: 1, runnable: false, cpus: { status: 'missing' } });
    expect(foreign.cpus.detail).toContain('CPU 4095 is not one the worker may run on');
  });

  it('really probes: a user namespace and an overlay mount in a mount namespace, as root', () => {
    const host = realHostView();
    expect(host.live.userNamespace()).toMatchObject({ result: 'ok' });
    expect(host.live.overlay(false)).toMatchObject({ result: 'ok' });
    // The rootless order, also possible as root: overlay in a new user namespace (Linux >= 5.11).
    expect(host.live.overlay(true)).toMatchObject({ result: 'ok' });
  });

  it('as an ordinary user (nobody, no subordinate ids) reports the rootless refusal with its fixes, exit 1', () => {
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN_JS, 'doctor', '--json', '--no-redis'],
      {
        env: { ...process.env, HOME: '/nonexistent' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as {
      runnable: boolean;
      user: { uid: number };
      findings: Array<{ key: string; status: string; fix?: string }>;
    };
    expect(report).toMatchObject({ runnable: false, user: { uid: 65534 } });
    const subids = report.findings.find((f) => f.key === 'subids');
    expect(subids?.status).toBe('missing');
    expect(subids?.fix).toContain('usermod --add-subuids 100000-165535 --add-subgids 100000-165535');
    // This kernel lets an ordinary user create a user namespace and mount an overlay in it.
    expect(report.findings.find((f) => f.key === 'userns')?.status).toBe('ok');
    expect(report.findings.find((f) => f.key === 'overlay')?.status).toBe('ok');
  });

  it('exits 1 when Redis does not answer, naming the variable to set', async () => {
    const port = await freePort();
    const r = doctor([], { CAGED_REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^ {2}MISSING +Redis +no answer within 2000 ms at redis:\/\/127\.0\.0\.1:\d+/m);
    expect(r.stdout).toContain('fix: CAGED_REDIS_URL=');
    expect(r.stdout).toContain('the worker cannot run: Redis missing');
  });

  it('the library gives the same mode as the command', async () => {
    const report = await diagnose(
      realHostView(),
      doctorOptionsFromEnv({ ...process.env, CAGED_REDIS_URL: REDIS_URL }, { checkRedis: true }),
    );
    expect(report).toMatchObject({ mode: 'root', runnable: true });
  });
});

describe('when a worker starts', () => {
  const queue = freshQueueName();
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    await worker?.stop();
    await obliterate(queue);
  });

  it('logs the host report in one line, then starts', async () => {
    worker = new WorkerProcess('doctor-1', { CAGED_QUEUE: queue, CAGED_CONCURRENCY: '1' });
    const line = await worker.waitFor((l) => l.msg.startsWith('host: '));
    expect(line.msg).toMatch(/^host: the worker can run: root mode/);
    expect(line.doctor).toMatchObject({ mode: 'root', runnable: true, host: { userns: 'ok', seccomp: 'ok', redis: 'skipped' } });
    await worker.ready();
  });
});
