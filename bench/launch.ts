/**
 * bench/launch: per-run latency of a full container (all namespaces, per-run overlay rootfs,
 * cgroup, seccomp, uid map) running a static no-op, through the TypeScript API, against a
 * plain fork+exec (child_process.spawn) of the same binary in the same process; then the same
 * with the worker holding 1 GiB of Buffers (a copy-on-write clone would slow down; CLONE_VM
 * must not). Containers come prepared ahead of their runs (the default) and, for comparison,
 * made at their run (preparedContainers: 0). The variants are measured in interleaved rounds,
 * so that drift in the machine's speed hits them alike.
 * Run: `npm run build && node dist/bench/launch.js [runs]`; with CAGED_BENCH_ROOTLESS_USER=NAME
 * (a user prepared by `scripts/setup-host.sh --user NAME`) it then compares root and rootless mode.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Sandbox } from '../src/sandbox/sandbox';
import type { RunLimits } from '../src/sandbox/types';
import { benchImageRootfs, percentile, type Stats } from './common';
import { prepareFloor, type FloorBatch } from './floor';
import { JobDirs } from '../src/rootfs/job-dirs';
import { compareModes } from './launch-modes';

const RUNS = Number(process.argv[2] ?? 300);
const LIMITS: RunLimits = {
  cpuTimeMs: 1000,
  wallTimeMs: 2000,
  memoryBytes: 64 * 2 ** 20,
  addressSpaceBytes: 0,
  pids: 8,
  outputBytes: 65536,
  fileSizeBytes: 2 ** 20,
  openFiles: 32,
  stackBytes: 0,
  diskBytes: 8 * 2 ** 20,
};
const NOOP_ASM = '.globl _start\n_start: mov $60, %eax\n xor %edi, %edi\n syscall\n';

const ROUNDS = 10;

/** Every core's non-idle time so far, ms (/proc/stat: user nice system irq softirq steal). */
function busyMs(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / CLK_TCK;
}
const CLK_TCK = 100; // USER_HZ on Linux

/** A variant runs one run per call, or (the floor) a batch of runs in its own process. */
type Variant = { once: () => Promise<void> } | { batch: (n: number) => Promise<FloorBatch> };
type Figures = Stats & { cpuMs: number };

/**
 * Interleaved rounds of each variant (after a warm-up of each): p50/p99/mean latency per run and
 * machine CPU per run (every core's busy time over the variant's share of each round).
 */
async function measure(runs: number, variants: Record<string, Variant>): Promise<Record<string, Figures>> {
  const ms: Record<string, number[]> = {};
  const cpu: Record<string, number> = {};
  for (const [name, v] of Object.entries(variants)) {
    ms[name] = [];
    cpu[name] = 0;
    if ('once' in v) for (let i = 0; i < 20; i++) await v.once();
    else await v.batch(20);
  }
  const perRound = Math.ceil(runs / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, v] of Object.entries(variants)) {
      if ('batch' in v) {
        const b = await v.batch(perRound);
        ms[name]!.push(...b.ms);
        cpu[name]! += b.cpuMs * perRound;
        continue;
      }
      const busy = busyMs();
      for (let i = 0; i < perRound; i++) {
        const t = process.hrtime.bigint();
        await v.once();
        ms[name]!.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      cpu[name]! += busyMs() - busy;
    }
  }
  const out: Record<string, Figures> = {};
  for (const [name, m] of Object.entries(ms))
    out[name] = {
      p50: percentile(m, 50),
      p99: percentile(m, 99),
      mean: m.reduce((a, b) => a + b, 0) / m.length,
      cpuMs: cpu[name]! / m.length,
    };
  return out;
}

