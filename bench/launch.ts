/**
 * bench/launch: per-run latency of a full container (all namespaces, per-run overlay rootfs,
 * cgroup, seccomp, uid map) running a static no-op, through the TypeScript API, against a
 * plain fork+exec (child_process.spawn) of the same binary in the same process; then the same
 * with the worker holding 1 GiB of Buffers (a copy-on-write clone would slow down; CLONE_VM
 * must not). Containers come prepared ahead of their runs (the default) and, for comparison,
 * made at their run (preparedContainers: 0), and caged's own container (B and C, with the blobs
 * this worker builds) driven from C by bench/floor.c --init, the least any redesign of the
 * worker's side could cost. The variants are measured in interleaved rounds, so that drift in
 * the machine's speed hits them alike.
 * Last, the cost of one test inside a job: a C job (compile cached) of 100 tests (an A+B program
 * reading stdin, its output checked) against one of 1 test, so (T100 - T1) / 99 is what one more
 * test costs, against a bare launch of the same static binary with the same stdin, interleaved;
 * and the same for a problem package of 100 tests against one of 1 (judgePackage, as `caged
 * judge` and a worker's package job judge it), with the default validator and with its own C
 * output validator (a second container per test: against two launches).
 * Run: `npm run build && node dist/bench/launch.js [runs]`; with CAGED_BENCH_ROOTLESS_USER=NAME
 * (a user prepared by `scripts/setup-host.sh --user NAME`) it then compares root and rootless mode.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Sandbox } from '../src/sandbox/sandbox';
import { benchImageRootfs, percentile, type Stats } from './common';
import { prepareFloor, type CagedContainer, type FloorBatch } from './floor';
import { findNativeDir } from '../src/sandbox/native';
import type { RunPlan } from '../src/sandbox/types';
import { JobDirs } from '../src/rootfs/job-dirs';
import { compareModes } from './launch-modes';
import { Judge } from '../src/judge/judge';
import { judgePackage } from '../src/problem/judge-package';
import { loadPackage, type ProblemPackage } from '../src/problem/problem-package';
import type { SubmissionInput } from '../src/judge/schema';
import os from 'node:os';
import { BENCH_MANIFEST } from './common';
import { NOOP_LIMITS, busyMs, buildInBox, buildNoop } from './noop';

const RUNS = Number(process.argv[2] ?? 300);
const LIMITS = NOOP_LIMITS;

const ROUNDS = 10;

const CLK_TCK = 100; // USER_HZ on Linux

/**
 * This process's CPU so far (every thread, µs precision) and its reaped children's (the
 * containers' inits, which reaped their programs; /proc/self/stat cutime + cstime, in ticks), ms:
 * the CPU the runs cost their own processes, which other load on the machine does not inflate.
 */
function ownMs(): number {
  const self = process.cpuUsage();
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const children = Number(f[13]) + Number(f[14]); // cutime, cstime (fields 16 and 17)
  return (self.user + self.system) / 1000 + (children * 1000) / CLK_TCK;
}

/**
 * Time this process's main thread (the worker's event loop) has spent runnable but not running,
 * in ms (the second field of its /proc schedstat); NaN where the kernel does not keep it. With the
 * kernel non-preemptible (PREEMPT_NONE, this VM) a woken thread waits for another task's system
 * call to end: on 2 cores, the work of other containers' namespaces in the kernel delays the run
 * under way through the event loop.
 */
