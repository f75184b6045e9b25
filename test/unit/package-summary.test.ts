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
});
