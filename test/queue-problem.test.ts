/**
 * Problem packages (Kattis and Polygon) through the queue, against the real Redis: `pushProblem`
 * stores a package in chunks under its digest (once), and two `caged worker` processes judge 50
 * submissions naming it, each worker downloading it once (its log line and
 * caged_problem_fetches_total), with real containers and compilers. Every key lives under a
 * fresh hash-tagged prefix, removed after.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CagedClient, JobFailedError } from '../src/client';
import { HostError } from '../src/errors';
import type { SubmissionInput } from '../src/judge/schema';
import { CHUNK_BYTES, fetchProblem, packProblem } from '../src/problem/package-store';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { MAIN_JS, REDIS_URL, WorkerProcess, freePort, freshQueueName } from './helpers/queue';

jest.setTimeout(300_000);

const DOUBLE = path.join(__dirname, 'packages', 'double');
const read = (rel: string): string => fs.readFileSync(path.join(DOUBLE, 'submissions', rel), 'utf8');

describe('when submissions name a problem package pushed to Redis', () => {
  let queueName: string;
  let prefix: string;
  let client: CagedClient;
  let redis: Redis;
  let workers: WorkerProcess[] = [];
  let tmp: string;

  beforeEach(() => {
    queueName = freshQueueName();
    prefix = `{${queueName}}`;
    client = new CagedClient({ connection: REDIS_URL, queueName, prefix });
    redis = new Redis(redisOptionsFromUrl(REDIS_URL));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-queue-problem-'));
  });

  afterEach(async () => {
    await client.close();
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('stores a package in chunks under its digest, once, and reads it back verified', async () => {
    const dir = path.join(tmp, 'big');
    fs.cpSync(DOUBLE, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'data', 'secret', '3.in'), Buffer.alloc(CHUNK_BYTES * 2 + 10, '7'));
    fs.writeFileSync(path.join(dir, 'data', 'secret', '3.ans'), '14\n');
    const ref = await client.pushProblem(dir);
    expect(ref).toMatchObject({ id: 'big', stored: true });
    expect(ref.digest).toBe(packProblem(dir).digest);
    const hex = ref.digest.slice(7);
    const chunks = await redis.keys(`${prefix}:problem:${hex}:chunk:*`);
    expect(chunks).toHaveLength(3);
    for (const k of chunks) expect(await redis.strlen(k)).toBeLessThanOrEqual(CHUNK_BYTES);

    const again = await client.pushProblem(dir);
    expect(again).toMatchObject({ digest: ref.digest, stored: false });

    const tar = await fetchProblem(redis, prefix, ref.digest, 64 * 2 ** 20);
    expect(tar.equals(packProblem(dir).tar)).toBe(true);
    await expect(fetchProblem(redis, prefix, ref.digest, 1000)).rejects.toThrow(/more than the 1000 allowed/);
    await redis.setrange(`${prefix}:problem:${hex}:chunk:1`, 5, 'X');
    await expect(fetchProblem(redis, prefix, ref.digest, 64 * 2 ** 20)).rejects.toThrow(/do not match the digest/);
  });

  it('`caged problem push` refuses a package without a time limit, storing nothing, and stores it with --time as .timelimit', async () => {
    const timed = path.join(__dirname, 'packages', 'timed');
    const env = { ...process.env, CAGED_REDIS_URL: REDIS_URL, CAGED_QUEUE: queueName, CAGED_PREFIX: prefix };
    const push = (...args: string[]) =>
      spawnSync(process.execPath, [MAIN_JS, 'problem', 'push', timed, ...args], { env, encoding: 'utf8' });
    const refused = push();
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/gives no time limit .*give --time S, or --derive-time/);
    expect(await redis.keys(`${prefix}:problem:*`)).toEqual([]);
    const given = push('--time', '1.5', '--json');
    expect(given.status).toBe(0);
    const ref = JSON.parse(given.stdout) as { id: string; digest: string; stored: boolean; timeLimit: unknown };
    expect(ref).toMatchObject({ id: 'timed', stored: true, timeLimit: { seconds: 1.5, from: '--time', added: true, notes: [] } });
    expect(ref.digest).toBe(packProblem(timed, undefined, { timeLimitS: 1.5 }).digest);
    const text = push('--time', '1.5');
    expect(text.stdout).toMatch(/already stored: \d+ bytes\ntime limit 1\.5 s from --time \(added as \.timelimit\)\n$/);
  });

  it('reports a Redis error while fetching as retryable (HostError), not as a missing package', async () => {
    const down = new Redis({
      ...redisOptionsFromUrl(`redis://127.0.0.1:${await freePort()}`),
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on('error', () => undefined);
    try {
      const err = await fetchProblem(down, prefix, `sha256:${'cd'.repeat(32)}`, 2 ** 20).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostError);
      expect((err as HostError).retryable).toBe(true);
    } finally {
      down.disconnect();
    }
  });

  it('refuses a submission with both test cases and a problem, naming the field', async () => {
    const ref = await client.pushProblem(DOUBLE);
    await expect(
      client.enqueue({ language: 'python3', source: 'print(1)', testcases: [{ stdin: '' }], problem: { id: ref.id, digest: ref.digest } }),
    ).rejects.toThrow(/^problem: give exactly one of "testcases" and "problem"/);
    await expect(client.enqueue({ language: 'python3', source: 'print(1)', problem: { id: 'x', digest: 'sha256:abc' } })).rejects.toThrow(
      /^problem\.digest: /,
    );
  });

  it('judges 50 jobs on two workers, each downloading the package once, every result right', async () => {
    const ref = await client.pushProblem(DOUBLE);
    const ports = [await freePort(), await freePort()];
    workers = ['worker-a', 'worker-b'].map(
      (name, i) =>
        new WorkerProcess(name, {
          CAGED_QUEUE: queueName,
          CAGED_PREFIX: prefix,
          CAGED_CONCURRENCY: '2',
          CAGED_METRICS_PORT: String(ports[i]),
          CAGED_METRICS_HOST: '127.0.0.1',
        }),
    );
    await Promise.all(workers.map((w) => w.ready()));

    const problem = { id: ref.id, digest: ref.digest };
    const kinds: Array<{ expect: string; s: SubmissionInput }> = [
      { expect: 'AC', s: { language: 'python3', source: read('accepted/double.py'), problem } },
      { expect: 'AC', s: { language: 'c', source: read('accepted/double.c'), problem } },
      { expect: 'WA', s: { language: 'python3', source: read('wrong_answer/plus3.py'), problem } },
      // Files whose entry is named (not main.py): it reaches the package's judging.
      {
        expect: 'AC',
        s: {
          language: 'python3',
          files: [
            { name: 'solve.py', content: 'from helper import double\nprint(double(int(input())))\n' },
            { name: 'helper.py', content: 'def double(n):\n    return 2 * n\n' },
          ],
          entry: 'solve.py',
          problem,
        },
      },
    ];
    const jobs = Array.from({ length: 50 }, (_, i) => kinds[i % kinds.length]!);
    const results = await client.submitMany(jobs.map((j, i) => ({ ...j.s, id: `pkg-${i}` })));

    const wrong = results.map((r, i) => ({ i, want: jobs[i]!.expect, got: r.verdict, message: r.message })).filter((x) => x.want !== x.got);
    expect(wrong).toEqual([]);
    for (const [i, r] of results.entries()) {
      expect(r.problem?.name).toBe('Double a number');
      expect(r.tests.map((t) => t.name)).toEqual(['sample/1', 'secret/1', 'secret/2']);
      if (jobs[i]!.expect === 'WA') expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'SKIPPED']);
    }

    for (const w of workers) {
      expect(w.completedJobs().length).toBeGreaterThan(0);
      const fetches = w.lines.filter((l) => l.msg === 'problem package fetched');
      expect(fetches).toHaveLength(1);
      expect(fetches[0]).toMatchObject({ digest: ref.digest });
    }
    for (const port of ports) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toMatch(/^caged_problem_fetches_total 1$/m);
    }
  });

  it('judges a package with a static validator and one with a custom grader, each helper compiled once', async () => {
    // A copy whose static validator is new to the compile cache (its compile is then seen).
    const staticDir = path.join(tmp, 'static');
    fs.cpSync(path.join(__dirname, 'packages', 'static'), staticDir, { recursive: true });
    fs.appendFileSync(path.join(staticDir, 'static_validator', 'validate.py'), `# ${queueName}\n`);
    const staticRef = await client.pushProblem(staticDir);
    const gradedRef = await client.pushProblem(path.join(__dirname, 'packages', 'graded'));
    // Two jobs at a time: the second static job waits for the first one's compile (compile-step.ts).
    workers = [new WorkerProcess('worker-a', { CAGED_QUEUE: queueName, CAGED_PREFIX: prefix, CAGED_CONCURRENCY: '2' })];
    await workers[0]!.ready();
    const sum = 'a, b = map(int, input().split())\nprint(a + b)\n';
    const staticProblem = { id: staticRef.id, digest: staticRef.digest };
    const gradedProblem = { id: gradedRef.id, digest: gradedRef.digest };
    const results = await client.submitMany([
      { id: 'static-ok', language: 'python3', source: sum, problem: staticProblem },
      { id: 'static-forbidden', language: 'python3', source: `# FORBIDDEN\n${sum}`, problem: staticProblem },
      { id: 'graded-ok', language: 'python3', source: sum, problem: gradedProblem },
      {
        id: 'graded-first',
        language: 'python3',
        source: 'a, b = map(int, input().split())\nprint(a + b if a < 5 else 0)\n',
        problem: gradedProblem,
      },
    ]);
    expect(results.map((r) => [r.submissionId, r.verdict, r.score, r.maxScore])).toEqual([
      ['static-ok', 'AC', 100, 100],
      ['static-forbidden', 'WA', 80, 100],
      ['graded-ok', 'AC', 30, 30],
      ['graded-first', 'AC', 10, 30],
    ]);
    expect(results[1]!.tests[0]).toMatchObject({ name: 'sample/static_validation', verdict: 'WA' });
    const compiled = workers[0]!.lines.filter((l) => l.msg === 'problem validator compiled').map((l) => l.role);
    expect(compiled).toEqual(['static validator']);
  });

  it('judges Polygon packages pushed to Redis: a testlib checker, and a testlib interactor with its checker', async () => {
    const sumRef = await client.pushProblem(path.join(__dirname, 'packages', 'polygon-sum'));
    const guessRef = await client.pushProblem(path.join(__dirname, 'packages', 'polygon-guess'));
    workers = [new WorkerProcess('worker-a', { CAGED_QUEUE: queueName, CAGED_PREFIX: prefix })];
    await workers[0]!.ready();
    const solution = (pkg: string, file: string): string =>
      fs.readFileSync(path.join(__dirname, 'packages', pkg, 'solutions', file), 'utf8');
    const sum = { id: sumRef.id, digest: sumRef.digest };
    const guess = { id: guessRef.id, digest: guessRef.digest };
    const results = await client.submitMany([
      { id: 'sum-ok', language: 'cpp17', source: solution('polygon-sum', 'sum.cpp'), problem: sum },
      { id: 'sum-wrong', language: 'cpp17', source: solution('polygon-sum', 'wrong.cpp'), problem: sum },
      { id: 'guess-ok', language: 'cpp17', source: solution('polygon-guess', 'bisect.cpp'), problem: guess },
      { id: 'guess-slow', language: 'python3', source: solution('polygon-guess', 'linear.py'), problem: guess },
    ]);
    expect(results.map((r) => [r.submissionId, r.verdict, r.problem?.format])).toEqual([
      ['sum-ok', 'AC', 'polygon'],
      ['sum-wrong', 'WA', 'polygon'],
      ['guess-ok', 'AC', 'polygon'],
      ['guess-slow', 'WA', 'polygon'],
    ]);
    expect(results[1]!.tests[2]).toMatchObject({ name: 'tests/03', checkerMessage: 'expected 4000000000, found -294967296' });
    expect(results[3]!.tests[0]?.checkerMessage).toBe('38 queries, more than 7');
  });

  it('judges a DMOJ problem pushed to Redis with its time limit: its archive, batches and a dependency', async () => {
    const ref = await client.pushProblem(path.join(__dirname, 'packages', 'dmoj-sum'), { timeLimitS: 2 });
    workers = [new WorkerProcess('worker-a', { CAGED_QUEUE: queueName, CAGED_PREFIX: prefix })];
    await workers[0]!.ready();
    const problem = { id: ref.id, digest: ref.digest };
    const sum = (type: string) => `import sys\nt = sys.stdin.read().split()\nprint(${type}(sum(map(int, t[1:]))))\n`;
    const results = await client.submitMany([
      { id: 'dmoj-ok', language: 'python3', source: sum(''), problem },
      // Wrong on sum.3 (4000000000, past 32 bits): batch 1 fails, and batch 2, which depends on it, is skipped.
      { id: 'dmoj-wrapped', language: 'python3', source: sum('(lambda s: (s + 2**31) % 2**32 - 2**31)'), problem },
    ]);
    expect(results.map((r) => [r.submissionId, r.verdict, r.score, r.maxScore, r.problem?.format, r.problem?.timeLimitMs])).toEqual([
      ['dmoj-ok', 'AC', 100, 100, 'dmoj', 2000],
      ['dmoj-wrapped', 'WA', 10, 100, 'dmoj', 2000],
    ]);
    expect(results[1]!.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC', 'WA', 'SKIPPED', 'SKIPPED']);
  });

  it('judges CMS tasks pushed to Redis: a grader with the submission named after the task, a checker of CMS protocol', async () => {
    const areaRef = await client.pushProblem(path.join(__dirname, 'packages', 'cms-grader'));
    const sumRef = await client.pushProblem(path.join(__dirname, 'packages', 'cms-sum'));
    workers = [new WorkerProcess('worker-a', { CAGED_QUEUE: queueName, CAGED_PREFIX: prefix })];
    await workers[0]!.ready();
    const area = { id: areaRef.id, digest: areaRef.digest };
    const sum = { id: sumRef.id, digest: sumRef.digest };
    const results = await client.submitMany([
      { id: 'area-py', language: 'python3', source: 'def area(w, h):\n    return w * h\n', problem: area },
      {
        id: 'area-int',
        language: 'cpp17',
        source: '#include "area.h"\nlong long area(long long w, long long h) { return (int)w * (int)h; }\n',
        problem: area,
      },
      {
        id: 'sum-off',
        language: 'python3',
        source: 'a, b = map(int, open("input.txt").read().split())\nopen("output.txt", "w").write(str(a + b + (a >= 5000)))\n',
        problem: sum,
      },
    ]);
    expect(results.map((r) => [r.submissionId, r.verdict, r.score, r.maxScore, r.problem?.format])).toEqual([
      ['area-py', 'AC', 100, 100, 'cms'],
      ['area-int', 'WA', 30, 100, 'cms'],
      // Tests 003 and 004 off by one: subtask 2 earns 60 × 0.5.
      ['sum-off', 'WA', 70, 100, 'cms'],
    ]);
    expect(results[2]!.tests[3]).toMatchObject({ name: '003', verdict: 'WA', checkerMessage: 'off by one' });
  });

  it('fails a job naming a package not in Redis at once, unretried, saying so', async () => {
    workers = [new WorkerProcess('worker-a', { CAGED_QUEUE: queueName, CAGED_PREFIX: prefix })];
    await workers[0]!.ready();
    const digest = `sha256:${'ab'.repeat(32)}`;
    const err = await client
      .submit({ id: 'missing', language: 'python3', source: 'print(1)', problem: { id: 'gone', digest } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as Error).message).toMatch(/invalid submission: problem\.digest: problem package sha256:ab.* is not in Redis/);
    const queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL), prefix });
    try {
      const job = await queue.getJob('missing');
      expect(job?.attemptsMade).toBe(1);
    } finally {
      await queue.close();
    }
  });
});
