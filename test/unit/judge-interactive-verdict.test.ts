/**
 * The verdict rules of an interactive test (src/judge/interactive-verdict.ts) on made-up pair
 * results: no root, no image. The real pairs: test/judge-interactive.test.ts.
 */
import { interactiveVerdict } from '../../src/judge/interactive-verdict';
import { SIMULTANEOUS_MS, submissionFirst, type PairResult } from '../../src/sandbox/run-pair';
import type { RunResult } from '../../src/sandbox/types';
import { pairResult, runResult } from '../helpers/run-result';

const run = (over: Partial<RunResult> = {}): RunResult => runResult({ memoryBytes: 0, ...over });

const pair = pairResult;

const verdict = (p: PairResult) => interactiveVerdict(p, 'kattis', { cpuTimeMs: 1000 }).verdict;

describe('when the interactor decides first', () => {
  it('is AC for 42 and a normal end', () => expect(verdict(pair({ exitCode: 42 }, {}))).toBe('AC'));
  it('is WA for 43 whatever the submission then did', () => {
    expect(verdict(pair({ exitCode: 43 }, { exitCode: null, signal: 'SIGPIPE' }))).toBe('WA');
    expect(verdict(pair({ exitCode: 43 }, { exitCode: 1 }))).toBe('WA');
    expect(verdict(pair({ exitCode: 43 }, { exitCode: null, signal: 'SIGKILL' }, { submissionKilledAfterGrace: true }))).toBe('WA');
  });
  it('is TLE for 42 and a submission killed after the grace', () =>
    expect(verdict(pair({ exitCode: 42 }, { exitCode: null, signal: 'SIGKILL' }, { submissionKilledAfterGrace: true }))).toBe('TLE'));
  it('is RE for 42 and a submission failing afterwards', () => expect(verdict(pair({ exitCode: 42 }, { exitCode: 3 }))).toBe('RE'));
  it('is OLE for 42 and a submission killed for flooding its output afterwards', () => {
    const flooded = pair({ exitCode: 42 }, { exitCode: null, signal: 'SIGKILL' }, { submissionFloodedAfterAccept: true });
    expect(interactiveVerdict(flooded, 'kattis', { cpuTimeMs: 1000 })).toEqual({
      verdict: 'OLE',
      message: 'wrote more than its output limit after the interactor accepted (killed)',
      limitHit: 'output',
    });
    // After a rejection the pipe is closed, not drained: WA stands.
    expect(verdict({ ...flooded, interactor: run({ exitCode: 43 }) })).toBe('WA');
  });
});

describe('when the submission fails first', () => {
  const first = { firstEnded: 'submission' as const };
  it('is its own verdict, even when the interactor then says WA', () => {
    expect(verdict(pair({ exitCode: 43 }, { exitCode: null, signal: 'SIGSEGV' }, first))).toBe('RE');
    expect(verdict(pair({ exitCode: 43 }, { exitCode: null, signal: 'SIGKILL', limitHit: 'wall' }, first))).toBe('TLE');
  });
  it('is IE when the interactor was stopped by a limit of its own (not the wall), whatever the order', () => {
    expect(verdict(pair({ exitCode: null, signal: 'SIGKILL', limitHit: 'memory' }, { exitCode: null, signal: 'SIGPIPE' }, first))).toBe(
      'IE',
    );
    expect(verdict(pair({ exitCode: null, signal: 'SIGKILL', limitHit: 'cpu' }, { exitCode: 1 }, first))).toBe('IE');
    expect(
      verdict(
        pair({ exitCode: null, signal: 'SIGKILL', limitHit: 'wall' }, { exitCode: null, signal: 'SIGKILL', limitHit: 'wall' }, first),
      ),
    ).toBe('TLE');
  });
  it('is its own verdict even when the interactor then crashes', () =>
    expect(verdict(pair({ exitCode: null, signal: 'SIGSEGV' }, { exitCode: null, limitHit: 'memory', signal: 'SIGKILL' }, first))).toBe(
      'MLE',
    ));
});

