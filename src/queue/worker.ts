/**
 * The queue consumer: a BullMQ Worker whose processor validates the payload, judges it and
 * returns the JudgeResult as the job's return value.
 *
 * What happens to a job, by outcome:
 * - judged (any verdict, crashes included): the job completes with the result;
 * - bad payload, unknown language, limit above the maximum: UnrecoverableError naming the
 *   field — failed at once, never retried;
 * - internal error (CagedError.retryable, or anything unexpected): a plain Error, so BullMQ
 *   retries with the producer's `attempts`/`backoff`; for jobs whose producer set no attempts
 *   the worker retries itself (moveToDelayed, exponential from CAGED_BACKOFF_MS) until
 *   CAGED_MAX_ATTEMPTS starts;
 * - handed back at shutdown: the judge is aborted, the job goes back to `wait` untouched
 *   (moveToWait + WaitingError: no attempt counted), another worker takes it;
 * - this worker dies: its lock (CAGED_LOCK_DURATION_MS) expires and the stalled-job check of
 *   any live worker (every CAGED_STALLED_INTERVAL_MS) puts the job back in `wait`.
 *
 * Shutdown is two-stage (graphile/worker): `shutdown()` stops taking jobs and lets the running
 * ones finish for up to `timeoutMs`, then hands back what is still running; `handBackNow()`
 * (the second signal) hands back at once. Either way nothing is lost: a job either completed
 * here or is waiting for another worker.
 */
import { DelayedError, Job, UnrecoverableError, WaitingError, Worker, type ConnectionOptions } from 'bullmq';
import { CagedError, InvalidRequestError } from '../errors';
import { internalErrorReason, invalidSubmissionReason, type JudgeProgress, type JudgeResult, type Submission } from '../wire/contract';
import { errorFields, jobLogger, testLogger, type Logger } from './log';
import type { WorkerMetrics } from './metrics';
import { launchOverheadsSeconds } from './launch-overhead';
import { JudgeGate } from './judge-gate';
import { RedisWatch, refusedReportJob, type ClusterEvents } from './redis-watch';
import { submissionParser } from './validate';

/** What the judge reports after each test case (also the job's progress value): declared by the wire contract. */
export type { JudgeProgress };

/** The part of Judge (src/judge/judge.ts) the worker uses: it judges what the gate parsed (validate.ts), never parsing again. */
export interface JudgeService {
  judgeSubmission(
    submission: Submission,
    hooks: { onProgress?: (p: JudgeProgress) => void; onTextWork?: (w: { step: string; ms: number }) => void; signal?: AbortSignal },
  ): Promise<JudgeResult>;
}

export interface QueueWorkerOptions {
  connection: ConnectionOptions;
  queue: string;
  prefix: string;
  /** Stored on every job taken (`job.processedBy`). */
  name: string;
  /** Jobs judged at once. */
  concurrency: number;
  /** Jobs taken ahead of their turn at the judge gate. */
  prefetch: number;
  judge: JudgeService;
  logger: Logger;
  metrics?: WorkerMetrics;
  maxSourceBytes: number;
  /** Worker-side retries for jobs whose producer set no `attempts`. */
  maxAttempts: number;
  backoffMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  /** Seconds completed / failed jobs stay in Redis (0: removed at once). */
  keepCompletedS: number;
  keepFailedS: number;
  /**
   * Called once a job has ended for good (completed, or failed with no try left), after BullMQ
   * stored the outcome; never awaited by the worker (webhook enqueueing: src/webhook/outbox.ts).
   */
  onEnded?: (job: Job<unknown, JudgeResult>, outcome: { result: JudgeResult } | { failedReason: string }) => void;
}

export type WorkerState = 'running' | 'draining' | 'closed';

export interface ShutdownReport {
  /** Jobs handed back to the queue for another worker. */
  handedBack: number;
  /** True when the drain timeout or a second signal cut the drain short. */
  forced: boolean;
}

/** Why a job's judge was aborted. */
const HAND_BACK = 'caged: handed back at shutdown';
const LOCK_LOST = 'caged: lock lost';

interface InFlight {
  abort: AbortController;
  /** False while waiting at the judge gate (a prefetched job). */
  judging: boolean;
}

