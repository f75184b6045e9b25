/**
 * Each job's root filesystem is its own: what one box writes in the image's writable places
 * (/var/tmp on the root layer), /tmp or /box is invisible to a concurrent box and to the next
 * one, in both rootfs modes; a box writing past its disk quota gets ENOSPC, and the worker
 * goes on; /dev/shm has the same quota, and what it holds counts to the box's memory limit.
 */
import fs from 'node:fs';
import { chooseRootfsMode, jobDirBytes, overlaySupported, prepareJobRootfs, type RootfsMode } from '../src/rootfs/job-rootfs';
import { Judge } from '../src/judge/judge';
import { ImageStore, type RegisteredImage } from '../src/rootfs/store';
import { Sandbox } from '../src/sandbox/sandbox';
import type { RunResult } from '../src/sandbox/types';
import { TEST_MANIFEST, wholeImage } from './helpers/image';
import { ENV, LIMITS } from './helpers/programs';
import { JobDirs } from '../src/rootfs/job-dirs';

let sandbox: Sandbox;
let image: ReturnType<typeof wholeImage>;
let registered: RegisteredImage;

beforeAll(async () => {
  if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\``);
  sandbox = await Sandbox.create();
  registered = await new ImageStore().registerImage(TEST_MANIFEST);
  image = wholeImage(registered);
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
});

async function inJob(mode: RootfsMode, script: string, diskBytes = LIMITS.diskBytes, memoryBytes = LIMITS.memoryBytes): Promise<RunResult> {
  const job = JobDirs.of(sandbox).create({ diskBytes: jobDirBytes(mode, image.sizeBytes, 64 * 2 ** 20) });
  try {
    const rootfs = await prepareJobRootfs(mode, image.chain, job.path);
    return await sandbox.run({
      rootfs,
      box: { hostDir: job.box, mode: 'rw' },
      argv: ['/bin/sh', '-c', script],
      env: ENV,
      limits: { ...LIMITS, diskBytes, memoryBytes },
    });
  } finally {
    job.remove();
  }
}

describe.each(['overlay', 'extract'] as const)('with rootfs mode %s', (mode) => {
  // Extract mode copies the whole test image (every layer: several GiB) into each job's directory.
  const timeout = mode === 'extract' ? 180_000 : 60_000;

  it(
    "keeps each job's writes to itself",
    async () => {
      // /var/tmp is on the root layer: writable in overlay mode (the run's own upper layer),
      // read-only in extract mode (the extracted root is shared by the job's steps).
      const write =
        'echo secret > /var/tmp/mark 2>/dev/null && echo root-writable; echo secret > /tmp/mark && echo secret > /box/mark && sleep 0.3 && cat /tmp/mark /box/mark';
      const look = 'sleep 0.1; for f in /var/tmp/mark /tmp/mark /box/mark; do test -e $f && echo "seen $f"; done; echo done';
      const [writer, peer] = await Promise.all([inJob(mode, write), inJob(mode, look)]);
      expect(writer.stdout.toString()).toBe(`${mode === 'overlay' ? 'root-writable\n' : ''}secret\nsecret\n`);
      expect(peer.stdout.toString()).toBe('done\n');
      const next = await inJob(mode, look);
      expect(next.stdout.toString()).toBe('done\n');
    },
    timeout,
  );

  it(
    'gives ENOSPC past the disk quota, not a broken worker',
    async () => {
      const r = await inJob(mode, 'dd if=/dev/zero of=/tmp/big bs=1M count=64 2>&1; echo rc=$?', 8 * 2 ** 20);
      expect(r.stdout.toString()).toMatch(/No space left on device/);
      expect(r.stdout.toString()).toMatch(/rc=1/);
      const after = await inJob(mode, 'echo ok');
      expect(after.stdout.toString()).toBe('ok\n');
    },
    timeout,
  );

  it(
    'caps /dev/shm at the disk quota too, and bills what it holds to the memory limit',
    async () => {
      const full = await inJob(mode, 'dd if=/dev/zero of=/dev/shm/big bs=1M count=64 2>&1; echo rc=$?', 8 * 2 ** 20);
      expect(full.stdout.toString()).toMatch(/No space left on device/);
      expect(full.stdout.toString()).toMatch(/rc=1/);
      // Within the quota but past the memory limit (in files each under the file size limit): the
      // box's memory, not the host's.
      const memoryBytes = 32 * 2 ** 20;
      const fill = 'for i in 1 2 3 4 5 6 7 8; do dd if=/dev/zero of=/dev/shm/f$i bs=1M count=12 2>&1 || break; done; echo rc=$?';
      const big = await inJob(mode, fill, 128 * 2 ** 20, memoryBytes);
      expect(big.limitHit).toBe('memory');
      expect(big.memoryBytes).toBeLessThanOrEqual(memoryBytes);
    },
    timeout,
  );
});

