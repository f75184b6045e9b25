/**
 * `client.grade(problem, submissions, { onProgress })`: batch grading through the queue, as one
 * BullMQ flow (src/wire/batch.ts): a parent job on the batch queue whose children are the
 * submissions' jobs on the judge queue; every worker takes children, and the one that takes the
 * parent, once all children have finished, returns the batch's summary.
 *
 * Resumable and idempotent. A submission's job id comes from the problem and its content, so
 * before adding the flow the batch looks at each child: a completed one is reused (its result
 * read, not judged again), a failed one is removed and judged again, a waiting or running one
 * (left by an earlier run that lost its connection) is attached to the new parent. A parent left
 * by an earlier run is removed first (never its children); a completed one with the same id
 * (the same problem and submissions) is the answer. `rejudge` removes every child not running
 * now, so all are judged again.
 *
 * Interrupted (`signal`): the parent is removed, then every child not started; running ones
 * finish and stay in Redis, so the next run reuses them. GradeInterruptedError says how far it got.
 *
 * Bad input never aborts the batch: an entry given as `refused`, or one the submission schema
 * refuses (a source over the cap, …), becomes a REFUSED row with the reason.
 */
import { FlowProducer, Queue, QueueEvents, type ConnectionOptions, type FlowJob } from 'bullmq';
import type { JudgeResult } from '../judge/schema';
import {
  BatchJobFailedError,
  GradeInterruptedError,
  planBatch,
  type GradeEntry,
  type GradeOptions,
  type GradeProblem,
  type GradeResult,
  type Plan,
} from './grade-plan';
import { BATCH_JOB_NAME, batchQueueName, rowOf, summarize, type BatchRow, type BatchSummary, type ChildOutcome } from '../wire/batch';
import { JOB_NAME } from '../wire/contract';

export { BatchJobFailedError, GradeInterruptedError, planBatch } from './grade-plan';
export type { GradeEntry, GradeOptions, GradeProblem, GradeProgress, GradeResult } from './grade-plan';

/** What the client lends a batch. */
export interface GradeContext {
  connection: ConnectionOptions;
  queueName: string;
  prefix: string;
  attempts: number;
  backoffMs: number;
  maxSourceBytes: number;
  /** How often unfinished children are looked at in case an event was lost, in ms. */
  recheckMs: number;
}

/** Judges a batch through the queue (see the module comment). */
export async function gradeBatch(
  ctx: GradeContext,
  problem: GradeProblem,
  entries: readonly GradeEntry[],
  opts: GradeOptions = {},
): Promise<GradeResult> {
  const plan = planBatch(problem, entries, ctx.maxSourceBytes);
  const run = new BatchRun(ctx, plan, opts);
  try {
    return await run.run();
  } finally {
    await run.close();
  }
}

class BatchRun {
  private readonly queue: Queue;
  private readonly batchQueue: Queue;
  private readonly flow: FlowProducer;
  private events: QueueEvents | undefined;
  private batchEvents: QueueEvents | undefined;
  private readonly outcomes = new Map<string, ChildOutcome>();
  private readonly reusedIds = new Set<string>();
  private readonly results = new Map<string, JudgeResult>();
  /** Entry indices of each child job. */
  private readonly indicesOf = new Map<string, number[]>();
  private done = 0;
  private summary: BatchSummary | undefined;
  private settleParent: ((s: BatchSummary) => void) | undefined;
  private failParent: ((e: Error) => void) | undefined;

  constructor(
    private readonly ctx: GradeContext,
    private readonly plan: Plan,
    private readonly opts: GradeOptions,
  ) {
    const base = { connection: ctx.connection, prefix: ctx.prefix };
    this.queue = new Queue(ctx.queueName, base);
    this.batchQueue = new Queue(batchQueueName(ctx.queueName), base);
    this.flow = new FlowProducer(base);
    for (const q of [this.queue, this.batchQueue]) q.on('error', () => undefined);
    this.flow.on('error', () => undefined);
    plan.data.entries.forEach((e, i) => {
      if (e.jobId !== null) this.indicesOf.set(e.jobId, [...(this.indicesOf.get(e.jobId) ?? []), i]);
    });
  }

  private get total(): number {
    return this.plan.data.entries.length;
  }

  async run(): Promise<GradeResult> {
    const { batchId, data } = this.plan;
    await Promise.all([this.queue.waitUntilReady(), this.batchQueue.waitUntilReady()]);
    this.checkAborted();
    // Refused entries are finished from the start.
    data.entries.forEach((e, i) => {
      if (e.jobId === null) this.emit(i, rowOf(e, undefined), false);
    });
    const parentState = await this.batchQueue.getJobState(batchId);
    if (parentState === 'completed' && !this.opts.rejudge) {
      const job = await this.batchQueue.getJob(batchId);
      let all = Boolean(job?.returnvalue);
      for (const id of this.plan.children.keys()) if (all) all = await this.reuse(id);
      if (all) return this.finish(summarize(batchId, data, this.outcomes));
    }
    let attach = false;
    if (parentState !== 'unknown') {
      // A parent left by an earlier run (interrupted, or finished with --rejudge): removed,
      // never its children; one being processed right now is waited for instead.
      attach = (await this.batchQueue.remove(batchId, { removeChildren: false })) === 0;
    }
    if (!attach) await this.prepareChildren();
    await this.listen();
    if (!attach) await this.addFlow();
    return this.finish(await this.waitForParent());
  }

