/**
 * A custom checker speaking one of DMOJ's protocols (custom-checker.ts runs it, these read its
 * end once it exited; a signal, a limit or a forbidden call is IE before this):
 *
 *   - `dmoj-default`, `dmoj-testlib`, `dmoj-coci`: DMOJ's bridged checker, its exit code and
 *     stderr read by the contrib module (dmoj-contrib.ts), its stdout the feedback. DMOJ decodes
 *     that stdout as strict UTF-8 and its grader answers a decoding error with
 *     CheckerResult(False, 0, "invalid unicode"): so here, whatever the exit code.
 *   - `dmoj-python`: caged's runner of a DMOJ Python checker, its report on stdout
 *     (dmoj-python-report.ts). `check`'s points are DMOJ's CheckerResult.points, which DMOJ
 *     bounds nowhere: here they are held to 0..the test's points. A failed check keeps the
 *     points it was given (DMOJ's site sums the points of every case, whatever its verdict).
 *
 * "Passed" is AC with the points earned, however few (DMOJ's CheckerResult(True, points));
 * "not passed" is WA.
 */
import { isUtf8 } from 'node:buffer';
import type { RunResult } from '../sandbox/types';
import type { CheckerVerdict } from './checker-verdict';
import { dmojOutcome, type DmojModule } from './dmoj-contrib';
import { readDmojReport } from './dmoj-python-report';
import { oneLine } from './result';
import { pointsToFraction } from './testlib-protocol';

/** Bytes of a stream decoded for a message: the message is one line of 500 characters. */
const SHOWN_BYTES = 4096;

function head(b: Buffer): string {
  return b.toString('utf8', 0, Math.min(b.length, SHOWN_BYTES));
}

type Ended = Pick<RunResult, 'stdout' | 'stderr'> & { exitCode: number };

/** A bridged checker's end, read by DMOJ's contrib `module`; `showFeedback` is DMOJ's `feedback` argument. */
export function dmojBridgedVerdict(module: DmojModule, run: Ended, testPoints: number, showFeedback: boolean): CheckerVerdict {
  if (!isUtf8(run.stdout)) return { verdict: 'WA', fraction: 0, message: 'invalid unicode' };
  const feedback = oneLine(head(run.stdout));
  const out = dmojOutcome(module, { exitCode: run.exitCode, stderr: run.stderr, feedback, testPoints, showFeedback, role: 'checker' });
  switch (out.kind) {
    case 'passed':
      return { verdict: 'AC', fraction: pointsToFraction(out.points, testPoints), message: out.feedback };
    case 'failed':
      return { verdict: 'WA', fraction: 0, message: out.feedback };
    case 'error':
      return { verdict: 'IE', fraction: 0, message: out.message };
  }
}

/** What the Python runner said: a verdict, or none (`skipped`: not run on a failed submission); whether the checker runs on errors, when known. */
export interface DmojPythonVerdict {
  verdict: CheckerVerdict | null;
  runOnError: boolean | null;
}

/** The Python runner's end: its report on stdout (it exits 0 having written one). */
export function dmojPythonVerdict(run: Ended, testPoints: number): DmojPythonVerdict {
  const said = oneLine(head(run.stderr), 300);
  const failed = (message: string): DmojPythonVerdict => ({
    verdict: { verdict: 'IE', fraction: 0, message: oneLine(message) },
    runOnError: null,
  });
  if (run.exitCode !== 0) return failed(`the Python checker's runner exited with ${run.exitCode}${said ? `: ${said}` : ''}`);
  const report = readDmojReport(run.stdout);
  if (!report) return failed(`the Python checker's runner wrote no report${said ? `: ${said}` : ''}`);
  switch (report.result) {
    case 'skipped':
      return { verdict: null, runOnError: false };
    case 'error':
      return { verdict: { verdict: 'IE', fraction: 0, message: oneLine(report.error) }, runOnError: report.run_on_error };
    case 'checked': {
      const earned = Math.min(Math.max(report.points, 0), testPoints);
      const fraction = testPoints > 0 ? earned / testPoints : 0;
      const message = oneLine(report.feedback || report.extended_feedback);
      return { verdict: { verdict: report.passed ? 'AC' : 'WA', fraction, message }, runOnError: report.run_on_error };
    }
  }
}
