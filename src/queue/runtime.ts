/**
 * One worker process's parts, assembled from the configuration in dependency order and taken
 * apart in reverse: logger → sandbox (which first removes what dead workers left on this host)
 * → judge → Redis connection → queue worker → HTTP endpoint. `caged worker`, the worker
 * container, `caged demo`, the benchmark and the tests all start workers through here.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { diskCapsAsked, judgingLimits, memoryBudgetOverHost, testMaxima, unknownConfigVariables, type WorkerConfig } from '../config';
import { memoryCgroupCount, type MemcgIdBudget } from '../cgroup/memcg-ids';
import { Judge } from '../judge/judge';
import { refusalWarning } from '../judge/languages';
import { PackageCache } from '../problem/package-cache';
import { readProblemFromDir } from '../problem/package-dir';
import { fetchProblem, redisClientFor } from '../problem/package-store';
import { JobDirs } from '../rootfs/job-dirs';
import { formatCpuList } from '../cpu-list';
import { setupHostCommand } from '../sandbox/rootless';
import { Sandbox } from '../sandbox/sandbox';
import { redisConnection, type RedisConnection } from './connection';
import { HttpEndpoint, type Health } from './http-endpoint';
import { EventLoopWatchdog } from './event-loop-watchdog';
import { createLogger, errorFields, type Logger } from './log';
import { WorkerMetrics } from './metrics';
import { ProblemJudge } from './problem-judge';
import { QueueWorker, type JudgeService, type ShutdownReport } from './worker';
import { callbackOf, WebhookOutbox } from '../webhook/outbox';
import { WebhookDeliverer } from '../webhook/deliverer';
import { TargetGuard } from '../webhook/target-guard';
import { BatchWorker } from './batch-worker';
import { batchQueueName } from '../wire/batch';
import { diagnose } from '../doctor/doctor';
import { doctorOptions } from '../doctor/options';
import { realHostView } from '../doctor/real-host';
import { reportLogFields } from '../doctor/render';
import { HostError } from '../errors';

export interface WorkerRuntimeOptions {
  /** Default: a pino logger at the configured level on stdout. */
  logger?: Logger;
  /** Default: a Judge on a fresh Sandbox (tests and benchmarks may pass their own). */
  judge?: JudgeService & { close?: () => Promise<void> | void };
}

export interface CloseReport extends ShutdownReport {
  /** Cleanup steps that failed (each was logged); empty on a clean stop. */
  errors: string[];
}

export class WorkerRuntime {
  private closing: Promise<CloseReport> | undefined;
  private countsQueue: Queue | undefined;

  private constructor(
    readonly config: WorkerConfig,
    readonly logger: Logger,
    readonly metrics: WorkerMetrics,
    private readonly judge: JudgeService & { close?: () => Promise<void> | void },
    private readonly connection: RedisConnection,
    readonly worker: QueueWorker,
    private readonly batches: BatchWorker,
    readonly endpoint: HttpEndpoint | undefined,
    private readonly ownsJudge: boolean,
    private readonly eventLoop: EventLoopWatchdog,
    private readonly webhooks: Webhooks,
  ) {}

