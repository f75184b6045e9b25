/**
 * The worker's gate on job payloads. Anything a producer can get wrong (a wrong type, a missing
 * field, an oversized source) becomes BullMQ's UnrecoverableError naming the field: the job
 * fails at once, is never retried, and its `failedReason` tells the backend what to fix.
 * This is the job's only parse: the judge takes the parsed submission (`Judge.judgeSubmission`).
 */
import { UnrecoverableError } from 'bullmq';
import { makeSubmissionSchema, type Submission } from '../judge/schema';
import { describeIssues, fieldIssues, invalidSubmissionReason } from '../wire/contract';

/** A parser for payloads with the worker's source cap (CAGED_MAX_SOURCE_BYTES). */
export function submissionParser(maxSourceBytes: number): (data: unknown) => Submission {
  const schema = makeSubmissionSchema({ maxSourceBytes });
  return (data) => {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    throw new UnrecoverableError(invalidSubmissionReason(describeIssues(fieldIssues(parsed.error))));
  };
}
