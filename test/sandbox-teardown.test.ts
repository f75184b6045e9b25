/**
 * Nothing outlives a run: after hundreds of containers (one at a time and four at once) no
 * process of a box uid, no mount, no cgroup, no fd, no job directory is left; and a worker
 * killed with SIGKILL mid-run leaves only state that the next start removes.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { delegatedCgroupManager, detectCgroupManager } from '../src/cgroup/detect';
import type { CgroupManager } from '../src/cgroup/manager';
import { AbortedError, HostError } from '../src/errors';
import { Sandbox } from '../src/sandbox/sandbox';
import { testRootfs } from './helpers/image';
import { ENV, LIMITS } from './helpers/programs';
import { JobDirs } from '../src/rootfs/job-dirs';
import { ROOTLESS, ownDir } from './helpers/mode';

let sandbox: Sandbox;
let rootfs: string[];

// A host-id range and directories of its own, so that other caged processes on this host
// (another test file, a worker) can neither hide nor fake a leak.
const ISOLATED = {
  hostIdBase: 30_000_000,
  hostIds: 64,
  runtimeDir: ownDir('/run/caged-teardown-test'),
  jobsDir: ownDir('/var/lib/caged/jobs-teardown-test'),
};

beforeAll(async () => {
  sandbox = await Sandbox.create(ISOLATED);
  rootfs = await testRootfs();
});

function boxProcesses(): number[] {
  const found: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      if (sandbox.ids.includes(uid)) found.push(Number(pid));
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

/** Container inits (caged-init) whose parent is `ppid`: running containers and prepared ones. */
function initsOf(ppid: number): number[] {
  const found: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'caged-init' && parent === ppid) found.push(Number(pid));
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

/** The host's mounts, less the job directories of other processes (workers or tests running
 * beside this one on the host mount theirs under the shared jobs directory meanwhile). */
const hostMounts = () =>
  fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ').slice(3, 5).join(' '))
    .filter((m) => {
      const owner = /\/caged-(\d+)-\d+$/.exec(m)?.[1];
      return owner === undefined || Number(owner) === process.pid;
    })
    .sort();
/**
 * Open fds, less the lease lock files (host ids, rootless device slots), which the leases keep
 * open from their first use to the sandbox's close (host-ids.ts); that no lease is left held is
 * checked by `ids.held()`.
 */
const ownFds = () =>
  fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return !/\/(slots|device-slots)\/\d+$/.test(fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      return false; // the fd of the directory listing itself, closed by now
    }
  }).length;
const ownJobDirs = () => fs.readdirSync(sandbox.jobsDir).filter((n) => n.startsWith(`caged-${process.pid}-`));

