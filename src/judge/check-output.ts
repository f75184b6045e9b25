/**
 * The job's checker on one output: a built-in checker (on a checking thread when large:
 * check-runner.ts), a custom checker (testlib's or DMOJ's protocols: custom-checker.ts) or an output
 * validator (the Kattis protocol: output-validator.ts). The output is a test's stdout
 * (test-step.ts) or, after a testlib interactor accepted, the file it wrote (interactive.ts).
 */
import type { CheckRunner } from './check-runner';
import type { BuiltinChecker } from './checkers';
import type { CustomChecker } from './custom-checker';
import { dmojRunsOnError } from './dmoj-checkers';
import type { OutputValidator } from './output-validator';
import { validatorFraction, type NextPassHook } from './output-validator-feedback';
import type { Testcase, TestResult } from './schema';

/** The job's checker, prepared (job-prepare.ts). */
export type JobChecker =
  | { kind: 'builtin'; checker: BuiltinChecker }
  | { kind: 'custom'; checker: CustomChecker }
  | { kind: 'validator'; validator: OutputValidator };

/**
 * Whether CMS judges with this checker (its comparator protocol, or its white diff): CMS scores
 * a test whose output file was not produced 0 with its own text, running neither (Batch's
 * evaluate: "Evaluation didn't produce file …"); test-step.ts does so.
 */
export function cmsReads(c: JobChecker): boolean {
  return (c.kind === 'custom' && c.checker.cmsProtocol) || (c.kind === 'builtin' && c.checker.type === 'white-diff');
}

/** What a check needs of its test. */
export interface CheckContext {
  index: number;
  testcase: Testcase;
  checker: JobChecker;
  /** Where the built-in checkers run (off the event loop when the output is large). */
  checks: CheckRunner;
  /** Told how long checking the output took (built-in checkers). */
  onChecked?: (ms: number, bytes: number) => void;
  /** Multi-pass: given the validator's (or interactor's) nextpass.in after the test; see JudgeHooks.nextPass. */
  nextPass?: NextPassHook;
  /**
   * The output validator's (or interactor's) flags for this test, instead of its spec's
   * (Judge.openJob); for a custom checker of CMS's protocol, its arguments after its three.
   */
  validatorFlags?: readonly string[];
  /** A CMS checker's test case under GroupThreshold: its subtask's threshold (cms-checker.ts). */
  cmsThreshold?: number;
}

/** A checked output: the verdict, the share of the test's points, what the checker said, an output validator's extras. */
export interface OutputCheck {
  verdict: 'AC' | 'WA' | 'IE';
  fraction: number;
  checkerMessage: string;
  fromValidator: Pick<TestResult, 'teamMessage' | 'validatorScore' | 'validatorScoreMultiplier' | 'validatorRejectedWithScoreFile'>;
}

/**
 * Whether the checker also judges the output of a run that failed (TLE, RE, …): DMOJ's
 * `run_on_error` checkers (dmoj-checkers.ts). The test keeps the run's verdict; the checker
 * gives its share of the points.
 */
export function checksFailedRuns(checker: JobChecker): boolean {
  return checker.kind === 'builtin' && checker.checker.type === 'dmoj' && dmojRunsOnError(checker.checker);
}

/**
 * Checks `output` against `answer` (the test's `expected`, decoded); `input` is the test's input,
 * `run` the submission's run that wrote the output (for a DMOJ Python checker's arguments).
 */
export async function checkOutput(
  req: CheckContext,
  input: Buffer,
  output: Buffer,
  answer: Buffer,
  run?: { cpuTimeMs: number; memoryBytes: number },
): Promise<OutputCheck> {
  const tc = req.testcase;
  if (req.checker.kind === 'builtin') {
    const bytes = output.length + answer.length;
    const { outcome, ms } = await req.checks.check(req.checker.checker, output, answer, { handOver: true });
    req.onChecked?.(ms, bytes);
    return {
      verdict: outcome.internalError ? 'IE' : outcome.accepted ? 'AC' : 'WA',
      fraction: outcome.internalError ? 0 : (outcome.fraction ?? (outcome.accepted ? 1 : 0)),
      checkerMessage: outcome.message,
      fromValidator: {},
    };
  }
  if (req.checker.kind === 'custom') {
    const about = { index: req.index, name: tc.name ?? null, cpuTimeMs: run?.cpuTimeMs ?? 0, memoryBytes: run?.memoryBytes ?? 0 };
    const outcome = await req.checker.checker.check(input, output, answer, tc.points, about, req.validatorFlags, req.cmsThreshold);
    return { verdict: outcome.verdict, fraction: outcome.fraction, checkerMessage: outcome.message, fromValidator: {} };
  }
  const hook = req.nextPass;
  const index = req.index;
  const outcome = await req.checker.validator.check(
    input,
    output,
    answer,
    hook && {
      bytes: hook.bytes,
      ...(hook.carried ? { carried: hook.carried } : {}),
      onNextPass: (f, kept) => hook.onNextPass(index, f, kept),
    },
    req.validatorFlags,
  );
  return {
    verdict: outcome.verdict,
    fraction: validatorFraction(outcome.verdict, outcome.score, tc.points, outcome.multiplier),
    checkerMessage: outcome.message,
    fromValidator: {
      ...(outcome.teamMessage !== undefined ? { teamMessage: outcome.teamMessage } : {}),
      ...(outcome.score !== undefined ? { validatorScore: outcome.score } : {}),
      ...(outcome.multiplier !== undefined ? { validatorScoreMultiplier: outcome.multiplier } : {}),
      ...(outcome.rejectedWithScoreFile ? { validatorRejectedWithScoreFile: outcome.rejectedWithScoreFile } : {}),
    },
  };
}
