/**
 * Judge0's health check, `GET /workers`, through a real `caged api`, real `caged worker`
 * processes (one of them pinned to a CPU), the real Redis and the real image: the queue's size
 * while no worker is there, each worker available, working while it judges and idle after, all
 * paused while the queue is, a failed job counted, and a stopped worker gone from the list.
 * What each count means: src/api/workers.ts; the counting alone (and a Redis without CLIENT
 * LIST): test/unit/api-workers.test.ts.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   the answers are read as a Judge0 client reads them: untyped JSON, each field asserted by the test */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { ApiServer } from '../src/api/server';
import { allowedCpus } from '../src/linux/cpu-list';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { apiClient, startApi } from './helpers/api';
import { REDIS_URL, WorkerProcess, freshQueueName, obliterate, sleeper, until } from './helpers/queue';

jest.setTimeout(120_000);

describe('caged api: GET /workers', () => {
  let queueName: string;
  let server: ApiServer;
  let queue: Queue;
  let base: string;
  const workers: WorkerProcess[] = [];

  const api = apiClient(() => base);
  const health = async (): Promise<Record<string, unknown>> => {
    const r = await api('GET', '/workers');
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(1);
    return r.body[0] as Record<string, unknown>;
  };
  /** Polls until the health check shows `want` (a subset of its fields). */
  const healthBecomes = async (want: Record<string, unknown>, what: string): Promise<void> => {
    let last: Record<string, unknown> = {};
    await until(
      async () => {
        last = await health();
        return Object.entries(want).every(([k, v]) => last[k] === v);
      },
      60_000,
      `${what}: /workers to show ${JSON.stringify(want)} (last ${JSON.stringify(last)})`,
    );
  };

  beforeAll(async () => {
    queueName = freshQueueName();
    ({ server, base } = await startApi(queueName, { CAGED_API_RATE_LIMIT: '0' }));
    queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await server?.close();
    await queue?.close();
    await obliterate(queueName);
  });

  it('needs the token, as every route but /about and /openapi.json', async () => {
    expect((await api('GET', '/workers', undefined, 'not-the-token-at-all')).status).toBe(401);
  });

  it("counts the submissions waiting while no worker is connected, in Judge0's shape", async () => {
    expect(await health()).toEqual({ queue: queueName, size: 0, available: 0, idle: 0, working: 0, paused: 0, failed: 0 });
    for (let i = 0; i < 2; i++) expect((await api('POST', '/v1/jobs', sleeper(3000))).status).toBe(201);
    expect(await health()).toEqual({ queue: queueName, size: 2, available: 0, idle: 0, working: 0, paused: 0, failed: 0 });
  });

  it('shows each worker working while it judges, then idle', async () => {
    const env = { CAGED_QUEUE: queueName, CAGED_CONCURRENCY: '1' };
    // One of them pinned to a CPU (CAGED_CPUS): it judges the same, and says so at start.
    const cpu = String(allowedCpus().pop());
    workers.push(
      new WorkerProcess(`a-${randomUUID().slice(0, 8)}:1`, { ...env, CAGED_CPUS: cpu }),
      new WorkerProcess(`b-${randomUUID().slice(0, 8)}:2`, env),
    );
    await Promise.all(workers.map((w) => w.ready()));
    expect(await workers[0]!.waitFor((l) => l.msg === 'each run pinned to one CPU of CAGED_CPUS')).toMatchObject({
      cpus: cpu,
      concurrency: 1,
    });
    expect(workers[1]!.lines.some((l) => /CAGED_CPUS/.test(l.msg))).toBe(false);
    // One sleeper each (one job at a time per worker): both judging, none waiting.
    await healthBecomes({ size: 0, available: 2, working: 2, idle: 0 }, 'both judging');
    await healthBecomes({ size: 0, available: 2, working: 0, idle: 2, failed: 0 }, 'both done');
    expect(workers.flatMap((w) => w.completedJobs())).toHaveLength(2);
  });

  it('shows every worker paused while the queue is paused', async () => {
    await queue.pause();
    try {
      expect(await health()).toMatchObject({ available: 2, paused: 2, idle: 2, working: 0 });
    } finally {
      await queue.resume();
    }
    expect(await health()).toMatchObject({ available: 2, paused: 0 });
  });

  it('counts a failed job, and no longer counts a stopped worker', async () => {
    // A payload no worker can judge fails at once (never retried).
    await queue.add('judge', { language: 'c', source: 42 }, { jobId: randomUUID() });
    await healthBecomes({ failed: 1, size: 0, working: 0 }, 'the bad job failed');
    await workers[1]!.stop();
    await healthBecomes({ available: 1, idle: 1, working: 0, failed: 1 }, 'one worker stopped');
  });
});
