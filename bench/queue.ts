/**
 * bench/queue: what the queue costs. Trivial submissions — a C `int main(){}` (compiled once,
 * then every job hits the compile cache) and a Python `print` — judged
 *
 *   1. directly: a Judge in this process, 2 jobs at a time (what `caged run` does, minus the CLI);
 *   2. through Redis: one `caged worker` process at CAGED_CONCURRENCY=2, jobs added and awaited
 *      by the client in this process;
 *   3. through Redis with a judge that does nothing (in this process): the queue path alone.
 *
 * For each: throughput (N jobs enqueued at once, until the last result) and latency (2 jobs in
 * flight, one submitted as soon as one returns: p50/p99 from submit to result). The per-job
 * queue overhead is the latency difference between 2 and 1, and 2's extra service time per job
 * derived from the throughputs.
 *
 * Each path also prints its CPU per job over the throughput run: the machine's (every core's busy
 * time from /proc/stat, as bench/floor measures its runs) beside the floor's CPU per run measured
 * first in the same run, and the parties' own (the worker with its reaped containers, the Redis
 * server, the client: bench/cpu.ts), which stay readable when other work shares the machine.
 *
 * Before each measurement the path judges a warm-up of `--warm N` jobs at once (default 1000 for
 * the no-op C workload, a quarter of it for Python), printed apart as the path's cold figure: V8's
 * optimizing compiler keeps compiling the worker's hot paths over the first thousand jobs or so
 * (docs/benchmarks.md, the thirty-first round, has the measurement), and a worker judges for
 * hours: the measured run is its steady state.
 *
 * Run: `npm run build && node dist/bench/queue.js [--jobs N] [--warm N] [--main FILE] [--json]` (Redis at CAGED_REDIS_URL).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { CagedClient } from '../src/client';
import { loadConfig } from '../src/config';
import { Judge } from '../src/judge/judge';
import type { JudgeResult, SubmissionInput } from '../src/judge/schema';
import { redisConnection } from '../src/queue/connection';
import { createLogger } from '../src/queue/log';
import { WorkerRuntime } from '../src/queue/runtime';
import type { JudgeService } from '../src/queue/worker';
import { Sandbox } from '../src/sandbox/sandbox';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { benchImageRootfs, percentile } from './common';
import { cpuReading, type CpuSplit } from './cpu';
import { prepareFloor } from './floor';

const CONCURRENCY = 2;
const args = process.argv.slice(2);
const JOBS = Number(args[args.indexOf('--jobs') + 1] ?? 0) || 400;
const WARM = args.includes('--warm') ? Number(args[args.indexOf('--warm') + 1]) : 1000;
if (!Number.isInteger(WARM) || WARM < 0) throw new Error('--warm takes a whole number of jobs');
const JSON_OUT = args.includes('--json');
/** `--main FILE`: the worker of another checkout (its dist/src/cli/main.js), to compare before and after a change. */
const WORKER_MAIN = args.includes('--main')
  ? path.resolve(args[args.indexOf('--main') + 1]!)
  : path.join(__dirname, '..', 'src', 'cli', 'main.js');
const REDIS_URL = loadConfig(process.env, ['redisUrl']).redisUrl;

const WORKLOADS: Array<{ name: string; submission: SubmissionInput; jobs: number; warm: number }> = [
  {
    name: 'no-op C (compile cache)',
    submission: { language: 'c', source: 'int main(void){return 0;}\n', testcases: [{ stdin: '' }] },
    jobs: JOBS,
    warm: WARM,
  },
  {
    name: 'Python print',
    submission: { language: 'python3', source: 'print("hi")\n', testcases: [{ stdin: '', expected: 'hi\n' }] },
    jobs: Math.ceil(JOBS / 2),
    warm: Math.ceil(WARM / 4),
  },
];

interface Figures {
  /** The warm-up's throughput (the path cold: the first jobs of a fresh worker), NaN without one. */
  coldJobsPerSecond: number;
  jobsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** p50 of the judge's own time (result.timing.totalMs): latency minus this is what surrounds judging. */
  judgeP50Ms: number;
  /** CPU per job over the throughput run, ms: the machine's (/proc/stat) and each party's. */
  cpu: CpuSplit;
}

/** Starts a CPU reading of the parties of a path (cpu.ts); resolves the reading's end. */
type CpuMeter = () => Promise<() => Promise<CpuSplit>>;

