/**
 * The verdict of an interactive test, as DOMjudge and Kattis give it, from the pair's two runs
 * (src/sandbox/run-pair.ts), for any protocol an interactor may speak:
 *
 *   - `kattis`: exit 42 accepted, 43 wrong answer;
 *   - `testlib` (Polygon's, testlib-protocol.ts): exit 0 accepted, 7 accepted with partial
 *     points (the first line of its stderr: its stdout is the submission's stdin), 1, 2, 4 and 8
 *     wrong answer, 3 its own failure;
 *   - `dmoj-default`, `dmoj-testlib`, `dmoj-coci` (DMOJ's bridged interactor): its exit code and
 *     stderr read by DMOJ's contrib module (dmoj-contrib.ts): "passed" accepted (with the points
 *     it gave), "failed" wrong answer, an InternalError its own failure;
 *   - `dmoj-grader` (caged's runner of a DMOJ custom judge, src/problem/dmoj-grader.ts): the
 *     report on the first line of its stderr (dmoj-python-report.ts): checked and passed
 *     accepted with its points (capped at the test's), checked and not passed wrong answer, an
 *     error or no report its own failure;
 *   - `cms` (a CMS Communication task's manager, cms-communication.ts): exit 0 accepted, its
 *     outcome (the share of the test's points) then read from what it printed.
 * Any other code, a signal, a limit of its own or a forbidden call is the interactor's failure.
 * The order of the ends decides, whatever the protocol:
 *
 *   1. The submission failed (RE, TLE, MLE, OLE, SE) and ended before the interactor: its own
 *      verdict (it crashed or ran out of time before the interactor decided).
 *   2. The interactor failed: IE.
 *   3. Under DMOJ's protocols only, the submission's own failure whenever it came, as DMOJ's
 *      `check_result` has it (`(not result.result_flag) and parsed_result`): OLE if it wrote
 *      more than its output limit after an acceptance, TLE if it was still running a grace after
 *      the interactor ended (DMOJ lets it run to its time limit), its own verdict if it failed.
 *   4. The interactor rejected: WA, whatever the submission did afterwards (died of the closed
 *      pipe, exited non-zero, was killed after the grace).
 *   5. The interactor accepted: OLE if the submission then wrote more than its output limit
 *      (killed: the worker reads what it writes on and drops it), TLE if it was still running a
 *      grace after it (killed), its own verdict if it then failed, else AC (for `testlib`, the
 *      checker then judges the interactor's output file: interactive.ts).
 *
 * DMOJ itself reads the interactor first and its failure is IE even after the submission
 * crashed; rule 1 keeps the submission's verdict there, as for the other protocols: an
 * interactor reading the EOF of a crashed submission may well exit with a code it has no
 * meaning for (DMOJ's own example interactor exits 2 on a bad read, IE under `default`).
 */
import type { PairResult } from '../sandbox/run-pair';
import type { LimitHit, RunLimits, RunResult } from '../sandbox/types';
import { classifyRun } from './run-verdict';
import { oneLine } from './result';
import { dmojModuleOf, dmojOutcome, type DmojProtocol } from './dmoj-contrib';
import { readDmojReport } from './dmoj-python-report';
import { parsePoints, testlibExit, TESTLIB_OK, TESTLIB_POINTS, type PartialPoints, unreadPoints } from './testlib-protocol';

export const KATTIS_ACCEPTED = 42;
export const KATTIS_WRONG_ANSWER = 43;

/** How an interactor is run and read (the wire's `interactor.protocol`). */
export type InteractorProtocol = 'kattis' | 'testlib' | 'cms' | DmojInteractorProtocol;

/** The protocols read as DMOJ reads its interactors: a bridged one's contrib module, or a custom judge's report. */
export type DmojInteractorProtocol = DmojProtocol | 'dmoj-grader';

/**
 * How an interactor's end is read: its protocol; a DMOJ one with the test's points (what `points
 * N` may reach) and whether its stderr is shown (DMOJ's `feedback`).
 */
export type InteractorReading = 'kattis' | 'testlib' | 'cms' | { protocol: DmojInteractorProtocol; testPoints: number; feedback: boolean };

/** The exit codes on which an interactor of `protocol` accepted (the pair then drops the submission's further output). */
export function acceptingExitCodes(protocol: InteractorProtocol): readonly number[] {
  if (protocol === 'kattis') return [KATTIS_ACCEPTED];
  if (protocol === 'cms') return [0];
  return protocol === 'dmoj-default' || protocol === 'dmoj-grader' ? [TESTLIB_OK] : [TESTLIB_OK, TESTLIB_POINTS];
}

/**
 * What the interactor's run says: accepted (testlib's and DMOJ's exit 7: with partial points),
 * rejected, or no decision. `feedback`: a DMOJ interactor's message for the contestant.
 */
export type InteractorDecision =
  | { kind: 'accepted'; points: PartialPoints | null; feedback?: string }
  | { kind: 'rejected'; message: string; feedback?: string }
  | { kind: 'failed'; why: string };

