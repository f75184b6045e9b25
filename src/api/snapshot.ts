/** A job as the API shows it, read from the queue in one place. */
import type { Job, Queue } from 'bullmq';
import type { JudgeResult } from '../judge/schema';
import type { JobSnapshot } from '../judge0/view';

export async function jobSnapshot(queue: Queue, jobId: string, token: string): Promise<JobSnapshot | null> {
  const job = (await queue.getJob(jobId)) as Job<unknown, JudgeResult> | undefined;
  if (!job) return null;
  const state = await job.getState();
  return {
    token,
    state,
    data: job.data,
    result: state === 'completed' ? job.returnvalue : null,
    failedReason: job.failedReason,
    createdAt: job.timestamp,
    finishedAt: job.finishedOn ?? undefined,
  };
}