export class QueueWorker {
  private readonly inflight = new Map<string, InFlight>();
  private phase: WorkerState = 'running';
  private handedBack = 0;
  private forced = false;
  private closing: Promise<ShutdownReport> | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private worker!: Worker<unknown, JudgeResult>;
  private readonly parse: (data: unknown) => Submission;
  private readonly gate: JudgeGate;
  private running: Promise<void> = Promise.resolve();
  private stopClusterWatch: () => void = () => undefined;
  /** Jobs whose refused report is being looked into (BullMQ tells it twice: completing, then failing). */
  private readonly refused = new Set<string>();

  private constructor(private readonly opts: QueueWorkerOptions) {
    this.parse = submissionParser(opts.maxSourceBytes);
    this.gate = new JudgeGate(opts.concurrency);
  }

  /** Connects, starts taking jobs, and resolves once the worker is ready. */
  static async start(opts: QueueWorkerOptions): Promise<QueueWorker> {
    const self = new QueueWorker(opts);
    self.worker = new Worker<unknown, JudgeResult>(opts.queue, (job, token) => self.process(job, token), {
      connection: opts.connection,
      prefix: opts.prefix,
      name: opts.name,
      // Prefetched jobs wait at the judge gate in this process (see judge-gate.ts).
      concurrency: opts.concurrency + opts.prefetch,
      autorun: false,
      lockDuration: opts.lockDurationMs,
      stalledInterval: opts.stalledIntervalMs,
      maxStalledCount: opts.maxStalledCount,
      removeOnComplete: opts.keepCompletedS === 0 ? { count: 0 } : { age: opts.keepCompletedS },
      removeOnFail: opts.keepFailedS === 0 ? { count: 0 } : { age: opts.keepFailedS },
      // Delay between tries of a Redis command that failed for a connection reason (BullMQ's
      // default is 15 s); ioredis itself queues commands while reconnecting.
      runRetryDelay: 1000,
    });
    const onEnded = opts.onEnded;
    if (onEnded) {
      self.worker.on('completed', (job, result) => onEnded(job, { result }));
      self.worker.on('failed', (job) => {
        if (job?.finishedOn) onEnded(job, { failedReason: job.failedReason });
      });
    }
    const log = opts.logger;
    const redis = new RedisWatch(log, opts.metrics?.redisConnected);
    self.worker.on('error', (err) => {
      const refused = refusedReportJob(err);
      if (refused === null) redis.error(err);
      else self.reportRefused(refused, err);
    });
    self.worker.on('ioredis:close', () => redis.down());
    self.worker.backend.on('ready', () => redis.up());
    // Redis Cluster: the master of the queue's slot lost and back shows only to a probe of that slot.
    const cluster = opts.connection as Partial<ClusterEvents> & { isCluster?: unknown; exists?: (key: string) => Promise<number> };
    if (cluster.isCluster === true && cluster.exists)
      self.stopClusterWatch = redis.watchCluster(cluster as ClusterEvents, () => cluster.exists!(`${opts.prefix}:${opts.queue}:meta`));
    self.worker.on('stalled', (jobId) =>
      log.warn({ job: jobId }, 'stalled job handed back to the queue (its worker stopped renewing the lock)'),
    );
    self.worker.on('lockRenewalFailed', (jobIds) => {
      for (const id of jobIds) self.inflight.get(id)?.abort.abort(LOCK_LOST);
    });
    const slow = setTimeout(() => log.warn({ queue: opts.queue }, 'waiting for Redis (ioredis keeps reconnecting)'), 2000);
    try {
      await self.worker.waitUntilReady();
    } catch (err) {
      self.stopClusterWatch();
      await self.worker.close(true).catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(slow);
    }
    redis.up();
    self.running = self.worker.run().catch((err: unknown) => log.error(errorFields(err), 'worker loop ended with an error'));
    log.info({ queue: opts.queue, prefix: opts.prefix, concurrency: opts.concurrency, prefetch: opts.prefetch }, 'worker ready');
    return self;
  }

  get state(): WorkerState {
    return this.phase;
  }

  /** Jobs being judged now (prefetched jobs waiting for a slot not counted). */
  get active(): number {
    let n = 0;
    for (const f of this.inflight.values()) if (f.judging) n++;
    return n;
  }