describe('after 200 containers', () => {
  it('leaves no process, mount, cgroup, fd or job directory behind', async () => {
    const run = async (sb: Sandbox) => {
      const job = JobDirs.of(sb).create();
      try {
        const r = await sb.run({
          rootfs: { mode: 'overlay', lowerDirs: rootfs },
          box: { hostDir: job.box, mode: 'rw' },
          argv: ['/bin/sh', '-c', 'echo x > /box/f; (sleep 0.05 &) ; true'],
          env: ENV,
          limits: LIMITS,
        });
        if (r.exitCode !== 0)
          throw new Error(`run failed: ${JSON.stringify({ ...r, stdout: r.stdout.toString(), stderr: r.stderr.toString() })}`);
      } finally {
        job.remove();
      }
    };
    // Warm up (the first launch loads everything) on a sandbox of its own, then count.
    const warm = await Sandbox.create(ISOLATED);
    await run(warm);
    await warm.close();
    const mountsBefore = hostMounts();
    const fdsBefore = ownFds();
    const mine = () => sandbox.cgroups.list().filter((n) => n.startsWith(`caged-${process.pid}-`));
    expect(mine()).toEqual([]);

    const sb = await Sandbox.create(ISOLATED);
    try {
      for (let i = 0; i < 100; i++) await run(sb);
      for (let i = 0; i < 25; i++) await Promise.all([run(sb), run(sb), run(sb), run(sb)]);
      await sb.whenPrepared();
      // What is left between runs is the containers prepared for the next ones (idle inits in
      // their own cgroups, one control socket each) and emptied cgroups kept for later runs
      // (their counters reset), and nothing of a run: no box process, no host mount, no job
      // directory, no id slot.
      expect(boxProcesses()).toEqual([]);
      expect(hostMounts()).toEqual(mountsBefore);
      expect(ownJobDirs()).toEqual([]);
      expect(sb.ids.held()).toEqual([]);
      expect(mine().length).toBe(2 + (sb.cgroups.pooled ?? 0));
      expect(sb.running).toBe(0);
      expect(sb.prepared).toBe(2);
      expect(sb.unreaped).toBe(2);
      // One control socket per prepared container; rootless, also the worker's user namespace
      // (src/sandbox/rootless.ts).
      expect(ownFds()).toBe(fdsBefore + 2 + (ROOTLESS ? 1 : 0));
    } finally {
      await sb.close();
    }
    expect(mine()).toEqual([]);
    expect(ownFds()).toBe(fdsBefore);
    expect(sb.prepared).toBe(0);
    expect(sb.unreaped).toBe(0);
  }, 300_000);

  it('replaces a prepared container that died before its run', async () => {
    const sb = await Sandbox.create({ ...ISOLATED, preparedContainers: 1 });
    const plan = { rootfs: { mode: 'overlay' as const, lowerDirs: rootfs }, argv: ['/bin/true'], env: ENV, limits: LIMITS };
    try {
      expect((await sb.run(plan)).exitCode).toBe(0);
      // Wait for the prepared container, then kill it behind the sandbox's back.
      await sb.whenPrepared();
      const prepared = initsOf(process.pid);
      expect(prepared.length).toBe(1);
      process.kill(prepared[0]!, 'SIGKILL');
      for (let i = 0; i < 100 && sb.unreaped > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(sb.unreaped).toBe(0);
      expect(sb.prepared).toBe(1); // dead, noticed at the next run
      const r = await sb.run(plan);
      expect(r.exitCode).toBe(0);
    } finally {
      await sb.close();
    }
  }, 60_000);
});

describe("when a run's caller aborts it (RunPlan.signal)", () => {
  const plan = (argv: string[], signal: AbortSignal) => ({
    rootfs: { mode: 'overlay' as const, lowerDirs: rootfs },
    argv,
    env: ENV,
    limits: { ...LIMITS, cpuTimeMs: 20_000, wallTimeMs: 30_000 },
    signal,
  });

  it('kills the container at once, rejects with AbortedError whatever the program did, and leaves nothing behind', async () => {
    const sb = await Sandbox.create({ ...ISOLATED, preparedContainers: 1 });
    try {
      // A program that would sleep 30 s, and one that spins (its tree, forked, dies too).
      for (const argv of [
        ['/bin/sleep', '30'],
        ['/bin/sh', '-c', 'sh -c "while :; do :; done" & while :; do :; done'],
      ]) {
        const abort = new AbortController();
        const started = Date.now();
        const run = sb.run(plan(argv, abort.signal));
        setTimeout(() => abort.abort('the worker hands its job back'), 500);
        const err: unknown = await run.then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(AbortedError);
        expect((err as Error).message).toBe('the run was aborted (the worker hands its job back)');
        expect((err as AbortedError).retryable).toBe(true);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(boxProcesses()).toEqual([]);
        expect(sb.ids.held()).toEqual([]);
        expect(sb.running).toBe(0);
      }
      // Aborted before its launch: refused, and the sandbox goes on serving.
      const gone = new AbortController();
      gone.abort('interrupted');
      await expect(sb.run(plan(['/bin/true'], gone.signal))).rejects.toThrow(/^the run was aborted \(interrupted\)$/);
      const ok = await sb.run(plan(['/bin/true'], new AbortController().signal));
      expect(ok.exitCode).toBe(0);
      await sb.whenPrepared();
      expect(sb.prepared).toBe(1);
    } finally {
      await sb.close();
    }
  }, 60_000);

  it("is the run's own when the signal aborts only after the run ended: a later abort changes nothing", async () => {
    const sb = await Sandbox.create({ ...ISOLATED, preparedContainers: 0 });
    try {
      const abort = new AbortController();
      const r = await sb.run(plan(['/bin/sh', '-c', 'echo done'], abort.signal));
      abort.abort('too late');
      expect({ exitCode: r.exitCode, stdout: r.stdout.toString() }).toEqual({ exitCode: 0, stdout: 'done\n' });
    } finally {
      await sb.close();
    }
  }, 60_000);
});

describe('when a container cannot be prepared ahead of its run', () => {
  it('says so in the background, and the next run gets the same failure itself', async () => {
    const real = ROOTLESS ? delegatedCgroupManager() : detectCgroupManager();
    let failing = false;
    const flaky: CgroupManager = {
      kind: real.kind,
      pinning: real.pinning,
      describe: () => real.describe(),
      create: (name, limits) => {
        if (failing) throw new HostError('injected: cgroup creation failed');
        return real.create(name, limits);
      },
      cleanupStale: (isAlive) => real.cleanupStale(isAlive),
      list: () => real.list(),
      get pooled() {
        return real.pooled;
      },
      drain: () => real.drain?.(),
    };
    const reported: string[] = [];
    const sb = await Sandbox.create({
      ...ISOLATED,
      cgroups: flaky,
      preparedContainers: 1,
      onBackgroundError: (err) => reported.push(err.message),
    });
    const plan = { rootfs: { mode: 'overlay' as const, lowerDirs: rootfs }, argv: ['/bin/true'], env: ENV, limits: LIMITS };
    try {
      expect((await sb.run(plan)).exitCode).toBe(0);
      await sb.whenPrepared();
      failing = true;
      expect((await sb.run(plan)).exitCode).toBe(0); // the prepared container made before
      await sb.whenPrepared();
      expect(reported).toEqual(['injected: cgroup creation failed']);
      await expect(sb.run(plan)).rejects.toThrow(/injected: cgroup creation failed/);
      failing = false;
      expect((await sb.run(plan)).exitCode).toBe(0);
    } finally {
      await sb.close();
    }
    expect(sb.unreaped).toBe(0);
    expect(real.list().filter((n) => n.startsWith(`caged-${process.pid}-`))).toEqual([]);
  }, 60_000);
});

describe('when the worker is killed with SIGKILL mid-run', () => {
  it('the container dies with it and the next start cleans up', async () => {
    const child = spawn('node', [path.join(__dirname, 'fixtures', 'hold-job.js'), JSON.stringify(rootfs), JSON.stringify(ISOLATED)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const jobDir = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const m = /^job (\S+)/.exec(d.toString());
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
    });
    // Wait for the program to be running inside its box.
    const started = path.join(jobDir, 'box', 'started');
    for (let i = 0; i < 200 && !fs.existsSync(started); i++) await new Promise((r) => setTimeout(r, 25));
    expect(fs.existsSync(started)).toBe(true);
    const leftCgroups = () => sandbox.cgroups.list().filter((n) => n.startsWith(`caged-${child.pid}-`));
    expect(leftCgroups().length).toBeGreaterThanOrEqual(1); // the run's, and the prepared containers'
    // The running container and the prepared ones: all must die with their worker.
    const inits = initsOf(child.pid!);
    expect(inits.length).toBeGreaterThanOrEqual(1);
    const alive = () =>
      inits.filter((p) => {
        try {
          return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
        } catch {
          return false; // gone
        }
      });

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // PDEATHSIG takes the container down with its worker.
    for (let i = 0; i < 100 && (boxProcesses().length || alive().length); i++) await new Promise((r) => setTimeout(r, 20));
    expect(boxProcesses()).toEqual([]);
    expect(alive()).toEqual([]);
    expect(fs.existsSync(jobDir)).toBe(true); // what the dead worker left...

    const next = await Sandbox.create(ISOLATED); // ...the next start removes (its cgroups)
    expect(JobDirs.of(next).cleanupStale()).toEqual([path.basename(jobDir)]); // (its job directory)
    expect(fs.existsSync(jobDir)).toBe(false);
    expect(leftCgroups()).toEqual([]);
    expect(next.ids.held()).toEqual([]);
    await next.close();
  }, 60_000);
});

afterAll(async () => {
  await sandbox.close();
  // The jobs directory is a (shared) mount of its own while prepared containers exist.
  spawnSync('umount', ['-l', ISOLATED.jobsDir]);
  for (const dir of [ISOLATED.runtimeDir, ISOLATED.jobsDir]) fs.rmSync(dir, { recursive: true, force: true });
});
