/**
 * The typed client for judge backends.
 *
 *   const caged = new CagedClient({ connection: 'redis://127.0.0.1:6379' });
 *   const result = await caged.submit({ id: 'sub-42', language: 'c', source, testcases });
 *   await caged.close();
 *
 * One Queue (to add jobs) and one QueueEvents (to hear progress and results) per client,
 * connected on first use (nothing happens in the constructor). Waiting never misses a result:
 * the events are read from the stream position taken before the first job is added, a wait
 * registered late first looks at the job's state, and unfinished waits re-check the state
 * every `recheckMs` in case an event was lost (a Redis failover, a trimmed stream).
 */
import { Queue, QueueEvents, type ConnectionOptions } from 'bullmq';
import type { Cluster } from 'ioredis';
import { InvalidRequestError } from '../errors';
import {
  DEFAULT_MAX_SOURCE_BYTES,
  makeSubmissionSchema,
  TEST_VERDICTS,
  type JudgeResult,
  type Submission,
  type SubmissionInput,
} from '../judge/schema';
import {
  DEFAULT_MAX_PUSH_BYTES,
  pushProblem as pushProblemToRedis,
  redisClientFor,
  type PackOptions,
  type ProblemRef,
} from '../problem/package-store';
import { clusterFromUrl, redisOptionsFromUrl } from '../queue/connection';
import { clusterPrefixProblem } from '../redis-cluster';
import { JOB_NAME, asJudgeProgress, fieldIssues, type JudgeProgress } from '../wire/contract';
import { BatchFailedError, ClientClosedError, ConflictError, JobFailedError, WaitAbortedError, WaitTimeoutError } from './errors';
import { payloadDigest } from './payload-digest';
import { EventStream, type CagedEvent } from './event-stream';
import { gradeBatch, type GradeEntry, type GradeOptions, type GradeProblem, type GradeResult } from './grade';
import { jobIdFor } from './job-id';

export type { SubmissionInput } from '../judge/schema';

export interface CagedClientOptions {
  /**
   * A redis:// URL, ioredis options, or an ioredis (Cluster) instance. An instance given here is
   * the caller's: the client never closes it.
   */
  connection: ConnectionOptions | string;
  /**
   * The URL given as `connection` is one seed node of a Redis Cluster: the client opens an ioredis
   * Cluster of its own (closed by close()), with the retries the worker uses. Default false.
   */
  cluster?: boolean;
  /** Default 'caged' (the worker's CAGED_QUEUE). */
  queueName?: string;
  /** Default 'bull' (the worker's CAGED_PREFIX); on Redis Cluster it must hold a hash tag such as '{caged}'. */
  prefix?: string;
  /** Tries of a job that fails with an internal error; default 3. */
  attempts?: number;
  /** First retry delay in ms, doubling after each try; default 1000. */
  backoffMs?: number;
  /** How often unfinished waits re-check their job's state, in ms; default 5000. */
  recheckMs?: number;
  /** Source cap checked before enqueuing; default 256 KiB (the worker's CAGED_MAX_SOURCE_BYTES decides in the end). */
  maxSourceBytes?: number;
}

export interface EnqueueOptions {
  /** Job id; default the submission's `id` (the same id twice is one job). */
  jobId?: string;
  /** 1 (most urgent) to 2 097 151; jobs without a priority go before prioritized ones (BullMQ). */
  priority?: number;
  /**
   * Judge again under an id already used: the stored job (and its result) is removed and the
   * submission added anew, whatever its payload. A job being judged is first let finish.
   * Without it, the same id with a different payload is a ConflictError.
   */
  rejudge?: boolean;
}

export interface WaitOptions {
  onProgress?: (progress: JudgeProgress) => void;
  /** Give up waiting (not the job) after this many ms; default: wait as long as it takes. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type SubmitOptions = EnqueueOptions & WaitOptions;

export interface BatchProgress {
  /** Position of the submission in the batch. */
  index: number;
  jobId: string;
  /** Jobs of the batch finished so far (completed or failed). */
  done: number;
  total: number;
  /** A test case of this job was judged. */
  progress?: JudgeProgress;
  /** This job completed. */
  result?: JudgeResult;
  /** This job failed. */
  error?: Error;
}

