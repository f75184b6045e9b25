/**
 * The queue's job id for a submission id chosen by the backend. The same submission id always
 * gives the same job id, so submitting twice adds one job (BullMQ keeps one job per id while
 * the job is in Redis: see CAGED_KEEP_COMPLETED_S).
 *
 * BullMQ refuses custom ids that look like integers ("42") or contain ':' (its key separator),
 * both of which submission ids may. Those are written `~` + the id with ':' → '~'. Submission
 * ids never contain '~', so the mapping stays one-to-one.
 */
import { InvalidRequestError } from '../errors';

const SUBMISSION_ID = /^[A-Za-z0-9._:-]{1,200}$/;

export function jobIdFor(submissionId: string): string {
  if (!SUBMISSION_ID.test(submissionId)) {
    throw new InvalidRequestError('must be 1-200 of A-Z a-z 0-9 . _ : -', 'id');
  }
  const bullmqSafe = !submissionId.includes(':') && String(parseInt(submissionId, 10)) !== submissionId;
  return bullmqSafe ? submissionId : `~${submissionId.replace(/:/g, '~')}`;
}
