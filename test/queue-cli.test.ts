/**
 * The queue fronts against the real Redis and a real worker: impossible limits refused by the
 * client before enqueueing and by the worker at once (never retried, never an internal error);
 * idempotent ids that cannot lie (a different payload under a used id is a conflict; rejudge
 * replaces the result), from the client and from `caged submit`; `caged submit` with run's
 * flags, run's format and bytes kept; its hint when no worker consumes the queue; failure
 * counters that count jobs, with attempts apart.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { CagedClient, ConflictError } from '../src/client';
import { loadConfig } from '../src/config';
import { HostError, InvalidRequestError } from '../src/errors';
import type { JudgeResult } from '../src/judge/schema';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { createLogger } from '../src/queue/log';
import { WorkerRuntime } from '../src/queue/runtime';
import type { JudgeService } from '../src/queue/worker';
import { MAIN_JS, REDIS_URL, SUBMISSIONS, freshQueueName, obliterate, until } from './helpers/queue';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-queue-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** `caged submit …` on `queue` (the built CLI, as a person runs it). */
function submit(queue: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN_JS, 'submit', ...args], {
      env: { ...process.env, CAGED_REDIS_URL: REDIS_URL, CAGED_QUEUE: queue },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // 'close', not 'exit': the output may still be in the pipes when the process has exited.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const SUM_C = '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);return 0;}\n';
const DIFF_C = '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a-b);return 0;}\n';

describe('with a worker on the queue', () => {
  let queueName: string;
  let runtime: WorkerRuntime;
  let client: CagedClient;
  let queue: Queue;

  beforeEach(async () => {
    queueName = freshQueueName();
    runtime = await WorkerRuntime.start(loadConfig({ CAGED_REDIS_URL: REDIS_URL, CAGED_QUEUE: queueName, CAGED_CONCURRENCY: '2' }), {
      logger: createLogger({ level: 'silent' }),
    });
    client = new CagedClient({ connection: REDIS_URL, queueName });
    queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
  });
  afterEach(async () => {
    await client.close();
    await runtime.shutdown();
    await queue.close();
    await obliterate(queueName);
  });

  describe('when a limit is impossible', () => {
    it('the client refuses it before enqueueing, naming the field and the bound', async () => {
      const call = client.enqueue({ ...SUBMISSIONS.AC, limits: { memoryBytes: 1024 } });
      await expect(call).rejects.toThrow(InvalidRequestError);
      await expect(client.enqueue({ ...SUBMISSIONS.AC, limits: { pids: 1 } })).rejects.toThrow(
        /^limits\.pids: must be at least 2 processes/,
      );
      expect(await queue.count()).toBe(0);
    });

    it('the worker fails the job at once, unretried, as an invalid submission', async () => {
      // Any BullMQ producer may skip the client's check.
      const job = await queue.add('judge', { ...SUBMISSIONS.AC, limits: { memoryBytes: 1024 } }, { attempts: 3, backoff: 10 });
      await until(async () => (await queue.getJobState(job.id!)) === 'failed', 30_000, 'the job to fail');
      const failed = (await queue.getJob(job.id!))!;
      expect(failed.failedReason).toMatch(/^invalid submission: limits\.memoryBytes: must be at least 4194304 bytes: /);
      expect(failed.attemptsStarted).toBe(1);
      const text = (await runtime.metrics.text()).body;
      expect(text).toContain('caged_job_failures_total{reason="invalid"} 1');
      expect(text).not.toContain('reason="internal"');
    });
  });

  describe('when an id is used again', () => {
    it('with the same payload, answers with the stored result; with another, refuses with a conflict naming the id', async () => {
      const first = await client.submit({ ...SUBMISSIONS.AC, id: 'same-1' });
      expect(first.verdict).toBe('AC');
      expect(await client.submit({ ...SUBMISSIONS.AC, id: 'same-1', testcases: [...SUBMISSIONS.AC.testcases!] })).toEqual(first);
      const call = client.submit({ ...SUBMISSIONS.AC, source: DIFF_C, id: 'same-1' });
      await expect(call).rejects.toThrow(ConflictError);
      await expect(client.enqueue({ ...SUBMISSIONS.AC, source: DIFF_C, id: 'same-1' })).rejects.toThrow(
        /^id: a different submission was already sent under "same-1"/,
      );
      expect(await queue.getJobCounts('completed', 'waiting', 'active')).toEqual({ completed: 1, waiting: 0, active: 0 });
    });

    it('rejudge judges the new payload under the same id and replaces the result', async () => {
      const wrong = await client.submit({ ...SUBMISSIONS.AC, source: DIFF_C, id: 'again-1' });
      expect(wrong.verdict).toBe('WA');
      const right = await client.submit({ ...SUBMISSIONS.AC, id: 'again-1' }, { rejudge: true });
      expect(right.verdict).toBe('AC');
      expect(right.submissionId).toBe('again-1');
      expect(((await queue.getJob('again-1'))!.returnvalue as JudgeResult).verdict).toBe('AC');
      // The same with no change: judged again all the same.
      expect((await client.submit({ ...SUBMISSIONS.AC, id: 'again-1' }, { rejudge: true })).verdict).toBe('AC');
    });

    it('caged submit exits 2 on a conflict and replaces the result with --rejudge', async () => {
      const tests = path.join(dir, 'sum-tests');
      fs.mkdirSync(tests, { recursive: true });
      fs.writeFileSync(path.join(tests, '1.in'), '1 2\n');
      fs.writeFileSync(path.join(tests, '1.ans'), '3\n');
      const diff = write('diff.c', DIFF_C);
      const sum = write('sum.c', SUM_C);
      const a = await submit(queueName, [diff, '--lang', 'c', '--tests', tests, '--id', 'cli-1']);
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(/^WA \(Judge0 4 Wrong Answer\) score 0\/1/); // caged run's format
      const b = await submit(queueName, [sum, '--lang', 'c', '--tests', tests, '--id', 'cli-1', '--json']);
      expect(b.code).toBe(2);
      expect(JSON.parse(b.stdout)).toMatchObject({ error: { code: 'conflict', field: 'id' } });
      const c = await submit(queueName, [sum, '--lang', 'c', '--tests', tests, '--id', 'cli-1', '--rejudge']);
      expect(c.code).toBe(0);
      expect(c.stdout).toMatch(/^AC \(Judge0 3 Accepted\) score 1\/1/);
    });
  });

  it("caged submit takes run's limit flags and keeps bytes that are not UTF-8", async () => {
    const source = Buffer.concat([
      Buffer.from('#include <stdio.h>\nint main(void){char b[64];size_t n=fread(b,1,sizeof b,stdin);fwrite(b,1,n,stdout);fputs("'),
      Buffer.from([0xe9]),
      Buffer.from('",stdout);return 0;}\n'),
    ]);
    const stdin = write('bytes.in', Buffer.from([0xff, 0x00, 0x80]));
    const expected = write('bytes.ans', Buffer.from([0xff, 0x00, 0x80, 0xe9]));
    const r = await submit(queueName, [
      write('latin1.c', source),
      '--lang',
      'c',
      '--stdin',
      stdin,
      '--expected',
      expected,
      '--checker',
      'exact',
      '--time',
      '1',
      '--wall',
      '3',
      '--memory',
      '64',
      '--pids',
      '4',
      '--output',
      '16',
      '--stop-on-failure',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as JudgeResult;
    expect(result.verdict).toBe('AC');
    expect(Buffer.from(result.tests[0]!.stdout, 'base64')).toEqual(Buffer.from([0xff, 0x00, 0x80, 0xe9]));
    expect((await submit(queueName, [write('x.c', SUM_C), '--lang', 'c', '--pids', '1'])).code).toBe(2);
  });
});

describe('when no worker consumes the queue', () => {
  let queueName: string;
  beforeEach(() => {
    queueName = freshQueueName();
  });
  afterEach(() => obliterate(queueName));

  it('caged submit says so, then gives up at --timeout (the job stays queued)', async () => {
    const r = await submit(queueName, [write('idle.c', SUM_C), '--lang', 'c', '--timeout', '8', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`caged: no worker has been seen on queue ${queueName} for [5-8] s: the job waits`));
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'timeout', field: null } });
    const queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
    try {
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await queue.close();
    }
  });
});

