/**
 * The webhook queue's producer side: when a job with a `callback` ends, one delivery job goes
 * on a BullMQ queue of its own (`<queue>-webhooks`), with its own retries and exponential
 * backoff, so that a slow or refusing receiver never holds a judging worker. The delivery job
 * carries the result itself (the judged job may be removed from Redis before delivery ends).
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import { CallbackSchema, type Callback, type JudgeResult } from '../judge/schema';

/** A delivery: what ended, and where it goes. */
export interface Delivery {
  callback: Callback;
  /** The queue's job id and the submission's own id (the Judge0 token). */
  jobId: string;
  submissionId: string;
  state: 'completed' | 'failed';
  result?: JudgeResult;
  failedReason?: string;
  createdAt?: number;
  finishedAt?: number;
}

export function webhookQueueName(queue: string): string {
  return `${queue}-webhooks`;
}

/** The callback a job's payload asks for, or null (none, or not a valid one: the payload was refused then). */
export function callbackOf(data: unknown): Callback | null {
  if (typeof data !== 'object' || data === null || !('callback' in data)) return null;
  const parsed = CallbackSchema.safeParse(data.callback);
  return parsed.success ? parsed.data : null;
}

export class WebhookOutbox {
  private readonly queue: Queue<Delivery>;

  constructor(opts: { connection: ConnectionOptions; queue: string; prefix: string; attempts: number; backoffMs: number; keepS: number }) {
    this.queue = new Queue<Delivery>(webhookQueueName(opts.queue), {
      connection: opts.connection,
      prefix: opts.prefix,
      defaultJobOptions: {
        attempts: opts.attempts,
        backoff: { type: 'exponential', delay: opts.backoffMs },
        removeOnComplete: { age: opts.keepS },
        removeOnFail: { age: opts.keepS },
      },
    });
    this.queue.on('error', () => undefined); // ioredis reconnects; add() waits
  }

  /** Adds the delivery; one per judged job and outcome (the id makes a repeated add a no-op). */
  async add(d: Delivery): Promise<void> {
    await this.queue.add('deliver', d, { jobId: `${d.jobId}~${d.state}~${d.finishedAt ?? 0}`.replace(/:/g, '~') });
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
