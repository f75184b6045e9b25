/**
 * After an interactor speaking testlib's protocol (Polygon's) accepted, the job's checker decides
 * the test, as Polygon and Codeforces judge an interactive problem: it judges (the test's input,
 * the file the interactor wrote, the test's `expected`) — a testlib checker (`custom`) or a
 * built-in one comparing that file with `expected`.
 *
 * The interactor writes that file (testlib's `tout`) into its per-test feedback directory, which
 * only it can write; the worker reads it back after the run as it reads the feedback files
 * (readCapped: opened relative to the directory, no link followed, a regular file only), up to
 * the interactor's own file-size limit (a larger file could not have been written). A missing,
 * refused or oversized file is IE: the interactor accepted without saying what it saw.
 *
 * An interactor's partial points (testlib's exit 7) and the checker's share combine as the
 * smaller of the two; the test is AC only when it earns all its points. A test without
 * `expected` is not checked, as everywhere: the interactor's acceptance decides it.
 */
import { checkOutput, type CheckContext, type OutputCheck } from './check-output';
import { readFeedbackFile } from './output-validator-feedback';
import { pointsToFraction, type PartialPoints } from './testlib-protocol';

/** The interactor's output file, in its feedback directory. */
export const TESTLIB_OUTPUT_FILE = 'tout';

export interface TestlibJudgement {
  verdict: 'AC' | 'WA' | 'IE';
  /** Share of the test's points earned, 0..1. */
  fraction: number;
  /** One line: why. */
  message: string;
  /** What the checker said, when it ran. */
  checkerMessage: string | null;
  fromValidator: OutputCheck['fromValidator'];
}

/** The test's verdict once a testlib interactor accepted (with `interactorPoints` on its exit 7). */
export async function judgeTestlibOutput(
  t: CheckContext,
  feedbackDir: string,
  capBytes: number,
  interactorPoints: PartialPoints | undefined,
): Promise<TestlibJudgement> {
  const tc = t.testcase;
  const share = interactorPoints ? pointsToFraction(interactorPoints, tc.points) : 1;
  const failed = (message: string): TestlibJudgement => ({ verdict: 'IE', fraction: 0, message, checkerMessage: null, fromValidator: {} });
  if (tc.expected === undefined) {
    const message = 'accepted by the interactor (no expected output to check)';
    return { verdict: share >= 1 ? 'AC' : 'WA', fraction: share, message, checkerMessage: null, fromValidator: {} };
  }
  const file = readFeedbackFile(feedbackDir, TESTLIB_OUTPUT_FILE, capBytes);
  if (file.kind === 'absent') return failed('the interactor accepted but wrote no output file');
  if (file.kind === 'refused') return failed(`the interactor accepted but its output file was refused: ${file.why}`);
  if (file.truncated) return failed(`the interactor accepted but its output file is larger than ${capBytes} bytes`);
  const input = Buffer.from(tc.stdin, tc.stdinEncoding);
  const checked = await checkOutput(t, input, file.data, Buffer.from(tc.expected, tc.expectedEncoding));
  const fraction = checked.verdict === 'IE' ? 0 : Math.min(share, checked.fraction);
  const verdict = checked.verdict === 'IE' ? 'IE' : checked.verdict === 'AC' && fraction >= 1 ? 'AC' : 'WA';
  const said = { AC: 'accepted', WA: 'wrong answer', IE: 'checker failure' }[verdict];
  return {
    verdict,
    fraction,
    message: `${said} (the checker, on the interactor's output)`,
    checkerMessage: checked.checkerMessage,
    fromValidator: checked.fromValidator,
  };
}
