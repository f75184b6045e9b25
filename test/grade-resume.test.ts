/**
 * `caged grade` interrupted and resumed: a real `caged grade` process gets SIGINT halfway
 * through a batch on two real workers; the submissions not started are withdrawn, and running
 * the same command again judges only the rest (the workers' own logs count every judging).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { batchQueueName } from '../src/wire/batch';
import { REDIS_URL, WorkerProcess, freshQueueName, sleep, until } from './helpers/queue';
import { obliterateBoth, parseCsv, runGrade, startGrade } from './helpers/grade';

jest.setTimeout(300_000);

const TOTAL = 30;

describe('when a batch is interrupted', () => {
  let dir: string;
  let queueName: string;
  let workers: WorkerProcess[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-grade-resume-'));
    queueName = freshQueueName();
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    await obliterateBoth(queueName);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Jobs completed so far, by the workers' logs: [count, distinct ids]. */
  function judged(): { count: number; ids: Set<string> } {
    const all = workers.flatMap((w) => w.completedJobs());
    return { count: all.length, ids: new Set(all) };
  }

  it('judges only the rest when the same command runs again', async () => {
    const tests = path.join(dir, 'tests');
    fs.mkdirSync(tests);
    fs.writeFileSync(path.join(tests, '1.in'), '1 2\n');
    fs.writeFileSync(path.join(tests, '1.ans'), '3\n');
    fs.writeFileSync(path.join(tests, '2.in'), '5 7\n');
    fs.writeFileSync(path.join(tests, '2.ans'), '12\n');
    const subs = path.join(dir, 'subs');
    fs.mkdirSync(subs);
    // Each takes about half a second of wall time (two tests of 0.25 s), using no CPU.
    for (let i = 1; i <= TOTAL; i++)
      fs.writeFileSync(
        path.join(subs, `s${String(i).padStart(2, '0')}.py`),
        `import time\ntime.sleep(0.25)\na, b = map(int, input().split())\nprint(a + b)  # ${i}\n`,
      );

    workers = ['resume-a', 'resume-b'].map((name) => new WorkerProcess(name, { CAGED_QUEUE: queueName, CAGED_CONCURRENCY: '1' }));
    await Promise.all(workers.map((w) => w.ready()));

    const first = startGrade(queueName, [tests, subs]);
    const progressLines = (): number =>
      first
        .stdout()
        .split('\n')
        .filter((l) => /^\d+\/30 AC /.test(l)).length;
    await until(() => progressLines() >= 8, 120_000, 'eight submissions graded');
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    expect(first.stderr()).toMatch(/batch interrupted: \d+ of 30 submissions finished, \d+ still running \(run again to judge the rest\)/);

    // The withdrawn submissions stay withdrawn: once the running ones end, nothing is left to do.
    const queue = new Queue(queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
    const batches = new Queue(batchQueueName(queueName), { connection: redisOptionsFromUrl(REDIS_URL) });
    try {
      await until(
        async () => {
          const c = await queue.getJobCounts('active', 'wait', 'prioritized', 'delayed');
          return Object.values(c).every((n) => n === 0);
        },
        60_000,
        'the running jobs to end',
      );
      await sleep(1500);
      const before = judged();
      expect(before.count).toBeGreaterThanOrEqual(8);
      expect(before.count).toBeLessThan(TOTAL);
      expect(before.ids.size).toBe(before.count);
      expect(await queue.getJobCounts('completed', 'wait', 'active')).toEqual({ completed: before.count, wait: 0, active: 0 });
      // The interrupted batch's parent is gone: no batch waits for the withdrawn children.
      expect(await batches.getJobCounts('waiting-children', 'wait', 'completed')).toEqual({ 'waiting-children': 0, wait: 0, completed: 0 });

      // Again: only the rest is judged.
      const csvFile = path.join(dir, 'report.csv');
      const second = await runGrade(queueName, [tests, subs, '--out', csvFile]);
      expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
      expect(second.stdout).toContain(`graded ${TOTAL} submissions`);
      expect(second.stdout).toContain(`(judged ${TOTAL - before.count}, reused ${before.count})`);
      expect(second.stdout.split('\n').filter((l) => / reused\)$/.test(l))).toHaveLength(before.count);
      const after = judged();
      expect(after.count).toBe(TOTAL);
      expect(after.ids.size).toBe(TOTAL);
      for (const id of before.ids) expect(after.ids.has(id)).toBe(true);
      const [, ...rows] = parseCsv(fs.readFileSync(csvFile, 'utf8'));
      expect(rows.map((r) => [r[0], r[2]])).toEqual(
        Array.from({ length: TOTAL }, (_, i) => [`s${String(i + 1).padStart(2, '0')}.py`, 'AC']),
      );

      // A third time with --rejudge: everything judged again.
      const third = await runGrade(queueName, [tests, subs, '--rejudge', '--json']);
      expect(third.code).toBe(0);
      const done = JSON.parse(third.stdout.trim().split('\n').at(-1)!) as {
        event: string;
        judged: number;
        reused: number;
        counts: Record<string, number>;
      };
      expect(done).toMatchObject({ event: 'done', judged: TOTAL, reused: 0, counts: { AC: TOTAL } });
      expect(judged().count).toBe(2 * TOTAL);

      // A fourth time: the finished batch is the answer, nothing is judged.
      const fourth = await runGrade(queueName, [tests, subs]);
      expect(fourth.code).toBe(0);
      expect(fourth.stdout).toContain(`(judged 0, reused ${TOTAL})`);
      await sleep(500);
      expect(judged().count).toBe(2 * TOTAL);
    } finally {
      await queue.close();
      await batches.close();
    }
  });
});
