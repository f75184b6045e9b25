/**
 * One box must not exhaust host-wide kernel budgets, reach the host's disk through sync, drop
 * the host's page cache or hear the host's uevents. Real containers running
 * test/programs/budgets.c (built by the image's gcc); the "host root" side is the same source
 * built by the host's gcc and run by this test process (root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Sandbox } from '../src/sandbox/sandbox';
import { testRootfs } from './helpers/image';
import { compilePrograms, type Programs } from './helpers/programs';
import type { RunResult } from '../src/sandbox/types';

let sandbox: Sandbox;
let programs: Programs;
let rootfs: string[];
let hostTool: string;
let hostDir: string;

beforeAll(async () => {
  sandbox = await Sandbox.create();
  rootfs = await testRootfs();
  programs = await compilePrograms(sandbox, rootfs);
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-budgets-'));
  hostTool = path.join(hostDir, 'budgets');
  execFileSync('gcc', ['-O1', '-o', hostTool, path.join(__dirname, 'programs', 'budgets.c')]);
}, 180_000);

afterAll(async () => {
  programs?.job.remove();
  if (hostDir) fs.rmSync(hostDir, { recursive: true, force: true });
  await sandbox?.close();
});

/** Runs the host build of budgets.c as root, outside any box: "" if it worked, else its error. */
function onHost(...args: string[]): string {
  const r = spawnSync(hostTool, args, { encoding: 'utf8' });
  return r.status === 0 ? '' : `${r.stdout}${r.stderr}`.trim() || `exit ${r.status}`;
}

/** RLIMIT_SIGPENDING of a box (rlimitsFor). */
const SIGPENDING_PER_BOX = 256;

const text = (r: RunResult): string => r.stdout.toString().trim();

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Signals queued and charged to host root's count (this process runs as root): SigQ's first half. */
function rootSigQueued(): number {
  const m = /^SigQ:\s*(\d+)\//m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error('no SigQ line in /proc/self/status');
  return Number(m[1]);
}

/** One unit of `budget` taken by a fresh box: "" if it worked, else the error it printed. */
async function inBox(budget: string): Promise<string> {
  const r = await programs.run(['./budgets', budget]);
  return r.exitCode === 0 ? '' : text(r) || `exit ${r.exitCode}`;
}

/**
 * A box takes all of `budget` it can and holds it; meanwhile host root and a second box each
 * take one unit. Returns what the hog printed, what the two others got ("" = success), and what
 * a box gets with no hog running (`alone`: the policy's own answer, which the second box must
 * get too, whatever the hog did).
 */
async function exhaust(
  budget: 'aio' | 'inotify' | 'sig',
): Promise<{ hog: string; host: string; second: string; alone: string; rootSigQ: number }> {
  const alone = await inBox(budget);
  const sigQBefore = rootSigQueued();
  let rootSigQ = 0;
  const tag = `${budget}-${process.pid}-${Date.now()}`;
  // The hog's ready and stop files are in a directory of the job bound writable at /ctl (its
  // cwd), made writable by all before the run so that the worker (root, or the rootless user)
  // may add the stop file to it once it belongs to the box.
  const ctl = path.join(programs.job.path, `ctl-${tag}`);
  fs.mkdirSync(ctl);
  fs.chmodSync(ctl, 0o777);
  const ready = path.join(ctl, `ready-${tag}`);
  const stop = path.join(ctl, `stop-${tag}`);
  const hogRun = programs.run(
    ['/box/budgets', `${budget}-hog`, tag],
    { openFiles: 4096, wallTimeMs: 20_000, cpuTimeMs: 10_000 },
    { cwd: '/ctl', binds: [{ hostPath: ctl, target: '/ctl', kind: 'dir', writable: true }] },
  );
  let host = '';
  let second = '';
  try {
    await until(() => fs.existsSync(ready), 15_000, `the ${budget} hog to be ready`);
    rootSigQ = rootSigQueued() - sigQBefore;
    host = onHost(budget);
    second = await inBox(budget);
  } finally {
    fs.writeFileSync(stop, '');
    await hogRun.catch(() => undefined);
  }
  const hog = await hogRun;
  return { hog: hog.exitCode === 0 ? text(hog) : `exit ${hog.exitCode} ${hog.stderr.toString()}`, host, second, alone, rootSigQ };
}

describe('when a box creates AIO contexts until the kernel refuses', () => {
  it('is refused at once (ENOSYS); the host can still io_setup, a second box gets what it gets alone', async () => {
    const { hog, host, second, alone } = await exhaust('aio');
    expect({ host, second }).toEqual({ host: '', second: alone });
    expect(hog).toBe(`0 ${os.constants.errno.ENOSYS}`);
  }, 60_000);
});

describe('when a box opens inotify instances until the kernel refuses', () => {
  it('is refused at once (EMFILE); host root can still inotify_init1, a second box gets what it gets alone', async () => {
    const { hog, host, second, alone } = await exhaust('inotify');
    expect({ host, second }).toEqual({ host: '', second: alone });
    expect(hog).toBe(`0 ${os.constants.errno.EMFILE}`);
  }, 60_000);
});