export interface SubmitManyOptions {
  priority?: number;
  onProgress?: (progress: BatchProgress) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Waiter {
  resolve: (r: JudgeResult) => void;
  reject: (e: Error) => void;
  onProgress?: (p: JudgeProgress) => void;
}

/** A job as added, with what its idempotency check needs: the checked submission and the id the caller gave. */
interface AddedJob {
  name: string;
  data: SubmissionInput;
  opts: { jobId?: string; priority?: number };
  parsed: Submission;
  submissionId?: string;
}

interface Parts {
  queue: Queue<unknown, JudgeResult>;
  events: QueueEvents<JudgeResult>;
}

export class CagedClient {
  readonly queueName: string;
  readonly prefix: string;
  private readonly connection: ConnectionOptions;
  /** The Cluster opened for `cluster: true`, closed with the client. */
  private readonly ownCluster: Cluster | undefined;
  private readonly schema: ReturnType<typeof makeSubmissionSchema>;
  private parts: Promise<Parts> | undefined;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly streams = new Set<EventStream>();
  /** Jobs whose state read 'unknown' once (see checkJob). */
  private readonly unknownSeen = new Map<string, number>();
  private recheckTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: CagedClientOptions) {
    this.queueName = opts.queueName ?? 'caged';
    this.prefix = opts.prefix ?? 'bull';
    if (opts.cluster && typeof opts.connection !== 'string')
      throw new InvalidRequestError('`cluster: true` needs a redis:// URL (pass an ioredis Cluster itself otherwise)', 'cluster');
    this.ownCluster = opts.cluster ? clusterFromUrl(opts.connection as string) : undefined;
    this.ownCluster?.on('error', () => undefined); // BullMQ's listeners report; ioredis keeps trying
    this.connection = this.ownCluster ?? (typeof opts.connection === 'string' ? redisOptionsFromUrl(opts.connection) : opts.connection);
    // BullMQ's scripts touch many keys of the queue at once: on a cluster they must share one slot.
    const problem = isCluster(this.connection) ? clusterPrefixProblem(this.prefix) : null;
    if (problem) {
      this.ownCluster?.disconnect();
      throw new InvalidRequestError(problem, 'prefix');
    }
    this.schema = makeSubmissionSchema({ maxSourceBytes: opts.maxSourceBytes ?? DEFAULT_MAX_SOURCE_BYTES });
  }

  /** Adds one job; resolves to its id. Checks the submission first (InvalidRequestError naming the field). */
  async enqueue(submission: SubmissionInput, opts: EnqueueOptions = {}): Promise<string> {
    const [id] = await this.enqueueMany([submission], opts);
    return id!;
  }

  /** Adds many jobs in one round trip; resolves to their ids in order. */
  async enqueueMany(submissions: readonly SubmissionInput[], opts: { priority?: number; rejudge?: boolean } = {}): Promise<string[]> {
    const jobs = submissions.map((s, i) => this.jobFor(s, opts, submissions.length > 1 ? `[${i}]` : ''));
    const parts = await this.ready();
    if (opts.rejudge) for (const j of jobs) if (j.opts.jobId !== undefined) await this.removeForRejudge(parts, j.opts.jobId);
    const added = await parts.queue.addBulk(jobs.map(({ name, data, opts: jobOpts }) => ({ name, data, opts: jobOpts })));
    // BullMQ keeps the job already stored under an id: a different payload there is a conflict.
    if (!opts.rejudge) await this.checkSamePayloads(parts, jobs);
    return added.map((j) => j.id!);
  }

  /** Workers connected to this queue now (BullMQ's worker list: Redis CLIENT LIST). */
  async workerCount(): Promise<number> {
    const { queue } = await this.ready();
    return queue.getWorkersCount();
  }

  /**
   * The payloads stored under the jobs' ids, read in one round trip, are those just sent, or
   * the same submission (digests equal). The stored data is the JSON BullMQ wrote of the data
   * it was given: text equal to this submission's JSON is the same payload without parsing or
   * digesting anything; other text is compared by digest, after the same parse.
   */
  private async checkSamePayloads(parts: Parts, jobs: ReadonlyArray<AddedJob>): Promise<void> {
    const withId = jobs.filter((j): j is AddedJob & { opts: { jobId: string } } => j.opts.jobId !== undefined);
    if (withId.length === 0) return;
    const client = await parts.queue.backend.client;
    const pipeline = client.pipeline();
    for (const j of withId) pipeline.hgetall(parts.queue.toKey(j.opts.jobId));
    const replies: ReadonlyArray<[Error | null, unknown]> = (await pipeline.exec()) ?? [];
    for (const [i, j] of withId.entries()) {
      const [err, hash] = replies[i] ?? [new Error('no reply to HGETALL from the pipeline'), null];
      if (err) throw err;
      const raw = (hash as Record<string, string> | null)?.data;
      if (typeof raw === 'string' && raw === JSON.stringify(j.data)) continue;
      // Removed since (CAGED_KEEP_*: the wait reports it), or another text: read as BullMQ reads it.
      const stored = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : (await parts.queue.getJob(j.opts.jobId))?.data;
      if (stored === undefined) continue;
      const parsed = this.schema.safeParse(stored);
      if (payloadDigest(parsed.success ? parsed.data : stored) !== payloadDigest(j.parsed))
        throw new ConflictError(j.opts.jobId, j.submissionId ?? j.opts.jobId);
    }
  }