async function main(): Promise<void> {
  const rootfs = await benchImageRootfs();
  const sandbox = await Sandbox.create();
  const atRun = await Sandbox.create({ preparedContainers: 0 });
  const job = JobDirs.of(sandbox).create();
  try {
    // The no-op, built by the image's own toolchain (x86_64 assembly: exit(0) in 3 instructions).
    fs.writeFileSync(path.join(job.box, 'noop.s'), NOOP_ASM);
    const built = await sandbox.run({
      rootfs: { mode: 'overlay', lowerDirs: rootfs },
      box: { hostDir: job.box, mode: 'rw' },
      argv: ['gcc', '-nostdlib', '-static', '-o', 'noop', 'noop.s'],
      env: { PATH: '/usr/bin:/bin' },
      limits: { ...LIMITS, cpuTimeMs: 20_000, wallTimeMs: 40_000, memoryBytes: 512 * 2 ** 20, pids: 32 },
    });
    if (built.exitCode !== 0) throw new Error(`building the no-op failed: ${built.stderr.toString()}`);
    const hostNoop = path.join(job.box, 'noop');
    const container = (sb: Sandbox) => async () =>
      sb
        .run({
          rootfs: { mode: 'overlay', lowerDirs: rootfs },
          box: { hostDir: job.box, mode: 'overlay' },
          argv: ['/box/noop'],
          env: {},
          limits: LIMITS,
        })
        .then((r) => {
          if (r.exitCode !== 0) throw new Error(`no-op failed: ${JSON.stringify(r)}`);
        });
    const forkExec = async () =>
      new Promise<void>((resolve, reject) => {
        spawn(hostNoop, [], { stdio: 'ignore' })
          .on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))))
          .on('error', reject);
      });
    // The kernel's floor: the same kernel work in a small C program (bench/floor.c), same image chain and no-op.
    const floor = await prepareFloor(rootfs);
    fs.copyFileSync(hostNoop, path.join(floor.boxDir, 'noop'));
    const variants: Record<string, Variant> = {
      floor: { batch: (n) => floor.batch(n) },
      prepared: { once: container(sandbox) },
      atRun: { once: container(atRun) },
      forkExec: { once: forkExec },
    };

    const fresh = await measure(RUNS, variants);
    const ballast: Buffer[] = [];
    for (let i = 0; i < 16; i++) ballast.push(Buffer.alloc(64 * 2 ** 20, 1)); // 1 GiB, touched
    const heavy = await measure(RUNS, variants);
    ballast.length = 0;

    floor.close();
    const row = (name: string, s: Figures | undefined) =>
      `${name.padEnd(52)} p50 ${s!.p50.toFixed(3)} ms   p99 ${s!.p99.toFixed(3)} ms   mean ${s!.mean.toFixed(3)} ms   machine CPU ${s!.cpuMs.toFixed(3)} ms/run`;
    const p50 = (r: Record<string, Figures>, k: string) => r[k]!.p50;
    const cpu = (r: Record<string, Figures>, k: string) => r[k]!.cpuMs;
    console.log(
      `bench/launch: ${RUNS} sequential runs per variant in ${ROUNDS} interleaved rounds, static no-op, ${sandbox.cgroups.describe()}`,
    );
    console.log(row("the kernel's floor (bench/floor.c)", fresh.floor));
    console.log(row('container, prepared ahead (fresh worker)', fresh.prepared));
    console.log(row('container, made at its run (fresh worker)', fresh.atRun));
    console.log(row('fork+exec (child_process.spawn, fresh)', fresh.forkExec));
    console.log(row('container, prepared (worker holding 1 GiB)', heavy.prepared));
    console.log(row('container, made at its run (holding 1 GiB)', heavy.atRun));
    console.log(row('fork+exec (holding 1 GiB of Buffers)', heavy.forkExec));
    console.log(
      `ratio container / fork+exec, p50: prepared ${(p50(fresh, 'prepared') / p50(fresh, 'forkExec')).toFixed(2)}x, made at run ${(p50(fresh, 'atRun') / p50(fresh, 'forkExec')).toFixed(2)}x; holding 1 GiB: ${(p50(heavy, 'prepared') / p50(heavy, 'forkExec')).toFixed(2)}x`,
    );
    console.log(`prepared / made at run, p50: ${(p50(fresh, 'prepared') / p50(fresh, 'atRun')).toFixed(2)}x`);
    console.log(
      `caged / floor: p50 prepared ${(p50(fresh, 'prepared') / p50(fresh, 'floor')).toFixed(2)}x, made at run ${(p50(fresh, 'atRun') / p50(fresh, 'floor')).toFixed(2)}x (target <= 1.5x); ` +
        `machine CPU per run prepared ${(cpu(fresh, 'prepared') / cpu(fresh, 'floor')).toFixed(2)}x, made at run ${(cpu(fresh, 'atRun') / cpu(fresh, 'floor')).toFixed(2)}x (target <= 1.5x)`,
    );
    console.log(
      `container 1 GiB / fresh, p50: prepared ${(p50(heavy, 'prepared') / p50(fresh, 'prepared')).toFixed(2)}x, made at run ${(p50(heavy, 'atRun') / p50(fresh, 'atRun')).toFixed(2)}x (target <= 1.2x)`,
    );
  } finally {
    job.remove();
    await sandbox.close();
    await atRun.close();
  }
}

// Both modes side by side (bench/launch-modes.ts), when a user prepared for rootless mode is named.
const rootlessUser = process.env.CAGED_BENCH_ROOTLESS_USER;
main()
  .then(() => (rootlessUser ? compareModes(RUNS, rootlessUser) : undefined))
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
