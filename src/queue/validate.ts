/**
 * The worker's gate on job payloads. Anything a producer can get wrong (a wrong type, a missing
 * field, an oversized source) becomes BullMQ's UnrecoverableError naming the field: the job
 * fails at once, is never retried, and its `failedReason` tells the backend what to fix.
 */
import { UnrecoverableError } from 'bullmq';
import { makeSubmissionSchema, type Submission } from '../judge/schema';

/** Prefix of every failedReason of a rejected payload (clients recognise it). */
export const INVALID_SUBMISSION = 'invalid submission';

/** A parser for payloads with the worker's source cap (CAGED_MAX_SOURCE_BYTES). */
export function submissionParser(maxSourceBytes: number): (data: unknown) => Submission {
  const schema = makeSubmissionSchema({ maxSourceBytes });
  return (data) => {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    const all = parsed.error.issues;
    const issues = all.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`);
    const more = all.length > 5 ? ` (and ${all.length - 5} more)` : '';
    throw new UnrecoverableError(`${INVALID_SUBMISSION}: ${issues.join('; ')}${more}`);
  };
}
