/**
 * bench/floor: the kernel's floor for one caged run, measured by bench/floor.c (compiled here
 * with the host's C compiler), which does exactly one run's kernel work and nothing else. The
 * figure caged holds itself to is caged ÷ floor in one run (bench/launch prints it).
 * Run alone: `npm run build && node dist/bench/floor.js [runs]`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { benchImageRootfs, percentile } from './common';

const run = promisify(execFile);

export interface FloorBatch {
  /** Latency of each run, ms: cgroup made → namespaces, mounts, maps, seccomp → exec → reaped → cgroup removed. */
  ms: number[];
  /** Machine CPU per run, ms: every core's non-idle time over the batch, from /proc/stat. */
  cpuMs: number;
  /** The floor process's and its children's CPU per run, ms (getrusage): not inflated by other load. */
  ownCpuMs: number;
}

/** caged's own container as the worker would start it for one run (bench/floor.c --init). */
export interface CagedContainer {
  /** build/caged-init. */
  initPath: string;
  /** The preparation blob (Sandbox.containerPreparation) and the run's configuration (Sandbox.runConfig). */
  preparation: Buffer;
  config: Buffer;
}

export interface Floor {
  /** Runs `runs` floor runs in one process of the floor program. */
  batch(runs: number): Promise<FloorBatch>;
  /**
   * Runs `runs` runs of caged's own container (B and C) driven by the floor's C process instead
   * of the worker: the least any redesign of the worker's side could cost.
   */
  cagedBatch(runs: number, container: CagedContainer): Promise<FloorBatch>;
  /** The static no-op's directory (the floor binds it as /box), for callers that run the same no-op. */
  boxDir: string;
  close(): void;
}

const NOOP_ASM = '.globl _start\n_start: mov $60, %eax\n xor %edi, %edi\n syscall\n';

/** Compiles the floor program and the static no-op on the host; `lowerDirs` are the image's layers, top first. */
export async function prepareFloor(lowerDirs: readonly string[]): Promise<Floor> {
  const rootfs = lowerDirs.join(':');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-floor-'));
  const boxDir = path.join(dir, 'box');
  fs.mkdirSync(boxDir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const bin = path.join(dir, 'floor');
  const src = path.join(__dirname, '..', '..', 'bench', 'floor.c');
  try {
    // With the worker's own launcher (native/spawn.c) for --init.
    const native = path.join(__dirname, '..', '..', 'native');
    await run('cc', ['-O2', '-Wall', '-I', native, '-o', bin, src, path.join(native, 'spawn.c'), '-lpthread']);
    fs.writeFileSync(path.join(dir, 'noop.s'), NOOP_ASM);
    await run('cc', ['-nostdlib', '-static', '-o', path.join(boxDir, 'noop'), path.join(dir, 'noop.s')]);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`building bench/floor.c with the host's cc failed: ${(err as Error).message}`);
  }
  const workDir = path.join(dir, 'mnt');
  const batch = async (args: string[], runs: number): Promise<FloorBatch> => {
    const { stdout } = await run(bin, args, { maxBuffer: 1 << 24 });
    const ms: number[] = [];
    let cpuMs = NaN;
    let ownCpuMs = NaN;
    for (const line of stdout.split('\n')) {
      const [key, value] = line.split(' ');
      if (key === 'run') ms.push(Number(value));
      else if (key === 'cpu') cpuMs = Number(value);
      else if (key === 'owncpu') ownCpuMs = Number(value);
    }
    if (ms.length !== runs || !Number.isFinite(cpuMs) || !Number.isFinite(ownCpuMs))
      throw new Error(`bench/floor printed ${ms.length} runs of ${runs}: ${stdout.slice(0, 200)}`);
    return { ms, cpuMs, ownCpuMs };
  };
  const blobs = path.join(dir, 'blobs');
  return {
    boxDir,
    batch: (runs) => batch([rootfs, boxDir, String(runs), workDir], runs),
    cagedBatch(runs, container) {
      fs.mkdirSync(blobs, { recursive: true });
      const prep = path.join(blobs, 'preparation');
      const config = path.join(blobs, 'config');
      fs.writeFileSync(prep, container.preparation);
      fs.writeFileSync(config, container.config);
      return batch(['--init', container.initPath, prep, config, String(runs)], runs);
    },
    close(): void {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 300);
  const floor = await prepareFloor([await benchImageRootfs()].flat());
  try {
    await floor.batch(20); // warm-up
    const b = await floor.batch(runs);
    console.log(
      `bench/floor: ${runs} runs  p50 ${percentile(b.ms, 50).toFixed(3)} ms  p99 ${percentile(b.ms, 99).toFixed(3)} ms  ` +
        `machine CPU ${b.cpuMs.toFixed(3)} ms per run  own CPU ${b.ownCpuMs.toFixed(3)} ms per run`,
    );
  } finally {
    floor.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
