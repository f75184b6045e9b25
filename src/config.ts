/**
 * The worker's configuration, declared once: every key has its environment variable, a zod
 * schema, a default, a unit and a one-line description. `loadConfig()` reads them all and
 * reports EVERY bad key in one ConfigError before anything connects. `configTable()` renders
 * the same declaration as the Markdown table in docs/configuration.md (a test keeps the two equal).
 *
 * Sizes are given in the unit named by the variable (MB = MiB, KB = KiB) and converted here,
 * once, into the internal unit (bytes); durations are milliseconds throughout.
 */
import os from 'node:os';
import { InvalidRequestError } from './errors';
import { cpuList, integer, oneOf, text, type Key } from './config-keys';
import { LIMIT_KEYS } from './config-limits';
import { clusterConfigIssues } from './redis-cluster';

/** One problem with one variable. */
export interface ConfigIssue {
  env: string;
  message: string;
}

/** Every bad key at once; the worker refuses to start. */
export class ConfigError extends InvalidRequestError {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`bad configuration:\n${issues.map((i) => `  ${i.env}: ${i.message}`).join('\n')}`);
  }
}

const MiB = 2 ** 20;
const KiB = 2 ** 10;

/** The declaration. Order is the order of the documentation table. */
export const CONFIG_KEYS = {
  redisUrl: text('CAGED_REDIS_URL', {
    def: 'redis://127.0.0.1:6379',
    unit: 'URL',
    pattern: /^rediss?:\/\/\S+$/,
    patternText: 'must be a redis:// or rediss:// URL',
    description: 'Redis (or one node of a Redis Cluster) holding the queue; credentials and database go in the URL.',
  }),
  redisCluster: oneOf(
    'CAGED_REDIS_CLUSTER',
    ['no', 'yes'] as const,
    'no',
    'yes: the URL is one seed node of a Redis Cluster (database 0), and CAGED_PREFIX must hold a hash tag (docs/queue.md, "Redis Cluster").',
  ),
  queue: text('CAGED_QUEUE', {
    def: 'caged',
    pattern: /^[A-Za-z0-9._-]{1,100}$/,
    patternText: 'must be 1-100 of A-Z a-z 0-9 . _ -',
    description: 'Queue name the worker consumes and clients produce to.',
  }),
  prefix: text('CAGED_PREFIX', {
    def: 'bull',
    pattern: /^[^\s:]{1,100}$/,
    patternText: 'must be 1-100 characters without spaces or colons',
    description:
      "Key prefix of the queue in Redis. On Redis Cluster it must hold a hash tag such as `{caged}`, so that all the queue's keys live in one slot (refused otherwise).",
  }),
  workerName: text('CAGED_WORKER_NAME', {
    def: () => `${os.hostname()}:${process.pid}`,
    defaultText: 'hostname:pid',
    description: 'Name stored on every job this worker takes (`job.processedBy`) and in every log line.',
  }),
  concurrency: integer('CAGED_CONCURRENCY', {
    def: () => os.availableParallelism(),
    defaultText: 'number of CPUs',
    min: 1,
    max: 256,
    unit: 'jobs',
    description:
      'Jobs judged at once by this worker. Each job runs one container at a time; size the memory budget as concurrency × CAGED_MAX_MEMORY_MB.',
  }),
  prefetch: integer('CAGED_PREFETCH', {
    def: 0,
    min: 0,
    max: 64,
    unit: 'jobs',
    description:
      'Jobs taken ahead of a free place at the judge gate (CAGED_CONCURRENCY jobs judged at once), so that the next one starts the moment a judge ends (the Redis round trips overlap judging): worth it when Redis is far away. A prefetched job waits on this worker even if another is idle.',
  }),
  image: text('CAGED_IMAGE', {
    def: '/var/cache/caged/images/debian/manifest.json',
    unit: 'path',
    description:
      'Manifest of the image the jobs run in (its layers: a base and toolchain layers; a job mounts the chain of its language). Every worker of a queue must serve the same languages.',
  }),
  rootfs: oneOf(
    'CAGED_ROOTFS',
    ['auto', 'overlay', 'extract'] as const,
    'auto',
    'Per-job root filesystem: an overlay on the cached image, or a full extraction (hosts without overlayfs); auto picks overlay where the kernel has it and logs the choice.',
  ),
  rootless: oneOf(
    'CAGED_ROOTLESS',
    ['auto', 'yes', 'no'] as const,
    'auto',
    'Rootless mode (docs/rootless.md): the worker runs as an ordinary user, every box made in its user namespace. auto: rootless when not run as root; no: root mode only (refuse if not root).',
  ),
  rootlessSingleUid: oneOf(
    'CAGED_ROOTLESS_SINGLE_UID',
    ['no', 'yes'] as const,
    'no',
    "Rootless without subordinate ids: yes runs every program as the worker's own uid (weaker isolation, docs/security.md); no refuses to start.",
  ),
  rlimitsOnly: oneOf(
    'CAGED_RLIMITS_ONLY',
    ['no', 'yes'] as const,
    'no',
    'Rootless without any writable cgroup: yes limits each program by its rlimits only (RLIMIT_AS, RLIMIT_CPU, RLIMIT_NPROC: per process, weaker; docs/rootless.md#rlimits-only); no refuses to start. A writable cgroup is always used.',
  ),
  cpus: cpuList('CAGED_CPUS', {
    description:
      'Pin every run to one CPU of this list (such as 2-5), the least used at its start, through the cpuset controller (rootless: delegated too, docs/rootless.md): a program and all its threads and children share that CPU, and runs at once get CPUs of their own while the list has enough (docs/judging.md#limits); empty: no pinning.',
  }),
  diskBytesPerSecond: integer('CAGED_DISK_MB_PER_S', {
    def: 256,
    min: 0,
    max: 1024 * 1024,
    unit: 'MiB/s',
    scale: MiB,
    description:
      "Disk bandwidth each box may read, and may write, on each of the host's block devices, through the blkio (cgroup v1) or io (v2) controller (rootless: delegated too, docs/rootless.md); a program beyond it waits, it is never failed. Set, it needs the controller (the worker refuses to start without); left at the default, it applies where the controller is there, and the worker warns where not. 0: no cap.",
  }),
  diskIops: integer('CAGED_DISK_IOPS', {
    def: 4000,
    min: 0,
    max: 10_000_000,
    unit: 'operations/s',
    description:
      'Disk operations per second each box may issue reading, and writing, on each block device, set and defaulted as CAGED_DISK_MB_PER_S; 0: no cap.',
  }),
  stateDir: text('CAGED_STATE_DIR', {
    def: '',
    unit: 'path',
    description:
      'Image cache, job directories and compile cache; empty: /var/lib/caged as root, else $XDG_DATA_HOME/caged or ~/.local/share/caged (a rootless worker unpacks the image into its own store).',
  }),
  runtimeDir: text('CAGED_RUNTIME_DIR', {
    def: '',
    unit: 'path',
    description: 'Mount points and id leases; empty: /run/caged as root, else $XDG_RUNTIME_DIR/caged or <tmpdir>/caged-<uid>.',
  }),
  jobsDir: text('CAGED_JOBS_DIR', {
    def: '',
    unit: 'path',
    description:
      "Where job directories go. Empty: <state dir>/jobs as root (each job a size-capped tmpfs of its own); rootless, the user's tmpfs that `scripts/setup-host.sh --user NAME` mounts at /var/lib/caged/jobs/<user> (its size caps what every box writes on the host), else <state dir>/jobs, uncapped, with a warning.",
  }),
  devicePool: text('CAGED_DEVICE_POOL', {
    def: '',
    unit: 'path',
    description:
      "Rootless: the user's device slots made by `scripts/setup-host.sh --user NAME` (a box's /dev nodes); empty: /var/lib/caged/devices/<user>.",
  }),
  metricsPort: integer('CAGED_METRICS_PORT', {
    def: 0,
    min: 0,
    max: 65535,
    unit: 'port',
    description: 'Port of the HTTP endpoint with /healthz and /metrics; 0 turns it off.',
  }),
  metricsHost: text('CAGED_METRICS_HOST', { def: '0.0.0.0', unit: 'address', description: 'Address the HTTP endpoint listens on.' }),
  shutdownTimeoutMs: integer('CAGED_SHUTDOWN_TIMEOUT_MS', {
    def: 20_000,
    min: 0,
    unit: 'ms',
    description:
      "After the first SIGTERM/SIGINT, how long running jobs may finish before they are stopped and handed back to the queue. Keep it below the orchestrator's stop grace period.",
  }),
  maxAttempts: integer('CAGED_MAX_ATTEMPTS', {
    def: 3,
    min: 1,
    max: 100,
    unit: 'attempts',
    description:
      'Tries of a job that fails with an internal error (host or image fault), for jobs whose producer set no `attempts` of its own.',
  }),
  backoffMs: integer('CAGED_BACKOFF_MS', {
    def: 1000,
    min: 0,
    unit: 'ms',
    description: 'Delay before the first retry of an internal error; doubles on every further retry.',
  }),
  lockDurationMs: integer('CAGED_LOCK_DURATION_MS', {
    def: 30_000,
    min: 1000,
    unit: 'ms',
    description:
      'Lock a worker holds on a running job, renewed every half of it. A worker silent for this long (killed, cut off) loses its jobs to the stalled-job check.',
  }),
  stalledIntervalMs: integer('CAGED_STALLED_INTERVAL_MS', {
    def: 30_000,
    min: 1000,
    unit: 'ms',
    description:
      "How often each worker looks for jobs whose lock expired and hands them back to the queue. A dead worker's job restarts within lock duration + this.",
  }),
  maxStalledCount: integer('CAGED_MAX_STALLED_COUNT', {
    def: 2,
    min: 0,
    max: 100,
    unit: 'times',
    description:
      'Times a job may be recovered from a dead worker before it fails (a submission that kills its worker every time ends here).',
  }),
  keepCompletedS: integer('CAGED_KEEP_COMPLETED_S', {
    def: 86_400,
    min: 0,
    unit: 's',
    description: 'How long completed jobs and their results stay in Redis; also the window in which a submission id is idempotent.',
  }),
  keepFailedS: integer('CAGED_KEEP_FAILED_S', {
    def: 7 * 86_400,
    min: 0,
    unit: 's',
    description: 'How long failed jobs (with their reason) stay in Redis.',
  }),
  logLevel: oneOf(
    'CAGED_LOG_LEVEL',
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
    'info',
    'Level of the JSON log lines on stdout.',
  ),
  ...LIMIT_KEYS,
  maxSourceBytes: integer('CAGED_MAX_SOURCE_BYTES', {
    def: 256 * KiB,
    min: 1,
    unit: 'bytes',
    description: 'Largest source (all files together) a submission may carry; larger ones fail at once, unretried.',
  }),
  reportOutputBytes: integer('CAGED_REPORT_OUTPUT_BYTES', {
    def: 64 * KiB,
    min: 1 * KiB,
    max: 64 * 1024 * KiB,
    unit: 'bytes',
    description:
      "Of each test's stdout and stderr, what the result keeps (the checker always sees the whole output); a job's tests together keep at most 8 MiB (docs/judging.md#decisions). Judge0 returns stdout up to max_file_size: 1048576 gives its default.",
  }),
  problemCacheDir: text('CAGED_PROBLEM_CACHE_DIR', {
    def: '',
    unit: 'path',
    description:
      'Where the worker keeps the problem packages it fetched from Redis (unpacked, one directory per digest); empty: a fresh directory under the system temp directory, removed when the worker stops.',
  }),
  problemCacheBytes: integer('CAGED_PROBLEM_CACHE_MB', {
    def: 1024,
    min: 1,
    unit: 'MiB',
    scale: MiB,
    description: 'Bytes of problem packages kept in the cache (as their tarballs count); the least recently used are removed beyond it.',
  }),
  problemsDir: text('CAGED_PROBLEMS_DIR', {
    def: '',
    unit: 'path',
    description:
      'A directory shared by every worker (a mounted volume) holding packed problem packages as `<hex>.tar` (`caged problem pack`), looked up before Redis; each is checked against its digest as Redis ones are. Empty: Redis only.',
  }),
  maxProblemBytes: integer('CAGED_MAX_PROBLEM_MB', {
    def: 256,
    min: 1,
    unit: 'MiB',
    scale: MiB,
    description: 'Largest problem package (its tarball) a worker fetches; a larger one fails the job at once, unretried.',
  }),
  apiHost: text('CAGED_API_HOST', {
    def: '127.0.0.1',
    unit: 'address',
    description: '`caged api`: address the HTTP API listens on (0.0.0.0 for every interface).',
  }),
  apiPort: integer('CAGED_API_PORT', {
    def: 2358,
    min: 0,
    max: 65535,
    unit: 'port',
    description: "`caged api`: port of the HTTP API (Judge0's port by default; 0 picks a free one).",
  }),
  apiAuth: oneOf(
    'CAGED_API_AUTH',
    ['token', 'off'] as const,
    'token',
    '`caged api`: token: every request but `GET /about` and `GET /openapi.json` needs an `X-Auth-Token` header holding one of CAGED_API_TOKENS; off: no authentication (a private network only).',
  ),
  apiTokens: text('CAGED_API_TOKENS', {
    def: '',
    unit: 'tokens',
    pattern: /^[\x21-\x2b\x2d-\x7e]{16,}(,[\x21-\x2b\x2d-\x7e]{16,})*$/,
    patternText: 'must be comma-separated tokens of at least 16 printable characters each',
    description: '`caged api`: the accepted `X-Auth-Token` values, comma-separated (at least 16 characters each).',
  }),
  apiBodyLimitBytes: integer('CAGED_API_BODY_LIMIT_KB', {
    def: 2048,
    min: 1,
    unit: 'KiB',
    scale: KiB,
    description: '`caged api`: largest request body; a larger one is refused with 413 before it is parsed.',
  }),
  apiRateLimit: integer('CAGED_API_RATE_LIMIT', {
    def: 600,
    min: 0,
    unit: 'requests/min',
    description: '`caged api`: requests per minute per token (per address without authentication), 429 beyond; 0 turns the limit off.',
  }),
  apiMaxBatch: integer('CAGED_API_MAX_BATCH', {
    def: 20,
    min: 1,
    max: 1000,
    unit: 'submissions',
    description:
      "`caged api`: most submissions in one `POST /submissions/batch` or tokens in one `GET /submissions/batch` (Judge0's default is 20).",
  }),
  apiMaxQueue: integer('CAGED_API_MAX_QUEUE', {
    def: 10_000,
    min: 0,
    unit: 'submissions',
    description:
      "`caged api`: most submissions waiting on the queue (the whole queue's, whoever added them); a submission beyond is refused with 503 `queue is full` (Judge0's MAX_QUEUE_SIZE); 0: no bound.",
  }),
  apiWaitTimeoutMs: integer('CAGED_API_WAIT_TIMEOUT_MS', {
    def: 60_000,
    min: 1,
    unit: 'ms',
    description:
      '`caged api`: how long `wait=true` waits for a result before answering with the submission as it is (In Queue, Processing).',
  }),
  apiCorsOrigins: text('CAGED_API_CORS_ORIGINS', {
    def: '',
    unit: 'origins',
    description: '`caged api`: origins (comma-separated, or `*`) whose browsers may call the API; empty: no CORS headers at all.',
  }),
  webhookSecret: text('CAGED_WEBHOOK_SECRET', {
    def: '',
    unit: 'secret',
    description:
      'Key of the HMAC-SHA256 signature of webhook deliveries (docs/api.md); empty: submissions with a callback are refused by `caged api` and workers deliver none.',
  }),
  webhookAllowNetworks: text('CAGED_WEBHOOK_ALLOW_NETWORKS', {
    def: '',
    unit: 'CIDRs',
    pattern: /^[0-9A-Fa-f.:]+\/\d{1,3}(,[0-9A-Fa-f.:]+\/\d{1,3})*$/,
    patternText: 'must be comma-separated CIDRs such as 10.1.0.0/16',
    description:
      'Private, loopback or link-local networks webhooks may still be delivered to (comma-separated CIDRs); every other such address is refused.',
  }),
  webhookAttempts: integer('CAGED_WEBHOOK_ATTEMPTS', {
    def: 8,
    min: 1,
    max: 100,
    unit: 'attempts',
    description: 'Tries of one webhook delivery (a non-2xx answer or no answer is a failed try).',
  }),
  webhookBackoffMs: integer('CAGED_WEBHOOK_BACKOFF_MS', {
    def: 1000,
    min: 0,
    unit: 'ms',
    description: 'Delay before the second try of a webhook delivery; doubles on every further try.',
  }),
  webhookTimeoutMs: integer('CAGED_WEBHOOK_TIMEOUT_MS', {
    def: 10_000,
    min: 100,
    unit: 'ms',
    description: 'How long one webhook delivery may take (connection and answer) before it counts as failed.',
  }),
} as const;

