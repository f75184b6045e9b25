/**
 * The static no-op the launch benches run (x86_64 assembly: exit(0) in 3 instructions), built
 * by the image's own toolchain in a job's box, the limits it runs under, and the machine's busy
 * time from /proc/stat: shared by bench/launch.ts and bench/launch-modes.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Sandbox } from '../src/sandbox/sandbox';
import type { RunLimits } from '../src/sandbox/types';

export const NOOP_LIMITS: RunLimits = {
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
const CLK_TCK = 100; // USER_HZ on Linux

/** Every core's non-idle time so far, ms (/proc/stat: user nice system irq softirq steal). */
export function busyMs(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / CLK_TCK;
}

/** Runs `argv` (a build) in `box` on the image's `rootfs` with generous limits; throws with its stderr on failure. */
export async function buildInBox(sandbox: Sandbox, rootfs: string[], box: string, argv: string[], what: string): Promise<void> {
  const built = await sandbox.run({
    rootfs: { mode: 'overlay', lowerDirs: rootfs },
    box: { hostDir: box, mode: 'rw' },
    argv,
    env: { PATH: '/usr/bin:/bin' },
    limits: { ...NOOP_LIMITS, cpuTimeMs: 20_000, wallTimeMs: 40_000, memoryBytes: 512 * 2 ** 20, pids: 32 },
  });
  if (built.exitCode !== 0) throw new Error(`building ${what} failed: ${built.stderr.toString()}`);
}

/** Builds the static no-op as `<box>/noop`; returns its host path. */
export async function buildNoop(sandbox: Sandbox, rootfs: string[], box: string): Promise<string> {
  fs.writeFileSync(path.join(box, 'noop.s'), NOOP_ASM);
  await buildInBox(sandbox, rootfs, box, ['gcc', '-nostdlib', '-static', '-o', 'noop', 'noop.s'], 'the no-op');
  return path.join(box, 'noop');
}