  /** True while the worker's Redis connection is up. */
  async connected(): Promise<boolean> {
    try {
      const client = await Promise.race([this.worker.backend.client, new Promise<null>((r) => setTimeout(r, 500, null).unref())]);
      return client !== null && client.status === 'ready';
    } catch {
      return false;
    }
  }

  /**
   * Stops taking jobs and lets the running ones finish; after `timeoutMs` hands back what is
   * still running. Idempotent: later calls return the same report.
   */
  shutdown(opts: { timeoutMs: number }): Promise<ShutdownReport> {
    if (this.closing) return this.closing;
    this.phase = 'draining';
    this.opts.logger.info({ active: this.active, timeoutMs: opts.timeoutMs }, 'draining: no new jobs, waiting for running ones');
    this.drainTimer = setTimeout(() => {
      this.opts.logger.warn({ active: this.active }, 'drain timeout: handing running jobs back to the queue');
      this.abortAll(HAND_BACK);
    }, opts.timeoutMs);
    // Prefetched jobs that have not started go back at once.
    for (const f of this.inflight.values()) if (!f.judging) f.abort.abort(HAND_BACK);
    this.closing = this.close();
    return this.closing;
  }

  /** Second stage: hands every running job back now (and shuts down if not already). */
  handBackNow(): Promise<ShutdownReport> {
    const report = this.shutdown({ timeoutMs: 0 });
    this.abortAll(HAND_BACK);
    return report;
  }

  private abortAll(reason: string): void {
    if (this.active > 0) this.forced = true;
    for (const f of this.inflight.values()) f.abort.abort(reason);
  }

  private async close(): Promise<ShutdownReport> {
    const log = this.opts.logger;
    // Every step runs even if an earlier one failed.
    try {
      await this.worker.close();
    } catch (err) {
      log.error(errorFields(err), 'closing the BullMQ worker failed');
    }
    clearTimeout(this.drainTimer);
    this.stopClusterWatch();
    await this.running;
    this.phase = 'closed';
    const report = { handedBack: this.handedBack, forced: this.forced };
    log.info(report, 'worker closed');
    return report;
  }

  private async process(job: Job<unknown, JudgeResult>, token: string | undefined): Promise<JudgeResult> {
    const id = job.id ?? '';
    const log = jobLogger(this.opts.logger, job.id);
    const metrics = this.opts.metrics;
    let submission: Submission;
    try {
      submission = this.parse(job.data);
    } catch (err) {
      metrics?.failures.inc({ reason: 'invalid' });
      metrics?.attemptFailures.inc({ reason: 'invalid' });
      log.warn({ reason: (err as Error).message }, 'job rejected');
      throw err;
    }
    const abort = new AbortController();
    const entry: InFlight = { abort, judging: false };
    this.inflight.set(id, entry);
    let progress: Promise<void> = Promise.resolve();
    try {
      const release = await this.gate.acquire(abort.signal);
      entry.judging = true;
      metrics?.activeJobs.inc();
      const started = performance.now();
      const progressAt: number[] = [];
      log.info(
        {
          language: submission.language,
          ...(submission.problem
            ? { problem: submission.problem.id, digest: submission.problem.digest }
            : { tests: submission.testcases.length }),
          attempt: job.attemptsStarted,
        },
        'job started',
      );
      let result: JudgeResult;
      try {
        result = await this.opts.judge.judgeSubmission(submission, {
          signal: abort.signal,
          onTextWork: (w) => {
            if (w.step === 'check') metrics?.checkDuration.observe(w.ms / 1000);
          },
          onProgress: (p) => {
            progressAt[p.testIndex] = performance.now();
            // A child logger per test only when its line is written (debug is off by default).
            if (log.isLevelEnabled('debug')) testLogger(log, p.testIndex).debug({ verdict: p.verdict, total: p.total }, 'test judged');
            const value = { testIndex: p.testIndex, total: p.total, verdict: p.verdict };
            // In order, and all sent before the job completes.
            progress = progress
              .then(() => job.updateProgress(value))
              .catch((err: unknown) => log.warn(errorFields(err), 'progress update failed'));
          },
        });
      } finally {
        // The slot goes to the next (prefetched) job now; reporting this one overlaps its run.
        release();
        entry.judging = false;
        metrics?.activeJobs.dec();
      }
      await progress;
      const seconds = (performance.now() - started) / 1000;
      metrics?.jobs.inc({ verdict: result.verdict });
      metrics?.judgeDuration.observe({ language: submission.language, verdict: result.verdict }, seconds);
      for (const s of launchOverheadsSeconds(started, progressAt, result)) metrics?.launch.observe(s);
      log.info({ verdict: result.verdict, score: result.score, ms: Math.round(seconds * 1000) }, 'job completed');
      return result;
    } catch (err) {
      await progress;
      throw await this.failure(job, token, err, abort.signal, log);
    } finally {
      this.inflight.delete(id);
    }
  }

