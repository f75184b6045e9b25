/**
 * "The program failed" is data (a verdict). "caged failed" is one of these exceptions, and each
 * class says whether a retry can help (isolate's `die` versus `err`; BullMQ's UnrecoverableError).
 */
export abstract class CagedError extends Error {
  /** True when the same job may succeed on another try or another host (a host fault). */
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request itself is wrong (bad field, unknown language, limit above the maximum): never retried. */
export class InvalidRequestError extends CagedError {
  readonly retryable = false;
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
  }
}

/** The host could not do its part (cgroup, mount, image, fork): retrying, perhaps elsewhere, may help. */
export class HostError extends CagedError {
  readonly retryable = true;
}

/** An image or its cache is missing, corrupt or does not match its manifest. */
export class ImageError extends CagedError {
  readonly retryable = true;
}

/**
 * A run or a judgement its caller aborted (a worker handing its job back, an interrupted
 * command): what it did is not an answer. Retryable: the job may be judged again, elsewhere.
 */
export class AbortedError extends CagedError {
  readonly retryable = true;
  constructor(what: string, signal: AbortSignal) {
    super(`${what} was aborted (${abortReason(signal)})`, { cause: signal.reason });
  }
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (r === undefined) return 'no reason';
  if (r instanceof Error) return r.message;
  return typeof r === 'string' ? r : JSON.stringify(r);
}