function mainThreadWaitMs(): number {
  try {
    return Number(fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

/** A variant runs one run per call, or (the floor) a batch of runs in its own process. */
type Variant = { once: () => Promise<void> } | { batch: (n: number) => Promise<FloorBatch> };
type Figures = Stats & { cpuMs: number; ownCpuMs: number; mainWaitMs: number };

/**
 * Interleaved rounds of each variant (after a warm-up of each): p50/p99/mean latency per run and
 * machine CPU per run (every core's busy time over the variant's share of each round).
 */
async function measure(runs: number, variants: Record<string, Variant>): Promise<Record<string, Figures>> {
  const ms: Record<string, number[]> = {};
  const cpu: Record<string, number> = {};
  const own: Record<string, number> = {};
  const wait: Record<string, number> = {};
  for (const [name, v] of Object.entries(variants)) {
    ms[name] = [];
    cpu[name] = 0;
    own[name] = 0;
    wait[name] = 0;
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
        own[name]! += b.ownCpuMs * perRound;
        continue;
      }
      const ownBefore = ownMs();
      const busy = busyMs();
      const waited = mainThreadWaitMs();
      for (let i = 0; i < perRound; i++) {
        const t = process.hrtime.bigint();
        await v.once();
        ms[name]!.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      wait[name]! += mainThreadWaitMs() - waited;
      cpu[name]! += busyMs() - busy;
      own[name]! += ownMs() - ownBefore;
    }
  }
  const out: Record<string, Figures> = {};
  for (const [name, m] of Object.entries(ms))
    out[name] = {
      p50: percentile(m, 50),
      p99: percentile(m, 99),
      mean: m.reduce((a, b) => a + b, 0) / m.length,
      cpuMs: cpu[name]! / m.length,
      ownCpuMs: own[name]! / m.length,
      mainWaitMs: wait[name]! / m.length,
    };
  return out;
}

const APLUSB = '#include <stdio.h>\nint main(void){long a,b; if(scanf("%ld %ld",&a,&b)!=2) return 1; printf("%ld\\n",a+b); return 0;}\n';
const JOB_TESTS = 100;

/**
 * One more test in a job against one bare launch of the same program: per round, a job of 1 test,
 * a job of JOB_TESTS tests and JOB_TESTS launches; p50 over the rounds of (T100 - T1) / 99 and of
 * the launches. The same own-CPU measure as above (this process and its reaped children).
 */
/** A C output validator (the Kattis protocol): the answer file's number against the output's. */
const VALIDATOR_C =
  '#include <stdio.h>\nint main(int argc, char **argv) { long a, b; FILE *f = fopen(argv[2], "r");\n' +
  '  if (!f || fscanf(f, "%ld", &a) != 1) return 1; return scanf("%ld", &b) == 1 && a == b ? 42 : 43; }\n';

/** A legacy problem package of `n` A+B tests, with the C output validator above when `validator`. */
function benchPackage(root: string, n: number, validator: boolean): string {
  const dir = path.join(root, `${validator ? 'validated' : 'default'}-${n}`);
  fs.mkdirSync(path.join(dir, 'data', 'secret'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'problem.yaml'), `name: A+B\n${validator ? 'validation: custom\n' : ''}limits:\n  time_limit: 1\n`);
  for (let i = 0; i < n; i++) {
    fs.writeFileSync(path.join(dir, 'data', 'secret', `${String(i).padStart(3, '0')}.in`), '2 40\n');
    fs.writeFileSync(path.join(dir, 'data', 'secret', `${String(i).padStart(3, '0')}.ans`), '42\n');
  }
  if (validator) {
    fs.mkdirSync(path.join(dir, 'output_validators', 'v'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'output_validators', 'v', 'v.c'), VALIDATOR_C);
  }
  return dir;
}

interface PerTest {
  testMs: number;
  launchMs: number;
  testCpuMs: number;
  launchCpuMs: number;
  /** The same for one test of a problem package of JOB_TESTS tests (caged judge, the worker's package jobs). */
  packageMs: number;
  packageCpuMs: number;
  /** ... whose package has its own output validator (a second container per test). */
  validatedMs: number;
  validatedCpuMs: number;
}

async function perTest(sandbox: Sandbox, rootfs: string[], box: string): Promise<PerTest> {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-bench-launch-'));
  const judge = await Judge.create({ sandbox, manifestPath: BENCH_MANIFEST, compileCacheDir: cacheDir });
  const job = (n: number): SubmissionInput => ({
    language: 'c',
    source: APLUSB,
    testcases: Array.from({ length: n }, () => ({ stdin: '2 40\n', expected: '42\n' })),
  });
  const judged = async (n: number) => {
    const r = await judge.judge(job(n));
    if (r.verdict !== 'AC' || r.tests.length !== n) throw new Error(`the ${n}-test job: ${r.verdict} ${r.message}`);
  };
  const launch = async () => {
    const r = await sandbox.run({
      rootfs: { mode: 'overlay', lowerDirs: rootfs },
      box: { hostDir: box, mode: 'overlay' },
      argv: ['./main'],
      env: {},
      stdin: '2 40\n',
      limits: LIMITS,
    });
    if (r.exitCode !== 0 || r.stdout.toString() !== '42\n') throw new Error(`a+b failed: ${JSON.stringify(r)}`);
  };
  const packages = path.join(cacheDir, 'packages');
  const pkgOf = (n: number, validator: boolean) => loadPackage(benchPackage(packages, n, validator));
  const pkgs = { default: [pkgOf(1, false), pkgOf(JOB_TESTS, false)], validated: [pkgOf(1, true), pkgOf(JOB_TESTS, true)] };
  const judgedPackage = async (pkg: ProblemPackage) => {
    const r = await judgePackage(judge, pkg, { language: 'c', source: APLUSB });
    if (r.verdict !== 'AC') throw new Error(`the package ${pkg.dir}: ${r.verdict} ${r.message}`);
  };
  /** (T of the JOB_TESTS-test package - T of the 1-test one) / (JOB_TESTS - 1), wall and own CPU. */
  const packageTest = async ([one, many]: ProblemPackage[]): Promise<{ ms: number; cpu: number }> => {
    let t = process.hrtime.bigint();
    let own = ownMs();
    await judgedPackage(one!);
    const oneMs = Number(process.hrtime.bigint() - t) / 1e6;
    const oneCpu = ownMs() - own;
    t = process.hrtime.bigint();
    own = ownMs();
    await judgedPackage(many!);
    return {
      ms: (Number(process.hrtime.bigint() - t) / 1e6 - oneMs) / (JOB_TESTS - 1),
      cpu: (ownMs() - own - oneCpu) / (JOB_TESTS - 1),
    };
  };
  try {
    await judged(JOB_TESTS); // compiles once; every later job is a cache hit
    for (const p of [...pkgs.default, ...pkgs.validated]) await judgedPackage(p); // the validator compiled once too
    for (let i = 0; i < 20; i++) await launch();
    const tests: number[] = [];
    const launches: number[] = [];
    let testCpu = 0;
    let launchCpu = 0;
    const packageTests: number[] = [];
    const validatedTests: number[] = [];
    let packageCpu = 0;
    let validatedCpu = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const plain = await packageTest(pkgs.default);
      packageTests.push(plain.ms);
      packageCpu += plain.cpu;
      const validated = await packageTest(pkgs.validated);
      validatedTests.push(validated.ms);
      validatedCpu += validated.cpu;
      let t = process.hrtime.bigint();
      let own = ownMs();
      await judged(1);
      const one = Number(process.hrtime.bigint() - t) / 1e6;
      const oneCpu = ownMs() - own;
      t = process.hrtime.bigint();
      own = ownMs();
      await judged(JOB_TESTS);
      tests.push((Number(process.hrtime.bigint() - t) / 1e6 - one) / (JOB_TESTS - 1));
      testCpu += (ownMs() - own - oneCpu) / (JOB_TESTS - 1);
      own = ownMs();
      for (let i = 0; i < JOB_TESTS; i++) {
        t = process.hrtime.bigint();
        await launch();
        launches.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      launchCpu += (ownMs() - own) / JOB_TESTS;
    }
    return {
      testMs: percentile(tests, 50),
      launchMs: percentile(launches, 50),
      testCpuMs: testCpu / ROUNDS,
      launchCpuMs: launchCpu / ROUNDS,
      packageMs: percentile(packageTests, 50),
      packageCpuMs: packageCpu / ROUNDS,
      validatedMs: percentile(validatedTests, 50),
      validatedCpuMs: validatedCpu / ROUNDS,
    };
  } finally {
    await judge.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rootfs = await benchImageRootfs();
  const sandbox = await Sandbox.create();
  const atRun = await Sandbox.create({ preparedContainers: 0 });
  const job = JobDirs.of(sandbox).create();
  try {
    const hostNoop = await buildNoop(sandbox, rootfs, job.box);
    // The A+B program, built as the C language builds it (static), for the per-test comparison.
    fs.writeFileSync(path.join(job.box, 'main.c'), APLUSB);
    await buildInBox(sandbox, rootfs, job.box, ['gcc', '-O2', '-std=gnu17', '-static', '-o', 'main', 'main.c', '-lm'], 'the A+B program');
    const noopPlan: RunPlan = {
      rootfs: { mode: 'overlay', lowerDirs: rootfs },
      box: { hostDir: job.box, mode: 'overlay' },
      argv: ['/box/noop'],
      env: {},
      limits: LIMITS,
    };
    const container = (sb: Sandbox) => async () =>
      sb.run(noopPlan).then((r) => {
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
    // caged's own container for the same run, driven by the floor's C process (bench/floor.c
    // --init) with the blobs this worker would hand it, as the box of a host id held meanwhile.
    const lease = sandbox.ids.acquire();
    const cagedInit: CagedContainer = {
      initPath: path.join(findNativeDir(), 'caged-init'),
      preparation: sandbox.containerPreparation(),
      config: sandbox.runConfig(noopPlan, lease).blob,
    };
    const variants: Record<string, Variant> = {
      floor: { batch: (n) => floor.batch(n) },
      cagedInit: { batch: (n) => floor.cagedBatch(n, cagedInit) },
      prepared: { once: container(sandbox) },
      atRun: { once: container(atRun) },
      forkExec: { once: forkExec },
    };

    const fresh = await measure(RUNS, variants);
    const ballast: Buffer[] = [];
    for (let i = 0; i < 16; i++) ballast.push(Buffer.alloc(64 * 2 ** 20, 1)); // 1 GiB, touched
    const heavy = await measure(RUNS, variants);
    ballast.length = 0;
    lease.release();
    const inJob = await perTest(sandbox, rootfs, job.box);

    floor.close();
    const row = (name: string, s: Figures | undefined) =>
      `${name.padEnd(52)} p50 ${s!.p50.toFixed(3)} ms   p99 ${s!.p99.toFixed(3)} ms   mean ${s!.mean.toFixed(3)} ms   machine CPU ${s!.cpuMs.toFixed(3)} ms/run   own CPU ${s!.ownCpuMs.toFixed(3)} ms/run`;
    const p50 = (r: Record<string, Figures>, k: string) => r[k]!.p50;
    const cpu = (r: Record<string, Figures>, k: string) => r[k]!.cpuMs;
    const ownCpu = (r: Record<string, Figures>, k: string) => r[k]!.ownCpuMs;
    console.log(
      `bench/launch: ${RUNS} sequential runs per variant in ${ROUNDS} interleaved rounds, static no-op, ${sandbox.cgroups.describe()}`,
    );
    console.log(row("the kernel's floor (bench/floor.c)", fresh.floor));
    console.log(row("caged's container driven from C (floor.c --init)", fresh.cagedInit));
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
        `machine CPU per run prepared ${(cpu(fresh, 'prepared') / cpu(fresh, 'floor')).toFixed(2)}x, made at run ${(cpu(fresh, 'atRun') / cpu(fresh, 'floor')).toFixed(2)}x (target <= 1.5x); ` +
        `own CPU per run prepared ${(ownCpu(fresh, 'prepared') / ownCpu(fresh, 'floor')).toFixed(2)}x, made at run ${(ownCpu(fresh, 'atRun') / ownCpu(fresh, 'floor')).toFixed(2)}x`,
    );
    // The bound of any redesign of the worker's side: caged's container (B and C) with an A of
    // the least work, in C. What caged spends beyond it is its worker's; what it spends beyond
    // the floor, the container's own (its /dev and /proc masks, the program's user namespace, B).
    console.log(
      `caged's container driven from C / floor: p50 ${(p50(fresh, 'cagedInit') / p50(fresh, 'floor')).toFixed(2)}x, ` +
        `machine CPU ${(cpu(fresh, 'cagedInit') / cpu(fresh, 'floor')).toFixed(2)}x, own CPU ${(ownCpu(fresh, 'cagedInit') / ownCpu(fresh, 'floor')).toFixed(2)}x; ` +
        `caged prepared / it: machine CPU ${(cpu(fresh, 'prepared') / cpu(fresh, 'cagedInit')).toFixed(2)}x, own CPU ${(ownCpu(fresh, 'prepared') / ownCpu(fresh, 'cagedInit')).toFixed(2)}x`,
    );
    console.log(
      `the worker's main thread runnable but waiting for a CPU, per run: prepared ${fresh.prepared!.mainWaitMs.toFixed(3)} ms, ` +
        `made at run ${fresh.atRun!.mainWaitMs.toFixed(3)} ms, fork+exec ${fresh.forkExec!.mainWaitMs.toFixed(3)} ms`,
    );
    console.log(
      `container 1 GiB / fresh, p50: prepared ${(p50(heavy, 'prepared') / p50(fresh, 'prepared')).toFixed(2)}x, made at run ${(p50(heavy, 'atRun') / p50(fresh, 'atRun')).toFixed(2)}x (target <= 1.2x)`,
    );
    console.log(
      `one test of a ${JOB_TESTS}-test C job (A+B, compile cached, output checked) p50 ${inJob.testMs.toFixed(3)} ms, own CPU ${inJob.testCpuMs.toFixed(3)} ms; ` +
        `one launch of the same program p50 ${inJob.launchMs.toFixed(3)} ms, own CPU ${inJob.launchCpuMs.toFixed(3)} ms; ` +
        `test / launch: p50 ${(inJob.testMs / inJob.launchMs).toFixed(2)}x, own CPU ${(inJob.testCpuMs / inJob.launchCpuMs).toFixed(2)}x (target <= 1.2x)`,
    );
    console.log(
      `one test of a ${JOB_TESTS}-test problem package (caged judge, a worker's package job), default validator: p50 ${inJob.packageMs.toFixed(3)} ms, own CPU ${inJob.packageCpuMs.toFixed(3)} ms, ` +
        `/ launch: p50 ${(inJob.packageMs / inJob.launchMs).toFixed(2)}x, own CPU ${(inJob.packageCpuMs / inJob.launchCpuMs).toFixed(2)}x; ` +
        `with its own output validator (a second container per test): p50 ${inJob.validatedMs.toFixed(3)} ms, own CPU ${inJob.validatedCpuMs.toFixed(3)} ms, ` +
        `/ two launches: p50 ${(inJob.validatedMs / (2 * inJob.launchMs)).toFixed(2)}x, own CPU ${(inJob.validatedCpuMs / (2 * inJob.launchCpuMs)).toFixed(2)}x`,
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
