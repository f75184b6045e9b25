/**
 * An error as the command line prints it with `--json`: `{"error": {"code", "message", "field"}}`
 * on stdout, so that a script reading JSON gets JSON whatever happened. `code` says what kind of
 * failure it is (and so what to do next); `field` names the flag, argument or payload field at
 * fault, or is null.
 */
import { ConflictError, JobFailedError, WaitTimeoutError } from '../client/errors';
import { CagedError, HostError, ImageError, InvalidRequestError } from '../errors';

export type ErrorCode = 'invalid_request' | 'conflict' | 'timeout' | 'job_failed' | 'host_error' | 'image_error' | 'internal';

export interface ErrorJson {
  error: { code: ErrorCode; message: string; field: string | null };
}

function codeOf(err: Error): ErrorCode {
  if (err instanceof ConflictError) return 'conflict';
  if (err instanceof InvalidRequestError) return 'invalid_request';
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'invalid_request';
  if (err instanceof WaitTimeoutError) return 'timeout';
  if (err instanceof JobFailedError) return 'job_failed';
  if (err instanceof ImageError) return 'image_error';
  if (err instanceof HostError) return 'host_error';
  if (err instanceof CagedError) return 'internal';
  return 'internal';
}

export function errorJson(err: Error): ErrorJson {
  const field = err instanceof InvalidRequestError && err.field !== undefined ? err.field : null;
  // InvalidRequestError's message starts with its field: said once, in `field`.
  const message = field !== null && err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message;
  return { error: { code: codeOf(err), message, field } };
}
