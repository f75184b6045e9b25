/**
 * `caged demo [--samples DIR]`: the whole path in one command. Starts a worker in this process
 * on a fresh queue (`caged-demo-<pid>`, on CAGED_REDIS_URL), enqueues the bundled samples
 * (samples/*.json) through the client, prints each verdict beside the expected one as it
 * arrives, then stops the worker and removes the demo queue from Redis.
 *
 * Exit status: 0 when every sample got its expected verdict, 1 otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { CagedClient } from '../client/client';
import { loadConfig, type WorkerConfig } from '../config';
import { InvalidRequestError } from '../errors';
import type { JudgeResult, SubmissionInput } from '../judge/schema';
import { checkRedisReachable, redisConnection } from '../queue/connection';
import { createLogger } from '../queue/log';
import { WorkerRuntime } from '../queue/runtime';
import { parseArgs, stringFlag } from './args';
import { writeSafe } from './terminal-safe';

export interface Sample {
  file: string;
  description: string;
  expect: string;
  submission: SubmissionInput;
}

export interface DemoCommandDeps {
  /** Aborted on SIGINT/SIGTERM (main.ts): stop waiting, hand the running jobs back, remove the demo queue. */
  signal?: AbortSignal;
}

export async function demoCommand(argv: readonly string[], out: NodeJS.WritableStream, deps: DemoCommandDeps = {}): Promise<number> {
  const args = parseArgs(argv, ['samples'], []);
  const samples = loadSamples(stringFlag(args, 'samples') ?? findSamplesDir());
  const base = loadConfig(process.env);
  const config: WorkerConfig = { ...base, queue: `caged-demo-${process.pid}`, keepCompletedS: 3600 };
  // Worker logs go to stderr at 'warn' unless CAGED_LOG_LEVEL asks for more.
  const logger = createLogger({
    level: process.env.CAGED_LOG_LEVEL ? config.logLevel : 'warn',
    worker: config.workerName,
    destination: process.stderr,
  });
  await checkRedisReachable(config.redisUrl);
  writeSafe(out, `caged demo: starting a worker (concurrency ${config.concurrency}) on ${config.redisUrl}, queue ${config.queue}\n`);
  const runtime = await WorkerRuntime.start(config, { logger });
  const connection = redisConnection(config.redisUrl, { cluster: config.redisCluster === 'yes' });
  const client = new CagedClient({ connection: connection.options, queueName: config.queue, prefix: config.prefix });
  let wrong = 0;
  const started = performance.now();
  try {
    out.write(`caged demo: judging ${samples.length} samples\n\n`);
    out.write(`${'sample'.padEnd(18)}${'language'.padEnd(10)}${'expected'.padEnd(10)}${'verdict'.padEnd(9)}time\n`);
    const results = await client
      .submitMany(
        samples.map((s) => s.submission),
        {
          signal: deps.signal,
          onProgress: (p) => {
            const s = samples[p.index]!;
            if (p.result) {
              if (p.result.verdict !== s.expect) wrong++;
              writeSafe(out, row(s, p.result));
            } else if (p.error) {
              wrong++;
              writeSafe(out, `${s.file.padEnd(18)}${s.submission.language.padEnd(10)}${s.expect.padEnd(10)}failed: ${p.error.message}\n`);
            }
          },
        },
      )
      .catch(() => null);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    out.write(
      `\n${results === null ? 'some jobs failed; ' : ''}${samples.length - wrong} of ${samples.length} samples got their expected verdict (${seconds} s)\n`,
    );
    return wrong === 0 ? 0 : 1;
  } finally {
    await client.close().catch(() => undefined);
    await connection.close();
    await (deps.signal?.aborted ? runtime.handBackNow() : runtime.shutdown());
    await removeQueue(config);
  }
}

function row(s: Sample, r: JudgeResult): string {
  const mark = r.verdict === s.expect ? 'ok' : 'UNEXPECTED';
  const detail = r.verdict === 'CE' ? `  ${firstLine(r.compile?.output ?? '')}` : r.message && r.verdict !== 'AC' ? `  ${r.message}` : '';
  return `${s.file.padEnd(18)}${s.submission.language.padEnd(10)}${s.expect.padEnd(10)}${r.verdict.padEnd(9)}${`${Math.round(r.timing.totalMs)} ms`.padEnd(9)}${mark}${detail}\n`;
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.includes('error')) ?? text.split('\n')[0] ?? '';
}

export function loadSamples(dir: string): Sample[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new InvalidRequestError(`no *.json samples in ${dir}`, '--samples');
  return files.map((file) => {
    const data = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Partial<Sample>;
    if (typeof data.expect !== 'string' || typeof data.submission !== 'object' || data.submission === null) {
      throw new InvalidRequestError(`${file}: needs "expect" and "submission"`, '--samples');
    }
    return { file: file.replace(/\.json$/, ''), description: data.description ?? '', expect: data.expect, submission: data.submission };
  });
}

/** samples/ of this checkout, found upwards from the compiled or the source file. */
export function findSamplesDir(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'samples');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new InvalidRequestError('no samples/ directory found: give --samples DIR', '--samples');
  }
}

async function removeQueue(config: WorkerConfig): Promise<void> {
  const connection = redisConnection(config.redisUrl, { cluster: config.redisCluster === 'yes' });
  const queue = new Queue(config.queue, { connection: connection.options, prefix: config.prefix });
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
    await connection.close();
  }
}
