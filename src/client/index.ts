/** The client for judge backends: `import { CagedClient } from 'caged/dist/src/client'`. */
export { CagedClient } from './client';
export type {
  BatchProgress,
  CagedClientOptions,
  EnqueueOptions,
  SubmissionInput,
  SubmitManyOptions,
  SubmitOptions,
  WaitOptions,
} from './client';
export type { CagedEvent } from './event-stream';
export { BatchFailedError, ClientClosedError, ConflictError, JobFailedError, WaitAbortedError, WaitTimeoutError } from './errors';
export { payloadDigest } from './payload-digest';
export { jobIdFor } from './job-id';
export { BatchJobFailedError, GradeInterruptedError } from './grade';
export type { GradeEntry, GradeOptions, GradeProblem, GradeProgress, GradeResult } from './grade';
export type { BatchRow, BatchSummary } from '../wire/batch';
export type { JudgeProgress, JudgeResult, Submission } from '../wire/contract';
export { JOB_NAME, INVALID_SUBMISSION, INTERNAL_ERROR } from '../wire/contract';
