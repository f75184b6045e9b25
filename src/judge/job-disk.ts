/**
 * How much disk a job's directory and its helpers' directories are given (JobDirs' quota).
 */
import { jobDirBytes, type RootfsMode } from '../rootfs/job-rootfs';
import type { JudgeHooks } from './judge-options';
import { chainsBytes, type LanguageChain } from './judge-image';
import type { JobPlan } from './plan';
import { boxFilesBytes } from './test-files';

const MiB = 2 ** 20;

/**
 * The job directory holds the box, and in rootfs mode `extract` the unpacked chain of each
 * language the job runs (the submission's, its checker's or interactor's): each is a root of
 * its own, so a layer shared by two chains is there twice. The tests' own files
 * (test-files.ts; the input when it is a file) come on top: the largest test's, once per test running at a time
 * (`parallelism`).
 */
export function jobDiskBytes(
  plan: JobPlan,
  hooks: JudgeHooks,
  chains: ReadonlyMap<string, LanguageChain>,
  mode: RootfsMode,
  parallelism: number,
  /** The largest test's files, when the tests are not all in `plan` (Judge.openJob). */
  filesBytes?: number,
): number {
  const ids = [plan.language.id, plan.submission.interactor?.language, hooks.staticValidation?.validator.language];
  if (plan.checker.kind === 'custom') ids.push(plan.checker.language.id);
  if (plan.checker.kind === 'validator') ids.push(plan.checker.spec.language.id);
  const imageBytes = chainsBytes(chains, ids);
  let testFiles = filesBytes ?? 0;
  const inputFile = plan.submission.fileIo?.input !== undefined;
  for (const t of plan.submission.testcases) testFiles = Math.max(testFiles, boxFilesBytes(t, inputFile));
  return jobDirBytes(mode, imageBytes, 256 * MiB) + testFiles * Math.max(1, parallelism);
}

/** The checker's directory holds its box and, per test, the input, output and answer. */
export function checkerDiskBytes(plan: JobPlan): number {
  let largest = 0;
  for (const t of plan.submission.testcases) largest = Math.max(largest, t.stdin.length + (t.expected?.length ?? 0));
  return checkerDiskBytesOf(largest, plan);
}

/** The same for tests whose input and answer are at most `testBytes` together. */
export function checkerDiskBytesOf(testBytes: number, plan: JobPlan): number {
  return 128 * MiB + 2 * testBytes + plan.testLimits.outputBytes;
}