describe('when a box queues real-time signals to itself until the kernel refuses', () => {
  it('stops at its own RLIMIT_SIGPENDING, and host root and a second box can still queue one', async () => {
    const { hog, host, second, alone, rootSigQ } = await exhaust('sig');
    expect({ host, second, alone }).toEqual({ host: '', second: '', alone: '' });
    // What the box holds is charged to root's own count too, and is bounded by the box's rlimit.
    expect(rootSigQ).toBeLessThanOrEqual(SIGPENDING_PER_BOX + 16);
    const [count, err] = hog.split(' ').map(Number);
    expect(err).toBe(os.constants.errno.EAGAIN);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(SIGPENDING_PER_BOX);
  }, 60_000);
});

/** Flush requests completed, summed over the host's block devices (/proc/diskstats: the 16th field after the name). */
function hostFlushes(): number {
  let sum = 0;
  for (const line of fs.readFileSync('/proc/diskstats', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 20) sum += Number(f[18]);
  }
  return sum;
}

/** Host flushes during `work`, and during a quiet interval of the same length just before. */
async function flushesDuring(work: () => Promise<void>): Promise<{ quiet: number; busy: number; ms: number }> {
  const t0 = Date.now();
  await work();
  const ms = Date.now() - t0;
  const q0 = hostFlushes();
  await new Promise((r) => setTimeout(r, ms));
  const quiet = hostFlushes() - q0;
  const b0 = hostFlushes();
  await work();
  return { quiet, busy: hostFlushes() - b0, ms };
}

describe('when a box calls sync() and syncfs() in a loop', () => {
  it('succeeds and causes no flushes of the host disk beyond the noise of a quiet interval', async () => {
    let out = '';
    const { quiet, busy } = await flushesDuring(async () => {
      const r = await programs.run(['./budgets', 'sync', '1000']);
      expect(r.exitCode).toBe(0);
      out = text(r);
    });
    const [loops, fails] = out.split(' ').map(Number);
    expect(loops).toBeGreaterThan(100);
    expect(fails).toBe(0);
    // Before the no-op rules the same loop made thousands of flushes per second here.
    expect(busy).toBeLessThanOrEqual(2 * quiet + 20);
  }, 60_000);
});

describe('when a box calls fsync() on files of the image and on /dev', () => {
  it('succeeds and causes no flushes of the host disk beyond the noise of a quiet interval', async () => {
    let out = '';
    const { quiet, busy } = await flushesDuring(async () => {
      const r = await programs.run(['./budgets', 'fsync', '1000', '/etc/passwd', '/dev', '/', '/box']);
      expect(r.exitCode).toBe(0);
      out = text(r);
    });
    const [loops, fails] = out.split(' ').map(Number);
    expect(loops).toBeGreaterThan(100);
    expect(fails).toBe(0);
    expect(busy).toBeLessThanOrEqual(2 * quiet + 20);
  }, 60_000);
});

describe('when a box advises the kernel to drop an image file from the page cache', () => {
  it('gets success, and the host page cache keeps the file', async () => {
    const rels = ['usr/lib/x86_64-linux-gnu/libdb-5.3.so', 'usr/lib/aarch64-linux-gnu/libdb-5.3.so'];
    const found = rootfs
      .flatMap((dir) => rels.map((rel) => ({ rel, hostPath: path.join(dir, rel) })))
      .find((p) => fs.existsSync(p.hostPath));
    if (!found) throw new Error(`no libdb-5.3.so in the test image's layers ${rootfs.join(', ')}`);
    const { rel, hostPath } = found;
    const resident = (): number => {
      const [inCache = NaN, pages = NaN] = execFileSync(hostTool, ['resident', hostPath], { encoding: 'utf8' })
        .trim()
        .split(' ')
        .map(Number);
      return inCache / pages;
    };
    // Into the page cache. The host may itself page out a few pages of a file just read (a CI
    // run once found 98.7 % resident right after the read): read again until it is all there.
    for (let i = 0; i < 10 && !(resident() > 0.99); i++) fs.readFileSync(hostPath);
    expect(resident()).toBeGreaterThan(0.99);
    const r = await programs.run(['./budgets', 'drop', `/${rel}`]);
    expect(text(r)).toBe('cold=0 pageout=0 dontneed=0 anon=0');
    // A box that could drop it would leave next to nothing; the host's own reclaim, a few pages.
    expect(resident()).toBeGreaterThan(0.95);
  }, 60_000);
});

describe('when a box opens netlink sockets', () => {
  it("is refused the uevent socket (the host's device events) and keeps the route socket", async () => {
    const r = await programs.run(['./budgets', 'uevent']);
    expect(text(r)).toBe('uevent=EPROTONOSUPPORT route=ok');
  }, 30_000);
});
