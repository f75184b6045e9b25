/**
 * The judge gate of one worker: a FIFO limit on the jobs judged at once (`count`). With
 * prefetch, BullMQ hands the worker a few more jobs than it judges at once; those wait here, so that when a judge finishes,
 * the next one starts at once instead of after the Redis round trips that report the finished
 * job and fetch a new one. A wait can be aborted (shutdown hands waiting jobs straight back).
 * One instance per worker: never module-level state.
 */
export class JudgeGate {
  private free: number;
  private readonly queue: Array<{ grant: () => void; signal: AbortSignal; onAbort: () => void }> = [];

  constructor(readonly count: number) {
    this.free = count;
  }

  /** Jobs waiting at the gate. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with a release function (idempotent) once the job may be judged; rejects if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        signal,
        grant: () => {
          signal.removeEventListener('abort', entry.onAbort);
          resolve(this.releaser());
        },
        onAbort: () => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) this.queue.splice(i, 1);
          reject(abortReason(signal));
        },
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
      this.queue.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next.grant();
      else this.free++;
    };
  }
}

function abortReason(signal: AbortSignal): Error {
  return new Error(`aborted while waiting to be judged (${String(signal.reason)})`);
}
