/**
 * The verdict of an interactive test, as DOMjudge and Kattis give it, from the pair's two runs
 * (src/sandbox/run-pair.ts). The interactor speaks the Kattis protocol: exit 42 accepted, 43
 * wrong answer; anything else (another code, a signal, a limit of its own, a forbidden call) is
 * the interactor's failure.
 *
 *   1. The submission failed (RE, TLE, MLE, OLE, SE) and ended before the interactor: its own
 *      verdict (it crashed or ran out of time before the interactor decided).
 *   2. The interactor failed: IE.
 *   3. The interactor said 43: WA, whatever the submission did afterwards (died of the closed
 *      pipe, exited non-zero, was killed after the grace).
 *   4. The interactor said 42: OLE if the submission then wrote more than its output limit
 *      (killed: the worker reads what it writes on and drops it), TLE if it was still running a
 *      grace after it (killed), its own verdict if it then failed, else AC.
 */
import type { PairResult } from '../sandbox/run-pair';
import type { LimitHit, RunLimits, RunResult } from '../sandbox/types';
import { classifyRun } from './run-verdict';

export const KATTIS_ACCEPTED = 42;
export const KATTIS_WRONG_ANSWER = 43;

export interface InteractiveVerdict {
  verdict: 'AC' | 'WA' | 'TLE' | 'MLE' | 'OLE' | 'RE' | 'SE' | 'IE';
  /** One line: why. */
  message: string;
  /** The submission's limit, when one decided the verdict. */
  limitHit: LimitHit;
}

/** Why the interactor's run is not a decision, or null when it exited 42 or 43. */
export function interactorFailure(r: RunResult): string | null {
  if (r.forbiddenSyscall) return `forbidden system call ${r.forbiddenSyscall}`;
  if (r.limitHit) return `${r.limitHit} limit`;
  if (r.signal) return `killed by ${r.signal}`;
  if (r.exitCode !== KATTIS_ACCEPTED && r.exitCode !== KATTIS_WRONG_ANSWER) return `exit code ${r.exitCode}, not 42 or 43`;
  return null;
}

/**
 * `imageBytes`: the submission's image size, for its address-space verdict; `memoryErrorMarkers`:
 * its language's runtime out-of-memory lines (both as run-verdict.ts's classifyRun reads them).
 */
export function interactiveVerdict(
  pair: PairResult,
  limits: Pick<RunLimits, 'cpuTimeMs'> & Partial<Pick<RunLimits, 'addressSpaceBytes'>>,
  imageBytes?: () => number | null,
  memoryErrorMarkers: readonly string[] = [],
): InteractiveVerdict {
  const sub = classifyRun(pair.submission, limits, memoryErrorMarkers, imageBytes);
  const subFailed = sub.verdict !== 'OK';
  const subVerdict = sub.verdict === 'OK' ? 'AC' : sub.verdict;
  // The interactor stopped by one of its own limits (not the wall, which a silent submission
  // makes both sides reach) or by the seccomp policy failed whatever the order: the submission
  // may well have died of the pipe its dying interactor closed (an OOM kill takes its time).
  const own = pair.interactor;
  if (own.forbiddenSyscall || (own.limitHit !== null && own.limitHit !== 'wall')) {
    return { verdict: 'IE', message: `the interactor failed (${interactorFailure(own)})`, limitHit: null };
  }
  if (subFailed && pair.firstEnded === 'submission') {
    return { verdict: subVerdict, message: `${sub.message}, before the interactor decided`, limitHit: sub.limitHit };
  }
  const failure = interactorFailure(pair.interactor);
  if (failure) return { verdict: 'IE', message: `the interactor failed (${failure})`, limitHit: null };
  if (pair.interactor.exitCode === KATTIS_WRONG_ANSWER) return { verdict: 'WA', message: 'wrong answer (the interactor)', limitHit: null };
  if (pair.submissionFloodedAfterAccept) {
    return { verdict: 'OLE', message: 'wrote more than its output limit after the interactor accepted (killed)', limitHit: 'output' };
  }
  if (pair.submissionKilledAfterGrace) {
    return { verdict: 'TLE', message: 'still running after the interactor accepted (killed after the grace)', limitHit: null };
  }
  if (subFailed) return { verdict: subVerdict, message: `${sub.message}, after the interactor accepted`, limitHit: sub.limitHit };
  return { verdict: 'AC', message: 'accepted', limitHit: null };
}
