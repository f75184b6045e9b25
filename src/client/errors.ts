/** What a backend may get instead of a result. */
import { CagedError, InvalidRequestError } from '../errors';
import { isInvalidSubmissionReason } from '../wire/contract';

/** The job failed on the queue: a rejected payload (never retried) or internal errors on every attempt. */
export class JobFailedError extends CagedError {
  /** True when the payload was rejected (fix the submission; resubmitting as is fails again). */
  readonly invalid: boolean;
  readonly retryable: boolean;
  constructor(
    readonly jobId: string,
    readonly reason: string,
  ) {
    super(`job ${jobId} failed: ${reason}`);
    this.invalid = isInvalidSubmissionReason(reason);
    this.retryable = !this.invalid;
  }
}

/**
 * The client was closed: it adds no job and starts no wait any more. Not a bad request (the
 * same call on an open client may succeed) and not a fault of caged: make a new client.
 */
export class ClientClosedError extends CagedError {
  readonly retryable = false;
  constructor() {
    super('the client is closed');
  }
}

/** No result within the wait's timeout. The job itself goes on; `wait(jobId)` may pick it up later. */
export class WaitTimeoutError extends CagedError {
  readonly retryable = true;
  constructor(
    readonly jobId: string,
    timeoutMs: number,
  ) {
    super(`no result for job ${jobId} within ${timeoutMs} ms (the job is still queued or running)`);
  }
}

/** The client was closed (or the wait aborted) before the result arrived. The job itself goes on. */
export class WaitAbortedError extends CagedError {
  readonly retryable = true;
  constructor(
    readonly jobId: string,
    why: string,
  ) {
    super(`stopped waiting for job ${jobId}: ${why}`);
  }
}

/** Some jobs of a batch failed; the results of the others are in `results` (null where failed). */
export class BatchFailedError<R> extends CagedError {
  readonly retryable = false;
  constructor(
    readonly results: ReadonlyArray<R | null>,
    readonly failures: ReadonlyArray<{ index: number; error: Error }>,
  ) {
    super(`${failures.length} of ${results.length} jobs failed; first: ${failures[0]?.error.message ?? ''}`);
  }
}

/**
 * A different payload was already sent under this id (payload digests compared): the stored job
 * is left as it is. Use a new id, or `rejudge: true` to judge the new payload under the same id
 * and replace the old result. Never retried (a bad request: the field is `id`).
 */
export class ConflictError extends InvalidRequestError {
  constructor(
    readonly jobId: string,
    readonly submissionId: string,
  ) {
    super(
      `a different submission was already sent under ${JSON.stringify(submissionId)} (job ${jobId}): use a new id, or rejudge to replace it`,
      'id',
    );
  }
}
