/**
 * A box's filesystem view neither reaches nor reveals the host, and is not shared between
 * boxes: /dev is a tmpfs of the box's own (no host disk behind it, no inode another box can
 * lock), /proc masks or replaces the host-wide files, and mountinfo names no host path, pid or
 * image digest, in both rootfs modes and with a read-only bind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JobDirs } from '../src/rootfs/job-dirs';
import { jobDirBytes, prepareJobRootfs, type RootfsMode } from '../src/rootfs/job-rootfs';
import { ImageStore, type RegisteredImage } from '../src/rootfs/store';
import { PROC_MASKED_DIRS, PROC_MASKED_FILES } from '../src/sandbox/proc-view';
import { Sandbox } from '../src/sandbox/sandbox';
import type { RunPlan, RunResult } from '../src/sandbox/types';
import { TEST_MANIFEST, wholeImage } from './helpers/image';
import { ENV, LIMITS } from './helpers/programs';

const TMPFS_MAGIC = 0x01021994;
let sandbox: Sandbox;
let registered: RegisteredImage;
let image: ReturnType<typeof wholeImage>;

beforeAll(async () => {
  if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\``);
  sandbox = await Sandbox.create();
  registered = await new ImageStore().registerImage(TEST_MANIFEST);
  image = wholeImage(registered);
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
});

/** Runs `script` in a fresh job of the given mode; `extra` adds to the plan (binds). */
async function inJob(
  mode: RootfsMode,
  script: string,
  extra: (jobPath: string) => Partial<RunPlan> = () => ({}),
): Promise<RunResult & { jobPath: string }> {
  const job = JobDirs.of(sandbox).create({ diskBytes: jobDirBytes(mode, image.sizeBytes, 64 * 2 ** 20) });
  try {
    const rootfs = await prepareJobRootfs(mode, image.chain, job.path);
    const r = await sandbox.run({
      rootfs,
      box: { hostDir: job.box, mode: mode === 'overlay' ? 'overlay' : 'rw' },
      argv: ['/bin/sh', '-c', script],
      env: ENV,
      limits: { ...LIMITS, wallTimeMs: 20_000 },
      ...extra(job.path),
    });
    return { ...r, jobPath: job.path };
  } finally {
    job.remove();
  }
}

const box = (script: string) => inJob('overlay', script);

describe("a box's standard streams", () => {
  it('can be reopened by their names (/dev/stdout, /dev/stderr, /proc/self/fd/N), as shells and runtimes do', async () => {
    const r = await box(
      'echo out > /dev/stdout; echo err > /dev/stderr; echo fd1 > /proc/self/fd/1; exec 3> /dev/stdout; echo three >&3; cat /dev/stdin',
    );
    expect([r.exitCode, r.stdout.toString(), r.stderr.toString()]).toEqual([0, 'out\nfd1\nthree\n', 'err\n']);
  }, 60_000);
});

