/**
 * Faults of the queue path, with real worker processes, real Redis and real containers: a
 * worker killed mid-job, Redis restarting mid-run, bad payloads, SIGTERM during a job.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CagedClient } from '../src/client';
import { delegatedCgroupManager, detectCgroupManager } from '../src/cgroup/detect';
import { jobsDir } from '../src/linux/state-dirs';
import { ROOTLESS } from './helpers/mode';
import type { JudgeResult } from '../src/judge/schema';
import { redisOptionsFromUrl } from '../src/queue/connection';
import {
  completedEvents,
  EXPECTED,
  REDIS_URL,
  SUBMISSIONS,
  WorkerProcess,
  freePort,
  freshQueueName,
  obliterate,
  queueFixture,
  sleep,
  sleeper,
  until,
  type Kind,
} from './helpers/queue';

jest.setTimeout(180_000);

/** Where the worker keeps job directories in this mode (src/linux/state-dirs.ts). */
const JOBS_DIR = jobsDir(ROOTLESS);

/** What a worker process left on the host: job directories and cgroups named after its pid. */
function leftoversOf(pid: number): string[] {
  const prefix = `caged-${pid}-`;
  const dirs = fs.existsSync(JOBS_DIR) ? fs.readdirSync(JOBS_DIR).filter((n) => n.startsWith(prefix)) : [];
  const cgroups = (ROOTLESS ? delegatedCgroupManager() : detectCgroupManager()).list().filter((n) => n.startsWith(prefix));
  return [...dirs.map((d) => `jobs/${d}`), ...cgroups.map((c) => `cgroup/${c}`)];
}

