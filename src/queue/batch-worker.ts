/**
 * The batch processor: a BullMQ Worker on the batch queue (src/wire/batch.ts). A batch's parent
 * job reaches it only once every child (submission) job has finished: BullMQ keeps the parent
 * in `waiting-children` until then, records each completed child's return value in the
 * parent's `processed` hash and, the children being added with `ignoreDependencyOnFailure`,
 * each failed child's reason in its ignored-failures hash. The processor reads both, asks each
 * child that is still in Redis which worker judged it (`processedBy`), and returns the batch's
 * summary (one row per submission, bad input included) as the parent's return value.
 * Submissions the producer found already judged are no children of the flow (src/client/grade.ts):
 * their results are read from their own jobs on the judge queue.
 *
 * The work is a few Redis reads per batch, so it runs beside the judge in every worker process,
 * never holding a judge slot.
 */
import { Queue, Worker, type ConnectionOptions, type Job, type RedisClient } from 'bullmq';
import type { JudgeResult } from '../judge/schema';
import { summarize, type BatchData, type BatchSummary, type ChildOutcome } from '../wire/batch';
import { isFailoverNotice } from './redis-watch';
import { errorFields, type Logger } from './log';

export interface BatchWorkerOptions {
  connection: ConnectionOptions;
  /** The batch queue (`batchQueueName(CAGED_QUEUE)`). */
  queue: string;
  /** The judge queue (CAGED_QUEUE): where a batch's reused submissions are read. */
  judgeQueue: string;
  prefix: string;
  name: string;
  logger: Logger;
  /** Seconds finished batch parents stay in Redis (0: removed at once). */
  keepCompletedS: number;
  keepFailedS: number;
}

/** `bull:caged:g-1f…` → `g-1f…` (job ids never hold ':'; the client's ids never do). */
function idOfKey(key: string): string {
  return key.slice(key.lastIndexOf(':') + 1);
}

export class BatchWorker {
  private constructor(
    private readonly worker: Worker<BatchData, BatchSummary>,
    private readonly judgeQueue: Queue,
    private readonly running: Promise<void>,
  ) {}

  static async start(opts: BatchWorkerOptions): Promise<BatchWorker> {
    const log = opts.logger.child({ queue: opts.queue });
    const judgeQueue = new Queue(opts.judgeQueue, { connection: opts.connection, prefix: opts.prefix });
    judgeQueue.on('error', () => undefined);
    const worker: Worker<BatchData, BatchSummary> = new Worker<BatchData, BatchSummary>(
      opts.queue,
      async (job) => BatchWorker.process(job, await worker.backend.client, judgeQueue, log),
      {
        connection: opts.connection,
        prefix: opts.prefix,
        name: opts.name,
        concurrency: 4,
        autorun: false,
        removeOnComplete: opts.keepCompletedS === 0 ? { count: 0 } : { age: opts.keepCompletedS },
        removeOnFail: opts.keepFailedS === 0 ? { count: 0 } : { age: opts.keepFailedS },
        runRetryDelay: 1000,
      },
    );
    worker.on('error', (err) => {
      if (isFailoverNotice(err)) log.info(errorFields(err), 'Redis Cluster failover: a blocking read was interrupted (retried)');
      else log.warn(errorFields(err), 'batch queue error');
    });
    try {
      await worker.waitUntilReady();
    } catch (err) {
      await worker.close(true).catch(() => undefined);
      await judgeQueue.close().catch(() => undefined);
      throw err;
    }
    const running = worker.run().catch((err: unknown) => log.error(errorFields(err), 'batch worker loop ended with an error'));
    return new BatchWorker(worker, judgeQueue, running);
  }

  private static async process(
    job: Job<BatchData, BatchSummary>,
    client: RedisClient,
    judgeQueue: Queue,
    log: Logger,
  ): Promise<BatchSummary> {
    const data = job.data;
    const values = (await job.getChildrenValues<JudgeResult>()) ?? {};
    const failures = await job.getIgnoredChildrenFailures();
    const outcomes = new Map<string, ChildOutcome>();
    const keys = [...Object.keys(values), ...Object.keys(failures)];
    // Every child's worker name, the commands sent back to back (a child removed since has none).
    const workers = await Promise.all(keys.map((k) => client.hget(k, 'pb').catch(() => null)));
    keys.forEach((key, i) => {
      const worker = workers[i] ?? null;
      const value = values[key];
      if (value !== undefined) outcomes.set(idOfKey(key), { result: value, worker });
      else outcomes.set(idOfKey(key), { failed: failures[key] ?? 'failed', worker });
    });
    // The submissions judged before this batch: their own jobs.
    const reused = [...new Set(data.entries.map((e) => e.jobId).filter((id): id is string => id !== null && !outcomes.has(id)))];
    await Promise.all(
      reused.map(async (id) => {
        const child = await judgeQueue.getJob(id);
        if (!child) return;
        const worker = child.processedBy ?? null;
        if (child.finishedOn && child.returnvalue !== null && child.returnvalue !== undefined)
          outcomes.set(id, { result: child.returnvalue as JudgeResult, worker });
        else if (child.finishedOn && child.failedReason) outcomes.set(id, { failed: child.failedReason, worker });
      }),
    );
    const summary = summarize(job.id ?? '', data, outcomes);
    log.info({ batch: job.id, submissions: data.entries.length, reused: reused.length, counts: summary.counts }, 'batch completed');
    return summary;
  }

  /** Stops taking batches and waits for the running ones; every step runs. Idempotent. */
  async close(): Promise<void> {
    try {
      await this.worker.close();
      await this.running;
    } finally {
      await this.judgeQueue.close();
    }
  }
}