export function interactorDecision(r: RunResult, reading: InteractorReading): InteractorDecision {
  if (r.forbiddenSyscall) return { kind: 'failed', why: `forbidden system call ${r.forbiddenSyscall}` };
  if (r.limitHit) return { kind: 'failed', why: `${r.limitHit} limit` };
  if (r.signal) return { kind: 'failed', why: `killed by ${r.signal}` };
  const code = r.exitCode;
  if (typeof reading !== 'string') return dmojDecision(r, reading);
  const protocol = reading;
  if (protocol === 'kattis') {
    if (code === KATTIS_ACCEPTED) return { kind: 'accepted', points: null };
    if (code === KATTIS_WRONG_ANSWER) return { kind: 'rejected', message: 'wrong answer (the interactor)' };
    return { kind: 'failed', why: `exit code ${code}, not 42 or 43` };
  }
  if (protocol === 'cms') return code === 0 ? { kind: 'accepted', points: null } : { kind: 'failed', why: `exit code ${code}, not 0` };
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

/** A DMOJ interactor's end, read by its contrib module; its stderr is its feedback. */
function dmojDecision(r: RunResult, reading: Exclude<InteractorReading, string>): InteractorDecision {
  if (reading.protocol === 'dmoj-grader') return graderDecision(r, reading.feedback);
  const module = dmojModuleOf(reading.protocol);
  if (r.exitCode === null || module === null) return { kind: 'failed', why: 'no exit code' };
  const feedback = oneLine(r.stderr.toString('utf8', 0, Math.min(r.stderr.length, 4096)));
  const end = { exitCode: r.exitCode, stderr: r.stderr, feedback, testPoints: reading.testPoints, showFeedback: reading.feedback };
  const out = dmojOutcome(module, { ...end, role: 'interactor' });
  if (out.kind === 'error') return { kind: 'failed', why: out.message };
  if (out.kind === 'failed') return { kind: 'rejected', message: 'wrong answer (the interactor)', feedback: out.feedback };
  return { kind: 'accepted', points: out.points, feedback: out.feedback };
}

/**
 * A DMOJ custom judge's end: its runner's report (the first line of its stderr; what the grader
 * itself prints goes nowhere). Points are absolute, as DMOJ's CheckerResult's, capped later at
 * the test's points (pointsToFraction); below 0 they are 0.
 */
function graderDecision(r: RunResult, showFeedback: boolean): InteractorDecision {
  const report = readDmojReport(r.stderr);
  if (!report || report.result === 'skipped') {
    const said = JSON.stringify(oneLine(r.stderr.toString('utf8', 0, Math.min(r.stderr.length, 600)), 200));
    return { kind: 'failed', why: `no report on its stderr (exit code ${r.exitCode ?? 'none'}): ${said}` };
  }
  if (report.result === 'error') return { kind: 'failed', why: oneLine(report.error) };
  const feedback = showFeedback ? oneLine(report.feedback) : '';
  if (!report.passed) return { kind: 'rejected', message: 'wrong answer (the grader)', feedback };
  return { kind: 'accepted', points: { kind: 'absolute', value: Math.max(0, report.points) }, feedback };
}

export interface InteractiveVerdict {
  verdict: 'AC' | 'WA' | 'TLE' | 'MLE' | 'OLE' | 'RE' | 'SE' | 'IE';
  /** One line: why. */
  message: string;
  /** The submission's limit, when one decided the verdict. */
  limitHit: LimitHit;
  /** AC from a testlib or DMOJ interactor's exit 7: the points it gave. */
  interactorPoints?: PartialPoints;
  /** A DMOJ interactor's feedback on an AC or WA it decided (empty when hidden). */
  feedback?: string;
}

/**
 * `imageBytes`: the submission's image size, for its address-space verdict; `memoryErrorMarkers`:
 * its language's runtime out-of-memory lines (both as run-verdict.ts's classifyRun reads them).
 */
export function interactiveVerdict(
  pair: PairResult,
  reading: InteractorReading,
  limits: Pick<RunLimits, 'cpuTimeMs'> & Partial<Pick<RunLimits, 'addressSpaceBytes'>>,
  imageBytes?: () => number | null,
  memoryErrorMarkers: readonly string[] = [],
): InteractiveVerdict {
  const sub = classifyRun(pair.submission, limits, memoryErrorMarkers, imageBytes);
  const subFailed = sub.verdict !== 'OK';
  const subVerdict = sub.verdict === 'OK' ? 'AC' : sub.verdict;
  const decision = interactorDecision(pair.interactor, reading);
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
  const said = decision.feedback !== undefined ? { feedback: decision.feedback } : {};
  const decided = decision.kind === 'accepted' ? 'accepted' : 'rejected';
  // Rule 3: under DMOJ's protocols the submission's own failure comes before the decision.
  const dmojFirst = typeof reading !== 'string' ? afterDecision(pair, sub, subVerdict, decided) : null;
  if (dmojFirst) return dmojFirst;
  if (decision.kind === 'rejected') return { verdict: 'WA', message: decision.message, limitHit: null, ...said };
  const after = afterDecision(pair, sub, subVerdict, decided);
  if (after) return after;
  return { verdict: 'AC', message: 'accepted', limitHit: null, ...(decision.points ? { interactorPoints: decision.points } : {}), ...said };
}

/** The submission's own end once the interactor decided: flooded, killed after the grace, failed; null when it ended normally. */
function afterDecision(
  pair: PairResult,
  sub: ReturnType<typeof classifyRun>,
  subVerdict: InteractiveVerdict['verdict'],
  decided: 'accepted' | 'rejected',
): InteractiveVerdict | null {
  if (pair.submissionFloodedAfterAccept) {
    return { verdict: 'OLE', message: 'wrote more than its output limit after the interactor accepted (killed)', limitHit: 'output' };
  }
  if (pair.submissionKilledAfterGrace) {
    return { verdict: 'TLE', message: `still running after the interactor ${decided} (killed after the grace)`, limitHit: null };
  }
  if (sub.verdict !== 'OK')
    return { verdict: subVerdict, message: `${sub.message}, after the interactor ${decided}`, limitHit: sub.limitHit };
  return null;
}