describe('on a host without overlayfs', () => {
  it("runs on the extracted root, and a run's writes to /box vanish with it", async () => {
    const plain = await Sandbox.create({ overlay: false });
    const job = JobDirs.of(plain).create({ diskBytes: jobDirBytes('extract', image.sizeBytes, 64 * 2 ** 20) });
    try {
      const rootfs = await prepareJobRootfs('extract', image.chain, job.path);
      await expect(
        plain.run({ rootfs: { mode: 'overlay', lowerDirs: [registered.layers[0]!.rootfsDir] }, argv: ['true'], env: ENV, limits: LIMITS }),
      ).rejects.toThrow(/no overlayfs/);
      const built = await plain.run({
        rootfs,
        box: { hostDir: job.box, mode: 'rw' },
        argv: ['/bin/sh', '-c', 'echo artefact > out'],
        env: ENV,
        limits: LIMITS,
      });
      expect(built.exitCode).toBe(0);
      const test = 'cat /box/out; echo scribble > /box/new; cat /box/new';
      const first = await plain.run({
        rootfs,
        box: { hostDir: job.box, mode: 'overlay' },
        argv: ['/bin/sh', '-c', test],
        env: ENV,
        limits: LIMITS,
      });
      expect(first.stdout.toString()).toBe('artefact\nscribble\n');
      const second = await plain.run({
        rootfs,
        box: { hostDir: job.box, mode: 'overlay' },
        argv: ['/bin/sh', '-c', 'cat /box/out; ls /box'],
        env: ENV,
        limits: LIMITS,
      });
      expect(second.stdout.toString()).toBe('artefact\nout\n');
    } finally {
      job.remove();
      await plain.close();
    }
  }, 60_000);
});

describe('choosing the rootfs mode', () => {
  it('detects overlayfs on this kernel and says why', () => {
    expect(overlaySupported()).toBe(true);
    expect(chooseRootfsMode('auto')).toEqual({ mode: 'overlay', reason: 'auto: the kernel has overlayfs' });
  });

  it("is chosen at the judge's start-up, which says which mode is in use", async () => {
    const auto = await Judge.create({ sandbox, image: registered, compileCacheBytes: 0 });
    expect(auto.rootfs).toEqual({ mode: 'overlay', reason: 'auto: the kernel has overlayfs' });
    await auto.close();
    const plain = await Sandbox.create({ overlay: false });
    const fallback = await Judge.create({ sandbox: plain, image: registered, compileCacheBytes: 0 });
    expect(fallback.rootfs).toEqual({ mode: 'extract', reason: 'auto: the kernel has no overlayfs' });
    const verdict = await fallback.judge({ language: 'python3', source: 'print(input())', testcases: [{ stdin: 'hi', expected: 'hi' }] });
    expect(verdict.verdict).toBe('AC');
    await fallback.close();
    await expect(Judge.create({ sandbox: plain, image: registered, rootfsMode: 'overlay', compileCacheBytes: 0 })).rejects.toThrow(
      /no overlayfs/,
    );
    await plain.close();
  }, 60_000);

  it('never falls back silently when overlay is demanded but missing', () => {
    expect(() => chooseRootfsMode('overlay', false)).toThrow(/no overlayfs/);
    expect(chooseRootfsMode('auto', false).mode).toBe('extract');
    expect(chooseRootfsMode('extract', true).mode).toBe('extract');
  });
});