type Keys = typeof CONFIG_KEYS;
export type WorkerConfig = { readonly [K in keyof Keys]: Keys[K] extends Key<infer T> ? T : never };
export type ConfigKey = keyof WorkerConfig;

/**
 * Whether disk caps were asked for (CAGED_DISK_MB_PER_S or CAGED_DISK_IOPS set, not the
 * defaults): then they need their controller, and a worker without it refuses to start.
 */
export function diskCapsAsked(env: NodeJS.ProcessEnv): boolean {
  return [CONFIG_KEYS.diskBytesPerSecond.env, CONFIG_KEYS.diskIops.env].some((v) => (env[v] ?? '').trim() !== '');
}

/**
 * Reads the configuration from `env`. Throws one ConfigError listing every bad key.
 * `only` restricts reading (and checking) to some keys, e.g. a client needs just Redis.
 */
export function loadConfig(env?: NodeJS.ProcessEnv): WorkerConfig;
export function loadConfig<K extends ConfigKey>(env: NodeJS.ProcessEnv, only: readonly K[]): Pick<WorkerConfig, K>;
export function loadConfig(env: NodeJS.ProcessEnv = process.env, only?: readonly ConfigKey[]): Partial<WorkerConfig> {
  const issues: ConfigIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const name of only ?? (Object.keys(CONFIG_KEYS) as ConfigKey[])) {
    const key: Key<unknown> = CONFIG_KEYS[name];
    const parsed = key.schema.safeParse(env[key.env]);
    if (parsed.success) out[name] = parsed.data;
    else
      issues.push({
        env: key.env,
        message: `${parsed.error.issues.map((i) => i.message).join('; ')} (got ${JSON.stringify(env[key.env])})`,
      });
  }
  // A prefix or URL not read here (a caller that asked for `redisCluster` alone) is checked where it is read.
  if (out.redisCluster === 'yes') issues.push(...clusterConfigIssues(out));
  if (issues.length) throw new ConfigError(issues);
  return out;
}

