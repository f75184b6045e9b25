/** The client for judge backends: `import { CagedClient } from 'caged/dist/src/client'`. */
export { CagedClient } from './client';
export type { BatchProgress, CagedClientOptions, EnqueueOptions, SubmissionInput, SubmitManyOptions, SubmitOptions, WaitOptions } from './client';
export type { CagedEvent } from './event-stream';
export { BatchFailedError, JobFailedError, WaitAbortedError, WaitTimeoutError } from './errors';
export { jobIdFor } from './job-id';
export type { JudgeResult, Submission } from '../judge/schema';
export type { JudgeProgress } from '../queue/worker';
