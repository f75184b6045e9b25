/**
 * Redis Cluster for real: a throwaway cluster of three masters with a replica each
 * (test/helpers/redis-cluster.ts), a hash-tagged prefix, and everything that talks to Redis
 * going through it: `caged worker` processes (real sandbox and image), the client (a seed URL
 * with `cluster: true`), `caged submit`, and `caged grade` (a problem package pushed in chunks,
 * a BullMQ flow over the judge queue and the batch queue). Every key they make lives in the
 * prefix's slot. The master of that slot killed (SIGKILL) and started again from its
 * append-only file mid-run, or replaced by its replica (CLUSTER FAILOVER) mid-run: every job
 * completes, exactly once, with the right verdict. A prefix without a hash tag is refused.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cluster } from 'ioredis';
import { CagedClient } from '../src/client';
import { InvalidRequestError } from '../src/errors';
import { batchQueueName } from '../src/wire/batch';
import { RedisCluster } from './helpers/redis-cluster';
import {
  completedEvents,
  EXPECTED,
  MAIN_JS,
  ROOT,
  SUBMISSIONS,
  WorkerProcess,
  freePort,
  freshQueueName,
  sleep,
  sleeper,
  until,
  type Kind,
} from './helpers/queue';

jest.setTimeout(180_000);

const PREFIX = '{caged-cluster-test}';
let cluster: RedisCluster;
let dir: string;

beforeAll(async () => {
  cluster = await RedisCluster.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-queue-cluster-'));
});
afterAll(async () => {
  await cluster?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** What `caged worker`, `caged submit` and `caged grade` read to reach the queue on the cluster. */
function clusterEnv(queue: string): Record<string, string> {
  return { CAGED_REDIS_URL: cluster.url, CAGED_REDIS_CLUSTER: 'yes', CAGED_PREFIX: PREFIX, CAGED_QUEUE: queue };
}

/** The compiled CLI (`caged ARGS…`), as a person runs it. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN_JS, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // 'close', not 'exit': the output may still be in the pipes when the process has exited.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** How many 'completed' events each job has on the queue's event stream. */
async function completedEventsOf(queue: string): Promise<Map<string, number>> {
  const redis = new Cluster(cluster.startupNodes);
  redis.on('error', () => undefined);
  try {
    return await completedEvents(redis, PREFIX, queue);
  } finally {
    await redis.quit();
  }
}

