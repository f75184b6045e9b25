/**
 * bench/grade: batch grading's throughput. 300 small submissions (Python a+b, each its own
 * content, so each its own job; two tests) graded as one batch through `client.grade` (one
 * BullMQ flow), first with one `caged worker` process, then with two, each at
 * CAGED_CONCURRENCY=2, each phase on a fresh queue (nothing reused between them). Prints
 * submissions per second from the call to the batch's summary, and the ratio two : one.
 *
 * Run: `npm run build && node dist/bench/grade.js [--submissions N] [--json]` (Redis at
 * CAGED_REDIS_URL; root and the image, as for any worker).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Queue } from 'bullmq';
import { CagedClient } from '../src/client';
import type { GradeEntry } from '../src/client/grade';
import { loadConfig } from '../src/config';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { batchQueueName } from '../src/wire/batch';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--submissions') + 1] ?? 0) || 300;
const JSON_OUT = args.includes('--json');
const REDIS_URL = loadConfig(process.env, ['redisUrl']).redisUrl;
const MAIN_JS = path.join(__dirname, '..', 'src', 'cli', 'main.js');

/** Starts a worker process; resolves once it logs 'worker ready'. */
function startWorker(queue: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN_JS, 'worker'], {
    env: {
      ...process.env,
      CAGED_REDIS_URL: REDIS_URL,
      CAGED_QUEUE: queue,
      CAGED_WORKER_NAME: name,
      CAGED_CONCURRENCY: '2',
      CAGED_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('"worker ready"')) resolve(child);
      if (buf.length > 1 << 20) buf = buf.slice(-4096);
    });
    child.on('exit', (code) => reject(new Error(`worker ${name} exited (${code}) before it was ready`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function phase(workers: number, entries: GradeEntry[]): Promise<{ workers: number; seconds: number; perSecond: number }> {
  const queue = `caged-bench-grade-${process.pid}-${workers}`;
  const procs: ChildProcess[] = [];
  const client = new CagedClient({ connection: REDIS_URL, queueName: queue });
  try {
    for (let i = 0; i < workers; i++) procs.push(await startWorker(queue, `bench-${i + 1}`));
    const problem = {
      name: 'sum',
      testcases: [
        { stdin: '1 2\n', expected: '3\n' },
        { stdin: '5 7\n', expected: '12\n' },
      ],
    };
    const started = performance.now();
    const result = await client.grade(problem, entries, { keepResults: false });
    const seconds = (performance.now() - started) / 1000;
    const ac = result.summary.counts.AC ?? 0;
    if (ac !== entries.length) throw new Error(`expected ${entries.length} AC, got ${JSON.stringify(result.summary.counts)}`);
    return { workers, seconds, perSecond: entries.length / seconds };
  } finally {
    await client.close();
    await Promise.all(procs.map(stop));
    for (const q of [queue, batchQueueName(queue)]) {
      const o = new Queue(q, { connection: redisOptionsFromUrl(REDIS_URL) });
      await o.obliterate({ force: true });
      await o.close();
    }
  }
}

async function main(): Promise<void> {
  const entries: GradeEntry[] = Array.from({ length: N }, (_, i) => ({
    name: `s${i}.py`,
    language: 'python3',
    source: `a, b = map(int, input().split())\nprint(a + b)  # ${i}\n`,
  }));
  const one = await phase(1, entries);
  const two = await phase(2, entries);
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ submissions: N, one, two, ratio: two.perSecond / one.perSecond })}\n`);
    return;
  }
  process.stdout.write(
    [
      `bench/grade: ${N} Python submissions (2 tests each), one batch through client.grade, workers at CAGED_CONCURRENCY=2`,
      `  1 worker process:   ${one.perSecond.toFixed(1)} submissions/s (${one.seconds.toFixed(1)} s)`,
      `  2 worker processes: ${two.perSecond.toFixed(1)} submissions/s (${two.seconds.toFixed(1)} s), ${(two.perSecond / one.perSecond).toFixed(2)}x`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
