/**
 * The client a backend uses, against a real worker (in this process) and the real Redis:
 * idempotent ids, priorities, progress and completion events, batches, failures, timeouts,
 * and a close() that can be called twice.
 */
import { Queue } from 'bullmq';
import { CagedClient, JobFailedError, WaitAbortedError, WaitTimeoutError, jobIdFor, type CagedEvent } from '../src/client';
import { loadConfig } from '../src/config';
import { InvalidRequestError } from '../src/errors';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { createLogger } from '../src/queue/log';
import { WorkerRuntime } from '../src/queue/runtime';
import { REDIS_URL, SUBMISSIONS, freshQueueName, obliterate, sleeper, until } from './helpers/queue';

jest.setTimeout(120_000);

describe('the client', () => {
  let queueName: string;
  let runtime: WorkerRuntime | undefined;
  let client: CagedClient;
  let queue: Queue;

  const startWorker = async (concurrency: number): Promise<void> => {
    const config = loadConfig({ CAGED_REDIS_URL: REDIS_URL, CAGED_QUEUE: queueName, CAGED_CONCURRENCY: String(concurrency) });
    runtime = await WorkerRuntime.start(config, { logger: createLogger({ level: 'silent' }) });
  };

  beforeEach(() => {
    queueName = freshQueueName();
    client = new CagedClient({ connection: REDIS_URL, queueName });
    queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
  });
  afterEach(async () => {
    await client.close();
    await runtime?.shutdown();
    runtime = undefined;
    await queue.close();
    await obliterate(queueName);
  });

  describe('when the same submission id is sent twice', () => {
    it('makes one job and gives both callers its result', async () => {
      await startWorker(2);
      const submission = { ...SUBMISSIONS.AC, id: 'dup-1' };
      const [a, b] = await Promise.all([client.submit(submission), client.submit(submission)]);
      expect(a).toEqual(b);
      expect(a.submissionId).toBe('dup-1');
      // Later, after completion: still the same job, answered from its stored result.
      expect(await client.enqueue(submission)).toBe('dup-1');
      expect(await client.submit(submission)).toEqual(a);
      expect(await queue.getJobCounts('completed', 'waiting', 'active')).toEqual({ completed: 1, waiting: 0, active: 0 });
    });

    it('accepts ids BullMQ would refuse as job ids (integers, colons)', async () => {
      expect(jobIdFor('42')).toBe('~42');
      expect(jobIdFor('contest:7:a')).toBe('~contest~7~a');
      expect(jobIdFor('plain-id_1.x')).toBe('plain-id_1.x');
      await startWorker(2);
      const results = await client.submitMany([
        { ...SUBMISSIONS.AC, id: '42' },
        { ...SUBMISSIONS.AC, id: 'contest:7:a' },
      ]);
      expect(results.map((r) => r.submissionId)).toEqual(['42', 'contest:7:a']);
    });
  });

  it('runs prioritized jobs most urgent first', async () => {
    await startWorker(1);
    const blocker = await client.enqueue(sleeper(1000, 1, 'blocker'));
    await until(() => runtime!.worker.active === 1, 30_000, 'the blocker to start');
    const low = await client.enqueue({ ...SUBMISSIONS.AC, id: 'low' }, { priority: 100 });
    const high = await client.enqueue({ ...SUBMISSIONS.AC, id: 'high' }, { priority: 1 });
    await Promise.all([blocker, low, high].map((id) => client.wait(id)));
    const [l, h] = await Promise.all([queue.getJob(low), queue.getJob(high)]);
    expect(h!.processedOn!).toBeLessThanOrEqual(l!.processedOn!);
    await expect(client.enqueue(SUBMISSIONS.AC, { priority: 0 })).rejects.toThrow(InvalidRequestError);
  });

  it('streams progress per test, then completion, as events', async () => {
    await startWorker(1);
    const stream = client.events();
    const jobId = await client.enqueue({ ...SUBMISSIONS.PY_AC, id: 'streamed' });
    const seen: CagedEvent[] = [];
    for await (const e of stream) {
      if (e.jobId !== jobId) continue;
      seen.push(e);
      if (e.type !== 'progress') break;
    }
    expect(
      seen.map((e) => (e.type === 'progress' ? `progress ${e.progress.testIndex}/${e.progress.total} ${e.progress.verdict}` : e.type)),
    ).toEqual(['progress 0/2 AC', 'progress 1/2 AC', 'completed']);
    const last = seen[2]!;
    expect(last.type === 'completed' && last.result.verdict).toBe('AC');
  });

  it('grades a batch with a progress callback, results in input order', async () => {
    await startWorker(2);
    const batch = [SUBMISSIONS.WA, SUBMISSIONS.AC, SUBMISSIONS.CE, SUBMISSIONS.PY_AC];
    const done: number[] = [];
    let tests = 0;
    const results = await client.submitMany(batch, {
      onProgress: (p) => {
        if (p.progress) tests++;
        if (p.result) done.push(p.done);
      },
    });
    expect(results.map((r) => r.verdict)).toEqual(['WA', 'AC', 'CE', 'AC']);
    expect(done.sort()).toEqual([1, 2, 3, 4]);
    expect(tests).toBe(6); // 2 + 2 + 0 (CE runs no test) + 2
  });

  it('refuses a malformed submission before enqueuing, naming the field', async () => {
    const bad = { ...SUBMISSIONS.AC, testcases: [] };
    await expect(client.enqueue(bad)).rejects.toThrow(InvalidRequestError);
    await expect(client.enqueue(bad)).rejects.toThrow(/^testcases: /);
    expect(await queue.count()).toBe(0);
  });

  it('rejects with JobFailedError (invalid) when the worker refuses the payload', async () => {
    await startWorker(1);
    const err = await client.submit({ ...SUBMISSIONS.AC, language: 'swift' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err).toMatchObject({ invalid: true, retryable: false });
    expect((err as JobFailedError).reason).toMatch(/^invalid submission: language: /);
  });

  it('gives up waiting after the timeout, while the job itself goes on', async () => {
    await startWorker(1);
    const jobId = await client.enqueue(sleeper(1000, 1, 'slowpoke'));
    await expect(client.wait(jobId, { timeoutMs: 200 })).rejects.toBeInstanceOf(WaitTimeoutError);
    expect((await client.wait(jobId)).verdict).toBe('AC');
  });

  it('closes idempotently, releasing every wait', async () => {
    const jobId = await client.enqueue({ ...SUBMISSIONS.AC, id: 'never-judged' }); // no worker
    const waiting = client.wait(jobId).catch((e: unknown) => e);
    const stream = client.events();
    await Promise.all([client.close(), client.close()]);
    expect(await waiting).toBeInstanceOf(WaitAbortedError);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await client.close();
    await expect(client.enqueue(SUBMISSIONS.AC)).rejects.toThrow(/closed/);
  });
});
