/**
 * DMOJ's protocols without root or the image: the contrib modules' reading of a bridged
 * checker's or interactor's end (src/judge/dmoj-contrib.ts), a custom checker's verdict from it
 * and from the Python runner's report (dmoj-checker.ts), the interactive rules under DMOJ's
 * protocols, the wire's fields, and the wire a DMOJ Python checker becomes
 * (src/problem/dmoj-python-checker.ts). The real runs: test/judge-dmoj.test.ts.
 */
import { dmojBridgedVerdict, dmojPythonVerdict } from '../../src/judge/dmoj-checker';
import { decimalRatio, dmojOutcome, findLine, type DmojEnd, type DmojModule } from '../../src/judge/dmoj-contrib';
import { acceptingExitCodes, interactiveVerdict, type InteractorReading } from '../../src/judge/interactive-verdict';
import { SubmissionSchema, type SubmissionInput } from '../../src/judge/schema';
import type { PairResult } from '../../src/sandbox/run-pair';
import { dmojPythonChecker } from '../../src/problem/dmoj-python-checker';
import { DMOJ_PROBLEM_FILE, DMOJ_RUNNER } from '../../src/problem/dmoj-python-runtime';
import { pairResult } from '../helpers/run-result';

const b = (s: string) => Buffer.from(s);
const none = Buffer.alloc(0);

/** The outcome of `module` on an exit, its stderr, its feedback; the test worth 10 points, feedback shown. */
function outcome(module: DmojModule, exitCode: number, stderr = '', over: Partial<DmojEnd> = {}) {
  return dmojOutcome(module, { exitCode, stderr: b(stderr), feedback: '', testPoints: 10, showFeedback: true, role: 'checker', ...over });
}

/** The message of an IE outcome ("" for any other). */
const errorOf = (o: ReturnType<typeof outcome>): string => (o.kind === 'error' ? o.message : '');

describe("DMOJ's default module", () => {
  it('is passed with all the points on 0 and failed on 1, the feedback kept', () => {
    expect(outcome('default', 0, '', { feedback: 'good' })).toEqual({
      kind: 'passed',
      points: { kind: 'fraction', value: 1 },
      feedback: 'good',
    });
    expect(outcome('default', 1, '', { feedback: 'bad' })).toEqual({ kind: 'failed', feedback: 'bad' });
  });

  it('is IE on any other code, 2, 3 and 7 included, naming it', () => {
    for (const code of [2, 3, 7, 42])
      expect(outcome('default', code, 'why')).toEqual({
        kind: 'error',
        message: `checker exited with nonzero code ${code} with feedback why`,
      });
  });

  it('hides the feedback when asked', () => {
    expect(outcome('default', 1, '', { feedback: 'bad', showFeedback: false })).toEqual({ kind: 'failed', feedback: '' });
  });
});

describe("DMOJ's testlib module", () => {
  it('reads 2 as failed with "Presentation Error" when the checker said nothing, or when its feedback is hidden', () => {
    expect(outcome('testlib', 2)).toEqual({ kind: 'failed', feedback: 'Presentation Error' });
    expect(outcome('testlib', 2, '', { feedback: 'no number' })).toEqual({ kind: 'failed', feedback: 'no number' });
    expect(outcome('testlib', 2, '', { feedback: 'no number', showFeedback: false })).toEqual({
      kind: 'failed',
      feedback: 'Presentation Error',
    });
  });

  it('reads 3 as IE with its feedback, even hidden', () => {
    expect(outcome('testlib', 3, '', { feedback: 'bad data', showFeedback: false })).toEqual({
      kind: 'error',
      message: 'checker failed assertion with message bad data',
    });
  });

  it('reads 7 as passed with the absolute points of the first line "points N" anywhere in its stderr', () => {
    expect(outcome('testlib', 7, 'points 5\n')).toEqual({ kind: 'passed', points: { kind: 'absolute', value: 5 }, feedback: '' });
    expect(outcome('testlib', 7, 'a warning\npoints 0007\npoints 3')).toMatchObject({ points: { kind: 'absolute', value: 7 } });
    expect(outcome('testlib', 7, 'points 0')).toMatchObject({ kind: 'passed', points: { kind: 'absolute', value: 0 } });
    expect(outcome('testlib', 7, 'points 10')).toMatchObject({ kind: 'passed', points: { kind: 'absolute', value: 10 } });
    expect(outcome('testlib', 7, 'points 2.5\npoints 2')).toMatchObject({ points: { kind: 'absolute', value: 2 } });
  });

  it('reads 7 without such a line as IE: a message after N, a fraction, a sign, "\\r", nothing', () => {
    for (const stderr of ['points 5 half', 'points 0.5', 'points -1', 'points 5\r\n', ' points 5', 'points ', '', 'partial 1/2'])
      expect(errorOf(outcome('testlib', 7, stderr))).toMatch(/^invalid stderr for partial points/);
  });

  it('reads 7 with more points than the test has as IE', () => {
    expect(outcome('testlib', 7, 'points 11')).toEqual({ kind: 'error', message: 'invalid partial points: 11 (the test is worth 10)' });
    expect(outcome('testlib', 7, 'points 1', { testPoints: 0 })).toMatchObject({ kind: 'error' });
    expect(outcome('testlib', 7, `points ${'9'.repeat(400)}`)).toMatchObject({ kind: 'error' });
  });

  it('is IE on 4 and 8, which testlib has and DMOJ does not read', () => {
    expect(outcome('testlib', 4, 'extra')).toEqual({ kind: 'error', message: 'checker exited with nonzero code 4 with feedback extra' });
    expect(outcome('testlib', 8)).toEqual({ kind: 'error', message: 'checker exited with nonzero code 8' });
  });
});

