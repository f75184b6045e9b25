/**
 * What a legacy or 2023-07 package's own submission is expected to get (src/problem/expected-results.ts):
 * the format's folder table, DOMjudge's `@EXPECTED_RESULTS@` and `@EXPECTED_SCORE@` annotations
 * read by DOMjudge's rules, and a judgement checked against them. No container, no root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JudgeResult, TestResult, TestVerdict } from '../../src/judge/schema';
import {
  checkOwnExpectation,
  domjudgeResult,
  ownExpectation,
  parseAnnotation,
  type OwnExpectation,
} from '../../src/problem/expected-results';
import { PackageFiles } from '../../src/problem/package-files';
import { madeUpResult } from './helpers/test-result';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-expected-'));
  fs.mkdirSync(path.join(tmp, 'submissions'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Config = { format: 'legacy' | '2023-07' | '2025-09'; scoring: boolean };
const LEGACY: Config = { format: 'legacy', scoring: false };

function expectation(rel: string, sources: Record<string, string>, config: Config = LEGACY) {
  return ownExpectation(config, PackageFiles.open(tmp), rel, () => Object.entries(sources).map(([name, text]) => ({ name, text })));
}

/** A judgement whose tests got `verdicts` in order (`''` stdout unless given), overall `verdict`. */
function judged(
  verdict: JudgeResult['verdict'],
  verdicts: TestVerdict[],
  extra: Partial<JudgeResult> = {},
  test: Partial<TestResult> = {},
): JudgeResult {
  const tests = verdicts.map((v, i) => madeUpResult(i, v, { name: `secret/${i + 1}`, stdout: 'out\n', ...test }));
  return { verdict, tests, score: 0, maxScore: 1, groups: [], ...extra } as unknown as JudgeResult;
}

describe("DOMjudge's annotation", () => {
  it("is read to the end of its line, case-insensitively, with the format's names as DOMjudge's", () => {
    expect(parseAnnotation('// @EXPECTED_RESULTS@: TIMELIMIT\nint main(){}')).toEqual({ results: ['TIMELIMIT'], score: null });
    expect(parseAnnotation('# @expected_results@: run_time_error, Accepted ,wrong_answer')).toEqual({
      results: ['RUN-ERROR', 'CORRECT', 'WRONG-ANSWER'],
      score: null,
    });
    expect(parseAnnotation('# @EXPECTED_RESULTS@: CORRECT\n# @EXPECTED_SCORE@: 95.35\n')).toEqual({ results: ['CORRECT'], score: 95.35 });
    // Not a number to the end of the line: a list of results, as DOMjudge's is_numeric says.
    expect(parseAnnotation('/* @EXPECTED_SCORE@: 60 */')).toEqual({ results: ['60 */'], score: null });
    expect(parseAnnotation('// @EXPECTED_SCORE@: 60')).toEqual({ results: null, score: 60 });
    // A score tag with a list of results is a list of results (DOMjudge's boolfind).
    expect(parseAnnotation('// @EXPECTED_SCORE@: CORRECT')).toEqual({ results: ['CORRECT'], score: null });
    expect(parseAnnotation('int main(){} // @EXPECTED_RESULTS@ without the colon')).toBeNull();
    expect(parseAnnotation('// @EXPECTED_RESULTS@: CORRECT\n// @EXPECTED_RESULTS@: WRONG-ANSWER\n')).toBe('twice');
  });

  it("decides with the folder by DOMjudge's rules: restricted to the folder's result when it holds it, else its own and reported", () => {
    expect(expectation('time_limit_exceeded/a.c', { 'a.c': '// @EXPECTED_RESULTS@: TIMELIMIT, WRONG-ANSWER\n' })).toEqual({
      kind: 'results',
      from: '@EXPECTED_RESULTS@ in a.c',
      results: ['TIMELIMIT'],
      score: null,
    });
    expect(expectation('wrong_answer/a.c', { 'a.c': '// @EXPECTED_RESULTS@: TIMELIMIT\n' })).toMatchObject({
      results: ['TIMELIMIT'],
      note: "it names TIMELIMIT, which does not hold its folder's WRONG-ANSWER",
    });
    // A folder that is no result (DOMjudge's mixed-verdicts): the annotation's list as it is.
    expect(expectation('mixed-verdicts/a.c', { 'a.c': '// @EXPECTED_RESULTS@: CORRECT,WRONG-ANSWER\n' })).toEqual({
      kind: 'results',
      from: '@EXPECTED_RESULTS@ in a.c',
      results: ['CORRECT', 'WRONG-ANSWER'],
      score: null,
    });
    // A score alone keeps the folder's result.
    expect(expectation('accepted/a.py', { 'a.py': '# @EXPECTED_SCORE@: 60\n' })).toEqual({
      kind: 'results',
      from: '@EXPECTED_SCORE@ in a.py',
      results: ['CORRECT'],
      score: 60,
    });
  });

  it('comes from the first file of a directory that has one; a file with it twice leaves the folder to decide', () => {
    expect(
      expectation('run_time_error/multi', {
        'a.c': 'int f();\n',
        'b.c': '// @EXPECTED_RESULTS@: RUN-ERROR\n',
        'c.c': '// @EXPECTED_RESULTS@: CORRECT\n',
      }),
    ).toMatchObject({ from: '@EXPECTED_RESULTS@ in b.c', results: ['RUN-ERROR'] });
    expect(
      expectation('wrong_answer/twice', {
        'a.c': '// @EXPECTED_RESULTS@: CORRECT\n// @EXPECTED_RESULTS@: CORRECT\n',
        'b.c': '// @EXPECTED_RESULTS@: TIMELIMIT\n',
      }),
    ).toMatchObject({ kind: 'rules', from: 'folder wrong_answer' });
  });
});