describe('through a Redis Cluster of three masters', () => {
  let queueName: string;
  let workers: WorkerProcess[] = [];
  let client: CagedClient | undefined;

  beforeEach(() => {
    queueName = freshQueueName();
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
  });

  const startWorkers = async (names: string[], env: Record<string, string> = {}): Promise<void> => {
    workers = names.map((n) => new WorkerProcess(n, { ...clusterEnv(queueName), CAGED_CONCURRENCY: '1', ...env }));
    await Promise.all(workers.map((w) => w.ready()));
  };

  it('the worker, the client, `caged submit` and `caged grade` judge through it, every key in the slot of the prefix', async () => {
    const metricsPort = await freePort();
    await startWorkers(['c1'], { CAGED_CONCURRENCY: '2', CAGED_METRICS_PORT: String(metricsPort), CAGED_METRICS_HOST: '127.0.0.1' });
    client = new CagedClient({ connection: cluster.url, cluster: true, queueName, prefix: PREFIX });
    const kinds: Kind[] = ['AC', 'WA', 'PY_AC', 'CE', 'TLE'];
    const results = await client.submitMany(kinds.map((k) => SUBMISSIONS[k]));
    results.forEach((r, i) => expect(EXPECTED[kinds[i]!]).toContain(r.verdict));
    expect(await client.workerCount()).toBe(1);
    // The worker's health and metrics read the queue through the cluster too.
    const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, '{"status":"ok"}\n']);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^caged_redis_connected 1$/m);
    expect(metrics).toMatch(/^caged_queue_jobs\{state="waiting"\} 0$/m);
    expect(metrics).toMatch(/^caged_jobs_total\{verdict="AC"\} 2$/m);

    const sum = path.join(dir, 'sum.c');
    fs.writeFileSync(sum, SUBMISSIONS.AC.source as string);
    fs.writeFileSync(path.join(dir, 'in'), '20 22\n');
    fs.writeFileSync(path.join(dir, 'out'), '42\n');
    const env = clusterEnv(queueName);
    const submitted = await cli(
      ['submit', sum, '--lang', 'c', '--stdin', path.join(dir, 'in'), '--expected', path.join(dir, 'out'), '--json'],
      env,
    );
    expect({ code: submitted.code, stderr: submitted.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(submitted.stdout)).toMatchObject({ verdict: 'AC', tests: [{ verdict: 'AC', stdout: '42\n' }] });

    // `caged grade`: the package goes to Redis in chunks, the batch is a flow over two queues.
    const pkg = path.join(ROOT, 'test', 'packages', 'sum');
    const subs = ['accepted/sum.py', 'wrong_answer/overflow.c'].map((s) => path.join(pkg, 'submissions', s));
    const graded = await cli(['grade', pkg, ...subs, '--json'], env);
    expect(graded.code).toBe(0);
    const done = JSON.parse(graded.stdout.trim().split('\n').at(-1)!) as { event: string; judged: number; counts: Record<string, number> };
    expect(done).toMatchObject({ event: 'done', judged: 2, counts: { AC: 1, WA: 1 } });

    // Every key the queue, the batch and the package made is on the master of the prefix's slot
    // (and its replica), in that slot; the other masters hold none.
    const { master, replica } = await cluster.ownerOf(PREFIX);
    const slot = (await cluster.cli(master.port, 'CLUSTER', 'KEYSLOT', PREFIX)).trim();
    const keys = (await cluster.cli(master.port, '--scan', '--pattern', `${PREFIX}:*`)).trim().split('\n');
    expect(keys).toEqual(expect.arrayContaining([`${PREFIX}:${queueName}:events`, `${PREFIX}:${batchQueueName(queueName)}:events`]));
    expect(keys.some((k) => k.startsWith(`${PREFIX}:problem:`) && k.includes(':chunk:'))).toBe(true);
    expect((await cluster.cli(master.port, 'CLUSTER', 'COUNTKEYSINSLOT', slot)).trim()).toBe(String(keys.length));
    for (const other of cluster.nodes.filter((n) => n !== master && n !== replica))
      expect((await cluster.cli(other.port, '--scan', '--pattern', `*${queueName}*`)).trim()).toBe('');
  });

  /** 16 submissions (some still running when the fault comes), the fault once a few completed, then all checked. */
  const survives = async (fault: () => Promise<void>): Promise<void> => {
    await startWorkers(['f1', 'f2']);
    client = new CagedClient({ connection: cluster.url, cluster: true, queueName, prefix: PREFIX });
    const kinds: Kind[] = Array.from({ length: 16 }, (_, i) => (['AC', 'PY_AC', 'WA', 'CE'] as const)[i % 4]!);
    const submissions = kinds.map((k, i) => (i % 4 === 0 ? sleeper(500, 1, `f-${i}`) : { ...SUBMISSIONS[k], id: `f-${i}` }));
    const all = client.submitMany(submissions);
    await until(() => workers.reduce((n, w) => n + w.completedJobs().length, 0) >= 3, 60_000, 'a few jobs to complete');
    await fault();
    const results = await all;
    results.forEach((r, i) => expect(i % 4 === 0 ? ['AC'] : EXPECTED[kinds[i]!]).toContain(r.verdict));
    const completed = await completedEventsOf(queueName);
    expect(completed.size).toBe(submissions.length);
    expect([...completed.values()].every((n) => n === 1)).toBe(true);
    for (const w of workers) expect(w.lines.filter((l) => /queue error/.test(l.msg))).toEqual([]);
  };

  it("loses no job when the master of the queue's slot is killed mid-run and started again", async () => {
    await survives(async () => {
      const { master } = await cluster.ownerOf(PREFIX);
      await cluster.kill(master); // no shutdown: what was acknowledged is in its append-only file
      await sleep(2000); // the workers finish their runs and wait to report
      await cluster.startNode(master);
    });
    // Each worker noticed, once when the master went and once when it was back (a probe of the queue's slot).
    for (const w of workers) {
      const lost = w.lines.filter((l) => l.msg.startsWith('Redis connection lost'));
      expect(lost.length).toBeGreaterThanOrEqual(1);
      expect(lost.length).toBeLessThanOrEqual(2);
      expect(w.lines.filter((l) => l.msg === 'Redis connection back').length).toBe(lost.length);
    }
    await cluster.waitHealthy();
  });

  it("loses no job when the replica of the queue's slot takes over mid-run", async () => {
    const before = await cluster.ownerOf(PREFIX);
    await survives(async () => {
      await cluster.failover(PREFIX, before.replica);
    });
    await cluster.waitHealthy();
    expect((await cluster.ownerOf(PREFIX)).replica).toBe(before.master);
  });

  it('refuses a prefix without a hash tag, naming it', async () => {
    const file = path.join(dir, 'refused.c');
    fs.writeFileSync(file, SUBMISSIONS.AC.source as string);
    const submitted = await cli(['submit', file, '--lang', 'c'], {
      ...clusterEnv(queueName),
      CAGED_PREFIX: 'bull',
    });
    expect(submitted.code).toBe(2);
    expect(submitted.stderr).toMatch(/CAGED_PREFIX: on Redis Cluster \(CAGED_REDIS_CLUSTER=yes\) must hold a hash tag such as \{caged\}/);
    expect(() => new CagedClient({ connection: cluster.url, cluster: true, queueName })).toThrow(InvalidRequestError);
    const own = new Cluster(cluster.startupNodes);
    own.on('error', () => undefined);
    try {
      expect(() => new CagedClient({ connection: own, queueName, prefix: 'caged' })).toThrow(/hash tag such as \{caged\}/);
    } finally {
      own.disconnect();
    }
  });
});