describe('when a job fails inside caged on every attempt', () => {
  let queueName: string;
  let runtime: WorkerRuntime;
  let client: CagedClient;
  afterEach(async () => {
    await client.close();
    await runtime.shutdown();
    await obliterate(queueName);
  });

  it('caged_job_failures_total counts the job once, caged_job_attempt_failures_total each attempt', async () => {
    queueName = freshQueueName();
    const broken: JudgeService = {
      judgeSubmission: () => Promise.reject(new HostError('cgroup: the host is broken')),
    };
    runtime = await WorkerRuntime.start(loadConfig({ CAGED_REDIS_URL: REDIS_URL, CAGED_QUEUE: queueName }), {
      logger: createLogger({ level: 'silent' }),
      judge: broken,
    });
    client = new CagedClient({ connection: REDIS_URL, queueName, attempts: 3, backoffMs: 10 });
    const results = await Promise.allSettled([client.submit(SUBMISSIONS.AC), client.submit(SUBMISSIONS.WA)]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ reason: 'internal error: HostError: cgroup: the host is broken' });
    }
    const text = (await runtime.metrics.text()).body;
    expect(text).toContain('caged_job_failures_total{reason="internal"} 2');
    expect(text).toContain('caged_job_attempt_failures_total{reason="internal"} 6');
    expect(text).toContain('caged_redis_connected 1');
  });
});
