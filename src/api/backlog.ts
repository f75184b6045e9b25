/**
 * The bound on the queue's backlog (CAGED_API_MAX_QUEUE, Judge0's MAX_QUEUE_SIZE): a request
 * that would leave more than `max` submissions waiting for a worker is refused (503, "queue is
 * full") instead of growing Redis without end while the workers fall behind. "Waiting" is what
 * BullMQ's `Queue.count()` counts: waiting, prioritized, delayed and waiting-children jobs of the
 * whole queue, whoever added them (a batch grade's too).
 *
 * One count is read from Redis for all the requests of a moment: a read younger than `freshMs`
 * serves them, plus what this process admitted and had not yet added when that read began. So
 * the bound costs one round trip per `freshMs`, not one per request. A route calls `admit`
 * before it adds and `settle` once its add is over (added or failed): an admitted submission
 * still on its way to Redis when a read began may be missing from that read, so it counts on top
 * of it until a read that began after its add was over. It is a soft bound across API processes:
 * each sees the others' submissions only at its next read (at most `freshMs` late). Within a
 * process it errs towards refusing: a submission whose add ended while a read was under way
 * counts on top of that read even when the read already saw it, and workers taking jobs lower
 * the real count.
 */
import type { FastifyReply } from 'fastify';

/** Seconds a refused client is told to wait (Retry-After) before it tries again. */
const QUEUE_FULL_RETRY_S = 5;

/** The refusal of a full queue, on every route that adds: 503 with Retry-After and the route's own error body. */
export function queueFull(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.code(503).header('retry-after', QUEUE_FULL_RETRY_S).send(body);
}

export interface BacklogQueue {
  count(): Promise<number>;
}

export class Backlog {
  /** The last read: its count, when it began (ms) and how many admitted adds of this process were over then. */
  private read: { count: number; at: number; settledBefore: number } | null = null;
  private reading: Promise<void> | null = null;
  /** Submissions admitted by this process since it started. */
  private admitted = 0;
  /** Of those, the ones whose add is over (in Redis, or failed and never there). */
  private settled = 0;

  constructor(
    private readonly queue: BacklogQueue,
    /** Most submissions waiting; 0: no bound. */
    readonly max: number,
    private readonly freshMs = 50,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Whether `n` more submissions fit; if they do, they are counted as admitted, and the caller
   * must `settle(n)` once their add is over, whether it succeeded or not. Redis errors propagate
   * (nothing admitted then).
   */
  async admit(n: number): Promise<boolean> {
    if (this.max === 0) return true;
    if (this.read === null || this.now() - this.read.at > this.freshMs) {
      this.reading ??= this.readCount().finally(() => (this.reading = null));
      await this.reading;
    }
    // From here to the end in one turn: requests that waited on the same read are admitted one
    // after another, each seeing those admitted before it.
    const r = this.read!;
    const waiting = r.count + (this.admitted - r.settledBefore);
    if (waiting + n > this.max) return false;
    this.admitted += n;
    return true;
  }

  /** `n` admitted submissions' add is over: added to the queue, or failed. */
  settle(n: number): void {
    if (this.max === 0) return;
    if (n < 0 || this.settled + n > this.admitted) throw new Error(`backlog: settling ${n} of ${this.admitted - this.settled} in flight`);
    this.settled += n;
  }

  private async readCount(): Promise<void> {
    const at = this.now();
    const settledBefore = this.settled;
    const count = await this.queue.count();
    this.read = { count, at, settledBefore };
  }
}