  /**
   * Redis refused this worker's report of a job because the worker no longer holds its lock
   * (redis-watch.ts, refusedReportJob). Nothing of the job is lost either way, and the job's
   * state tells which way it went: finished means a try of this report landed before its reply
   * was lost, or another worker judged it after a stalled-job check (removed: finished and not
   * kept); anything else means the lock ran out and the job waits for a worker (or runs on one)
   * again. Logged once per job.
   */
  private reportRefused(jobId: string, err: Error): void {
    if (this.refused.has(jobId)) return;
    this.refused.add(jobId);
    const log = this.opts.logger;
    const fields = { job: jobId, reason: err.message };
    Job.fromId(this.worker, jobId)
      .then((job) => job?.getState() ?? 'removed')
      .then(
        (state) => {
          if (state === 'completed' || state === 'failed' || state === 'removed')
            log.info(
              { ...fields, state },
              'report of a finished job refused: the job was already finished (a try of this report landed, or another worker judged it)',
            );
          else
            log.warn({ ...fields, state }, "report refused, the job's lock was lost: this result is dropped and the job is judged again");
        },
        (lookup: unknown) =>
          log.warn({ ...fields, lookup: errorFields(lookup) }, "report refused, the job's lock was lost; its state could not be read"),
      )
      .finally(() => setTimeout(() => this.refused.delete(jobId), 60_000).unref());
  }

  /** The error the processor throws for a judge that did not return a result. */
  private async failure(
    job: Job<unknown, JudgeResult>,
    token: string | undefined,
    err: unknown,
    signal: AbortSignal,
    log: Logger,
  ): Promise<Error> {
    const metrics = this.opts.metrics;
    if (signal.aborted && signal.reason === HAND_BACK && token !== undefined) {
      await job.moveToWait(token);
      this.handedBack++;
      metrics?.attemptFailures.inc({ reason: 'handed_back' });
      log.info('job handed back to the queue');
      return new WaitingError();
    }
    if (signal.aborted && signal.reason === LOCK_LOST) {
      metrics?.attemptFailures.inc({ reason: 'lock_lost' });
      log.warn('job abandoned: its lock was lost (another worker may have taken it)');
      return new Error(LOCK_LOST);
    }
    if (err instanceof InvalidRequestError || (err instanceof CagedError && !err.retryable)) {
      metrics?.failures.inc({ reason: 'invalid' });
      metrics?.attemptFailures.inc({ reason: 'invalid' });
      log.warn({ reason: err.message }, 'job rejected');
      return new UnrecoverableError(invalidSubmissionReason(err.message));
    }
    metrics?.attemptFailures.inc({ reason: 'internal' });
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const producerAttempts = job.opts.attempts ?? 1;
    if (producerAttempts <= 1 && token !== undefined && job.attemptsStarted < this.opts.maxAttempts) {
      const delayMs = this.opts.backoffMs * 2 ** Math.max(0, job.attemptsStarted - 1);
      log.error(
        { ...errorFields(err), retryInMs: delayMs, attempt: job.attemptsStarted, maxAttempts: this.opts.maxAttempts },
        'internal error: retrying',
      );
      await job.log(`attempt ${job.attemptsStarted}: ${message}`).catch(() => undefined);
      await job.moveToDelayed(Date.now() + delayMs, token);
      return new DelayedError();
    }
    // BullMQ retries while attempts remain (attemptsMade counts the attempts before this one).
    const last = job.attemptsMade + 1 >= producerAttempts;
    if (last) metrics?.failures.inc({ reason: 'internal' });
    log.error(
      { ...errorFields(err), attempt: job.attemptsStarted, last },
      last ? 'internal error: job failed' : 'internal error: retrying',
    );
    return new Error(internalErrorReason(message));
  }
}