describe("DMOJ's coci module", () => {
  const share = (stderr: string) => outcome('coci', 7, stderr);
  it('reads 7 as passed with X/Y of the points, the first line "partial X/Y" anywhere in its stderr', () => {
    expect(share('partial 1/5\n')).toEqual({ kind: 'passed', points: { kind: 'fraction', value: 0.2 }, feedback: '' });
    expect(share('abcdefg\npartial 1/10\n')).toMatchObject({ points: { kind: 'fraction', value: 0.1 } });
    expect(share('partial 0/4')).toMatchObject({ points: { kind: 'fraction', value: 0 } });
    expect(share('partial 4/4')).toMatchObject({ points: { kind: 'fraction', value: 1 } });
    expect(share('partial 1/0\npartial 1/02')).toMatchObject({ points: { kind: 'fraction', value: 0.5 } });
  });

  it('reads 7 with no such line, a zero denominator or a share above 1 as IE', () => {
    expect(share('partial 11/10')).toEqual({ kind: 'error', message: 'invalid fraction: 11/10' });
    for (const stderr of ['partial 1/0', 'partial 1/000', 'partial -1/10', 'partial 10', '', 'partial 1/2 ', 'points 5'])
      expect(errorOf(share(stderr))).toMatch(/^invalid stderr for fraction of points/);
  });

  it('reads the rest as testlib does', () => {
    expect(outcome('coci', 2)).toEqual({ kind: 'failed', feedback: 'Presentation Error' });
    expect(outcome('coci', 3)).toMatchObject({ kind: 'error' });
    expect(outcome('coci', 0)).toMatchObject({ kind: 'passed' });
  });

  it('hides the feedback of a partial answer when asked (DMOJ shows it)', () => {
    expect(outcome('coci', 7, 'partial 1/2', { feedback: 'close', showFeedback: false })).toMatchObject({ feedback: '' });
  });
});

describe('the search for the points line', () => {
  it('takes time linear in the stderr, however it is built', () => {
    const lines = Buffer.from('partial 1\n'.repeat(400_000)); // 4 MB, no "/" anywhere: each line looked at once
    const started = process.hrtime.bigint();
    expect(findLine(lines, b('partial '), (buf, from, to) => (buf.subarray(from, to).includes(0x2f) ? true : null))).toBeNull();
    expect(outcome('coci', 7, lines.toString())).toMatchObject({ kind: 'error' });
    expect(outcome('testlib', 7, `${'points '.repeat(500_000)}\npoints 3`)).toMatchObject({ points: { value: 3 } });
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2000);
  });

  it('divides decimals of any length', () => {
    expect(decimalRatio('1', '4')).toBe(0.25);
    expect(decimalRatio(`1${'0'.repeat(400)}`, `4${'0'.repeat(400)}`)).toBeCloseTo(0.25, 12);
    expect(decimalRatio(`0001${'0'.repeat(30)}`, `3${'0'.repeat(30)}`)).toBeCloseTo(1 / 3, 12);
    expect(decimalRatio(`2${'0'.repeat(40)}`, `1${'0'.repeat(40)}`)).toBe(2);
  });
});

