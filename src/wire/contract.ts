/**
 * The wire contract between producers (the client, any BullMQ producer), the queue and the
 * worker: the job's name, the payload and result types, the progress value, the prefixes of a
 * failed job's `failedReason`, and how a schema issue names its field. Everything a client and
 * a worker must agree on is here, once; neither side retypes it.
 *
 * The payload and the result themselves are declared with zod in `src/judge/schema.ts` (also
 * used by `caged run`, with no queue); this module re-exports their types.
 */
import type { z } from 'zod';
// Types only: at run time this module depends on nothing of caged's, so every layer may use it.
import type { JudgeResult, Submission, SubmissionInput, TestVerdict } from '../judge/schema';

export type { JudgeResult, Submission, SubmissionInput };

/** Name of the jobs the client adds (the worker accepts any name). */
export const JOB_NAME = 'judge';

/** Prefix of the `failedReason` of a refused payload: failed at once, never retried. */
export const INVALID_SUBMISSION = 'invalid submission';

/** Prefix of the `failedReason` of a job whose every attempt failed inside caged (host, image). */
export const INTERNAL_ERROR = 'internal error';

/** `invalid submission: <field>: <why>; …` */
export function invalidSubmissionReason(detail: string): string {
  return `${INVALID_SUBMISSION}: ${detail}`;
}

/** `internal error: <class>: <message>` */
export function internalErrorReason(detail: string): string {
  return `${INTERNAL_ERROR}: ${detail}`;
}

/** True when a failedReason says the payload was refused (resubmitting it as is fails again). */
export function isInvalidSubmissionReason(reason: string): boolean {
  return reason.startsWith(INVALID_SUBMISSION);
}

/** The job's progress value, set after each test case. */
export interface JudgeProgress {
  /** 0-based index of the test that just finished. */
  testIndex: number;
  /** Number of test cases of the submission. */
  total: number;
  verdict: TestVerdict;
}

/**
 * Narrows a job's progress value (any producer's worker may report anything) to ours; null if
 * it is not. `verdicts`: the test verdicts of the result schema (`TEST_VERDICTS`).
 */
export function asJudgeProgress(value: unknown, verdicts: readonly string[]): JudgeProgress | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.testIndex !== 'number' || typeof v.total !== 'number' || typeof v.verdict !== 'string') return null;
  if (!verdicts.includes(v.verdict)) return null;
  return { testIndex: v.testIndex, total: v.total, verdict: v.verdict as TestVerdict };
}

/** Name of the whole payload when an issue is about the payload itself (not an object, …). */
export const ROOT_FIELD = '(submission)';

/** One schema issue: the field it is about and what is wrong with it. */
export interface FieldIssue {
  /** `testcases[0].stdin`: object keys joined by dots, array indices in brackets. */
  field: string;
  message: string;
}

/** The one path notation of every message: `testcases[0].stdin`, `[2].limits.cpuTimeMs` (with a prefix). */
export function fieldName(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += `${out && !out.endsWith('.') ? '.' : ''}${String(p)}`;
  }
  return out || ROOT_FIELD;
}

/**
 * The issues of a failed parse, in zod's order. An unknown key is reported on the key itself,
 * not on the object holding it. `prefix` names where the payload sits (`[3]` in a batch).
 */
export function fieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((i) => {
    const path = i.code === 'unrecognized_keys' && i.keys.length ? [...i.path, i.keys[0]!] : i.path;
    return { field: fieldName(path, prefix), message: i.message };
  });
}

/** `a: why; b: why (and 3 more)`: at most `max` issues, in one line. */
export function describeIssues(issues: readonly FieldIssue[], max = 5): string {
  const shown = issues.slice(0, max).map((i) => `${i.field}: ${i.message}`);
  const more = issues.length > max ? ` (and ${issues.length - max} more)` : '';
  return `${shown.join('; ')}${more}`;
}