describe('when the interactor fails', () => {
  it.each([
    ['a signal', { exitCode: null, signal: 'SIGABRT' }],
    ['exit 0', { exitCode: 0 }],
    ['exit 1', { exitCode: 1 }],
    ['its CPU limit', { exitCode: null, signal: 'SIGKILL', limitHit: 'cpu' as const }],
    ['a forbidden call', { exitCode: null, signal: 'SIGKILL', forbiddenSyscall: 'ptrace' }],
  ])('is IE for %s', (_, interactor) => expect(verdict(pair(interactor, {}))).toBe('IE'));
});

describe('whose program ended first (run-pair.ts)', () => {
  const far = SIMULTANEOUS_MS * 2;
  it('goes by the ends when they are far apart, except a submission ended by SIGPIPE, which is always second', () => {
    expect(submissionFirst(run({ exitCode: 1 }), false, 1, 1 + far)).toBe(true);
    expect(submissionFirst(run({ exitCode: 1 }), false, 1 + far, 1)).toBe(false);
    expect(submissionFirst(run({ exitCode: null, signal: 'SIGPIPE' }), true, 1, 1 + far)).toBe(false);
  });
  it('within one moment counts a crash or a limit as first, an exit code only from a submission that wrote nothing', () => {
    const now = SIMULTANEOUS_MS / 2;
    expect(submissionFirst(run({ exitCode: null, signal: 'SIGSEGV' }), false, 1 + now, 1)).toBe(true);
    expect(submissionFirst(run({ limitHit: 'cpu' }), false, 1 + now, 1)).toBe(true);
    expect(submissionFirst(run({ exitCode: 42 }), true, 1 + now, 1)).toBe(true); // problemtools' guess_rte.c
    expect(submissionFirst(run({ exitCode: 1 }), false, 1, 1 + now)).toBe(false); // GuessCrash.java: exits on the EOF after the WA
    expect(submissionFirst(run({ exitCode: 0 }), true, 1, 1 + now)).toBe(false);
    // An interactor that crashed judged nothing: the submission's failed first write (EPIPE) came after it.
    expect(submissionFirst(run({ exitCode: 1 }), true, 1 + now, 1, true)).toBe(false);
    expect(submissionFirst(run({ exitCode: null, signal: 'SIGSEGV' }), false, 1 + now, 1, true)).toBe(true);
  });
});

describe("a DMOJ custom judge's runner (dmoj-grader): its report on stderr decides", () => {
  const reading = (feedback: boolean) => ({ protocol: 'dmoj-grader' as const, testPoints: 10, feedback });
  const report = (r: object) => Buffer.from(`${JSON.stringify({ run_on_error: false, ...r })}\ngrader's own tail\n`);
  const checked = (passed: boolean, points: number, feedback = '') =>
    report({ result: 'checked', passed, points, feedback, extended_feedback: '' });
  const judged = (stderr: Buffer, exitCode: number, feedback = true, sub: Partial<RunResult> = {}) =>
    interactiveVerdict(pair({ exitCode, stderr }, sub), reading(feedback), { cpuTimeMs: 1000 });

  it('is AC with the points it gave (absolute, capped later), its feedback shown when asked for', () => {
    expect(judged(checked(true, 2.5, '3 guesses'), 0)).toMatchObject({
      verdict: 'AC',
      interactorPoints: { kind: 'absolute', value: 2.5 },
      feedback: '3 guesses',
    });
    expect(judged(checked(true, -4), 0).interactorPoints).toEqual({ kind: 'absolute', value: 0 });
    expect(judged(checked(true, 10, 'hidden'), 0, false).feedback).toBe('');
  });
  it('is WA when not passed, with its feedback; the submission failing is its own verdict first', () => {
    expect(judged(checked(false, 0, 'expected int, got "A"'), 1)).toMatchObject({ verdict: 'WA', feedback: 'expected int, got "A"' });
    expect(judged(checked(false, 0), 1, true, { exitCode: 3 }).verdict).toBe('RE');
  });
  it('is IE for an error report, naming it, and for no report', () => {
    expect(judged(report({ result: 'error', error: 'ValueError: broke' }), 3)).toMatchObject({
      verdict: 'IE',
      message: 'the interactor failed (ValueError: broke)',
    });
    expect(judged(Buffer.from('Traceback: nothing else\n'), 0).message).toMatch(/no report on its stderr \(exit code 0\): "Traceback/);
    expect(judged(report({ result: 'skipped' }), 0).verdict).toBe('IE');
  });
});
