/**
 * The sandbox as the steps of one job see it (JobContext.runs): every run and every pair it
 * starts carries the job's signal (RunPlan.signal), so that a step written later cannot forget
 * it and leave a run going after its judgement was abandoned. A plan given here has no signal
 * of its own: the job's is the only one.
 */
import type { GroupOptions, GroupResult } from '../sandbox/run-group';
import type { PairOptions, PairResult } from '../sandbox/run-pair';
import type { Sandbox } from '../sandbox/sandbox';
import type { RunPlan, RunResult } from '../sandbox/types';

/** A run's plan within a job: the job gives the signal. */
export type JobRunPlan = Omit<RunPlan, 'signal'>;

export interface JobRuns {
  /** Whether the sandbox has overlayfs (a box may be a layer over another). */
  readonly hasOverlay: boolean;
  run(plan: JobRunPlan): Promise<RunResult>;
  runPair(interactor: JobRunPlan, submission: JobRunPlan, opts?: PairOptions): Promise<PairResult>;
  runGroup(manager: JobRunPlan, users: readonly JobRunPlan[], opts: GroupOptions): Promise<GroupResult>;
}

/** `sandbox`'s runs, each ended when `signal` aborts (none given: runs end by their limits alone). */
export function jobRuns(sandbox: Sandbox, signal: AbortSignal | undefined): JobRuns {
  const withSignal = (plan: JobRunPlan): RunPlan => (signal ? { ...plan, signal } : plan);
  return {
    hasOverlay: sandbox.hasOverlay,
    run: (plan) => sandbox.run(withSignal(plan)),
    runPair: (interactor, submission, opts) => sandbox.runPair(withSignal(interactor), withSignal(submission), opts),
    runGroup: (manager, users, opts) => sandbox.runGroup(withSignal(manager), users.map(withSignal), opts),
  };
}
