/**
 * `caged submit FILE --lang LANG [every flag of caged run] [--id ID [--rejudge]] [--priority N]
 * [--timeout S] [--json]`: enqueues one submission on the queue (CAGED_REDIS_URL, CAGED_QUEUE,
 * CAGED_PREFIX), waits for a worker to judge it and prints the result in `caged run`'s format.
 * The submission is built by `caged run`'s own code (run.ts: the test-directory rule, bytes
 * kept, limit bounds), so the two commands read a directory alike.
 *
 * - `--id ID`: the idempotency key. The same id with the same payload is the same job (its
 *   result, if already judged); with a different payload, a conflict (exit 2). `--rejudge`
 *   judges again under the id and replaces the result.
 * - `--timeout S`: stop waiting after S seconds (default 600; 0 waits forever); the job stays
 *   queued. When no worker has been seen on the queue for NO_WORKER_HINT_MS, it is said on
 *   stderr once (the job waits until one starts).
 * - a progress line on stderr when it is a terminal.
 *
 * Exit status: 0 judged (whatever the verdict), 2 the submission was refused, 1 caged failed
 * (or no result within the timeout), 130/143 interrupted (the job stays on the queue).
 */
import { CagedClient } from '../client/client';
import { JobFailedError } from '../client/errors';
import { loadConfig } from '../config';
import { InvalidRequestError } from '../errors';
import { checkRedisReachable, redisConnection } from '../queue/connection';
import { parseArgs, stringFlag, type ParsedArgs } from './args';
import { ProgressLine } from './progress';
import { RUN_BOOLEAN_FLAGS, RUN_VALUED_FLAGS, submissionFromArgs, summary } from './run';
import { terminalSafe } from './terminal-safe';

/** Default of `--timeout`, in seconds. */
export const DEFAULT_SUBMIT_TIMEOUT_S = 600;
/** How long no worker may be seen on the queue before `caged submit` says so, in ms. */
export const NO_WORKER_HINT_MS = 5000;
const WORKER_POLL_MS = 1000;

export interface SubmitCommandDeps {
  /** Aborted on SIGINT/SIGTERM (main.ts): stop waiting (the job stays queued). */
  signal?: AbortSignal;
}

function wholeFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new InvalidRequestError(`must be a whole number from ${min} to ${max} (got ${v})`, `--${name}`);
  return Number(v);
}

export async function submitCommand(argv: readonly string[], out: NodeJS.WritableStream, deps: SubmitCommandDeps = {}): Promise<number> {
  const args = parseArgs(argv, RUN_VALUED_FLAGS.filter((f) => f !== 'image').concat(['id', 'priority', 'timeout']), [
    ...RUN_BOOLEAN_FLAGS,
    'rejudge',
  ]);
  const submission = submissionFromArgs(args, undefined);
  const id = stringFlag(args, 'id');
  if (id !== undefined) submission.id = id;
  const rejudge = args.flags.has('rejudge');
  if (rejudge && id === undefined) throw new InvalidRequestError('needs --id (the id to judge again)', '--rejudge');
  const priority = wholeFlag(args, 'priority', 1, 2_097_151);
  const timeoutS = wholeFlag(args, 'timeout', 0, 7 * 24 * 3600) ?? DEFAULT_SUBMIT_TIMEOUT_S;

  const config = loadConfig(process.env, ['redisUrl', 'redisCluster', 'queue', 'prefix']);
  await checkRedisReachable(config.redisUrl);
  const connection = redisConnection(config.redisUrl, { cluster: config.redisCluster === 'yes' });
  const client = new CagedClient({ connection: connection.options, queueName: config.queue, prefix: config.prefix });
  const progress = ProgressLine.on();
  const watch = new WorkerWatch(client, config.queue);
  try {
    const jobId = await client.enqueue(submission, { priority, rejudge });
    progress?.draw(`job ${jobId} queued on ${config.queue}`);
    watch.start((line) => {
      progress?.clear();
      process.stderr.write(terminalSafe(line));
    });
    const result = await client.wait(jobId, {
      ...(timeoutS > 0 ? { timeoutMs: timeoutS * 1000 } : {}),
      onProgress: (p) => progress?.test(p),
      signal: deps.signal,
    });
    progress?.clear();
    out.write(args.flags.has('json') ? `${JSON.stringify(result, null, 2)}\n` : summary(result));
    return 0;
  } catch (err) {
    if (err instanceof JobFailedError && err.invalid) throw new InvalidRequestError(err.reason);
    throw err;
  } finally {
    watch.stop();
    progress?.clear();
    await client.close().catch(() => undefined);
    await connection.close();
  }
}

/** Says once on stderr when no worker has been seen on the queue for NO_WORKER_HINT_MS (BullMQ's worker list). */
class WorkerWatch {
  private timer: NodeJS.Timeout | undefined;
  private since = 0;
  private said = false;

  constructor(
    private readonly client: CagedClient,
    private readonly queue: string,
  ) {}

  start(say: (line: string) => void): void {
    this.since = Date.now();
    const poll = async (): Promise<void> => {
      const count = await this.client.workerCount().catch(() => null);
      if (count === null || this.timer === undefined) return;
      if (count > 0) this.since = Date.now();
      else if (!this.said && Date.now() - this.since >= NO_WORKER_HINT_MS) {
        this.said = true;
        say(
          `caged: no worker has been seen on queue ${this.queue} for ${Math.round((Date.now() - this.since) / 1000)} s: ` +
            'the job waits until one starts (`caged worker` with the same CAGED_REDIS_URL, CAGED_QUEUE and CAGED_PREFIX)\n',
        );
      }
    };
    this.timer = setInterval(() => void poll(), WORKER_POLL_MS);
    this.timer.unref();
    void poll();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