describe("a box's /dev", () => {
  it("does not report the host's disk to statvfs", async () => {
    const host = fs.statfsSync('/');
    const r = await box('stat -f -c "%t %b %f" /dev');
    const [type, blocks, free] = r.stdout.toString().trim().split(' ');
    expect(parseInt(type!, 16)).toBe(TMPFS_MAGIC);
    expect(Number(blocks)).not.toBe(host.blocks);
    expect(Number(free)).not.toBe(host.bfree);
    expect(Number(blocks)).toBeLessThan(64); // a few pages, whatever the host's disk
  }, 60_000);

  it('is not shared: two boxes at once cannot pass a bit through locks on its files', async () => {
    // The holder locks /dev/null, /dev/zero and /dev/urandom (flock and fcntl), and an image
    // file (flock; each run sees the image through its own overlay) for 3 s; the
    // prober, started at the same time, tries the same locks 1 s in. A shared inode would
    // show the holder's locks as a conflict: that is a bit passed between two boxes.
    const holder = `python3 -c '
import fcntl, os, time
fds = []
for n in ("null", "zero", "urandom"):
    a = os.open("/dev/" + n, os.O_RDWR); fcntl.flock(a, fcntl.LOCK_EX); fds.append(a)
    b = os.open("/dev/" + n, os.O_RDWR); fcntl.lockf(b, fcntl.LOCK_EX); fds.append(b)
c = os.open("/etc/passwd", os.O_RDONLY); fcntl.flock(c, fcntl.LOCK_EX); fds.append(c)
print("locked", time.time(), flush=True)
time.sleep(3)
print("unlocked", time.time())
'; stat -L -c "%d:%i" /dev/null`;
    const prober = `python3 -c '
import fcntl, os, time
time.sleep(1)
t = time.time()
seen = []
for n in ("null", "zero", "urandom"):
    for how in ("flock", "lockf"):
        fd = os.open("/dev/" + n, os.O_RDWR)
        try:
            (fcntl.flock if how == "flock" else fcntl.lockf)(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            seen.append("free")
        except OSError:
            seen.append("busy:" + n + ":" + how)
        os.close(fd)
fd = os.open("/etc/passwd", os.O_RDONLY)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    seen.append("free")
except OSError:
    seen.append("busy:image:flock")
print("probed", t, " ".join(seen))
'; stat -L -c "%d:%i" /dev/null`;
    const [h, p] = await Promise.all([box(holder), box(prober)]);
    const hl = h.stdout.toString().trim().split('\n');
    const pl = p.stdout.toString().trim().split('\n');
    const lockedAt = Number(hl[0]!.split(' ')[1]);
    const unlockedAt = Number(hl[1]!.split(' ')[1]);
    const [, probedAt, ...seen] = pl[0]!.split(' ');
    // The probe happened while the holder held its locks (else the test proves nothing).
    expect(Number(probedAt)).toBeGreaterThan(lockedAt);
    expect(Number(probedAt)).toBeLessThan(unlockedAt);
    expect(seen).toEqual(['free', 'free', 'free', 'free', 'free', 'free', 'free']);
    // And /dev/null is not the same file in the two boxes.
    expect(hl[2]).toMatch(/^\d+:\d+$/);
    expect(pl[1]).not.toBe(hl[2]);
  }, 60_000);

  it('still has working devices and the fd links, read-only', async () => {
    const r = await box(
      'echo x > /dev/null && echo null-ok; head -c 3 /dev/zero | od -An -tx1; head -c 16 /dev/urandom | wc -c; ' +
        'echo y > /dev/full 2>/dev/null || echo full-ok; readlink /dev/fd /dev/stdin; touch /dev/x 2>/dev/null || echo ro-ok; ' +
        'echo shm > /dev/shm/f && cat /dev/shm/f; stat -c "%a %t:%T" /dev/null /dev/urandom',
    );
    expect(r.stdout.toString()).toBe('null-ok\n 00 00 00\n16\nfull-ok\n/proc/self/fd\n/proc/self/fd/0\nro-ok\nshm\n666 1:3\n666 1:9\n');
  }, 60_000);
});

