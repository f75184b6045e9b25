/**
 * Judge0's health check (src/api/workers.ts), its counting alone: the queue's answers are what
 * the test sets. The same through a real `caged api`, real workers and the real Redis:
 * test/api-workers.test.ts.
 */
import { WorkerListUnavailable, workerNameOf, workersHealth, type WorkersSource } from '../../src/api/workers';

/** A connection of a BullMQ worker named `name` (null: a worker without a name) on queue `q`, prefix `bull`. */
const conn = (name: string | null, q = 'caged'): Record<string, string> => {
  const base = `bull:${Buffer.from(q).toString('base64')}`;
  return { id: '7', name: q, rawname: name === null ? base : `${base}:w:${name}` };
};

/** A method of the queue that answers `value`. */
const answer =
  <T>(value: T) =>
  (): Promise<T> =>
    Promise.resolve(value);

function source(over: Partial<WorkersSource> = {}): WorkersSource {
  return {
    name: 'caged',
    count: answer(0),
    getWorkers: answer([]),
    getFailedCount: answer(0),
    isPaused: answer(false),
    activeWorkerNames: answer([]),
    ...over,
  };
}

describe('workerNameOf', () => {
  it("reads the worker's name after the queue's part, colons included", () => {
    expect(workerNameOf(conn('host-1:4242')['rawname']!)).toBe('host-1:4242');
    expect(workerNameOf(conn('a:w:b')['rawname']!)).toBe('a:w:b');
    expect(workerNameOf(`{caged}:${Buffer.from('q').toString('base64')}:w:judge-7`)).toBe('judge-7');
  });

  it('gives null for a worker without a name', () => {
    expect(workerNameOf(conn(null)['rawname']!)).toBeNull();
  });
});

describe('workersHealth', () => {
  it('counts the waiting submissions, the workers, the busy ones among them and the failed jobs', async () => {
    const s = source({
      count: answer(5),
      getWorkers: answer([conn('h:1'), conn('h:2'), conn('h:3'), conn(null)]),
      // h:1 judges two jobs; a job of a worker gone (h:9) counts for no connected worker.
      activeWorkerNames: answer(['h:1', 'h:1', 'h:9']),
      getFailedCount: answer(3),
    });
    expect(await workersHealth(s)).toEqual([{ queue: 'caged', size: 5, available: 4, idle: 3, working: 1, paused: 0, failed: 3 }]);
  });

  it('shows every worker paused while the queue is', async () => {
    const s = source({
      getWorkers: answer([conn('h:1'), conn('h:2')]),
      activeWorkerNames: answer(['h:2']),
      isPaused: answer(true),
    });
    expect(await workersHealth(s)).toEqual([{ queue: 'caged', size: 0, available: 2, idle: 1, working: 1, paused: 2, failed: 0 }]);
  });

  it("refuses to guess when Redis gives no worker list (BullMQ's stand-in entry without a rawname)", async () => {
    const s = source({ getWorkers: answer([{ name: 'GCP does not support client list' }]) });
    await expect(workersHealth(s)).rejects.toThrow(WorkerListUnavailable);
    await expect(workersHealth(s)).rejects.toThrow('the worker list cannot be read: GCP does not support client list');
  });

  it('lets a failed read of Redis through', async () => {
    await expect(workersHealth(source({ count: () => Promise.reject(new Error('connection lost')) }))).rejects.toThrow('connection lost');
  });
});