  static async start(config: WorkerConfig, opts: WorkerRuntimeOptions = {}): Promise<WorkerRuntime> {
    const logger = opts.logger ?? createLogger({ level: config.logLevel, worker: config.workerName });
    for (const name of unknownConfigVariables()) logger.warn({ variable: name }, 'unknown CAGED_* variable ignored (a typo?)');
    const undo: Array<() => Promise<void> | void> = [];
    try {
      const host: HostParts = {};
      const baseJudge = opts.judge ?? (await createJudge(config, logger, undo, host));
      const connection = redisConnection(config.redisUrl, { cluster: config.redisCluster === 'yes' });
      undo.push(() => connection.close());
      // Set once constructed: /metrics and /healthz may be asked before that.
      const started: { runtime?: WorkerRuntime } = {};
      const eventLoop = new EventLoopWatchdog({
        onStall: (ms) => logger.warn({ blockedMs: Math.round(ms) }, 'event loop blocked: box limits were enforced late'),
      }).start();
      undo.push(() => eventLoop.stop());
      const metrics = new WorkerMetrics({
        eventLoop,
        memcgIds: host.memcgIds,
        queueCounts: () => (started.runtime ? started.runtime.queueCounts() : Promise.resolve({})),
        onCountsError: (err) => logger.warn(errorFields(err), 'queue depth unavailable for /metrics'),
      });
      const webhooks = await startWebhooks(config, connection, metrics, logger, undo);
      const judge = baseJudge instanceof Judge ? await problemJudge(config, baseJudge, connection, metrics, logger, undo) : baseJudge;
      const worker = await QueueWorker.start({
        connection: connection.options,
        queue: config.queue,
        prefix: config.prefix,
        name: config.workerName,
        concurrency: config.concurrency,
        prefetch: config.prefetch,
        judge,
        logger,
        metrics,
        maxSourceBytes: config.maxSourceBytes,
        maxAttempts: config.maxAttempts,
        backoffMs: config.backoffMs,
        lockDurationMs: config.lockDurationMs,
        stalledIntervalMs: config.stalledIntervalMs,
        maxStalledCount: config.maxStalledCount,
        keepCompletedS: config.keepCompletedS,
        keepFailedS: config.keepFailedS,
        onEnded: webhooks.onEnded,
      });
      undo.push(() => worker.handBackNow().then(() => undefined));
      // Batch parents (`caged grade`): aggregated once their submissions are judged (batch-worker.ts).
      const batches = await BatchWorker.start({
        connection: connection.options,
        queue: batchQueueName(config.queue),
        judgeQueue: config.queue,
        prefix: config.prefix,
        name: config.workerName,
        logger,
        keepCompletedS: config.keepCompletedS,
        keepFailedS: config.keepFailedS,
      });
      undo.push(() => batches.close());
      const endpoint =
        config.metricsPort > 0
          ? await HttpEndpoint.listen({
              port: config.metricsPort,
              host: config.metricsHost,
              metrics,
              health: () => started.runtime?.health() ?? { ok: false, status: 'starting' },
            })
          : undefined;
      if (endpoint) logger.info({ port: endpoint.port, host: config.metricsHost }, 'serving /healthz and /metrics');
      const runtime = new WorkerRuntime(
        config,
        logger,
        metrics,
        judge,
        connection,
        worker,
        batches,
        endpoint,
        opts.judge === undefined,
        eventLoop,
        webhooks,
      );
      started.runtime = runtime;
      return runtime;
    } catch (err) {
      for (const step of undo.reverse()) {
        try {
          await step();
        } catch (e) {
          logger.error(errorFields(e), 'cleanup after a failed start failed');
        }
      }
      throw err;
    }
  }

  /** 200 while connected and taking jobs; 503 with the reason otherwise. */
  async health(): Promise<Health> {
    if (this.worker.state !== 'running') return { ok: false, status: this.worker.state };
    return (await this.worker.connected()) ? { ok: true, status: 'ok' } : { ok: false, status: 'disconnected' };
  }

  private async queueCounts(): Promise<Record<string, number>> {
    this.countsQueue ??= new Queue(this.config.queue, { connection: this.connection.options, prefix: this.config.prefix });
    return this.countsQueue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
  }

  /** First stage: stop taking jobs, let running ones finish (CAGED_SHUTDOWN_TIMEOUT_MS), hand back the rest, release everything. */
  shutdown(): Promise<CloseReport> {
    return this.close(() => this.worker.shutdown({ timeoutMs: this.config.shutdownTimeoutMs }));
  }

  /** Second stage: hand running jobs back now. */
  handBackNow(): Promise<CloseReport> {
    const report = this.worker.handBackNow();
    return this.close(() => report);
  }

  /** Idempotent; runs every cleanup step even when one fails. */
  private close(stopWorker: () => Promise<ShutdownReport>): Promise<CloseReport> {
    this.closing ??= (async () => {
      const errors: string[] = [];
      const step = async (what: string, fn: () => unknown): Promise<void> => {
        try {
          await fn();
        } catch (err) {
          errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
          this.logger.error(errorFields(err), `${what} failed`);
        }
      };
      let report: ShutdownReport = { handedBack: 0, forced: false };
      await step('stopping the worker', async () => {
        report = await stopWorker();
      });
      await step('closing the batch worker', () => this.batches.close());
      await step('closing the HTTP endpoint', () => this.endpoint?.close());
      await step('closing the webhook queues', () => this.webhooks.close());
      await step('closing the metrics queue', () => this.countsQueue?.close());
      if (this.ownsJudge) await step('closing the judge', () => this.judge.close?.());
      await step('closing the Redis connection', () => this.connection.close());
      await step('stopping the event-loop watchdog', () => this.eventLoop.stop());
      return { ...report, errors };
    })();
    return this.closing;
  }
}

interface Webhooks {
  onEnded: NonNullable<Parameters<typeof QueueWorker.start>[0]['onEnded']>;
  close(): Promise<void>;
}

/**
 * Webhooks: jobs with a `callback` get a delivery on the webhook queue when they end (never
 * awaited by the judging path); with CAGED_WEBHOOK_SECRET set this worker also delivers.
 */