describe("a bridged checker's verdict", () => {
  const ended = (exitCode: number, stdout = '', stderr = '') => ({ exitCode, stdout: b(stdout), stderr: b(stderr) });
  it('is AC with its points, WA without, its stdout the message', () => {
    expect(dmojBridgedVerdict('testlib', ended(0, 'fine\n'), 4, true)).toEqual({ verdict: 'AC', fraction: 1, message: 'fine' });
    expect(dmojBridgedVerdict('testlib', ended(7, 'close', 'points 1'), 4, true)).toEqual({
      verdict: 'AC',
      fraction: 0.25,
      message: 'close',
    });
    expect(dmojBridgedVerdict('testlib', ended(7, '', 'points 0'), 4, true)).toEqual({ verdict: 'AC', fraction: 0, message: '' });
    expect(dmojBridgedVerdict('coci', ended(7, '', 'partial 1/2'), 4, true)).toEqual({ verdict: 'AC', fraction: 0.5, message: '' });
    expect(dmojBridgedVerdict('default', ended(1, 'no'), 4, true)).toEqual({ verdict: 'WA', fraction: 0, message: 'no' });
    expect(dmojBridgedVerdict('default', ended(1, 'no'), 4, false)).toEqual({ verdict: 'WA', fraction: 0, message: '' });
    expect(dmojBridgedVerdict('default', ended(5), 4, true).verdict).toBe('IE');
  });

  it('is WA "invalid unicode" when its stdout is not UTF-8, whatever its code (DMOJ decodes it strictly)', () => {
    const bad = { exitCode: 0, stdout: Buffer.from([0x66, 0xff]), stderr: none };
    expect(dmojBridgedVerdict('default', bad, 1, true)).toEqual({ verdict: 'WA', fraction: 0, message: 'invalid unicode' });
  });
});

describe("the Python checker's report", () => {
  const report = (r: object, exitCode = 0) => dmojPythonVerdict({ exitCode, stdout: b(`${JSON.stringify(r)}\n`), stderr: b('trace') }, 10);
  const checked = { result: 'checked', run_on_error: false, passed: true, points: 10, feedback: '', extended_feedback: '' };

  it('is AC or WA by `passed`, with the points it gave, held to 0..the test points', () => {
    expect(report(checked)).toEqual({ verdict: { verdict: 'AC', fraction: 1, message: '' }, runOnError: false });
    expect(report({ ...checked, points: 4, feedback: 'half-ish' }).verdict).toEqual({ verdict: 'AC', fraction: 0.4, message: 'half-ish' });
    expect(report({ ...checked, passed: false, points: 3 }).verdict).toEqual({ verdict: 'WA', fraction: 0.3, message: '' });
    expect(report({ ...checked, points: 99 }).verdict!.fraction).toBe(1);
    expect(report({ ...checked, points: -5 }).verdict!.fraction).toBe(0);
    expect(report({ ...checked, extended_feedback: '✓✗' }).verdict!.message).toBe('✓✗');
    expect(report({ ...checked, run_on_error: true }).runOnError).toBe(true);
  });

  it('is no verdict when skipped, IE with the error, and IE when there is no report', () => {
    expect(report({ result: 'skipped', run_on_error: false })).toEqual({ verdict: null, runOnError: false });
    expect(report({ result: 'error', run_on_error: null, error: 'ValueError: x' })).toEqual({
      verdict: { verdict: 'IE', fraction: 0, message: 'ValueError: x' },
      runOnError: null,
    });
    expect(report({ ...checked, extra: 1 }).verdict).toMatchObject({
      verdict: 'IE',
      message: "the Python checker's runner wrote no report: trace",
    });
    expect(report(checked, 1).verdict).toMatchObject({ verdict: 'IE', message: "the Python checker's runner exited with 1: trace" });
    expect(dmojPythonVerdict({ exitCode: 0, stdout: b('not json'), stderr: none }, 1).verdict!.verdict).toBe('IE');
  });
});