  /** Removes a stored job for a rejudge; a job being judged is let finish first (a locked job cannot be removed). */
  private async removeForRejudge(parts: Parts, jobId: string): Promise<void> {
    for (let tries = 0; ; tries++) {
      if ((await parts.queue.remove(jobId)) === 1 || (await parts.queue.getJobState(jobId)) === 'unknown') return;
      if (tries >= 3) throw new ConflictError(jobId, jobId);
      await this.waitFor(jobId, {}, true).catch(() => undefined);
    }
  }

  /** Waits for a job's result; rejects with JobFailedError, WaitTimeoutError or WaitAbortedError. */
  wait(jobId: string, opts: WaitOptions = {}): Promise<JudgeResult> {
    return this.waitFor(jobId, opts, true);
  }

  /**
   * `lookFirst`: read the job's state once the wait is registered, for a job that may have
   * finished before (any wait(), or a job added under an id that may already exist). A job this
   * client has just added under a fresh id cannot have finished before the event stream position
   * taken at connection, so its wait skips that read.
   */
  private async waitFor(jobId: string, opts: WaitOptions, lookFirst: boolean): Promise<JudgeResult> {
    const parts = await this.ready();
    if (this.closing) throw new WaitAbortedError(jobId, 'client closed');
    return new Promise<JudgeResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => settle(() => reject(new WaitAbortedError(jobId, 'aborted by the caller')));
      const settle = (fn: () => void): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.removeWaiter(jobId, waiter);
        fn();
      };
      const waiter: Waiter = {
        resolve: (r) => settle(() => resolve(r)),
        reject: (e) => settle(() => reject(e)),
        onProgress: opts.onProgress,
      };
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs !== undefined)
        timer = setTimeout(() => waiter.reject(new WaitTimeoutError(jobId, opts.timeoutMs!)), opts.timeoutMs);
      this.addWaiter(jobId, waiter);
      if (lookFirst) void this.checkJob(parts, jobId);
    });
  }

  /** Enqueues and waits. */
  async submit(submission: SubmissionInput, opts: SubmitOptions = {}): Promise<JudgeResult> {
    const jobId = await this.enqueue(submission, opts);
    return this.waitFor(jobId, opts, mayExist(submission, opts));
  }

  /**
   * Batch grading: enqueues all in one round trip and resolves to the results in input order.
   * If any job fails, rejects with BatchFailedError (holding the other results) once all ended.
   */
  async submitMany(submissions: readonly SubmissionInput[], opts: SubmitManyOptions = {}): Promise<JudgeResult[]> {
    const ids = await this.enqueueMany(submissions, { priority: opts.priority });
    const lookFirst = submissions.map((s) => mayExist(s, {}));
    const total = ids.length;
    let done = 0;
    const results: Array<JudgeResult | null> = new Array<JudgeResult | null>(total).fill(null);
    const failures: Array<{ index: number; error: Error }> = [];
    await Promise.all(
      ids.map(async (jobId, index) => {
        try {
          const waitOpts: WaitOptions = {
            timeoutMs: opts.timeoutMs,
            signal: opts.signal,
            onProgress: (progress) => opts.onProgress?.({ index, jobId, done, total, progress }),
          };
          const result = await this.waitFor(jobId, waitOpts, lookFirst[index]!);
          results[index] = result;
          done++;
          opts.onProgress?.({ index, jobId, done, total, result });
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          done++;
          failures.push({ index, error });
          opts.onProgress?.({ index, jobId, done, total, error });
        }
      }),
    );
    if (failures.length)
      throw new BatchFailedError(
        results,
        failures.sort((a, b) => a.index - b.index),
      );
    return results as JudgeResult[];
  }

  /** Grades a batch as one BullMQ flow: resumable, idempotent, bad input per row (src/client/grade.ts). */
  grade(problem: GradeProblem, submissions: readonly GradeEntry[], opts: GradeOptions = {}): Promise<GradeResult> {
    if (this.closing) return Promise.reject(new ClientClosedError());
    const ctx = {
      connection: this.connection,
      queueName: this.queueName,
      prefix: this.prefix,
      attempts: this.opts.attempts ?? 3,
      backoffMs: this.opts.backoffMs ?? 1000,
      maxSourceBytes: this.opts.maxSourceBytes ?? DEFAULT_MAX_SOURCE_BYTES,
      recheckMs: this.opts.recheckMs ?? 5000,
    };
    return gradeBatch(ctx, problem, submissions, opts);
  }

  /**
   * Packs the problem package at `dir` and stores it in Redis under its digest, in chunks, with
   * the queue's prefix (src/problem/package-store.ts); resolves to the reference a submission
   * names as `problem`. Pushing the same package again stores nothing (`stored: false`).
   * `timeLimitS` adds a `.timelimit` to a package that gives no time limit (the worker needs one).
   */
  async pushProblem(dir: string, opts: { maxBytes?: number } & PackOptions = {}): Promise<ProblemRef & { bytes: number; stored: boolean }> {
    if (this.closing) throw new ClientClosedError();
    const redis = redisClientFor(this.connection);
    try {
      const pack = opts.timeLimitS === undefined ? {} : { timeLimitS: opts.timeLimitS };
      return await pushProblemToRedis(redis.client, this.prefix, dir, opts.maxBytes ?? DEFAULT_MAX_PUSH_BYTES, pack);
    } finally {
      await redis.close();
    }
  }

  /** Progress and completion of every job on the queue (not only this client's), as they happen. */
  events(opts: { signal?: AbortSignal } = {}): AsyncIterableIterator<CagedEvent> {
    const stream = new EventStream((s) => this.streams.delete(s));
    if (this.closing) {
      stream.end();
      return stream;
    }
    this.streams.add(stream);
    opts.signal?.addEventListener('abort', () => stream.end(), { once: true });
    void this.ready().catch(() => stream.end());
    return stream;
  }

  /** Stops every wait (WaitAbortedError), ends the event streams, disconnects. Idempotent; every step runs. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.recheckTimer);
      for (const [jobId, set] of [...this.waiters]) for (const w of [...set]) w.reject(new WaitAbortedError(jobId, 'client closed'));
      for (const s of [...this.streams]) s.end();
      if (!this.parts) {
        await this.ownCluster?.quit().catch(() => this.ownCluster?.disconnect());
        return;
      }
      const errors: unknown[] = [];
      const parts = await this.parts.catch((err: unknown) => {
        errors.push(err);
        return undefined;
      });
      for (const close of [() => parts?.events.close(), () => parts?.queue.close(), () => this.ownCluster?.quit()]) {
        try {
          await close();
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length) throw new AggregateError(errors, 'closing the caged client');
    })();
    return this.closing;
  }

  private jobFor(s: SubmissionInput, opts: EnqueueOptions, where: string): AddedJob {
    const parsed = this.schema.safeParse(s);
    if (!parsed.success) {
      const first = fieldIssues(parsed.error, where)[0]!;
      throw new InvalidRequestError(first.message, first.field);
    }
    const idSource = opts.jobId ?? parsed.data.id;
    if (opts.priority !== undefined && (!Number.isInteger(opts.priority) || opts.priority < 1 || opts.priority > 2_097_151)) {
      throw new InvalidRequestError(`must be an integer from 1 to 2097151 (got ${opts.priority})`, 'priority');
    }
    return {
      name: JOB_NAME,
      data: s,
      opts: { jobId: idSource === undefined ? undefined : jobIdFor(idSource), priority: opts.priority },
      parsed: parsed.data,
      ...(idSource === undefined ? {} : { submissionId: idSource }),
    };
  }

  private ready(): Promise<Parts> {
    if (this.closing) return Promise.reject(new ClientClosedError());
    this.parts ??= this.connect();
    return this.parts;
  }

  private async connect(): Promise<Parts> {
    const queue = new Queue<unknown, JudgeResult>(this.queueName, {
      connection: this.connection,
      prefix: this.prefix,
      defaultJobOptions: { attempts: this.opts.attempts ?? 3, backoff: { type: 'exponential', delay: this.opts.backoffMs ?? 1000 } },
    });
    queue.on('error', () => undefined); // connection errors: ioredis reconnects; commands wait
    await queue.waitUntilReady();
    const events = new QueueEvents<JudgeResult>(this.queueName, {
      connection: this.connection,
      prefix: this.prefix,
      autorun: false,
      lastEventId: await lastEventId(queue),
    });
    events.on('error', () => undefined);
    events.on('completed', ({ jobId, returnvalue }) => this.deliver({ type: 'completed', jobId, result: returnvalue }));
    events.on('failed', ({ jobId, failedReason }) => this.deliver({ type: 'failed', jobId, reason: failedReason }));
    events.on('progress', ({ jobId, data }) => {
      const progress = asJudgeProgress(data, TEST_VERDICTS);
      if (progress) this.deliver({ type: 'progress', jobId, progress });
    });
    void events.run().catch(() => undefined);
    await events.waitUntilReady();
    return { queue, events };
  }

  private deliver(event: CagedEvent): void {
    for (const s of this.streams) s.push(event);
    const set = this.waiters.get(event.jobId);
    if (!set) return;
    for (const w of [...set]) {
      if (event.type === 'progress') w.onProgress?.(event.progress);
      else if (event.type === 'completed') w.resolve(event.result);
      else w.reject(new JobFailedError(event.jobId, event.reason));
    }
  }

  private addWaiter(jobId: string, w: Waiter): void {
    let set = this.waiters.get(jobId);
    if (!set) this.waiters.set(jobId, (set = new Set()));
    set.add(w);
    this.recheckTimer ??= setInterval(() => void this.recheckAll(), this.opts.recheckMs ?? 5000).unref();
  }

  private removeWaiter(jobId: string, w: Waiter): void {
    const set = this.waiters.get(jobId);
    set?.delete(w);
    if (set?.size === 0) {
      this.waiters.delete(jobId);
      this.unknownSeen.delete(jobId);
    }
    if (this.waiters.size === 0 && this.recheckTimer) {
      clearInterval(this.recheckTimer);
      this.recheckTimer = undefined;
    }
  }

  private async recheckAll(): Promise<void> {
    const parts = await this.parts?.catch(() => undefined);
    if (parts) await Promise.all([...this.waiters.keys()].map((id) => this.checkJob(parts, id)));
  }

  /** Settles the waits of a job that already finished (or no longer exists). */
  private async checkJob(parts: Parts, jobId: string): Promise<void> {
    try {
      const state = await parts.queue.getJobState(jobId);
      if (state === 'completed' || state === 'failed') {
        const job = await parts.queue.getJob(jobId);
        if (!job) return;
        if (state === 'completed') this.deliver({ type: 'completed', jobId, result: job.returnvalue });
        else this.deliver({ type: 'failed', jobId, reason: job.failedReason });
      } else if (state === 'unknown') {
        // A job removed at completion may be gone before its 'completed' event is read: only a
        // job still unknown at the next look is reported missing.
        const seen = (this.unknownSeen.get(jobId) ?? 0) + 1;
        this.unknownSeen.set(jobId, seen);
        if (seen >= 2) {
          this.unknownSeen.delete(jobId);
          this.deliver({ type: 'failed', jobId, reason: 'no such job (never added, or removed after CAGED_KEEP_COMPLETED_S)' });
        }
      } else {
        this.unknownSeen.delete(jobId);
      }
    } catch {
      // Redis away: the next recheck or the event will settle it.
    }
  }
}

/** An ioredis Cluster, by its own flag (an instance from another copy of ioredis is one all the same). */
function isCluster(connection: ConnectionOptions): boolean {
  return (connection as { isCluster?: unknown }).isCluster === true;
}

/** Only a job added under a chosen id can exist already (BullMQ keeps one job per id). */
function mayExist(s: SubmissionInput, opts: EnqueueOptions): boolean {
  return opts.jobId !== undefined || s.id !== undefined;
}

/** The id of the newest event on the queue's stream, so that QueueEvents misses nothing after it. */
async function lastEventId(queue: Queue<unknown, JudgeResult>): Promise<string> {
  const client = (await queue.backend.client) as unknown as {
    xrevrange?: (key: string, end: string, start: string, count: 'COUNT', n: number) => Promise<Array<[string, string[]]>>;
  };
  if (typeof client.xrevrange !== 'function') return '$';
  const last = await client.xrevrange(queue.keys.events!, '+', '-', 'COUNT', 1);
  return last[0]?.[0] ?? '0-0';
}