describe('when a worker is SIGKILLed mid-job', () => {
  const fx = queueFixture();
  // Short locks so that the test does not wait 30 s + 30 s for the stalled-job check.
  const fastStall = { CAGED_LOCK_DURATION_MS: '2000', CAGED_STALLED_INTERVAL_MS: '1000', CAGED_CONCURRENCY: '1' };

  it('completes the job on the other worker, and the restarted worker cleans the host', async () => {
    const a = new WorkerProcess('victim', { CAGED_QUEUE: fx.queueName, ...fastStall });
    fx.workers.push(a);
    await a.ready();
    // Long enough that the second worker is up (it registers the image first) before the job could end.
    const jobId = await fx.client.enqueue(sleeper(8000, 1, 'killed-mid-job'));
    await a.waitFor((l) => l.msg === 'job started' && l.job === jobId);
    await sleep(700); // inside the run: the container is up
    const b = new WorkerProcess('survivor', { CAGED_QUEUE: fx.queueName, ...fastStall });
    fx.workers.push(b);
    await b.ready();

    a.kill('SIGKILL');
    await a.exited;
    const left = leftoversOf(a.pid);
    expect(left.length).toBeGreaterThan(0); // the kill really interrupted a run

    const result = await fx.client.wait(jobId, { timeoutMs: 60_000 });
    expect(result.verdict).toBe('AC');
    const queue = new Queue(fx.queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
    try {
      expect((await queue.getJob(jobId))!.processedBy).toBe('survivor');
    } finally {
      await queue.close();
    }
    expect(b.lines.some((l) => l.msg.startsWith('stalled job') && l.job === jobId)).toBe(true);

    // The killed worker's restart (a new process on this host) removes what it left.
    const restarted = new WorkerProcess('victim-restarted', { CAGED_QUEUE: fx.queueName, ...fastStall });
    fx.workers.push(restarted);
    const cleaned = await restarted.waitFor((l) => l.msg === 'host cleaned of what dead workers left');
    await restarted.ready();
    expect(leftoversOf(a.pid)).toEqual([]);
    const report = cleaned.cleaned as { jobDirs: string[]; cgroups: string[] };
    const removed = [...report.jobDirs.map((d) => `jobs/${d}`), ...report.cgroups.map((c) => `cgroup/${c}`)];
    // Another worker starting meanwhile on this host may have cleaned some of it first.
    for (const item of removed.filter((r) => r.includes(`caged-${a.pid}-`))) expect(left).toContain(item);
  });
});

describe('when Redis restarts mid-run', () => {
  // A Redis of this test's own (the shared one must not go down under other tests), with an
  // append-only file so that it comes back with its data, as a production Redis does.
  let redis: ChildProcess | undefined;
  let dir: string;
  let port: number;
  let url: string;
  let queueName: string;
  let workers: WorkerProcess[] = [];
  let client: CagedClient | undefined;

  const startRedis = async (): Promise<void> => {
    redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir],
      { stdio: 'ignore' },
    );
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await until(
        async () =>
          probe.connect().then(
            () => true,
            () => false,
          ),
        10_000,
        'redis to start',
      );
    } finally {
      probe.disconnect();
    }
  };
  const stopRedis = async (): Promise<void> => {
    const r = redis;
    if (!r || r.exitCode !== null) return;
    const exited = new Promise((resolve) => r.on('exit', resolve));
    r.kill('SIGTERM'); // Redis's clean shutdown: the AOF is flushed
    await exited;
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-redis-'));
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    queueName = freshQueueName();
    await startRedis();
  });
  afterEach(async () => {
    await client?.close().catch(() => undefined);
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    await stopRedis();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('completes every job exactly once', async () => {
    workers = ['r1', 'r2'].map((n) => new WorkerProcess(n, { CAGED_QUEUE: queueName, CAGED_REDIS_URL: url, CAGED_CONCURRENCY: '1' }));
    await Promise.all(workers.map((w) => w.ready()));
    client = new CagedClient({ connection: url, queueName });
    const kinds: Kind[] = Array.from({ length: 24 }, (_, i) => (['AC', 'PY_AC', 'WA', 'CE'] as const)[i % 4]!);
    const submissions = kinds.map((k, i) => (i % 6 === 0 ? sleeper(400, 1, `r-${i}`) : { ...SUBMISSIONS[k], id: `r-${i}` }));
    const all = client.submitMany(submissions);

    await until(() => workers.reduce((n, w) => n + w.completedJobs().length, 0) >= 4, 60_000, 'a few jobs to complete');
    await stopRedis();
    await sleep(2000); // Redis is away: the workers finish their runs and wait to report
    await startRedis();

    const results = await all;
    results.forEach((r, i) => expect(i % 6 === 0 ? ['AC'] : EXPECTED[kinds[i]!]).toContain(r.verdict));

    // Exactly once: one 'completed' event per job on the queue's event stream.
    const raw = new Redis(url);
    try {
      const events = await raw.xrange(`bull:${queueName}:events`, '-', '+');
      const completed = new Map<string, number>();
      for (const [, fields] of events) {
        const f = new Map<string, string>();
        for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
        if (f.get('event') === 'completed') completed.set(f.get('jobId')!, (completed.get(f.get('jobId')!) ?? 0) + 1);
      }
      expect(completed.size).toBe(submissions.length);
      expect([...completed.values()].every((n) => n === 1)).toBe(true);
    } finally {
      raw.disconnect();
    }
    // They did notice, once when Redis went and once when it came back, not once per retry.
    for (const w of workers) {
      const lost = w.lines.filter((l) => l.msg.startsWith('Redis connection lost'));
      expect(lost.length).toBeGreaterThanOrEqual(1);
      expect(w.lines.filter((l) => l.msg === 'Redis connection back').length).toBe(lost.length);
      expect(lost.length).toBeLessThanOrEqual(2);
      expect(w.lines.filter((l) => l.msg === 'queue error')).toEqual([]);
    }
  });
});