describe('an interactive test under DMOJ protocols', () => {
  const reading = (protocol: 'dmoj-default' | 'dmoj-testlib' | 'dmoj-coci', feedback = true): InteractorReading => ({
    protocol,
    testPoints: 10,
    feedback,
  });
  const judge = (p: PairResult, r: InteractorReading = reading('dmoj-testlib')) => interactiveVerdict(p, r, { cpuTimeMs: 1000 });

  it('accepts on 0 (and 7 with points), rejects on 1, with its stderr as the feedback when shown', () => {
    expect(judge(pairResult({ exitCode: 0, stderr: b('good\n') }, {}))).toEqual({
      verdict: 'AC',
      message: 'accepted',
      limitHit: null,
      interactorPoints: { kind: 'fraction', value: 1 },
      feedback: 'good',
    });
    expect(judge(pairResult({ exitCode: 7, stderr: b('points 4\n') }, {}))).toMatchObject({
      verdict: 'AC',
      interactorPoints: { kind: 'absolute', value: 4 },
    });
    expect(judge(pairResult({ exitCode: 7, stderr: b('partial 1/4') }, {}), reading('dmoj-coci'))).toMatchObject({
      verdict: 'AC',
      interactorPoints: { kind: 'fraction', value: 0.25 },
    });
    expect(judge(pairResult({ exitCode: 1, stderr: b('too many guesses') }, {}))).toEqual({
      verdict: 'WA',
      message: 'wrong answer (the interactor)',
      limitHit: null,
      feedback: 'too many guesses',
    });
    expect(judge(pairResult({ exitCode: 2 }, {}), reading('dmoj-testlib', false))).toMatchObject({
      verdict: 'WA',
      feedback: 'Presentation Error',
    });
    expect(judge(pairResult({ exitCode: 1, stderr: b('hidden') }, {}), reading('dmoj-default', false))).toMatchObject({ feedback: '' });
  });

  it("is IE for the module's failures", () => {
    expect(judge(pairResult({ exitCode: 3, stderr: b('bad input') }, {}))).toMatchObject({
      verdict: 'IE',
      message: 'the interactor failed (interactor failed assertion with message bad input)',
    });
    expect(judge(pairResult({ exitCode: 2 }, {}), reading('dmoj-default'))).toMatchObject({ verdict: 'IE' });
    expect(judge(pairResult({ exitCode: 7, stderr: b('points 11') }, {}))).toMatchObject({ verdict: 'IE' });
  });

  it("lets the submission's own failure win after the interactor decided, as DMOJ's check_result does", () => {
    const piped = { exitCode: null, signal: 'SIGPIPE' };
    expect(judge(pairResult({ exitCode: 1 }, piped)).verdict).toBe('RE');
    expect(judge(pairResult({ exitCode: 1 }, { exitCode: null, signal: 'SIGKILL' }, { submissionKilledAfterGrace: true })).verdict).toBe(
      'TLE',
    );
    expect(judge(pairResult({ exitCode: 0 }, { exitCode: 3 })).verdict).toBe('RE');
    // testlib's (Polygon's) protocol keeps the rejection.
    expect(interactiveVerdict(pairResult({ exitCode: 1 }, piped), 'testlib', { cpuTimeMs: 1000 }).verdict).toBe('WA');
  });

  it("keeps the submission's verdict when it failed before the interactor, even if the interactor then failed", () => {
    expect(judge(pairResult({ exitCode: 2 }, { exitCode: 1 }, { firstEnded: 'submission' }), reading('dmoj-default')).verdict).toBe('RE');
  });

  it('accepts on 0 only under default, on 0 and 7 under testlib and coci (the pair then drops further output)', () => {
    expect(acceptingExitCodes('dmoj-default')).toEqual([0]);
    expect(acceptingExitCodes('dmoj-testlib')).toEqual([0, 7]);
    expect(acceptingExitCodes('dmoj-coci')).toEqual([0, 7]);
  });
});

const BASE: SubmissionInput = { language: 'cpp17', source: 'int main(){}', testcases: [{ stdin: '1', expected: '1' }] };