  /**
   * Before the flow is added, each child is made fresh or finished: a completed one is reused
   * (removed with rejudge), a failed one removed, one waiting in an earlier run's flow removed
   * (it joins this one), a running one waited for. The flow then adds only fresh children, so
   * no child is ever shared with another batch's parent.
   */
  private async prepareChildren(): Promise<void> {
    const ids = [...this.plan.children.keys()];
    let next = 0;
    const one = async (id: string): Promise<void> => {
      for (;;) {
        this.checkAborted();
        const state = await this.queue.getJobState(id);
        if (state === 'unknown') return;
        if (state === 'active') {
          await sleep(200);
          continue;
        }
        if (state === 'completed' && !this.opts.rejudge && (await this.reuse(id))) return;
        // 0: it became active meanwhile; look again.
        if ((await this.queue.remove(id, { removeChildren: false })) === 1) return;
      }
    };
    // A few at a time: thousands of lookups need not be in flight at once.
    await Promise.all(
      Array.from({ length: Math.min(32, ids.length) }, async () => {
        while (next < ids.length) await one(ids[next++]!);
      }),
    );
  }

  /** Reads a completed child's result now (it is not judged again). */
  private async reuse(id: string): Promise<boolean> {
    if (this.outcomes.has(id)) return true;
    const job = await this.queue.getJob(id);
    if (!job?.finishedOn || job.returnvalue === null || job.returnvalue === undefined) return false;
    this.reusedIds.add(id);
    this.settle(id, { result: job.returnvalue as JudgeResult, worker: job.processedBy ?? null });
    return true;
  }

  private async listen(): Promise<void> {
    const make = async (queue: Queue): Promise<QueueEvents> => {
      const events = new QueueEvents(queue.name, {
        connection: this.ctx.connection,
        prefix: this.ctx.prefix,
        autorun: false,
        lastEventId: await lastEventId(queue),
      });
      events.on('error', () => undefined);
      return events;
    };
    this.events = await make(this.queue);
    this.batchEvents = await make(this.batchQueue);
    this.events.on('completed', ({ jobId, returnvalue }) => {
      if (this.indicesOf.has(jobId) && !this.outcomes.has(jobId))
        void this.withWorker(jobId, (worker) => ({ result: returnvalue as unknown as JudgeResult, worker }));
    });
    this.events.on('failed', ({ jobId, failedReason }) => {
      if (this.indicesOf.has(jobId) && !this.outcomes.has(jobId))
        void this.withWorker(jobId, (worker) => ({ failed: failedReason, worker }));
    });
    this.batchEvents.on('completed', ({ jobId, returnvalue }) => {
      if (jobId === this.plan.batchId) this.settleParent?.(returnvalue as BatchSummary);
    });
    this.batchEvents.on('failed', ({ jobId, failedReason }) => {
      if (jobId === this.plan.batchId) this.failParent?.(new BatchJobFailedError(jobId, failedReason));
    });
    for (const e of [this.events, this.batchEvents]) void e.run().catch(() => undefined);
    await Promise.all([this.events.waitUntilReady(), this.batchEvents.waitUntilReady()]);
  }

  /** A finished child, with the name of the worker that took it (read from its job). */
  private async withWorker(id: string, outcome: (worker: string | null) => ChildOutcome): Promise<void> {
    let worker: string | null = null;
    try {
      const client = await this.queue.backend.client;
      worker = await client.hget(this.queue.toKey(id), 'pb');
    } catch {
      // Removed already, or Redis away: the batch's summary names it anyway.
    }
    this.settle(id, outcome(worker));
  }

  private async addFlow(): Promise<void> {
    const children: FlowJob[] = [...this.plan.children]
      .filter(([id]) => !this.outcomes.has(id))
      .map(([id, data]) => ({
        name: JOB_NAME,
        queueName: this.ctx.queueName,
        data,
        opts: {
          jobId: id,
          attempts: this.ctx.attempts,
          backoff: { type: 'exponential', delay: this.ctx.backoffMs },
          ignoreDependencyOnFailure: true,
        },
      }));
    // Reused children are not children of this flow (the batch processor reads them from the
    // judge queue); with none left to judge the parent is processed at once.
    await this.flow.add({
      name: BATCH_JOB_NAME,
      queueName: this.batchQueue.name,
      data: this.plan.data,
      opts: { jobId: this.plan.batchId },
      children,
    });
  }

