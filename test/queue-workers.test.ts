/**
 * The queue end to end: two `caged worker` processes on one queue in the real Redis, 100 mixed
 * submissions through the client, real containers and compilers.
 */
import { Queue } from 'bullmq';
import type { JudgeResult } from '../src/judge/schema';
import { redisOptionsFromUrl } from '../src/queue/connection';
import { EXPECTED, REDIS_URL, SUBMISSIONS, WorkerProcess, queueFixture, type Kind } from './helpers/queue';

jest.setTimeout(300_000);

/** 100 jobs: the mix a judge sees, slow kinds kept few (TLE burns 0.3 s of CPU; 2 cores). */
const MIX: Array<[Kind, number]> = [
  ['AC', 30],
  ['WA', 15],
  ['PY_AC', 15],
  ['TLE', 12],
  ['CE', 10],
  ['MLE', 12],
  ['FORKBOMB', 6],
];

/** One of each kind in turn, so that both workers see every kind. */
function interleave(mix: Array<[Kind, number]>): Kind[] {
  const left = new Map(mix);
  const out: Kind[] = [];
  while ([...left.values()].some((n) => n > 0)) {
    for (const [kind] of mix) {
      const n = left.get(kind)!;
      if (n > 0) {
        out.push(kind);
        left.set(kind, n - 1);
      }
    }
  }
  return out;
}

describe('when two worker processes share a queue', () => {
  const fx = queueFixture();

  it('judges 100 mixed submissions correctly, and each worker takes some', async () => {
    fx.workers = ['worker-a', 'worker-b'].map((name) => new WorkerProcess(name, { CAGED_QUEUE: fx.queueName, CAGED_CONCURRENCY: '2' }));
    await Promise.all(fx.workers.map((w) => w.ready()));

    const kinds = interleave(MIX);
    const submissions = kinds.map((kind, i) => ({ ...SUBMISSIONS[kind], id: `mix-${i}` }));
    expect(submissions).toHaveLength(100);

    let progressEvents = 0;
    const results = await fx.client.submitMany(submissions, { onProgress: (p) => (p.progress ? progressEvents++ : undefined) });

    expect(results).toHaveLength(100);
    const wrong = results
      .map((r: JudgeResult, i) => ({
        i,
        kind: kinds[i]!,
        verdict: r.verdict,
        message: r.message,
        tests: r.tests.map((t) => ({ ...t, stdout: t.stdout.slice(0, 200), stderr: t.stderr.slice(0, 200) })),
      }))
      .filter((x) => !EXPECTED[x.kind].includes(x.verdict));
    expect(wrong).toEqual([]);
    results.forEach((r, i) => expect(r.submissionId).toBe(`mix-${i}`));
    expect(progressEvents).toBeGreaterThan(0);

    // Who took what: BullMQ stores the worker's name on the job (`processedBy`).
    const queue = new Queue(fx.queueName, { connection: redisOptionsFromUrl(REDIS_URL) });
    try {
      const jobs = await Promise.all(submissions.map((s) => queue.getJob(s.id)));
      const byWorker = new Map<string, number>();
      for (const job of jobs) byWorker.set(job!.processedBy ?? '?', (byWorker.get(job!.processedBy ?? '?') ?? 0) + 1);
      expect([...byWorker.keys()].sort()).toEqual(['worker-a', 'worker-b']);
      expect(byWorker.get('worker-a')).toBeGreaterThan(0);
      expect(byWorker.get('worker-b')).toBeGreaterThan(0);
      // Each job was judged once, by the worker its processedBy names.
      const logged = new Set([...fx.workers[0]!.completedJobs(), ...fx.workers[1]!.completedJobs()]);
      expect(fx.workers[0]!.completedJobs().length + fx.workers[1]!.completedJobs().length).toBe(100);
      expect(logged.size).toBe(100);
    } finally {
      await queue.close();
    }
  });
});