function issues(s: unknown): string[] {
  const r = SubmissionSchema.safeParse(s);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the wire', () => {
  const checker = { type: 'custom', language: 'c', source: 'int main(){}' } as const;
  const interactor = { language: 'c', source: 'int main(){}' };

  it("takes a custom checker's protocol, testlib by default, and feedback for a bridged one only", () => {
    const parsed = SubmissionSchema.parse({ ...BASE, checker });
    expect(parsed.checker).toMatchObject({ type: 'custom', protocol: 'testlib' });
    for (const protocol of ['dmoj-default', 'dmoj-testlib', 'dmoj-coci', 'dmoj-peg'])
      expect(issues({ ...BASE, checker: { ...checker, protocol, feedback: false } })).toEqual([]);
    expect(issues({ ...BASE, checker: { ...checker, protocol: 'dmoj-python' } })).toEqual([]);
    expect(issues({ ...BASE, checker: { ...checker, feedback: false } })).toEqual([
      'checker.feedback: is for a DMOJ bridged checker (protocol dmoj-default, dmoj-testlib, dmoj-coci or dmoj-peg)',
    ]);
    expect(issues({ ...BASE, checker: { ...checker, protocol: 'dmoj-other' } })[0]).toMatch(/^checker\.protocol: /);
  });

  it("takes a bridged program's own arguments (args_format_string) and compiler options", () => {
    const args = ['{input_file}', '--out={output_file}', '{{literal}}'];
    expect(issues({ ...BASE, checker: { ...checker, protocol: 'dmoj-default', args, compilerOptions: ['-DFLAG'] } })).toEqual([]);
    expect(issues({ ...BASE, interactor: { ...interactor, protocol: 'dmoj-coci', args, compilerOptions: ['-O2'] } })).toEqual([]);
    expect(issues({ ...BASE, checker: { ...checker, args } })).toEqual([
      'checker.args: is for a DMOJ bridged checker (protocol dmoj-default, dmoj-testlib, dmoj-coci or dmoj-peg)',
    ]);
    expect(issues({ ...BASE, interactor: { ...interactor, args } })).toEqual([
      'interactor.args: is for a DMOJ interactor (protocol dmoj-default, dmoj-testlib, dmoj-coci or dmoj-grader)',
    ]);
    const bad = (word: string) => issues({ ...BASE, checker: { ...checker, protocol: 'dmoj-default', args: [word] } });
    expect(bad('{case}')).toEqual(['checker.args.0: {case} is none of {input_file}, {output_file}, {answer_file}']);
    expect(bad('{input_file!r}')[0]).toMatch(/^checker\.args\.0: /);
    expect(bad('a}b')).toEqual(["checker.args.0: single '}' encountered in the format string"]);
    expect(bad('{input_file')).toEqual(["checker.args.0: single '{' encountered in the format string"]);
    expect(issues({ ...BASE, checker: { ...checker, protocol: 'dmoj-default', compilerOptions: ['-fplugin=x.so'] } })[0]).toMatch(
      /^checker\.compilerOptions\.0: /,
    );
  });

  it("takes an interactor's DMOJ protocols, with feedback, without flags or a checker after it", () => {
    expect(issues({ ...BASE, interactor: { ...interactor, protocol: 'dmoj-coci', feedback: true } })).toEqual([]);
    expect(issues({ ...BASE, interactor: { ...interactor, protocol: 'dmoj-default', flags: ['x'] } })).toEqual([
      "interactor.flags: a DMOJ interactor takes no flags (its arguments are its contrib module's)",
    ]);
    expect(issues({ ...BASE, interactor: { ...interactor, feedback: true } })).toEqual([
      'interactor.feedback: is for a DMOJ interactor (protocol dmoj-default, dmoj-testlib, dmoj-coci or dmoj-grader)',
    ]);
    expect(issues({ ...BASE, interactor: { ...interactor, protocol: 'dmoj-testlib' }, checker })).toEqual([
      'checker: a DMOJ interactor decides alone: no checker runs after it',
    ]);
  });
});

describe('a DMOJ Python checker on the wire', () => {
  it('is a python3 custom checker whose entry is the runner, its files the checker, the runtime and the settings', () => {
    const wire = dmojPythonChecker({
      name: 'checkers/check.py',
      content: b('def check(a, b, **kw):\n    return a == b\n'),
      args: { precision: 3 },
      problemId: 'aplusb',
      cases: [{ batch: 1, position: 0 }, undefined, { binaryData: true }],
    });
    expect(wire).toMatchObject({ type: 'custom', protocol: 'dmoj-python', language: 'python3', entry: DMOJ_RUNNER });
    const names = wire.files.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(['check.py', DMOJ_RUNNER, DMOJ_PROBLEM_FILE, 'dmoj/result.py', 'dmoj/checkers/standard.py']),
    );
    expect(JSON.parse(wire.files.find((f) => f.name === DMOJ_PROBLEM_FILE)!.content)).toEqual({
      file: 'check.py',
      module: 'check',
      problem_id: 'aplusb',
      args: { precision: 3 },
      cases: [{ batch: 1, position: 0 }, null, { binary_data: true }],
    });
    expect(issues({ ...BASE, checker: wire })).toEqual([]);
  });

  it('carries a checker that is not UTF-8 as base64', () => {
    const wire = dmojPythonChecker({ name: 'check.py', content: Buffer.from([0x23, 0xff, 0x0a]) });
    expect(wire.files[0]).toEqual({ name: 'check.py', content: 'I/8K', encoding: 'base64' });
  });

  it('refuses a name the runtime takes or no file can have', () => {
    for (const name of ['dmoj.py', DMOJ_RUNNER, 'dmoj', '', '.py', 'a/..'])
      expect(() => dmojPythonChecker({ name, content: b('') })).toThrow(/cannot be a DMOJ Python checker's file name/);
  });
});
