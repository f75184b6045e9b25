/**
 * A batch's plan and its public types (client.grade, `caged grade --local`): each entry checked
 * by the submission schema (bad input becomes a REFUSED entry), each submission's job id and the
 * batch's id from the problem and the content (src/wire/batch.ts). No Redis here.
 */
import { CagedError } from '../errors';
import { makeSubmissionSchema, type JudgeResult, type SubmissionInput } from '../judge/schema';
import type { ProblemRef } from '../problem/package-store';
import { batchIdOf, gradeJobId, testsProblemKey, type BatchData, type BatchEntry, type BatchRow, type BatchSummary } from '../wire/batch';
import { describeIssues, fieldIssues } from '../wire/contract';

/**
 * What a batch is judged against: a pushed problem package (`allTests`: every test of it judged,
 * none skipped after a rejection, the submission's `allTests`), or test cases.
 */
export type GradeProblem =
  | { package: ProblemRef; allTests?: boolean }
  | {
      name: string;
      testcases: NonNullable<SubmissionInput['testcases']>;
      limits?: SubmissionInput['limits'];
      checker?: SubmissionInput['checker'];
    };

/** One submission of a batch: its sources, or why it was refused before (unreadable, …). */
export type GradeEntry =
  | {
      name: string;
      language: string;
      source?: string;
      files?: SubmissionInput['files'];
      /** With files: the file the language starts from (the wire's `entry`), when it takes one. */
      entry?: string;
      /** false: judged without the language's factors (the wire's meaning): a package's own example. */
      languageFactors?: false;
      /** Every test of the package judged for this one (the wire's allTests), as for the whole batch with GradeProblem's. */
      allTests?: true;
      refused?: undefined;
    }
  | { name: string; language?: string | null; refused: string };

export interface GradeProgress {
  row: BatchRow;
  /** Position of the submission in the batch. */
  index: number;
  /** Submissions finished so far (reused and refused ones included). */
  done: number;
  total: number;
  /** True when the result was already in Redis (not judged by this run). */
  reused: boolean;
}

export interface GradeOptions {
  onProgress?: (p: GradeProgress) => void;
  /** Judge every submission again, finished ones included. */
  rejudge?: boolean;
  /** Interrupts the batch (see the module comment). */
  signal?: AbortSignal;
  /** Keep each submission's full JudgeResult (`results`); default true. */
  keepResults?: boolean;
}

export interface GradeResult {
  summary: BatchSummary;
  /** Each row's full result, when kept and still in Redis; null otherwise. */
  results: Array<JudgeResult | null>;
  /** Submissions whose result was reused / judged by this run. */
  reused: number;
  judged: number;
}

/** The batch was interrupted: `done` of `total` finished; running jobs go on and are reused next time. */
export class GradeInterruptedError extends CagedError {
  readonly retryable = true;
  constructor(
    readonly done: number,
    readonly total: number,
    /** Jobs still running when interrupted (they finish; the next run reuses them). */
    readonly running: number,
  ) {
    super(`batch interrupted: ${done} of ${total} submissions finished, ${running} still running (run again to judge the rest)`);
  }
}

/** The parent job failed (a batch processor error). */
export class BatchJobFailedError extends CagedError {
  readonly retryable = true;
  constructor(
    readonly batchId: string,
    readonly reason: string,
  ) {
    super(`batch ${batchId} failed: ${reason}`);
  }
}

export interface Plan {
  data: BatchData;
  batchId: string;
  /** Child job id → its submission (each once). */
  children: Map<string, SubmissionInput>;
}

/** The batch's entries and child jobs: every entry checked by the submission schema. */
export function planBatch(problem: GradeProblem, entries: readonly GradeEntry[], maxSourceBytes: number): Plan {
  const schema = makeSubmissionSchema({ maxSourceBytes });
  const problemKey = 'package' in problem ? problem.package.digest : testsProblemKey(problem);
  const problemName = 'package' in problem ? problem.package.id : problem.name;
  const children = new Map<string, SubmissionInput>();
  const batchEntries: BatchEntry[] = entries.map((e) => {
    if (e.refused !== undefined) return { name: e.name, jobId: null, language: e.language ?? null, refused: e.refused };
    const submission: SubmissionInput = {
      language: e.language,
      ...(e.files !== undefined ? { files: e.files, ...(e.entry !== undefined ? { entry: e.entry } : {}) } : { source: e.source ?? '' }),
      ...(e.languageFactors === false ? { languageFactors: false } : {}),
      ...('package' in problem
        ? { problem: problem.package, ...(problem.allTests || e.allTests ? { allTests: true } : {}) }
        : {
            testcases: problem.testcases,
            ...(problem.limits ? { limits: problem.limits } : {}),
            ...(problem.checker ? { checker: problem.checker } : {}),
          }),
    };
    const parsed = schema.safeParse(submission);
    if (!parsed.success) return { name: e.name, jobId: null, language: e.language, refused: describeIssues(fieldIssues(parsed.error), 2) };
    const jobId = gradeJobId(problemKey, submission);
    children.set(jobId, submission);
    return { name: e.name, jobId, language: e.language };
  });
  return { data: { problemKey, problemName, entries: batchEntries }, batchId: batchIdOf(problemKey, children.keys()), children };
}
