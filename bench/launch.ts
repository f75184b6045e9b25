/**
 * bench/launch: per-run latency of a full container (all namespaces, per-run overlay rootfs,
 * cgroup, seccomp, uid map) running a static no-op, through the TypeScript API, against a
 * plain fork+exec (child_process.spawn) of the same binary in the same process; then the same
 * with the worker holding 1 GiB of Buffers (a copy-on-write clone would slow down; CLONE_VM
 * must not). Run: `npm run build && node dist/bench/launch.js [runs]`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Sandbox } from '../src/sandbox/sandbox';
import type { RunLimits } from '../src/sandbox/types';
import { benchImageRootfs, percentile, type Stats } from './common';

const RUNS = Number(process.argv[2] ?? 300);
const LIMITS: RunLimits = {
  cpuTimeMs: 1000, wallTimeMs: 2000, memoryBytes: 64 * 2 ** 20, addressSpaceBytes: 0, pids: 8,
  outputBytes: 65536, fileSizeBytes: 2 ** 20, openFiles: 32, stackBytes: 0, diskBytes: 8 * 2 ** 20,
};
const NOOP_ASM = '.globl _start\n_start: mov $60, %eax\n xor %edi, %edi\n syscall\n';

async function measure(runs: number, once: () => Promise<void>): Promise<Stats> {
  for (let i = 0; i < 20; i++) await once();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await once();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), mean: ms.reduce((a, b) => a + b, 0) / ms.length };
}

async function main(): Promise<void> {
  const rootfs = await benchImageRootfs();
  const sandbox = await Sandbox.create({ preparedContainers: Number(process.env.PREPARED ?? 2) });
  const job = sandbox.createJobDir();
  try {
    // The no-op, built by the image's own toolchain (x86_64 assembly: exit(0) in 3 instructions).
    fs.writeFileSync(path.join(job.box, 'noop.s'), NOOP_ASM);
    const built = await sandbox.run({
      rootfs: { mode: 'overlay', lowerDir: rootfs }, box: { hostDir: job.box, mode: 'rw' },
      argv: ['gcc', '-nostdlib', '-static', '-o', 'noop', 'noop.s'],
      env: { PATH: '/usr/bin:/bin' }, limits: { ...LIMITS, cpuTimeMs: 20_000, wallTimeMs: 40_000, memoryBytes: 512 * 2 ** 20, pids: 32 },
    });
    if (built.exitCode !== 0) throw new Error(`building the no-op failed: ${built.stderr.toString()}`);
    const hostNoop = path.join(job.box, 'noop');
    const container = () => sandbox.run({
      rootfs: { mode: 'overlay', lowerDir: rootfs }, box: { hostDir: job.box, mode: 'overlay' },
      argv: ['/box/noop'], env: {}, limits: LIMITS,
    }).then((r) => { if (r.exitCode !== 0) throw new Error(`no-op failed: ${JSON.stringify(r)}`); });
    const forkExec = () => new Promise<void>((resolve, reject) => {
      spawn(hostNoop, [], { stdio: 'ignore' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`)))).on('error', reject);
    });

    const fresh = { container: await measure(RUNS, container), forkExec: await measure(RUNS, forkExec) };
    const ballast: Buffer[] = [];
    for (let i = 0; i < 16; i++) ballast.push(Buffer.alloc(64 * 2 ** 20, 1)); // 1 GiB, touched
    const heavy = { container: await measure(RUNS, container), forkExec: await measure(RUNS, forkExec) };
    ballast.length = 0;

    const row = (name: string, s: Stats) => `${name.padEnd(44)} p50 ${s.p50.toFixed(3)} ms   p99 ${s.p99.toFixed(3)} ms   mean ${s.mean.toFixed(3)} ms`;
    console.log(`bench/launch: ${RUNS} sequential runs each, static no-op, ${sandbox.cgroups.describe()}`);
    console.log(row('container (fresh worker)', fresh.container));
    console.log(row('fork+exec (child_process.spawn, fresh)', fresh.forkExec));
    console.log(row('container (worker holding 1 GiB of Buffers)', heavy.container));
    console.log(row('fork+exec (holding 1 GiB of Buffers)', heavy.forkExec));
    console.log(`ratio container / fork+exec, p50: fresh ${(fresh.container.p50 / fresh.forkExec.p50).toFixed(2)}x, 1 GiB ${(heavy.container.p50 / heavy.forkExec.p50).toFixed(2)}x`);
    console.log(`container 1 GiB / fresh, p50: ${(heavy.container.p50 / fresh.container.p50).toFixed(2)}x (target <= 1.2x)`);
  } finally {
    job.remove();
    await sandbox.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
