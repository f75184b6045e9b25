/**
 * Prometheus metrics of one worker (prom-client, a registry of its own so that several workers
 * in one process — tests, the demo — do not collide). Queue depth is read from Redis when
 * scraped, so an autoscaler (KEDA, HPA) sees the live backlog; everything else is counted as
 * jobs pass.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventLoopWatchdog } from './event-loop-watchdog';
import { memoryCgroupCount, type MemcgIdBudget } from '../cgroup/memcg-ids';

/** Job counts as BullMQ's `queue.getJobCounts()` gives them. */
export type QueueCounts = Record<string, number>;

export type FailureReason = 'invalid' | 'internal' | 'handed_back' | 'lock_lost';

export interface WorkerMetricsOptions {
  /** Reads the queue's job counts; called on every scrape. */
  queueCounts: () => Promise<QueueCounts>;
  /** A scrape gives up on Redis after this long and reports no queue depth; default 1000 ms. */
  countsTimeoutMs?: number;
  /** Also export the process metrics (CPU, memory, event loop lag) with the `caged_` prefix; default true. */
  processMetrics?: boolean;
  /** Called when the queue counts cannot be read. */
  onCountsError?: (err: unknown) => void;
  /** The event-loop watchdog whose delays and stalls are exported (started by the caller). */
  eventLoop?: EventLoopWatchdog;
  /** The sandbox's memory cgroup id budget (src/cgroup/memcg-ids.ts), whose count and reclaims are exported. */
  memcgIds?: MemcgIdBudget | null;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const LAUNCH_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export class WorkerMetrics {
  readonly registry = new Registry();
  /** Jobs judged, by verdict (the job completed; the verdict says what the program did). */
  readonly jobs: Counter<'verdict'>;
  /** Jobs that failed for good, by reason (`invalid`, `internal` once its last attempt failed): one per job. */
  readonly failures: Counter<'reason'>;
  /** Attempts that did not complete, by reason (every retried attempt, hand-backs and lost locks too). */
  readonly attemptFailures: Counter<'reason'>;
  /** 1 while the worker's Redis connection is up, 0 during an outage (redis-watch.ts). */
  readonly redisConnected: Gauge;
  /** Time from taking a job to its result, by language and verdict. */
  readonly judgeDuration: Histogram<'language' | 'verdict'>;
  /** Per test case: the time the worker spent outside the program's own run (launch, rootfs, teardown, checking). */
  readonly launch: Histogram;
  /** Jobs this worker is judging now. */
  readonly activeJobs: Gauge;
  /** Jobs in the queue by state, read from Redis at scrape time. */
  readonly queueJobs: Gauge<'state'>;
  /** Per test case: time a built-in checker took (event loop or checking thread). */
  readonly checkDuration: Histogram;
  /** Problem packages this worker fetched from Redis (once per digest while cached). */
  readonly problemFetches: Counter;
  /** Compiler runs for a problem package's own program (output validator, interactor): once per content, not per job. */
  readonly problemValidatorCompiles: Counter<'role'>;
  /** Webhook deliveries by outcome: delivered, failed_try (retried), gave_up (no try left), refused (target). */
  readonly webhooks: Counter<'outcome'>;

  constructor(opts: WorkerMetricsOptions) {
    const registers = [this.registry];
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'caged_' });
    this.jobs = new Counter({ name: 'caged_jobs_total', help: 'Jobs judged, by verdict.', labelNames: ['verdict'], registers });
    this.failures = new Counter({
      name: 'caged_job_failures_total',
      help: 'Jobs that failed for good, one per job: invalid payload (failed at once), internal error (once its last attempt failed).',
      labelNames: ['reason'],
      registers,
    });
    this.attemptFailures = new Counter({
      name: 'caged_job_attempt_failures_total',
      help: 'Attempts that did not complete here: invalid payload, internal error (each retried attempt too), handed back at shutdown, lock lost.',
      labelNames: ['reason'],
      registers,
    });
    this.redisConnected = new Gauge({
      name: 'caged_redis_connected',
      help: "1 while the worker's Redis connection is up, 0 during an outage.",
      registers,
    });
    this.judgeDuration = new Histogram({
      name: 'caged_judge_duration_seconds',
      help: 'Time from taking a job to its result, by language and verdict.',
      labelNames: ['language', 'verdict'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.launch = new Histogram({
      name: 'caged_sandbox_launch_seconds',
      help: "Per test case: time spent outside the program's own wall time (container launch, rootfs, teardown, checking).",
      buckets: LAUNCH_BUCKETS,
      registers,
    });
    this.activeJobs = new Gauge({ name: 'caged_worker_active_jobs', help: 'Jobs this worker is judging now.', registers });
    this.checkDuration = new Histogram({
      name: 'caged_check_duration_seconds',
      help: "Per test case: time the built-in checker took on the program's output (off the event loop above 64 KiB).",
      buckets: LAUNCH_BUCKETS,
      registers,
    });
    this.problemFetches = new Counter({
      name: 'caged_problem_fetches_total',
      help: 'Problem packages fetched from Redis into the local cache (once per digest while it stays cached).',
      registers,
    });
    this.problemValidatorCompiles = new Counter({
      name: 'caged_problem_validator_compiles_total',
      help: "Compiler runs for problem packages' output validators and interactors (the compile cache serves the other jobs).",
      labelNames: ['role'],
      registers,
    });
    this.webhooks = new Counter({
      name: 'caged_webhook_deliveries_total',
      help: 'Webhook deliveries by outcome: delivered, failed_try (retried later), gave_up (every try failed), refused (private or non-http target).',
      labelNames: ['outcome'],
      registers,
    });
    const watchdog = opts.eventLoop;
    if (watchdog) {
      new Gauge({
        name: 'caged_event_loop_delay_seconds',
        help: "Delay of the worker's event loop (which enforces every box's wall and CPU limits) since the previous scrape: max, p99, p50, mean.",
        labelNames: ['stat'],
        registers,
        collect() {
          const s = watchdog.snapshot();
          this.set({ stat: 'max' }, s.maxSeconds);
          this.set({ stat: 'p99' }, s.p99Seconds);
          this.set({ stat: 'p50' }, s.p50Seconds);
          this.set({ stat: 'mean' }, s.meanSeconds);
        },
      });
      new Counter({
        name: 'caged_event_loop_stalls_total',
        help: 'Times the event loop was held for longer than the watchdog threshold (default 100 ms).',
        registers,
        collect() {
          this.reset();
          this.inc(watchdog.stallCount);
        },
      });
    }
    const ids = opts.memcgIds;
    if (ids) {
      new Gauge({
        name: 'caged_memory_cgroups',
        help: "Memory cgroups on the host, removed ones still holding pages (dying) included: the kernel's limit is 65535.",
        registers,
        collect() {
          const n = memoryCgroupCount();
          if (n === null) this.reset();
          else this.set(n);
        },
      });
      new Counter({
        name: 'caged_memory_cgroup_reclaims_total',
        help: "Reclaims of the page cache that removed boxes' cgroups left charged, started when the host's memory cgroups reached the mark.",
        registers,
        collect() {
          this.reset();
          this.inc(ids.reclaims);
        },
      });
    }
    const timeoutMs = opts.countsTimeoutMs ?? 1000;
    this.queueJobs = new Gauge({
      name: 'caged_queue_jobs',
      help: 'Jobs in the queue by state (waiting includes prioritized), read from Redis at scrape time.',
      labelNames: ['state'],
      registers,
      async collect() {
        try {
          const c = await withTimeout(opts.queueCounts(), timeoutMs);
          this.set({ state: 'waiting' }, (c.waiting ?? 0) + (c.prioritized ?? 0));
          for (const state of ['active', 'delayed', 'failed'] as const) this.set({ state }, c[state] ?? 0);
        } catch (err) {
          // No stale depth: an autoscaler must not act on numbers Redis did not just give.
          this.reset();
          opts.onCountsError?.(err);
        }
      },
    });
  }

  /** Prometheus text exposition. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