  private waitForParent(): Promise<BatchSummary> {
    return new Promise<BatchSummary>((resolve, reject) => {
      const timer = setInterval(() => void this.recheck(), this.ctx.recheckMs);
      const end = (): void => {
        clearInterval(timer);
        this.opts.signal?.removeEventListener('abort', onAbort);
        this.settleParent = undefined;
        this.failParent = undefined;
      };
      this.settleParent = (s) => {
        end();
        resolve(s);
      };
      this.failParent = (e) => {
        end();
        reject(e);
      };
      const onAbort = (): void => {
        end();
        this.cancel().then(
          (running) => reject(new GradeInterruptedError(this.done, this.total, running)),
          (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
        );
      };
      if (this.opts.signal?.aborted) return onAbort();
      this.opts.signal?.addEventListener('abort', onAbort, { once: true });
      void this.recheck();
    });
  }

  /** Settles children and the parent whose events were missed. */
  private async recheck(): Promise<void> {
    try {
      const { batchId } = this.plan;
      if ((await this.batchQueue.getJobState(batchId)) === 'completed') {
        const job = await this.batchQueue.getJob(batchId);
        if (job?.returnvalue) this.settleParent?.(job.returnvalue as BatchSummary);
        return;
      }
      for (const id of this.plan.children.keys()) {
        if (this.outcomes.has(id)) continue;
        const state = await this.queue.getJobState(id);
        if (state !== 'completed' && state !== 'failed') continue;
        const job = await this.queue.getJob(id);
        if (!job || this.outcomes.has(id)) continue;
        const worker = job.processedBy ?? null;
        this.settle(id, state === 'completed' ? { result: job.returnvalue as JudgeResult, worker } : { failed: job.failedReason, worker });
      }
    } catch {
      // Redis away: the next look or an event settles it.
    }
  }

  /** Removes the parent, then every child not started; resolves to the children still running. */
  private async cancel(): Promise<number> {
    await this.batchQueue.remove(this.plan.batchId, { removeChildren: false }).catch(() => 0);
    let running = 0;
    await Promise.all(
      [...this.plan.children.keys()]
        .filter((id) => !this.outcomes.has(id))
        .map(async (id) => {
          const state = await this.queue.getJobState(id);
          if (state === 'completed' || state === 'failed' || state === 'unknown') return;
          if ((await this.queue.remove(id, { removeChildren: false })) === 0) running++;
        }),
    );
    return running;
  }

  private settle(id: string, outcome: ChildOutcome): void {
    // After the summary, late events change nothing (finish() reported every row once).
    if (this.outcomes.has(id) || this.summary) return;
    this.outcomes.set(id, outcome);
    if ('result' in outcome && this.opts.keepResults !== false) this.results.set(id, outcome.result);
    for (const i of this.indicesOf.get(id) ?? []) this.emit(i, rowOf(this.plan.data.entries[i]!, outcome), this.reusedIds.has(id));
  }

  private emit(index: number, row: BatchRow, reused: boolean): void {
    this.done++;
    this.opts.onProgress?.({ row, index, done: this.done, total: this.total, reused });
  }

  private checkAborted(): void {
    if (this.opts.signal?.aborted) throw new GradeInterruptedError(this.done, this.total, 0);
  }

  /** The result: the parent's summary, rows not yet reported reported, full results attached. */
  private async finish(summary: BatchSummary): Promise<GradeResult> {
    this.summary = summary;
    // Rows whose event was missed: reported now, in order.
    const rowsById = new Map(summary.rows.filter((r) => r.jobId !== null).map((r) => [r.jobId!, r]));
    for (const [id] of this.plan.children) {
      if (this.outcomes.has(id)) continue;
      const row = rowsById.get(id);
      if (!row) continue;
      if (this.opts.keepResults !== false) {
        const job = await this.queue.getJob(id).catch(() => undefined);
        if (job?.returnvalue) this.results.set(id, job.returnvalue as JudgeResult);
      }
      for (const i of this.indicesOf.get(id) ?? []) this.emit(i, { ...row, name: this.plan.data.entries[i]!.name }, false);
    }
    const results = this.plan.data.entries.map((e) => (e.jobId === null ? null : (this.results.get(e.jobId) ?? null)));
    const reused = this.plan.data.entries.filter((e) => e.jobId !== null && this.reusedIds.has(e.jobId)).length;
    const judged = this.plan.data.entries.filter((e) => e.jobId !== null).length - reused;
    return { summary: this.summary, results, reused, judged };
  }

  /** Every step runs even if one fails. */
  async close(): Promise<void> {
    for (const c of [this.events, this.batchEvents, this.flow, this.queue, this.batchQueue]) {
      try {
        await c?.close();
      } catch {
        // Closing is best effort: nothing of the batch depends on it.
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The id of the newest event on the queue's stream, so that QueueEvents misses nothing after it. */
async function lastEventId(queue: Queue): Promise<string> {
  const client = (await queue.backend.client) as unknown as {
    xrevrange?: (key: string, end: string, start: string, count: 'COUNT', n: number) => Promise<Array<[string, string[]]>>;
  };
  if (typeof client.xrevrange !== 'function') return '$';
  const last = await client.xrevrange(queue.keys.events!, '+', '-', 'COUNT', 1);
  return last[0]?.[0] ?? '0-0';
}
