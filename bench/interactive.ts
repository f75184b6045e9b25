/**
 * bench/interactive: latency per exchange of a 1000-round ping-pong (one line each way per
 * round) between an interactor and a submission, both small static C programs: in the sandbox
 * pair (Sandbox.runPair: two containers, stdio crossed by pipes) against the same two binaries
 * joined by pipes outside any sandbox (child_process.spawn with the pipes' fds), in interleaved
 * rounds of the same run. A third variant keeps a transcript (the worker tees the pipes through
 * its event loop: src/sandbox/pair-tee.ts).
 *
 * The submission times its own 1000 rounds (CLOCK_MONOTONIC) after one untimed first round:
 * the two sides are launched at once and either may start first, so the first round trip
 * includes waiting for the other side's start (in the sandbox pair, the later container's
 * set-up: milliseconds, against microseconds per exchange). That wait is printed apart (with
 * the whole pair's launch and end); the per-exchange figure is the exchange alone.
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
import { NOOP_LIMITS } from './noop';

const PAIRS = Number(process.argv[2] ?? 40);
const ROUNDS = 1000;
const WARMUP = 5;
/** Pause after the pool is refilled, for the new inits to finish their set-up (mounts). */
const SETTLE_MS = 100;
const LIMITS: RunLimits = { ...NOOP_LIMITS, cpuTimeMs: 5000, wallTimeMs: 10_000 };

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

/**
 * One untimed round (the other side may not have started yet), then ROUNDS times: write a
 * line, read it back. Prints the first round's and the ROUNDS rounds' ns on stderr.
 */
const PING_C = String.raw`
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(void) {
  char line[32], buf[256];
  struct timespec z, a, b;
  clock_gettime(CLOCK_MONOTONIC, &z);
  for (int i = -1; i < ${ROUNDS}; i++) {
    if (i == 0) clock_gettime(CLOCK_MONOTONIC, &a);
    int len = snprintf(line, sizeof line, "%d\n", i);
    if (write(1, line, len) != len) return 1;
    int got = 0;
    while (got < len) { ssize_t n = read(0, buf + got, sizeof buf - got); if (n <= 0) return 2; got += n; }
    if (memcmp(buf, line, len) != 0) return 3;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long first = (long long)(a.tv_sec - z.tv_sec) * 1000000000LL + (a.tv_nsec - z.tv_nsec);
  long long rounds = (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
  fprintf(stderr, "%lld %lld\n", first, rounds);
  return 0;
}
`;

/** One pair's figures: the submission's first round, its timed rounds, the whole pair. */
interface Sample {
  firstNs: number;
  roundsNs: number;
  pairMs: number;
}

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
    /** Parses the submission's stderr: the first round's and the timed rounds' ns. */
    const sample = (stderr: string, pairMs: number): Sample => {
      const [first, rounds] = stderr.trim().split(' ').map(Number);
      if (!Number.isFinite(first) || !Number.isFinite(rounds)) throw new Error(`ping printed ${JSON.stringify(stderr)}`);
      return { firstNs: first!, roundsNs: rounds!, pairMs };
    };
    const inSandbox = async (transcriptBytes = 0): Promise<Sample> => {
      const t = process.hrtime.bigint();
      const r = await sandbox.runPair(side(['/box/pong']), side(['/box/ping']), { transcriptBytes });
      const pairMs = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.interactor.exitCode !== 42 || r.submission.exitCode !== 0) throw new Error(`sandbox pair failed: ${JSON.stringify(r)}`);
      return sample(r.submission.stderr.toString(), pairMs);
    };
    const outside = async (): Promise<Sample> => {
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
      return sample(err, pairMs);
    };
    // Each variant starts on a quiet sandbox: its pool of prepared containers refilled and their
    // inits' set-up done (whenPrepared, then SETTLE_MS), none of the previous variant's
    // background work beside it. "Next pair" runs right after a pair, as a judge's next test.
    const settle = async () => {
      await sandbox.whenPrepared();
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    };
    const box: Sample[] = [];
    const next: Sample[] = [];
    const plain: Sample[] = [];
    const teed: Sample[] = [];
    for (let i = -WARMUP; i < PAIRS; i++) {
      const keep = <T>(xs: T[], x: T) => i >= 0 && xs.push(x);
      await settle();
      keep(box, await inSandbox());
      keep(next, await inSandbox());
      await settle();
      keep(teed, await inSandbox(64 * 1024));
      await settle();
      keep(plain, await outside());
    }
    const at = (xs: readonly Sample[], f: (x: Sample) => number, p: number) => percentile(xs.map(f), p);
    const perExchangeUs = (x: Sample) => x.roundsNs / ROUNDS / 1000;
    // How the figure read when the first round (the other side's start) was timed with the rest.
    const withFirstUs = (x: Sample) => (x.firstNs + x.roundsNs) / ROUNDS / 1000;
    console.log(
      `bench/interactive: ${PAIRS} pairs per variant, interleaved, ${ROUNDS} timed rounds each (one line each way) after one untimed round, ${sandbox.cgroups.describe()}`,
    );
    const row = (name: string, xs: readonly Sample[]) =>
      `${name.padEnd(38)} per exchange p50 ${at(xs, perExchangeUs, 50).toFixed(2)} us  p90 ${at(xs, perExchangeUs, 90).toFixed(2)} us` +
      `   first round p50 ${at(xs, (x) => x.firstNs / 1e6, 50).toFixed(2)} ms   whole pair p50 ${at(xs, (x) => x.pairMs, 50).toFixed(2)} ms`;
    console.log(row('sandbox pair (two containers)', box));
    console.log(row('sandbox pair, next right after one', next));
    console.log(row('plain pipes (no sandbox)', plain));
    console.log(row('sandbox pair, transcript (worker tee)', teed));
    const ratio = (xs: readonly Sample[], f: (x: Sample) => number) => (at(xs, f, 50) / at(plain, f, 50)).toFixed(2);
    console.log(
      `ratio sandbox / plain, per exchange p50: ${ratio(box, perExchangeUs)}x (target <= 1.5x); next pair ${ratio(next, perExchangeUs)}x; with a transcript ${ratio(teed, perExchangeUs)}x`,
    );
    console.log(
      `(with the first round timed too, i.e. the wait for the later side's start spread over the rounds: sandbox ${at(box, withFirstUs, 50).toFixed(2)} us, plain ${at(plain, withFirstUs, 50).toFixed(2)} us, ${ratio(box, withFirstUs)}x)`,
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