type Submit = (s: SubmissionInput) => Promise<JudgeResult>;

/** A warm-up of `warm` jobs at once, then N jobs at once (through `submitAll`), then 2-in-flight latency with `submit`. */
async function measure(
  jobs: number,
  warm: number,
  submission: SubmissionInput,
  submit: Submit,
  submitAll: (s: SubmissionInput[]) => Promise<JudgeResult[]>,
  meter: CpuMeter,
): Promise<Figures> {
  for (let i = 0; i < 10; i++) await submit(submission); // caches, connections
  const w0 = performance.now();
  if (warm > 0) await submitAll(Array.from({ length: warm }, () => submission)); // V8's optimizing compiler (the header)
  const coldJobsPerSecond = warm > 0 ? warm / ((performance.now() - w0) / 1000) : NaN;
  const reading = await meter();
  const t0 = performance.now();
  const all = await submitAll(Array.from({ length: jobs }, () => submission));
  const seconds = (performance.now() - t0) / 1000;
  const used = await reading();
  const cpu = { machine: used.machine / jobs, worker: used.worker / jobs, redis: used.redis / jobs, client: used.client / jobs };
  if (all.some((r) => r.verdict !== 'AC')) throw new Error(`a bench job was not AC: ${all.find((r) => r.verdict !== 'AC')!.message}`);
  const latencies: number[] = [];
  const judgeMs: number[] = [];
  let left = jobs;
  const loop = async (): Promise<void> => {
    while (left-- > 0) {
      const t = performance.now();
      const r = await submit(submission);
      latencies.push(performance.now() - t);
      judgeMs.push(r.timing.totalMs);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return {
    coldJobsPerSecond,
    jobsPerSecond: jobs / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    judgeP50Ms: percentile(judgeMs, 50),
    cpu,
  };
}

/** `submit` on `concurrency` lanes, for the direct runs. */
function lanes(submit: Submit): (s: SubmissionInput[]) => Promise<JudgeResult[]> {
  return async (subs) => {
    const out = new Array<JudgeResult>(subs.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < subs.length; i = next++) out[i] = await submit(subs[i]!);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    return out;
  };
}

/** One `caged worker` process on a fresh queue; resolves once it is ready. */
async function startWorkerProcess(queue: string): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [WORKER_MAIN, 'worker'], {
    env: {
      ...process.env,
      CAGED_REDIS_URL: REDIS_URL,
      CAGED_QUEUE: queue,
      CAGED_CONCURRENCY: String(CONCURRENCY),
      CAGED_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (seen.includes('"worker ready"')) {
        child.stdout.off('data', onData);
        child.stdout.resume(); // keep draining the log
        resolve();
      }
    };
    child.stdout.on('data', onData);
    void exited.then(() => reject(new Error('the worker process exited before it was ready')));
  });
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function throughRedis(queue: string, w: (typeof WORKLOADS)[number], meter: CpuMeter): Promise<Figures> {
  const client = new CagedClient({ connection: REDIS_URL, queueName: queue });
  try {
    return await measure(
      w.jobs,
      w.warm,
      w.submission,
      (s) => client.submit(s),
      (s) => client.submitMany(s),
      meter,
    );
  } finally {
    await client.close();
  }
}

async function removeQueue(name: string): Promise<void> {
  const conn = redisConnection(REDIS_URL);
  const q = new Queue(name, { connection: conn.options });
  await q.obliterate({ force: true });
  await q.close();
}

async function main(): Promise<void> {
  // The floor's machine CPU per run, measured first in the same run (bench/floor).
  const floor = await prepareFloor(await benchImageRootfs('c'));
  let floorCpuMs: number;
  try {
    await floor.batch(20);
    floorCpuMs = (await floor.batch(JOBS)).cpuMs;
  } finally {
    floor.close();
  }
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const meterOf =
    (pid: number): CpuMeter =>
    () =>
      cpuReading(pid, redis);
  const sandbox = await Sandbox.create();
  const judge = await Judge.create({ sandbox, closeSandbox: true });
  const rows: Array<{ workload: string; direct: Figures; queue: Figures; queueOnly: Figures }> = [];
  for (const w of WORKLOADS) {
    const direct = await measure(
      w.jobs,
      w.warm,
      w.submission,
      (s) => judge.judge(s),
      lanes((s) => judge.judge(s)),
      meterOf(process.pid),
    );

    const qName = `caged-bench-${process.pid}-${rows.length}`;
    const worker = await startWorkerProcess(qName);
    let queue: Figures;
    try {
      queue = await throughRedis(qName, w, meterOf(worker.pid));
    } finally {
      await worker.stop();
      await removeQueue(qName);
    }

    // The queue alone: a worker in this process whose judge reports progress and returns a
    // stored result at once.
    const canned = await judge.judge(w.submission);
    const nullJudge: JudgeService = {
      judgeSubmission: (s, hooks) => {
        for (const t of canned.tests) hooks.onProgress?.({ testIndex: t.index, total: canned.tests.length, verdict: t.verdict });
        return Promise.resolve({ ...canned, submissionId: s.id ?? null, timing: { totalMs: 0, compileMs: 0 } });
      },
    };
    const nName = `caged-bench-${process.pid}-null-${rows.length}`;
    const config = { ...loadConfig(process.env), queue: nName, concurrency: CONCURRENCY };
    const runtime = await WorkerRuntime.start(config, { judge: nullJudge, logger: createLogger({ level: 'silent' }) });
    let queueOnly: Figures;
    try {
      queueOnly = await throughRedis(nName, w, meterOf(process.pid));
    } finally {
      await runtime.shutdown();
      await removeQueue(nName);
    }
    rows.push({ workload: w.name, direct, queue, queueOnly });
  }
  await judge.close();
  redis.disconnect();

  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ concurrency: CONCURRENCY, floorCpuMs, rows }, null, 2)}\n`);
    return;
  }
  const f = (x: Figures): string =>
    `${x.jobsPerSecond.toFixed(0).padStart(5)} jobs/s  p50 ${x.p50Ms.toFixed(1).padStart(6)} ms  p99 ${x.p99Ms.toFixed(1).padStart(6)} ms  (judging p50 ${x.judgeP50Ms.toFixed(1)} ms)` +
    (Number.isNaN(x.coldJobsPerSecond) ? '' : `; its warm-up ${x.coldJobsPerSecond.toFixed(0)} jobs/s`);
  const c = (x: Figures, who: string): string =>
    `machine CPU ${x.cpu.machine.toFixed(2)} ms/job (${(x.cpu.machine / floorCpuMs).toFixed(1)}x the floor's per run; ` +
    `${who} ${x.cpu.worker.toFixed(2)}, Redis ${x.cpu.redis.toFixed(2)}${who === 'worker' ? `, client ${x.cpu.client.toFixed(2)}` : ''})`;
  process.stdout.write(
    `bench/queue: ${JOBS} jobs per workload (Python ${WORKLOADS[1]!.jobs}) after a warm-up of ${WARM} (Python ${WORKLOADS[1]!.warm}), one worker at concurrency ${CONCURRENCY}, Redis ${REDIS_URL}\n`,
  );
  process.stdout.write(`floor (bench/floor, same run): machine CPU ${floorCpuMs.toFixed(2)} ms per run\n\n`);
  for (const r of rows) {
    const ratio = r.queue.jobsPerSecond / r.direct.jobsPerSecond;
    const extraServiceMs = (CONCURRENCY * 1000) / r.queue.jobsPerSecond - (CONCURRENCY * 1000) / r.direct.jobsPerSecond;
    process.stdout.write(
      `${r.workload}\n` +
        `  direct (Judge in-process)        ${f(r.direct)}\n` +
        `                                   ${c(r.direct, 'this process')}\n` +
        `  through Redis (caged worker)     ${f(r.queue)}\n` +
        `                                   ${c(r.queue, 'worker')}\n` +
        `  queue alone (no-op judge)        ${f(r.queueOnly)}\n` +
        `                                   ${c(r.queueOnly, 'this process')}\n` +
        `  ratio queue/direct: ${(ratio * 100).toFixed(0)} % of the throughput, ` +
        `+${extraServiceMs.toFixed(2)} ms service time per job (from throughput)\n` +
        `  queue overhead per job (p50 latency - p50 judging): direct ${(r.direct.p50Ms - r.direct.judgeP50Ms).toFixed(2)} ms, ` +
        `through Redis ${(r.queue.p50Ms - r.queue.judgeP50Ms).toFixed(2)} ms, queue alone ${r.queueOnly.p50Ms.toFixed(2)} ms\n\n`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench/queue: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
