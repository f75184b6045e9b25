/**
 * Submissions that arrive together are added to the queue together: every `enqueue` call made
 * in the same turn of the event loop (up to `maxBatch`) goes to Redis in one `addBulk` round
 * trip. Under load this is what lets HTTP intake keep up with a client adding jobs itself
 * (bench/api.ts). When the batch is refused (one submission fails the client's check), each is
 * added alone, so that every caller gets its own job id or its own error.
 */
import type { CagedClient } from '../client/client';
import type { SubmissionInput } from '../judge/schema';

interface Pending {
  submission: SubmissionInput;
  resolve: (jobId: string) => void;
  reject: (err: unknown) => void;
}

export class EnqueueBatcher {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly client: CagedClient,
    private readonly maxBatch = 100,
  ) {}

  enqueue(submission: SubmissionInput): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending.push({ submission, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    void this.client.enqueueMany(batch.map((p) => p.submission)).then(
      (ids) => batch.forEach((p, i) => p.resolve(ids[i]!)),
      () => {
        for (const p of batch) this.client.enqueue(p.submission).then(p.resolve, p.reject);
      },
    );
  }
}
