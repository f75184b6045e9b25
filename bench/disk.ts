/**
 * bench/disk: what one box reading the image's files past the page cache (O_DIRECT) leaves of
 * the disk to the host, with each box's disk caps (CAGED_DISK_MB_PER_S, CAGED_DISK_IOPS, or their
 * defaults) and without (0). A host reader (O_DIRECT, 1 MiB blocks) reads a file of its own
 * alone, then while a box runs eight readers of the compiler (four in 4 KiB blocks, four in 1 MiB
 * blocks), in each variant; the figure is its throughput under attack ÷ alone, in one run.
 * The host file is 1 GiB in the system's temporary directory (on this machine the image's disk).
 *
 *   node dist/bench/disk.js [SECONDS_OF_ATTACK]
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { JobDirs } from '../src/rootfs/job-dirs';
import { Sandbox } from '../src/sandbox/sandbox';
import { benchImageRootfs } from './common';
import { NOOP_LIMITS } from './noop';

const MiB = 2 ** 20;
const HOST_FILE_MIB = 1024;
const TARGET = '/usr/lib/gcc/x86_64-linux-gnu/12/cc1';

/** Host reader: MB/s reading `file` once with O_DIRECT in 1 MiB blocks. */
function hostRead(file: string): number {
  const start = process.hrtime.bigint();
  execFileSync('dd', [`if=${file}`, 'of=/dev/null', 'bs=1M', 'iflag=direct', 'status=none']);
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  return HOST_FILE_MIB / s;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 6);
  const rootfs = await benchImageRootfs('c');
  const env = loadConfig(process.env, ['diskBytesPerSecond', 'diskIops']);
  const caps = { bytesPerSecond: env.diskBytesPerSecond, iops: env.diskIops };
  const capped = await Sandbox.create({ disk: caps, cpus: [] });
  const free = await Sandbox.create({ disk: { bytesPerSecond: 0, iops: 0 }, cpus: [] });
  const hostFile = path.join(os.tmpdir(), `caged-bench-disk-${process.pid}.dat`);
  fs.writeFileSync(hostFile, crypto.randomBytes(HOST_FILE_MIB * MiB));
  const reader = (bs: string) => `(while :; do dd if=${TARGET} of=/dev/null bs=${bs} iflag=direct status=none; done) &`;
  const readers = ['4k', '4k', '4k', '4k', '1M', '1M', '1M', '1M'].map(reader);
  const script = `${readers.join(' ')} sleep ${seconds}; kill 0`;
  try {
    console.log(`bench/disk: ${capped.cgroups.describe()}`);
    // The disk's own cache (a virtual disk's host) warms over the first reads: two untimed, then the median of three.
    hostRead(hostFile);
    hostRead(hostFile);
    const alone = [hostRead(hostFile), hostRead(hostFile), hostRead(hostFile)].sort((a, b) => a - b)[1]!;
    const rows: string[] = [`host reader alone: ${alone.toFixed(0)} MiB/s`];
    for (const [name, sandbox] of [
      ['no caps', free],
      ['caps', capped],
    ] as const) {
      const box = JobDirs.of(sandbox).create();
      const attack = sandbox.run({
        rootfs: { mode: 'overlay', lowerDirs: rootfs },
        box: { hostDir: box.box, mode: 'overlay' },
        argv: ['/bin/sh', '-c', script],
        env: { PATH: '/usr/bin:/bin' },
        limits: { ...NOOP_LIMITS, pids: 64, cpuTimeMs: (seconds + 5) * 1000, wallTimeMs: (seconds + 5) * 1000 },
      });
      await new Promise((r) => setTimeout(r, 1500));
      const under = hostRead(hostFile);
      const r = await attack;
      box.remove();
      rows.push(
        `host reader beside a box of 8 direct readers, ${name}: ${under.toFixed(0)} MiB/s = ${(under / alone).toFixed(2)}x alone (the box used ${r.cpuTimeMs.toFixed(0)} ms of CPU in ${r.wallTimeMs.toFixed(0)} ms)`,
      );
    }
    for (const row of rows) console.log(row);
  } finally {
    fs.rmSync(hostFile, { force: true });
    await capped.close();
    await free.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