describe('when a payload is bad', () => {
  let queueName: string;
  let worker: WorkerProcess | undefined;
  let queue: Queue;

  beforeEach(() => {
    queueName = freshQueueName();
    queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
  });
  afterEach(async () => {
    await worker?.stop();
    await queue.close();
    await obliterate(queueName);
  });

  it('fails each at once, unretried, naming the field, and goes on serving', async () => {
    worker = new WorkerProcess('gatekeeper', { CAGED_QUEUE: queueName, CAGED_CONCURRENCY: '1' });
    await worker.ready();
    const good = SUBMISSIONS.AC;
    const bad: Array<[string, unknown, RegExp]> = [
      ['wrong type', { ...good, source: 42 }, /^invalid submission: source: /],
      ['unknown language', { ...good, language: 'swift' }, /^invalid submission: language: .*swift/],
      [
        '10 MiB source',
        { ...good, source: 'x'.repeat(10 * 2 ** 20) },
        /^invalid submission: source: is 10485760 bytes, more than the 262144 allowed/,
      ],
      ['not an object', 'int main(){}', /^invalid submission: \(submission\): /],
    ];
    // attempts: 5 proves that "unrecoverable" wins over the producer's retries.
    const jobs = await Promise.all(bad.map(([name, data]) => queue.add(name, data, { attempts: 5 })));
    const after = await queue.add('good', { ...good, id: 'after-the-bad-ones' }, { attempts: 5 });
    await until(async () => (await after.getState()) === 'completed', 60_000, 'the good job');

    for (const [i, [name, , reason]] of bad.entries()) {
      const job = (await queue.getJob(jobs[i]!.id!))!;
      expect({ name, state: await job.getState() }).toEqual({ name, state: 'failed' });
      expect(job.failedReason).toMatch(reason);
      expect(job.attemptsMade).toBe(1);
    }
    const done = (await queue.getJob(after.id!))!;
    expect((done.returnvalue as JudgeResult).verdict).toBe('AC');
    expect(worker.lines.filter((l) => l.msg === 'job rejected')).toHaveLength(bad.length);
    await sleep(100);
    expect(await Promise.race([worker.exited.then(() => 'exited'), sleep(10).then(() => 'running')])).toBe('running');
  });
});