describe("a box's /proc", () => {
  it('shows none of the masked host files', async () => {
    const files = PROC_MASKED_FILES.map(([n]) => n);
    const dirs = PROC_MASKED_DIRS.map(([n]) => n);
    const script =
      `for f in ${files.join(' ')}; do test -e /proc/$f && echo "$f $(cat /proc/$f 2>/dev/null | wc -c)"; done; ` +
      `for d in ${dirs.join(' ')}; do test -d /proc/$d && echo "$d/ $(ls -A /proc/$d | wc -l)"; done; echo end`;
    const r = await box(script);
    const lines = r.stdout.toString().trim().split('\n');
    expect(lines.pop()).toBe('end');
    // Some exist on every kernel, and the host shows them non-empty.
    for (const must of ['cmdline', 'interrupts', 'diskstats', 'vmstat', 'locks', 'sys/fs/file-nr', 'sys/fs/inode-nr']) {
      expect(fs.readFileSync(`/proc/${must}`).length).toBeGreaterThan(0);
      expect(lines).toContain(`${must} 0`);
    }
    expect(lines).toContain('bus/ 0');
    for (const l of lines) expect(l).toMatch(/ 0$/);
  }, 60_000);

  it('gives box-relative meminfo, stat, loadavg, uptime and its own boot id', async () => {
    const script =
      'grep -E "^(MemTotal|MemFree|MemAvailable|SwapTotal):" /proc/meminfo; grep -c "^cpu[0-9]" /proc/stat; ' +
      'cat /proc/loadavg /proc/uptime /proc/sys/kernel/random/boot_id; nproc; python3 -c "import os; print(os.cpu_count())"';
    const [a, b] = await Promise.all([box(script), box(script)]);
    const out = a.stdout.toString().trim().split('\n');
    const kb = LIMITS.memoryBytes / 1024;
    expect(out.slice(0, 4)).toEqual([
      `MemTotal:       ${String(kb).padStart(8)} kB`,
      `MemFree:        ${String(kb).padStart(8)} kB`,
      `MemAvailable:   ${String(kb).padStart(8)} kB`,
      `SwapTotal:      ${String(0).padStart(8)} kB`,
    ]);
    const cpus = os.availableParallelism();
    expect(Number(out[4])).toBe(cpus);
    expect(out[5]).toBe('0.00 0.00 0.00 1/1 1');
    expect(out[6]).toBe('0.00 0.00');
    const bootId = out[7]!;
    expect(bootId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(bootId).not.toBe(fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    expect(b.stdout.toString().trim().split('\n')[7]).not.toBe(bootId);
    // Runtimes still size themselves: nproc (affinity) and glibc's sysconf (via /proc/stat).
    expect(Number(out[8])).toBeGreaterThanOrEqual(1);
    expect(Number(out[9])).toBe(cpus);
  }, 60_000);
});

describe("a box's mountinfo", () => {
  const forbidden = (jobPath: string): Array<string | RegExp> => {
    return [
      ...registered.layers.flatMap((l) => [l.digest, l.digest.slice(0, 12), l.rootfsDir]),
      '/var/lib/caged',
      '/run/caged',
      `caged-${process.pid}`,
      jobPath,
      // The worker's pid as a path component or a name part.
      new RegExp(`(^|[\\s/,=:-])${process.pid}($|[\\s/,=:-])`, 'm'),
    ];
  };
  const expectClean = (r: RunResult & { jobPath: string }) => {
    const text = r.stdout.toString();
    expect(text).toMatch(/ \/proc /); // the files were read
    for (const bad of forbidden(r.jobPath)) {
      if (typeof bad === 'string') expect(text).not.toContain(bad);
      else expect(text).not.toMatch(bad);
    }
  };
  const script = 'cat /proc/self/mountinfo /proc/mounts /proc/1/mountinfo';

  it.each(['overlay', 'extract'] as const)(
    'names no host path, pid or digest with rootfs mode %s',
    async (mode) => {
      for (const l of registered.layers) expect(l.rootfsDir).toContain(l.digest);
      expectClean(await inJob(mode, script));
    },
    120_000,
  );

  it("names none with a read-only bind from the job (the custom checker's)", async () => {
    const r = await inJob('overlay', `${script}; cat /checker/x`, (jobPath) => {
      const io = path.join(jobPath, 'io-1-0a1b2c3d'); // as custom-checker.ts names it
      fs.mkdirSync(io);
      fs.writeFileSync(path.join(io, 'x'), 'bound\n');
      return { binds: [{ hostPath: io, target: '/checker', kind: 'dir' }] };
    });
    expect(r.stdout.toString()).toMatch(/bound\n$/);
    expectClean(r);
  }, 60_000);
});
