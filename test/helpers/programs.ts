/** Compiles test/programs/*.c with the image's own gcc, in a container, into a job box. */
import fs from 'node:fs';
import path from 'node:path';
import { JobDirs, type JobDir } from '../../src/rootfs/job-dirs';
import type { Sandbox } from '../../src/sandbox/sandbox';
import type { RunLimits, RunPlan, RunResult } from '../../src/sandbox/types';

export const LIMITS: RunLimits = {
  cpuTimeMs: 2000,
  wallTimeMs: 5000,
  memoryBytes: 256 * 2 ** 20,
  addressSpaceBytes: 0,
  pids: 32,
  outputBytes: 1 * 2 ** 20,
  fileSizeBytes: 16 * 2 ** 20,
  openFiles: 64,
  stackBytes: 0,
  diskBytes: 64 * 2 ** 20,
};

export const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/box', LANG: 'C.UTF-8' };

export interface Programs {
  job: JobDir;
  run(argv: string[], limits?: Partial<RunLimits>, extra?: Partial<RunPlan>): Promise<RunResult>;
}

export async function compilePrograms(sandbox: Sandbox, rootfs: readonly string[]): Promise<Programs> {
  const job = JobDirs.of(sandbox).create();
  const dir = path.join(__dirname, '..', 'programs');
  const sources = fs.readdirSync(dir).filter((f) => f.endsWith('.c'));
  for (const f of sources) fs.copyFileSync(path.join(dir, f), path.join(job.box, f));
  const script = sources.map((f) => `gcc -O1 -pthread -o ${f.slice(0, -2)} ${f}`).join(' && ');
  const compiled = await sandbox.run({
    rootfs: { mode: 'overlay', lowerDirs: rootfs },
    box: { hostDir: job.box, mode: 'rw' },
    argv: ['/bin/sh', '-c', script],
    env: ENV,
    limits: { ...LIMITS, cpuTimeMs: 60_000, wallTimeMs: 120_000, pids: 64, memoryBytes: 1024 * 2 ** 20 },
  });
  if (compiled.exitCode !== 0) throw new Error(`compiling the test programs failed: ${compiled.stderr.toString()}`);
  return {
    job,
    run: (argv, limits = {}, extra = {}) =>
      sandbox.run({
        rootfs: { mode: 'overlay', lowerDirs: rootfs },
        box: { hostDir: job.box, mode: 'overlay' },
        argv,
        env: ENV,
        limits: { ...LIMITS, ...limits },
        ...extra,
      }),
  };
}