describe('when a worker gets SIGTERM during a job', () => {
  const fx = queueFixture();

  it('finishes the job within the drain timeout and exits 0', async () => {
    const w = new WorkerProcess('drainer', { CAGED_QUEUE: fx.queueName, CAGED_SHUTDOWN_TIMEOUT_MS: '20000' });
    fx.workers.push(w);
    await w.ready();
    const jobId = await fx.client.enqueue(sleeper(1500, 1, 'finish-me'));
    await w.waitFor((l) => l.msg === 'job started' && l.job === jobId);
    w.kill('SIGTERM');
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect((await fx.client.wait(jobId, { timeoutMs: 5000 })).verdict).toBe('AC');
    expect(w.lines.find((l) => l.msg === 'worker closed')).toMatchObject({ handedBack: 0, forced: false });
    expect(leftoversOf(w.pid)).toEqual([]);
  });

  it('drains on a SIGTERM that arrives while its start is still finishing (it already takes jobs)', async () => {
    // The job waits before the worker exists, so it is taken as soon as the judge worker runs,
    // while the runtime is still starting the batch worker and the endpoint.
    const jobId = await fx.client.enqueue(sleeper(800, 1, 'early-signal'));
    const w = new WorkerProcess('early', { CAGED_QUEUE: fx.queueName, CAGED_SHUTDOWN_TIMEOUT_MS: '20000' });
    fx.workers.push(w);
    await w.ready();
    w.kill('SIGTERM');
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(w.lines.find((l) => l.msg === 'worker closed')).toMatchObject({ handedBack: 0, forced: false });
    expect(leftoversOf(w.pid)).toEqual([]);
    const queue = new Queue(fx.queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
    try {
      // Taken and finished, or never taken: never lost, never left active.
      const state = await queue.getJobState(jobId);
      expect(['completed', 'waiting']).toContain(state);
      if (state === 'completed') expect(((await queue.getJob(jobId))!.returnvalue as JudgeResult).verdict).toBe('AC');
    } finally {
      await queue.close();
    }
  });

  it('hands a job that outlasts the drain timeout back to the queue, exits 0, and another worker completes it', async () => {
    const w = new WorkerProcess('impatient', { CAGED_QUEUE: fx.queueName, CAGED_SHUTDOWN_TIMEOUT_MS: '300' });
    fx.workers.push(w);
    await w.ready();
    const jobId = await fx.client.enqueue(sleeper(1000, 5, 'hand-me-back'));
    await w.waitFor((l) => l.msg === 'job started' && l.job === jobId);
    w.kill('SIGTERM');
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(w.lines.find((l) => l.msg === 'worker closed')).toMatchObject({ handedBack: 1, forced: true });
    expect(leftoversOf(w.pid)).toEqual([]);

    const next = new WorkerProcess('next', { CAGED_QUEUE: fx.queueName });
    fx.workers.push(next);
    const result = await fx.client.wait(jobId, { timeoutMs: 60_000 });
    expect(result.verdict).toBe('AC');
    expect(result.tests).toHaveLength(5);
    // The result event can reach the client before the worker's log line reaches this process.
    await next.waitFor((l) => l.msg === 'job completed' && l.job === jobId, 10_000);
    expect(next.completedJobs()).toEqual([jobId]);
  });

  it('hands back a job whose test is running at the drain timeout without waiting for the test: its container is killed', async () => {
    const w = new WorkerProcess('cutter', { CAGED_QUEUE: fx.queueName, CAGED_SHUTDOWN_TIMEOUT_MS: '300' });
    fx.workers.push(w);
    await w.ready();
    // One test sleeping 15 s (its wall limit 20 s): handed back after the 300 ms drain, not after 15 s.
    const jobId = await fx.client.enqueue(sleeper(15_000, 1, 'cut-short'));
    await w.waitFor((l) => l.msg === 'job started' && l.job === jobId);
    await sleep(1500); // compiled (the compile is ~0.2 s), its test under way
    const started = Date.now();
    w.kill('SIGTERM');
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(w.lines.find((l) => l.msg === 'worker closed')).toMatchObject({ handedBack: 1, forced: true });
    expect(leftoversOf(w.pid)).toEqual([]);
    const queue = new Queue(fx.queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
    try {
      expect(await queue.getJobState(jobId)).toBe('waiting');
      expect((await queue.getJob(jobId))!.returnvalue).toBeFalsy();
    } finally {
      await queue.close();
    }
  });

  it('hands a prefetched job that has not started back at once, finishing the running one', async () => {
    const w = new WorkerProcess('prefetcher', { CAGED_QUEUE: fx.queueName, CAGED_CONCURRENCY: '1', CAGED_PREFETCH: '1' });
    fx.workers.push(w);
    await w.ready();
    const running = await fx.client.enqueue(sleeper(1500, 1, 'running'));
    await w.waitFor((l) => l.msg === 'job started' && l.job === running);
    const prefetched = await fx.client.enqueue(sleeper(10, 1, 'prefetched'));
    const queue = new Queue(fx.queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
    try {
      await until(async () => (await queue.getJobState(prefetched)) === 'active', 10_000, 'the second job to be prefetched');
      w.kill('SIGTERM');
      await until(async () => (await queue.getJobState(prefetched)) === 'waiting', 5_000, 'the prefetched job to go back');
      expect(await queue.getJobState(running)).toBe('active'); // still finishing
      expect(await w.exited).toEqual({ code: 0, signal: null });
      expect(await queue.getJobState(running)).toBe('completed');
      expect(w.lines.find((l) => l.msg === 'worker closed')).toMatchObject({ handedBack: 1, forced: false });
      expect(w.completedJobs()).toEqual([running]);
    } finally {
      await queue.close();
    }
  });

  it('hands the job back at once on a second signal, and exits 0', async () => {
    const w = new WorkerProcess('hurried', { CAGED_QUEUE: fx.queueName, CAGED_SHUTDOWN_TIMEOUT_MS: '60000' });
    fx.workers.push(w);
    await w.ready();
    const jobId = await fx.client.enqueue(sleeper(800, 5, 'second-signal'));
    await w.waitFor((l) => l.msg === 'job started' && l.job === jobId);
    w.kill('SIGTERM');
    await w.waitFor((l) => l.msg.startsWith('shutting down'));
    w.kill('SIGINT');
    const started = Date.now();
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5000); // not the 60 s drain
    const queue = new Queue(fx.queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
    try {
      expect(await queue.getJobState(jobId)).toBe('waiting');
    } finally {
      await queue.close();
    }
  });
});

describe("when Redis refuses a job's report because the worker no longer holds its lock", () => {
  const fx = queueFixture();
  let queue: Queue;
  let redis: Redis;
  beforeEach(() => {
    queue = new Queue(fx.queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await queue.close();
    redis.disconnect();
  });
  const lockKey = (jobId: string): string => `bull:${fx.queueName}:${jobId}:lock`;
  const completedOf = async (jobId: string): Promise<number> => (await completedEvents(redis, 'bull', fx.queueName)).get(jobId) ?? 0;
  /** A worker of one job slot, and a sleeper job it has started. */
  const started = async (env: Record<string, string>, ms: number, id: string): Promise<{ w: WorkerProcess; jobId: string }> => {
    const w = new WorkerProcess('reporter', { CAGED_QUEUE: fx.queueName, CAGED_CONCURRENCY: '1', ...env });
    fx.workers.push(w);
    await w.ready();
    const jobId = await fx.client.enqueue(sleeper(ms, 1, id));
    await w.waitFor((l) => l.msg === 'job started' && l.job === jobId);
    return { w, jobId };
  };
  const queueErrors = (w: WorkerProcess) => w.lines.filter((l) => /queue error/.test(l.msg));

  it('says the job was already finished when a try of the report landed, keeps that result, and serves on', async () => {
    const { w, jobId } = await started({}, 1500, 'report-landed');
    // What happens when Redis applies a try of the worker's report and goes away before
    // answering: the job completes under the worker's own lock, and the next try finds no lock.
    const token = await redis.get(lockKey(jobId));
    expect(token).toMatch(/\S/);
    const landed = { landed: 'the first try of the report' };
    await (await queue.getJob(jobId))!.moveToCompleted(landed, token!, false);

    const line = await w.waitFor((l) => l.msg.startsWith('report of a finished job refused') && l.job === jobId);
    expect(line).toMatchObject({ state: 'completed', reason: `Missing lock for job ${jobId}. moveToFinished` });
    const job = (await queue.getJob(jobId))!;
    expect([await job.getState(), job.returnvalue]).toEqual(['completed', landed]);
    expect(await completedOf(jobId)).toBe(1);
    expect(queueErrors(w)).toEqual([]);
    // One line for the job, though BullMQ tells the refusal twice (completing, then failing it).
    expect(w.lines.filter((l) => l.job === jobId && /refused/.test(l.msg))).toHaveLength(1);

    const next = await fx.client.submit(SUBMISSIONS.AC);
    expect(next.verdict).toBe('AC');
  });

  it('says the result is dropped when the lock ran out, and the job is judged again, completing once', async () => {
    const { w, jobId } = await started({ CAGED_STALLED_INTERVAL_MS: '1000' }, 3000, 'lock-ran-out');
    await redis.del(lockKey(jobId)); // the lock running out while the job runs

    const line = await w.waitFor((l) => l.msg.startsWith('report refused') && l.job === jobId);
    expect(line.state).not.toMatch(/completed|failed|removed/);
    expect(line.level).toBe(40); // a warning: this run's work is lost
    const result = await fx.client.wait(jobId, { timeoutMs: 60_000 });
    expect(result.verdict).toBe('AC');
    expect(w.lines.some((l) => l.msg.startsWith('stalled job') && l.job === jobId)).toBe(true);
    expect(w.lines.filter((l) => l.msg === 'job started' && l.job === jobId)).toHaveLength(2);
    expect(await completedOf(jobId)).toBe(1);
    expect(queueErrors(w)).toEqual([]);
  });
});
