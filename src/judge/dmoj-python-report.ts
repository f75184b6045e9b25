/**
 * The wire's `protocol: "dmoj-python"` of a custom checker: a DMOJ Python checker (`check.py`
 * defining `check(process_output, judge_output, **kwargs)`) run in the sandbox by a runner of
 * caged's own that the problem side puts beside it (src/problem/dmoj-python-checker.ts). The
 * worker knows only the runner's side of it, declared here:
 *
 *   argv      input output answer /checker/context   (after the language's run command)
 *   context   JSON written by the worker for the test (DmojPythonContext): the test's points,
 *             its index, the submission's CPU time, language and verdict so far
 *   source    /checker/source, the submission's source, when the worker has it (one file)
 *   report    one line of JSON on the runner's stdout (DmojPythonReport); the checker's own
 *             prints go nowhere (DMOJ's go to its judge's log)
 *
 * A report is what DMOJ's StandardGrader makes of `check`'s answer: `checked` (passed and
 * points, a bool already turned into CheckerResult(b, points if b else 0)), `skipped` (the
 * submission failed and `check.run_on_error` is not set: DMOJ does not call the checker), or
 * `error` (an exception, the last line of its traceback: DMOJ's IE). `run_on_error` says whether
 * the checker has the flag, so that the worker stops asking on failed runs once it knows it has
 * not (custom-checker.ts).
 */
import { z } from 'zod';
import type { RunVerdict } from './run-verdict';

/** The per-test file the worker writes beside input, output and answer. */
export const DMOJ_CONTEXT_FILE = 'context';
/** The submission's source, when the worker has it. */
export const DMOJ_SOURCE_FILE = 'source';

export interface DmojPythonContext {
  /** The test's `points` (DMOJ's `point_value`). */
  point_value: number;
  /** The test's 0-based index on the wire (DMOJ's `case_position` unless the problem side maps it). */
  case_index: number;
  /** The test's name on the wire: the problem side's `cases` may be keyed by it. */
  case_name: string | null;
  /** The submission's CPU time on the test, in seconds (DMOJ's `execution_time`). */
  execution_time: number;
  /** Its peak memory, in KiB (DMOJ's Result.max_memory). */
  max_memory: number;
  /** Its language id (caged's, not DMOJ's: `python3`, `cpp17`). */
  submission_language: string;
  /** Its run's verdict before the check: `OK`, or what failed it (DMOJ's preliminary result flags). */
  submission_verdict: RunVerdict;
  /** Whether /checker/source holds its source. */
  has_source: boolean;
}

/**
 * The per-test file the worker writes beside a DMOJ custom judge's input and answer (protocol
 * `dmoj-grader`, src/problem/dmoj-grader.ts): what its `case` and the grader's `language` are.
 */
export interface DmojGraderContext {
  /** The test's `points` (DMOJ's `case.points`). */
  point_value: number;
  /** The test's 0-based index on the wire (DMOJ's `case.position` unless the problem side maps it). */
  case_index: number;
  /** The test's name on the wire: the problem side's cases may be keyed by it. */
  case_name: string | null;
  /** The submission's language id (caged's, not DMOJ's). */
  submission_language: string;
  /** Whether `source` beside the context holds the submission's source (the grader's `self.source`). */
  has_source: boolean;
}

/** Characters of a feedback the runner sends at most (the message shown is one line of 500). */
export const DMOJ_FEEDBACK_CHARS = 2000;

const Feedback = z.string().max(DMOJ_FEEDBACK_CHARS);

export const DmojPythonReportSchema = z.discriminatedUnion('result', [
  z.strictObject({
    result: z.literal('checked'),
    run_on_error: z.boolean(),
    passed: z.boolean(),
    /** As `check` gave them: DMOJ bounds them nowhere; the worker caps them at the test's points. */
    points: z.number(),
    feedback: Feedback,
    extended_feedback: Feedback,
  }),
  z.strictObject({ result: z.literal('skipped'), run_on_error: z.literal(false) }),
  z.strictObject({ result: z.literal('error'), run_on_error: z.boolean().nullable(), error: Feedback }),
]);
export type DmojPythonReport = z.output<typeof DmojPythonReportSchema>;

/**
 * The runner's report from its stdout (already capped by the checker's output limit): its first
 * line, parsed as JSON (linear) and checked; null when it is none.
 */
export function readDmojReport(stdout: Buffer): DmojPythonReport | null {
  let end = stdout.indexOf(0x0a);
  if (end < 0) end = stdout.length;
  let raw: unknown;
  try {
    raw = JSON.parse(stdout.toString('utf8', 0, end));
  } catch {
    return null;
  }
  const parsed = DmojPythonReportSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
