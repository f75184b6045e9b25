/**
 * Nothing outlives a run: after hundreds of containers (one at a time and four at once) no
 * process of a box uid, no mount, no cgroup, no fd, no job directory is left; and a worker
 * killed with SIGKILL mid-run leaves only state that the next start removes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Sandbox } from '../src/sandbox/sandbox';
import { testRootfs } from './helpers/image';
import { ENV, LIMITS } from './helpers/programs';

let sandbox: Sandbox;
let rootfs: string;

// A host-id range and directories of its own, so that other caged processes on this host
// (another test file, a worker) can neither hide nor fake a leak.
const ISOLATED = { hostIdBase: 30_000_000, idSlots: 64, runtimeDir: '/run/caged-teardown-test', jobsDir: '/var/lib/caged/jobs-teardown-test' };

beforeAll(async () => {
  sandbox = await Sandbox.create(ISOLATED);
  rootfs = await testRootfs();
});

function boxProcesses(): number[] {
  const base = sandbox.ids.base;
  const found: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      if (uid >= base && uid < base + sandbox.ids.count) found.push(Number(pid));
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

const hostMounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ').slice(3, 5).join(' ')).sort();
const ownFds = () => fs.readdirSync('/proc/self/fd').length;
const ownJobDirs = () => fs.readdirSync(sandbox.jobsDir).filter((n) => n.startsWith(`caged-${process.pid}-`));

describe('after 200 containers', () => {
  it('leaves no process, mount, cgroup, fd or job directory behind', async () => {
    const run = async () => {
      const job = sandbox.createJobDir();
      try {
        const r = await sandbox.run({
          rootfs: { mode: 'overlay', lowerDir: rootfs },
          box: { hostDir: job.box, mode: 'rw' },
          argv: ['/bin/sh', '-c', 'echo x > /box/f; (sleep 0.05 &) ; true'],
          env: ENV,
          limits: LIMITS,
        });
        if (r.exitCode !== 0) throw new Error(`run failed: ${JSON.stringify({ ...r, stdout: r.stdout.toString(), stderr: r.stderr.toString() })}`);
      } finally {
        job.remove();
      }
    };
    await run(); // warm up: the first launch loads everything
    const mountsBefore = hostMounts();
    const fdsBefore = ownFds();
    for (let i = 0; i < 100; i++) await run();
    for (let i = 0; i < 25; i++) await Promise.all([run(), run(), run(), run()]);
    expect(boxProcesses()).toEqual([]);
    expect(hostMounts()).toEqual(mountsBefore);
    expect(sandbox.cgroups.list().filter((n) => n.startsWith(`caged-${process.pid}-`))).toEqual([]);
    expect(ownFds()).toBe(fdsBefore);
    expect(ownJobDirs()).toEqual([]);
    expect(sandbox.ids.held()).toEqual([]);
    expect(sandbox.running).toBe(0);
  }, 300_000);
});

describe('when the worker is killed with SIGKILL mid-run', () => {
  it('the container dies with it and the next start cleans up', async () => {
    const child = spawn('node', [path.join(__dirname, 'fixtures', 'hold-job.js'), rootfs, JSON.stringify(ISOLATED)], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    expect(leftCgroups().length).toBe(1);

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // PDEATHSIG takes the container down with its worker.
    for (let i = 0; i < 100 && boxProcesses().length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(boxProcesses()).toEqual([]);
    expect(fs.existsSync(jobDir)).toBe(true); // what the dead worker left...

    const next = await Sandbox.create(ISOLATED); // ...the next start removes
    expect(fs.existsSync(jobDir)).toBe(false);
    expect(leftCgroups()).toEqual([]);
    expect(next.ids.held()).toEqual([]);
  }, 60_000);
});

afterAll(() => {
  for (const dir of [ISOLATED.runtimeDir, ISOLATED.jobsDir]) fs.rmSync(dir, { recursive: true, force: true });
});
