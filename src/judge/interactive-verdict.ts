/**
 * The verdict of an interactive test, as DOMjudge and Kattis give it, from the pair's two runs
 * (src/sandbox/run-pair.ts), for either protocol an interactor may speak:
 *
 *   - `kattis`: exit 42 accepted, 43 wrong answer;
 *   - `testlib` (Polygon's, testlib-protocol.ts): exit 0 accepted, 7 accepted with partial
 *     points (the first line of its stderr: its stdout is the submission's stdin), 1, 2, 4 and 8
 *     wrong answer, 3 its own failure.
 * Any other code, a signal, a limit of its own or a forbidden call is the interactor's failure.
 * The order of the ends decides, whatever the protocol:
 *
 *   1. The submission failed (RE, TLE, MLE, OLE, SE) and ended before the interactor: its own
 *      verdict (it crashed or ran out of time before the interactor decided).
 *   2. The interactor failed: IE.
 *   3. The interactor rejected: WA, whatever the submission did afterwards (died of the closed
 *      pipe, exited non-zero, was killed after the grace).
 *   4. The interactor accepted: OLE if the submission then wrote more than its output limit
 *      (killed: the worker reads what it writes on and drops it), TLE if it was still running a
 *      grace after it (killed), its own verdict if it then failed, else AC (for `testlib`, the
 *      checker then judges the interactor's output file: interactive.ts).
 */
import type { PairResult } from '../sandbox/run-pair';
import type { LimitHit, RunLimits, RunResult } from '../sandbox/types';
import { classifyRun } from './run-verdict';
import { oneLine } from './result';
import { parsePoints, testlibExit, TESTLIB_OK, TESTLIB_POINTS, type PartialPoints, unreadPoints } from './testlib-protocol';

export const KATTIS_ACCEPTED = 42;
export const KATTIS_WRONG_ANSWER = 43;

/** How an interactor is run and read (the wire's `interactor.protocol`). */
export type InteractorProtocol = 'kattis' | 'testlib';

/** The exit codes on which an interactor of `protocol` accepted (the pair then drops the submission's further output). */
export function acceptingExitCodes(protocol: InteractorProtocol): readonly number[] {
  return protocol === 'kattis' ? [KATTIS_ACCEPTED] : [TESTLIB_OK, TESTLIB_POINTS];
}

/** What the interactor's run says: accepted (testlib's exit 7: with partial points), rejected, or no decision. */
export type InteractorDecision =
  { kind: 'accepted'; points: PartialPoints | null } | { kind: 'rejected'; message: string } | { kind: 'failed'; why: string };

export function interactorDecision(r: RunResult, protocol: InteractorProtocol): InteractorDecision {
  if (r.forbiddenSyscall) return { kind: 'failed', why: `forbidden system call ${r.forbiddenSyscall}` };
  if (r.limitHit) return { kind: 'failed', why: `${r.limitHit} limit` };
  if (r.signal) return { kind: 'failed', why: `killed by ${r.signal}` };
  const code = r.exitCode;
  if (protocol === 'kattis') {
    if (code === KATTIS_ACCEPTED) return { kind: 'accepted', points: null };
    if (code === KATTIS_WRONG_ANSWER) return { kind: 'rejected', message: 'wrong answer (the interactor)' };
    return { kind: 'failed', why: `exit code ${code}, not 42 or 43` };
  }
  const exit = testlibExit(code ?? -1);
  switch (exit.kind) {
    case 'ok':
      return { kind: 'accepted', points: null };
    case 'rejected':
      return { kind: 'rejected', message: `${exit.prefix ?? 'wrong answer'} (the interactor)` };
    case 'fail':
      return { kind: 'failed', why: `exit code 3, testlib's FAIL` };
    case 'points': {
      const points = parsePoints(r.stderr);
      if (points) return { kind: 'accepted', points };
      const said = oneLine(r.stderr.toString('utf8'), 100);
      return {
        kind: 'failed',
        why: `exit code 7 without "points N" or a fraction 0..1 on the first line of its stderr (${unreadPoints(r.stderr) ?? 'none'}): ${JSON.stringify(said)}`,
      };
    }
    case 'unknown':
      return { kind: 'failed', why: `exit code ${code}, not a testlib code` };
  }
}

export interface InteractiveVerdict {
  verdict: 'AC' | 'WA' | 'TLE' | 'MLE' | 'OLE' | 'RE' | 'SE' | 'IE';
  /** One line: why. */
  message: string;
  /** The submission's limit, when one decided the verdict. */
  limitHit: LimitHit;
  /** AC from a testlib interactor's exit 7: the points it gave. */
  interactorPoints?: PartialPoints;
}

/**
 * `imageBytes`: the submission's image size, for its address-space verdict; `memoryErrorMarkers`:
 * its language's runtime out-of-memory lines (both as run-verdict.ts's classifyRun reads them).
 */
export function interactiveVerdict(
  pair: PairResult,
  protocol: InteractorProtocol,
  limits: Pick<RunLimits, 'cpuTimeMs'> & Partial<Pick<RunLimits, 'addressSpaceBytes'>>,
  imageBytes?: () => number | null,
  memoryErrorMarkers: readonly string[] = [],
): InteractiveVerdict {
  const sub = classifyRun(pair.submission, limits, memoryErrorMarkers, imageBytes);
  const subFailed = sub.verdict !== 'OK';
  const subVerdict = sub.verdict === 'OK' ? 'AC' : sub.verdict;
  const decision = interactorDecision(pair.interactor, protocol);
  // The interactor stopped by one of its own limits (not the wall, which a silent submission
  // makes both sides reach) or by the seccomp policy failed whatever the order: the submission
  // may well have died of the pipe its dying interactor closed (an OOM kill takes its time).
  const own = pair.interactor;
  if (decision.kind === 'failed' && (own.forbiddenSyscall || (own.limitHit !== null && own.limitHit !== 'wall'))) {
    return { verdict: 'IE', message: `the interactor failed (${decision.why})`, limitHit: null };
  }
  if (subFailed && pair.firstEnded === 'submission') {
    return { verdict: subVerdict, message: `${sub.message}, before the interactor decided`, limitHit: sub.limitHit };
  }
  if (decision.kind === 'failed') return { verdict: 'IE', message: `the interactor failed (${decision.why})`, limitHit: null };
  if (decision.kind === 'rejected') return { verdict: 'WA', message: decision.message, limitHit: null };
  if (pair.submissionFloodedAfterAccept) {
    return { verdict: 'OLE', message: 'wrote more than its output limit after the interactor accepted (killed)', limitHit: 'output' };
  }
  if (pair.submissionKilledAfterGrace) {
    return { verdict: 'TLE', message: 'still running after the interactor accepted (killed after the grace)', limitHit: null };
  }
  if (subFailed) return { verdict: subVerdict, message: `${sub.message}, after the interactor accepted`, limitHit: sub.limitHit };
  return { verdict: 'AC', message: 'accepted', limitHit: null, ...(decision.points ? { interactorPoints: decision.points } : {}) };
}