/** CAGED_* variables read elsewhere: the image build, the tests. */
const OTHER_VARIABLES = /^CAGED_(TEST_|IMAGE_CACHE$|DOWNLOAD_DIR$|BUILD_IMAGE$|NATIVE_DIR$|(DEBIAN|DEBIAN_SECURITY|UBUNTU)_MIRROR$)/;

/** CAGED_* variables that no key declares: most likely typos, logged as warnings at start. */
export function unknownConfigVariables(env: NodeJS.ProcessEnv = process.env): string[] {
  const known = new Set<string>(Object.values(CONFIG_KEYS).map((k) => k.env));
  return Object.keys(env)
    .filter((k) => k.startsWith('CAGED_') && !known.has(k) && !OTHER_VARIABLES.test(k))
    .sort();
}

/** The declaration as a Markdown table (docs/configuration.md holds a copy; a test compares them). */
export function configTable(): string {
  const rows = Object.values(CONFIG_KEYS).map(
    (k: Key<unknown>) => `| \`${k.env}\` | ${k.defaultText === '' ? '' : `\`${k.defaultText}\``} | ${k.unit} | ${k.description} |`,
  );
  return ['| Variable | Default | Unit | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export { JUDGING_LIMIT_KEYS, judgingLimits, TEST_MAXIMA_KEYS, testMaxima } from './config-limits';

/**
 * Whether every job at once at the memory maximum is more than the host's memory (`hostBytes`):
 * a box's memory limit then no longer protects the others, and the kernel's OOM killer picks
 * among them. The worker warns at start (src/queue/runtime.ts).
 */
export function memoryBudgetOverHost(c: Pick<WorkerConfig, 'concurrency' | 'maxMemoryBytes'>, hostBytes: number): boolean {
  return c.concurrency * c.maxMemoryBytes > hostBytes;
}
