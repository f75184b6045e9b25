/**
 * A run that fails before its container starts gives its host-uid slot back, whatever step
 * failed: here the very first pipe (EMFILE, the worker out of file descriptors), when nothing
 * else of the run existed yet.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadNative } from '../src/sandbox/native';
import { Sandbox } from '../src/sandbox/sandbox';
import { testRootfs } from './helpers/image';
import { ENV, LIMITS } from './helpers/programs';
import { ownDir } from './helpers/mode';

// Slots and directories of its own: other caged processes on this host cannot hide a leak.
const ISOLATED = {
  hostIdBase: 31_000_000,
  hostIds: 4,
  runtimeDir: ownDir('/run/caged-slot-release-test'),
  jobsDir: ownDir('/var/lib/caged/jobs-slot-release-test'),
  preparedContainers: 0,
};

let sandbox: Sandbox;
let rootfs: string[];

beforeAll(async () => {
  sandbox = await Sandbox.create(ISOLATED);
  rootfs = await testRootfs();
});

afterAll(async () => {
  await sandbox.close();
  spawnSync('umount', ['-l', ISOLATED.jobsDir]);
  for (const dir of [ISOLATED.runtimeDir, ISOLATED.jobsDir]) fs.rmSync(dir, { recursive: true, force: true });
});

describe('when the first pipe of a run fails (EMFILE)', () => {
  it('releases the host-uid slot and the run fails with the error', async () => {
    const native = loadNative();
    const pipe = native.pipe;
    native.pipe = () => {
      throw Object.assign(new Error('pipe2: EMFILE (Too many open files)'), { code: 'EMFILE' });
    };
    try {
      const plan = { rootfs: { mode: 'overlay' as const, lowerDirs: rootfs }, argv: ['/bin/true'], env: ENV, limits: LIMITS };
      for (let i = 0; i < ISOLATED.hostIds + 1; i++) await expect(sandbox.run(plan)).rejects.toThrow(/EMFILE/);
    } finally {
      native.pipe = pipe;
    }
    expect(sandbox.ids.held()).toEqual([]);
    // And the sandbox still runs (a leak would have left every slot busy).
    const r = await sandbox.run({ rootfs: { mode: 'overlay', lowerDirs: rootfs }, argv: ['/bin/true'], env: ENV, limits: LIMITS });
    expect(r.exitCode).toBe(0);
  });
});
