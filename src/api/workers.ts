/**
 * Judge0's health check, `GET /workers`, in caged's terms. Judge0 answers one entry per Resque
 * queue: its `size` (submissions waiting), and its workers `available`, `idle`, `working` and
 * `paused`, plus the jobs that `failed`. caged has one queue (CAGED_QUEUE) and its workers are
 * `caged worker` processes, each judging up to CAGED_CONCURRENCY jobs at once:
 *
 *   size       what BullMQ counts as waiting for a worker (`Queue.count()`: waiting,
 *              prioritized, delayed, waiting-children), as the queue bound counts it (backlog.ts)
 *   available  the worker processes connected to the queue now (Redis CLIENT LIST, as BullMQ
 *              names its workers' connections); a worker gone from the network leaves the list
 *              with its connection, so Judge0's `prune_dead_workers` has nothing to do here
 *   working    of those, the ones judging at least one job (a job's `processedBy` is its
 *              worker's name, CAGED_WORKER_NAME: hostname:pid unless set)
 *   idle       the others
 *   paused     all of them while the queue is paused (`Queue.pause()`), else 0
 *   failed     failed jobs still kept on the queue (CAGED_KEEP_FAILED_S)
 *
 * Workers sharing one name are told apart by nothing: give each its own CAGED_WORKER_NAME.
 */

import type { Queue } from 'bullmq';

export interface Judge0WorkersEntry {
  queue: string;
  size: number;
  available: number;
  idle: number;
  working: number;
  paused: number;
  failed: number;
}

/** What the answer reads from the queue (BullMQ's Queue, and the `processedBy` of its active jobs). */
export interface WorkersSource {
  readonly name: string;
  count(): Promise<number>;
  getWorkers(): Promise<Array<Record<string, string>>>;
  getFailedCount(): Promise<number>;
  isPaused(): Promise<boolean>;
  /** The worker names (`processedBy`) of the jobs being judged now; a job without one is left out. */
  activeWorkerNames(): Promise<string[]>;
}

/** The queue's worker list cannot be read (a Redis without CLIENT LIST): said, never guessed. */
export class WorkerListUnavailable extends Error {}

/**
 * A worker's name from the name of its connection: BullMQ names it `<prefix>:<base64 of the
 * queue>:w:<worker name>` (a worker without a name: without `:w:…`, null here). The prefix
 * holds no colon (CAGED_PREFIX's rule) and base64 none, so the name is all after the first `:w:`
 * that follows them, colons included.
 */
export function workerNameOf(rawname: string): string | null {
  const m = /^[^:]*:[^:]*:w:([\s\S]*)$/.exec(rawname);
  return m ? m[1]! : null;
}

export async function workersHealth(source: WorkersSource): Promise<Judge0WorkersEntry[]> {
  const [size, workers, failed, paused, busy] = await Promise.all([
    source.count(),
    source.getWorkers(),
    source.getFailedCount(),
    source.isPaused(),
    source.activeWorkerNames(),
  ]);
  // BullMQ answers one made-up entry (no rawname) when Redis refuses CLIENT LIST (GCP's Memorystore).
  if (workers.some((w) => typeof w.rawname !== 'string'))
    throw new WorkerListUnavailable(
      `the worker list cannot be read: ${workers.find((w) => typeof w.rawname !== 'string')?.name ?? 'no CLIENT LIST'}`,
    );
  const judging = new Set(busy);
  const working = workers.filter((w) => {
    const name = workerNameOf(w.rawname!);
    return name !== null && judging.has(name);
  }).length;
  const available = workers.length;
  return [{ queue: source.name, size, available, idle: available - working, working, paused: paused ? available : 0, failed }];
}

/** The source of a BullMQ queue: the `processedBy` of every active job, read in one go (its field alone, not the job's payload). */
export function queueWorkersSource(queue: Queue): WorkersSource {
  return {
    name: queue.name,
    count: () => queue.count(),
    getWorkers: () => queue.getWorkers(),
    getFailedCount: () => queue.getFailedCount(),
    isPaused: () => queue.isPaused(),
    async activeWorkerNames() {
      const ids = await queue.getRanges(['active'], 0, -1);
      if (ids.length === 0) return [];
      const client = await queue.backend.client;
      // Sent together, answered in one round trip.
      const names = await Promise.all(ids.map((id) => client.hget(queue.toKey(id), 'pb')));
      return names.filter((n): n is string => typeof n === 'string' && n !== '');
    },
  };
}