async function startWebhooks(
  config: WorkerConfig,
  connection: RedisConnection,
  metrics: WorkerMetrics,
  logger: Logger,
  undo: Array<() => Promise<void> | void>,
): Promise<Webhooks> {
  let outbox: WebhookOutbox | undefined;
  let deliverer: WebhookDeliverer | undefined;
  const close = async (): Promise<void> => {
    const results = await Promise.allSettled([deliverer?.close(), outbox?.close()]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  undo.push(close);
  if (config.webhookSecret !== '') {
    deliverer = await WebhookDeliverer.start({
      connection: connection.options,
      queue: config.queue,
      prefix: config.prefix,
      secret: config.webhookSecret,
      guard: new TargetGuard(config.webhookAllowNetworks),
      timeoutMs: config.webhookTimeoutMs,
      logger,
      onOutcome: (outcome) => metrics.webhooks.inc({ outcome }),
    });
  } else {
    logger.info('webhook deliveries off on this worker (CAGED_WEBHOOK_SECRET is empty)');
  }
  return {
    close,
    onEnded: (job, outcome) => {
      const callback = callbackOf(job.data);
      if (!callback || job.id === undefined) return;
      outbox ??= new WebhookOutbox({
        connection: connection.options,
        queue: config.queue,
        prefix: config.prefix,
        attempts: config.webhookAttempts,
        backoffMs: config.webhookBackoffMs,
        keepS: config.keepCompletedS,
      });
      const data = job.data as { id?: string };
      outbox
        .add({
          callback,
          jobId: job.id,
          submissionId: data.id ?? job.id,
          state: 'result' in outcome ? 'completed' : 'failed',
          ...outcome,
          createdAt: job.timestamp,
          finishedAt: job.finishedOn ?? Date.now(),
        })
        .catch((err: unknown) => {
          metrics.webhooks.inc({ outcome: 'gave_up' });
          logger.error({ ...errorFields(err), job: job.id }, 'webhook delivery could not be queued');
        });
    },
  };
}

/** The Judge with problem packages (fetched into this worker's PackageCache); its cache is removed at close. */
async function problemJudge(
  config: WorkerConfig,
  judge: Judge,
  connection: RedisConnection,
  metrics: WorkerMetrics,
  logger: Logger,
  undo: Array<() => Promise<void> | void>,
): Promise<ProblemJudge> {
  const redis = redisClientFor(connection.options);
  undo.push(() => redis.close());
  const dir = config.problemCacheDir || (await fs.mkdtemp(path.join(os.tmpdir(), 'caged-problems-')));
  const cache = await PackageCache.open({
    dir,
    maxBytes: config.problemCacheBytes,
    // The shared directory first (when configured), then Redis (src/problem/package-dir.ts).
    fetch: async (digest) => {
      const fromDir = config.problemsDir ? await readProblemFromDir(config.problemsDir, digest, config.maxProblemBytes) : null;
      if (fromDir) return { tar: fromDir, source: 'directory' };
      return { tar: await fetchProblem(redis.client, config.prefix, digest, config.maxProblemBytes), source: 'redis' };
    },
    onFetched: ({ digest, bytes, ms, source }) => {
      metrics.problemFetches.inc();
      logger.info({ digest, bytes, ms: Math.round(ms), source }, 'problem package fetched');
    },
    onEvicted: ({ digest, bytes }) => logger.info({ digest, bytes }, 'problem package evicted from the cache'),
  });
  undo.push(() => cache.close());
  logger.info({ dir, maxBytes: config.problemCacheBytes, sharedDir: config.problemsDir || null }, 'problem package cache ready');
  return new ProblemJudge(judge, cache, {
    maxPackageBytes: config.maxProblemBytes,
    onValidatorCompiled: ({ digest, role }) => {
      metrics.problemValidatorCompiles.inc({ role });
      logger.info({ digest, role }, 'problem validator compiled');
    },
    alsoClose: [() => cache.close(), () => redis.close()],
    maxima: testMaxima(config),
  });
}

/** What createJudge hands the runtime of the sandbox it made. */
interface HostParts {
  memcgIds?: MemcgIdBudget | null;
}

/** A Judge on a fresh Sandbox; first removes what dead workers left on this host (job directories, cgroups). */
async function createJudge(config: WorkerConfig, logger: Logger, undo: Array<() => Promise<void> | void>, host: HostParts): Promise<Judge> {
  await checkHost(config, logger);
  // One container prepared per job the worker runs at once (each job runs its tests in turn).
  const sandbox = await Sandbox.create({
    cleanupAtStart: false,
    preparedContainers: Math.min(config.concurrency, 16),
    // A job's own launch reports a persistent failure; a passing one is only worth a warning.
    onBackgroundError: (err) =>
      logger.warn(
        errorFields(err),
        'a container task in the background failed (preparing one ahead of its job, or tearing down an ended run)',
      ),
  });
  const ids = sandbox.cgroups.memcgIds ?? null;
  host.memcgIds = ids;
  if (ids && memoryCgroupCount() === null)
    logger.warn(
      "cannot read the memory cgroups' count from /proc/cgroups: the removed boxes' dying cgroups are not watched (docs/security.md)",
    );
  if (ids)
    ids.onReclaim = (r) => {
      const fields = { memoryCgroups: r.before, after: r.after, ms: Math.round(r.ms) };
      if (r.error)
        logger.warn(
          { ...fields, ...errorFields(r.error) },
          "reclaiming the page cache removed boxes' cgroups left charged failed: they stay as dying cgroups",
        );
      else
        logger.info(
          fields,
          "the host's memory cgroups reached the mark: reclaimed the page cache removed boxes' cgroups left charged (dying cgroups)",
        );
    };
  const cleaned = { jobDirs: JobDirs.of(sandbox).cleanupStale(), cgroups: sandbox.cleanupStale() };
  logger.info({ cgroups: sandbox.cgroups.kind, cleaned }, 'host cleaned of what dead workers left');
  if (sandbox.enforcement) logger.warn({ limits: sandbox.cgroups.describe() }, 'CAGED_RLIMITS_ONLY: no cgroup, every limit is per process');
  const noDiskCaps = sandbox.cgroups.noDiskCaps;
  if (noDiskCaps)
    logger.warn(
      { needs: noDiskCaps },
      'no disk caps: a program may take the disk from the host and other boxes (docs/security.md); set CAGED_DISK_MB_PER_S to require them, or 0 to say so',
    );
  if (!sandbox.jobsCapped)
    logger.warn(
      { jobsDir: sandbox.jobsDir },
      `rootless: job directories are on a filesystem nothing caps: what a compile writes may fill it (docs/rootless.md); fix: ${setupHostCommand(os.userInfo().username)}, or set CAGED_JOBS_DIR to a tmpfs of this user's`,
    );
  if (memoryBudgetOverHost(config, os.totalmem()))
    logger.warn(
      { concurrency: config.concurrency, maxMemoryMiB: config.maxMemoryBytes / 2 ** 20, hostMiB: Math.floor(os.totalmem() / 2 ** 20) },
      'CAGED_CONCURRENCY × CAGED_MAX_MEMORY_MB is more than the host has: lower one of them',
    );
  const pinned = sandbox.pinnedCpus;
  if (pinned.length > 0) {
    const fields = { cpus: formatCpuList(pinned), concurrency: config.concurrency };
    // A job runs one container at a time: fewer CPUs than jobs at once means shared CPUs.
    if (pinned.length < config.concurrency)
      logger.warn(fields, 'CAGED_CPUS lists fewer CPUs than CAGED_CONCURRENCY: runs at once share CPUs');
    else logger.info(fields, 'each run pinned to one CPU of CAGED_CPUS');
  }
  const judge = await Judge.create({
    sandbox,
    closeSandbox: true,
    manifestPath: config.image,
    rootfsMode: config.rootfs,
    ...judgingLimits(config),
    maxSourceBytes: config.maxSourceBytes,
    reportOutputBytes: config.reportOutputBytes,
  });
  undo.push(() => judge.close());
  logger.info(
    { rootfs: judge.rootfs.mode, why: judge.rootfs.reason, image: judge.image },
    `per-job rootfs: ${judge.rootfs.mode} (${judge.rootfs.reason})`,
  );
  // Every worker of a queue must serve the same languages: a job for one this worker lacks fails unretried.
  const languages = judge.languageLayers();
  logger.info(
    { image: judge.image.name, languages },
    `languages (${languages.length}): ${languages.map((l) => `${l.id} [${l.layers.join(' > ')}]`).join(', ')}`,
  );
  const warning = refusalWarning(judge.languages());
  if (warning) logger.warn({ refused: warning.refused }, warning.message);
  return judge;
}

/**
 * `caged doctor`'s report (src/doctor/doctor.ts), minus Redis, which the worker reaches by itself:
 * one line with the mode and every finding's status, a warning per finding that is not ok, and a
 * refusal naming each missing piece and its fix when the worker cannot run here.
 */
async function checkHost(config: WorkerConfig, logger: Logger): Promise<void> {
  const report = await diagnose(realHostView(), doctorOptions(config, { checkRedis: false, diskAsked: diskCapsAsked(process.env) }));
  logger.info({ doctor: reportLogFields(report) }, `host: ${report.summary}`);
  for (const f of report.findings) {
    if (f.status === 'warn' || f.status === 'missing') logger.warn({ finding: f.key, fix: f.fix ?? null }, `${f.title}: ${f.detail}`);
  }
  const blockers = report.findings.filter((f) => f.blocking);
  if (blockers.length > 0) {
    const each = blockers.map((f) => `${f.title}: ${f.detail}${f.fix === undefined ? '' : ` (fix: ${f.fix})`}`);
    throw new HostError(`${report.summary}: ${each.join('; ')} (caged doctor prints the whole report)`);
  }
}
