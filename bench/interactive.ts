/**
 * bench/interactive: latency per exchange of a 1000-round ping-pong (one line each way per
 * round) between an interactor and a submission, both small static C programs: in the sandbox
 * pair (Sandbox.runPair: two containers, stdio crossed by pipes) against the same two binaries
 * joined by pipes outside any sandbox (child_process.spawn with the pipes' fds), in interleaved
 * rounds of the same run. The submission times its own 1000 rounds (CLOCK_MONOTONIC, first
 * write to last read), so the figure is the exchange alone, without the launches; the launch
 * and end of the whole pair is printed apart. A third variant keeps a transcript (the worker
 * tees the pipes through its event loop: src/sandbox/pair-tee.ts).
 * Run: `npm run build && node dist/bench/interactive.js [pairs]`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { JobDirs } from '../src/rootfs/job-dirs';
import { loadNative } from '../src/sandbox/native';
import { Sandbox } from '../src/sandbox/sandbox';
import type { RunLimits, RunPlan } from '../src/sandbox/types';
import { benchImageRootfs, percentile } from './common';

const PAIRS = Number(process.argv[2] ?? 40);
const ROUNDS = 1000;
const LIMITS: RunLimits = {
  cpuTimeMs: 5000,
  wallTimeMs: 10_000,
  memoryBytes: 64 * 2 ** 20,
  addressSpaceBytes: 0,
  pids: 8,
  outputBytes: 65536,
  fileSizeBytes: 2 ** 20,
  openFiles: 32,
  stackBytes: 0,
  diskBytes: 8 * 2 ** 20,
};

/** Echoes each line back until EOF, then exits 42 (accepted). */
const PONG_C = String.raw`
#include <unistd.h>
int main(void) {
  char buf[256];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n <= 0) return 42;
    if (write(1, buf, n) != n) return 1;
  }
}
`;

/** ROUNDS times: write a line, read it back; prints the total in ns on stderr. */
const PING_C = String.raw`
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(void) {
  char line[32], buf[256];
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < ${ROUNDS}; i++) {
    int len = snprintf(line, sizeof line, "%d\n", i);
    if (write(1, line, len) != len) return 1;
    int got = 0;
    while (got < len) { ssize_t n = read(0, buf + got, sizeof buf - got); if (n <= 0) return 2; got += n; }
    if (memcmp(buf, line, len) != 0) return 3;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  fprintf(stderr, "%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
  return 0;
}
`;

async function main(): Promise<void> {
  const rootfs = await benchImageRootfs();
  const sandbox = await Sandbox.create();
  const native = loadNative();
  const job = JobDirs.of(sandbox).create();
  try {
    fs.writeFileSync(path.join(job.box, 'pong.c'), PONG_C);
    fs.writeFileSync(path.join(job.box, 'ping.c'), PING_C);
    const built = await sandbox.run({
      rootfs: { mode: 'overlay', lowerDirs: rootfs },
      box: { hostDir: job.box, mode: 'rw' },
      argv: ['/bin/sh', '-c', 'gcc -O2 -static -o pong pong.c && gcc -O2 -static -o ping ping.c'],
      env: { PATH: '/usr/bin:/bin' },
      limits: { ...LIMITS, cpuTimeMs: 30_000, wallTimeMs: 60_000, memoryBytes: 512 * 2 ** 20, pids: 32 },
    });
    if (built.exitCode !== 0) throw new Error(`building the programs failed: ${built.stderr.toString()}`);
    const side = (argv: string[]): RunPlan => ({
      rootfs: { mode: 'overlay', lowerDirs: rootfs },
      box: { hostDir: job.box, mode: 'overlay' },
      argv,
      env: {},
      limits: LIMITS,
    });
    const inSandbox = async (transcriptBytes = 0): Promise<{ exchangeNs: number; pairMs: number }> => {
      const t = process.hrtime.bigint();
      const r = await sandbox.runPair(side(['/box/pong']), side(['/box/ping']), { transcriptBytes });
      const pairMs = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.interactor.exitCode !== 42 || r.submission.exitCode !== 0) throw new Error(`sandbox pair failed: ${JSON.stringify(r)}`);
      return { exchangeNs: Number(r.submission.stderr.toString().trim()), pairMs };
    };
    const outside = async (): Promise<{ exchangeNs: number; pairMs: number }> => {
      const t = process.hrtime.bigint();
      const [toPongR, toPongW] = native.pipe();
      const [toPingR, toPingW] = native.pipe();
      const pong = spawn(path.join(job.box, 'pong'), [], { stdio: [toPongR, toPingW, 'ignore'] });
      const ping = spawn(path.join(job.box, 'ping'), [], { stdio: [toPingR, toPongW, 'pipe'] });
      for (const fd of [toPongR, toPongW, toPingR, toPingW]) fs.closeSync(fd);
      let err = '';
      ping.stderr?.on('data', (c: Buffer) => (err += c.toString()));
      const exit = (p: typeof pong) => new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
      const [pc, gc] = await Promise.all([exit(pong), exit(ping)]);
      const pairMs = Number(process.hrtime.bigint() - t) / 1e6;
      if (pc !== 42 || gc !== 0) throw new Error(`outside pair failed: ${pc} ${gc} ${err}`);
      return { exchangeNs: Number(err.trim()), pairMs };
    };
    for (let i = 0; i < 5; i++) {
      await inSandbox();
      await inSandbox(64 * 1024);
      await outside();
    }
    const box: { exchangeNs: number; pairMs: number }[] = [];
    const plain: { exchangeNs: number; pairMs: number }[] = [];
    const teed: { exchangeNs: number; pairMs: number }[] = [];
    for (let i = 0; i < PAIRS; i++) {
      box.push(await inSandbox());
      teed.push(await inSandbox(64 * 1024));
      plain.push(await outside());
    }
    const us = (xs: typeof box, p: number) =>
      percentile(
        xs.map((x) => x.exchangeNs / ROUNDS / 1000),
        p,
      );
    const ms = (xs: typeof box, p: number) =>
      percentile(
        xs.map((x) => x.pairMs),
        p,
      );
    console.log(
      `bench/interactive: ${PAIRS} pairs per variant, interleaved, ${ROUNDS} rounds each (one line each way), ${sandbox.cgroups.describe()}`,
    );
    const row = (name: string, xs: typeof box) =>
      `${name.padEnd(40)} per exchange p50 ${us(xs, 50).toFixed(2)} us  p90 ${us(xs, 90).toFixed(2)} us   whole pair p50 ${ms(xs, 50).toFixed(2)} ms`;
    console.log(row('sandbox pair (two containers)', box));
    console.log(row('plain pipes (no sandbox)', plain));
    console.log(row('sandbox pair, transcript (worker tee)', teed));
    console.log(
      `ratio sandbox / plain, per exchange p50: ${(us(box, 50) / us(plain, 50)).toFixed(2)}x (target <= 1.5x); with a transcript ${(us(teed, 50) / us(plain, 50)).toFixed(2)}x`,
    );
  } finally {
    job.remove();
    await sandbox.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