describe('the folder', () => {
  it("is the legacy format's table, DOMjudge's result folders, and nothing for any other", () => {
    const wa = expectation('wrong_answer/a.c', { 'a.c': 'int main(){}\n' }) as Extract<OwnExpectation, { kind: 'rules' }>;
    expect(wa.from).toBe('folder wrong_answer');
    expect([...wa.rules.expectations[0]!.permitted]).toEqual(['AC', 'WA']);
    expect([...wa.rules.expectations[0]!.required]).toEqual(['WA']);
    const tle = expectation('time_limit_exceeded/a.c', { 'a.c': '' }) as Extract<OwnExpectation, { kind: 'rules' }>;
    expect([...tle.rules.expectations[0]!.permitted]).toEqual(['AC', 'WA', 'TLE']);
    expect(expectation('compiler_error/a.c', { 'a.c': '' })).toEqual({
      kind: 'results',
      from: 'folder compiler_error',
      results: ['COMPILER-ERROR'],
      score: null,
    });
    expect(expectation('no_output/a.c', { 'a.c': '' })).toMatchObject({ results: ['NO-OUTPUT'] });
    expect(expectation('mixed/a.c', { 'a.c': '' })).toBeNull();
    expect(expectation('check_manually/a.c', { 'a.c': '' })).toBeNull();
    expect(expectation('partially_accepted/a.c', { 'a.c': '' }, { format: 'legacy', scoring: true })).toMatchObject({
      notBest: { objective: 'max' },
    });
  });

  it("is submissions.yaml and its default folders in a 2023-07 package (the draft that became 2025-09), without DOMjudge's annotation in 2025-09", () => {
    fs.writeFileSync(path.join(tmp, 'submissions', 'submissions.yaml'), 'time_limit_exceeded:\n  permitted: [AC, WA, TLE]\n');
    const draft = expectation('time_limit_exceeded/a.c', { 'a.c': '' }, { format: '2023-07', scoring: false }) as Extract<
      OwnExpectation,
      { kind: 'rules' }
    >;
    expect(draft.from).toBe('submissions.yaml and the default folders');
    expect([...draft.rules.expectations[0]!.permitted]).toEqual(['AC', 'WA', 'TLE']);
    const modern = expectation('wrong_answer/a.c', { 'a.c': '// @EXPECTED_RESULTS@: TIMELIMIT\n' }, { format: '2025-09', scoring: false });
    expect(modern).toMatchObject({ kind: 'rules', from: 'submissions.yaml' });
  });
});

