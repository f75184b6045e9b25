/**
 * An async iterable over the queue's events, fed by the client's one QueueEvents connection.
 * Unbounded buffer (events are small and a backend reads them as they come); ends when the
 * consumer breaks out of its loop, when its AbortSignal fires, or when the client closes.
 */
import type { JudgeProgress, JudgeResult } from '../wire/contract';

export type CagedEvent =
  | { type: 'progress'; jobId: string; progress: JudgeProgress }
  | { type: 'completed'; jobId: string; result: JudgeResult }
  | { type: 'failed'; jobId: string; reason: string };

export class EventStream implements AsyncIterableIterator<CagedEvent> {
  private readonly buffer: CagedEvent[] = [];
  private pending: ((r: IteratorResult<CagedEvent>) => void) | undefined;
  private ended = false;

  constructor(private readonly onEnd: (stream: EventStream) => void) {}

  push(event: CagedEvent): void {
    if (this.ended) return;
    if (this.pending) {
      const resolve = this.pending;
      this.pending = undefined;
      resolve({ value: event, done: false });
    } else {
      this.buffer.push(event);
    }
  }

  /** Ends the stream after the buffered events; idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    if (this.pending) {
      const resolve = this.pending;
      this.pending = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<CagedEvent>> {
    const event = this.buffer.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.pending = resolve;
    });
  }

  return(): Promise<IteratorResult<CagedEvent>> {
    this.buffer.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<CagedEvent> {
    return this;
  }
}
