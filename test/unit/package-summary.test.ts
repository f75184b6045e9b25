/**
 * `caged judge`'s summary of a package judgement (src/cli/judge.ts packageSummary): what it says of
 * the package's own expectation, and when it points to --all-tests. No container, no root.
 */
import { packageSummary } from '../../src/cli/judge';
import type { JudgeResult, TestVerdict } from '../../src/judge/schema';
import { madeUpResult } from './helpers/test-result';

/** A judgement of a package's own submission whose tests got `verdicts`, with its expectation report. */
function judged(verdicts: TestVerdict[], unverified: string[]): JudgeResult {
  return {
    schemaVersion: 1,
    submissionId: null,
    verdict: 'AC',
    judge0: { id: 3, description: 'Accepted' },
    message: 'Accepted',
    score: 1,
    maxScore: 1,
    language: { id: 'c', name: 'C', version: '12' },
    image: { name: 'debian', digest: 'x' },
    tests: verdicts.map((v, i) => madeUpResult(i, v, { name: `sample/${i + 1}` })),
    groups: [],
    problem: {
      name: 'p',
      format: 'legacy',
      type: 'pass-fail',
      timeLimitMs: 1000,
      timeLimitFrom: '.timelimit',
      notes: [],
      expectations: { status: 'unverified', failed: [], unverified, from: 'folder run_time_error' },
    },
    timing: { totalMs: 1, compileMs: 1 },
  } as unknown as JudgeResult;
}

describe('packageSummary', () => {
  it('points to --all-tests only when tests were skipped, not when the package lacks the data', () => {
    const missing = packageSummary(judged(['AC', 'AC'], ['none of its tests is RTE (required), but data/secret holds no test case']));
    expect(missing).toContain('expected (folder run_time_error): met as far as judged, unverified\n');
    expect(missing).toContain('  unverified: none of its tests is RTE (required), but data/secret holds no test case\n');
    expect(missing).not.toContain('--all-tests');
    const skipped = packageSummary(
      judged(['WA', 'SKIPPED'], ['some of its tests were not judged: not known whether all are AC or WA (permitted)']),
    );
    expect(skipped).toContain('  (give --all-tests to judge every test)\n');
  });

  it("counts a group's tests in words, and says a group without a test case holds none", () => {
    const r = judged(['AC', 'AC'], []);
    r.groups = [
      { name: 'sample', verdict: 'AC', score: 1, maxScore: 1, tests: [0, 1] },
      { name: 'secret/a', verdict: 'AC', score: 1, maxScore: 1, tests: [1] },
      { name: 'secret', verdict: 'AC', score: 0, maxScore: 0, tests: [] },
    ] as unknown as JudgeResult['groups'];
    const text = packageSummary(r);
    expect(text).toContain('group sample: AC (2 tests)\n');
    expect(text).toContain('group secret/a: AC (1 test)\n');
    expect(text).toContain('group secret: holds no test case\n');
    expect(text).not.toContain('(0 tests)');
  });
});