describe('a judgement checked against them', () => {
  it("is DOMjudge's result: the first test not accepted, WA with no output NO-OUTPUT, caged's MLE RUN-ERROR", () => {
    expect(domjudgeResult(judged('CE', []), false)).toBe('COMPILER-ERROR');
    expect(domjudgeResult(judged('AC', ['AC', 'AC']), false)).toBe('CORRECT');
    // caged's legacy worst-error verdict is TLE; DOMjudge's first error is WA.
    expect(domjudgeResult(judged('TLE', ['AC', 'WA', 'TLE']), false)).toBe('WRONG-ANSWER');
    expect(domjudgeResult(judged('WA', ['WA'], {}, { stdout: '' }), false)).toBe('NO-OUTPUT');
    expect(domjudgeResult(judged('WA', ['WA'], {}, { stdout: '' }), true)).toBe('WRONG-ANSWER');
    expect(domjudgeResult(judged('WA', ['WA'], {}, { stdout: '', stdoutTruncated: true }), false)).toBe('WRONG-ANSWER');
    expect(domjudgeResult(judged('MLE', ['MLE']), false)).toBe('RUN-ERROR');
    expect(domjudgeResult(judged('OLE', ['OLE']), false)).toBe('OUTPUT-LIMIT');
    expect(domjudgeResult(judged('IE', ['IE']), false)).toBeNull();
  });

  it('meets, fails or cannot tell, naming why', () => {
    const results = (r: string[], score: number | null = null, note?: string): OwnExpectation => ({
      kind: 'results',
      from: 'x',
      results: r,
      score,
      ...(note ? { note } : {}),
    });
    expect(checkOwnExpectation(results(['TIMELIMIT']), judged('TLE', ['AC', 'TLE']), false)).toEqual({
      status: 'met',
      failed: [],
      unverified: [],
      from: 'x',
    });
    expect(checkOwnExpectation(results(['TIMELIMIT', 'WRONG-ANSWER']), judged('RE', ['RE']), false).failed).toEqual([
      'it is RUN-ERROR, not TIMELIMIT or WRONG-ANSWER',
    ]);
    expect(checkOwnExpectation(results(['MEMORY-LIMIT']), judged('MLE', ['MLE']), false).status).toBe('met');
    expect(checkOwnExpectation(results(['CHECK-MANUALLY']), judged('AC', ['AC']), false)).toMatchObject({
      status: 'unverified',
      unverified: ['CHECK-MANUALLY: no result caged can compare (judged by a person)'],
    });
    expect(checkOwnExpectation(results(['CORRECT'], 95.35), judged('AC', ['AC'], { score: 88.37 }), false).failed).toEqual([
      'it scored 88.37, not 95.35',
    ]);
    expect(checkOwnExpectation(results(['TIMELIMIT'], null, 'contradicts'), judged('TLE', ['TLE']), false)).toMatchObject({
      status: 'failed',
      failed: ['contradicts'],
    });
    expect(checkOwnExpectation(results(['CORRECT']), judged('IE', ['IE']), false).status).toBe('unverified');
  });

  it("holds the legacy folders' rules over the tests, a CE failing any of them, partially_accepted below the maximum", () => {
    const folder = (rel: string, scoring = false) => expectation(rel, { [path.basename(rel)]: '' }, { format: 'legacy', scoring })!;
    expect(checkOwnExpectation(folder('wrong_answer/a.c'), judged('WA', ['AC', 'WA', 'WA']), false).status).toBe('met');
    expect(checkOwnExpectation(folder('wrong_answer/a.c'), judged('TLE', ['WA', 'TLE']), false).failed).toEqual([
      'secret/2 is TLE, not one of AC, WA (permitted for its tests)',
    ]);
    // After a rejection the rest is not judged: a TLE there would break the folder's rule.
    expect(checkOwnExpectation(folder('wrong_answer/a.c'), judged('WA', ['WA', 'SKIPPED']), false).status).toBe('unverified');
    expect(checkOwnExpectation(folder('time_limit_exceeded/a.c'), judged('TLE', ['WA', 'TLE']), false).status).toBe('met');
    expect(checkOwnExpectation(folder('run_time_error/a.c'), judged('RE', ['WA', 'RE']), false).status).toBe('met');
    expect(checkOwnExpectation(folder('accepted/a.c'), judged('CE', []), false).failed).toEqual(['it is CE: it did not compile']);
    const partial = folder('partially_accepted/a.c', true);
    expect(checkOwnExpectation(partial, judged('AC', ['AC'], { score: 40, maxScore: 100 }), false).status).toBe('met');
    // The rule is on the whole (overall AC, below the maximum): a group's rejected tests do not break it.
    expect(checkOwnExpectation(partial, judged('AC', ['AC', 'WA', 'TLE'], { score: 30, maxScore: 100 }), false).status).toBe('met');
    expect(checkOwnExpectation(partial, judged('WA', ['AC', 'WA'], { score: 30, maxScore: 100 }), false).failed).toEqual([
      'it is WA, not AC (partially_accepted)',
    ]);
    expect(checkOwnExpectation(partial, judged('AC', ['AC'], { score: 100, maxScore: 100 }), false).failed).toEqual([
      'it scored 100, the maximum, which partially_accepted must not',
    ]);
  });

  it('leaves unverified what only the missing tests could give, when data/secret holds no test case', () => {
    const NONE = 'data/secret holds no test case';
    const folder = (rel: string) => expectation(rel, { [path.basename(rel)]: '' })!;
    // Every sample accepted: the RTE the folder requires could be in the secret data that is not there.
    expect(checkOwnExpectation(folder('run_time_error/a.c'), judged('AC', ['AC', 'AC']), false, NONE)).toMatchObject({
      status: 'unverified',
      failed: [],
      unverified: ['none of its tests is RTE (required), but data/secret holds no test case'],
    });
    expect(checkOwnExpectation(folder('run_time_error/a.c'), judged('AC', ['AC', 'AC']), false).failed).toEqual([
      'none of its tests is RTE (required)',
    ]);
    // What the tests there did get still fails a rule: a TLE in the wrong_answer folder.
    expect(checkOwnExpectation(folder('wrong_answer/a.c'), judged('TLE', ['TLE']), false, NONE).status).toBe('failed');
    expect(checkOwnExpectation(folder('accepted/a.c'), judged('WA', ['WA']), false, NONE).status).toBe('failed');
    // DOMjudge's annotation: CORRECT on the samples is not known to be wrong; another failure is.
    const annotated: OwnExpectation = { kind: 'results', from: 'x', results: ['RUN-ERROR'], score: null };
    expect(checkOwnExpectation(annotated, judged('AC', ['AC']), false, NONE)).toMatchObject({
      status: 'unverified',
      unverified: ['it is CORRECT on the tests there, not RUN-ERROR, but data/secret holds no test case'],
    });
    expect(checkOwnExpectation(annotated, judged('WA', ['WA']), false, NONE).failed).toEqual(['it is WRONG-ANSWER, not RUN-ERROR']);
    expect(checkOwnExpectation(annotated, judged('AC', ['AC']), false).failed).toEqual(['it is CORRECT, not RUN-ERROR']);
  });

  it("holds partially_accepted off the bottom of the root's range in a minimisation problem (legacy grading: objective: min)", () => {
    const min = (range?: [number, number]) =>
      ownExpectation(
        { format: 'legacy', scoring: true, objective: 'min' },
        PackageFiles.open(tmp),
        'partially_accepted/a.c',
        () => [{ name: 'a.c', text: '' }],
        range,
      )!;
    const ranged = min([10, 1000]);
    expect(ranged).toMatchObject({ notBest: { objective: 'min', lowest: 10 } });
    // The maximum is the worst a minimisation problem scores: partially accepted.
    expect(checkOwnExpectation(ranged, judged('AC', ['AC'], { score: 1000, maxScore: 1000 }), false).status).toBe('met');
    expect(checkOwnExpectation(ranged, judged('AC', ['AC'], { score: 37, maxScore: 1000 }), false).status).toBe('met');
    expect(checkOwnExpectation(ranged, judged('AC', ['AC'], { score: 10, maxScore: 1000 }), false).failed).toEqual([
      'it scored 10, the bottom of the range, the best score of a minimisation problem (objective: min), which partially_accepted must not',
    ]);
    expect(checkOwnExpectation(ranged, judged('WA', ['WA'], { score: 500, maxScore: 1000 }), false).failed).toEqual([
      'it is WA, not AC (partially_accepted)',
    ]);
    // Without a range its bottom is -inf, which no score is (problemtools' fully_accepted alike).
    expect(checkOwnExpectation(min(), judged('AC', ['AC'], { score: 0, maxScore: 3 }), false).status).toBe('met');
  });
});
