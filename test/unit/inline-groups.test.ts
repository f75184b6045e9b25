/**
 * Test groups of a JSON submission (src/judge/inline-groups.ts): the package grader on made-up
 * test results, and the submission schema's checks of `groups`. No container, no root.
 */
import { gradeInlineGroups, inlineMaxScore } from '../../src/judge/inline-groups';
import { TestSkips } from '../../src/judge/test-skips';
import { SubmissionSchema, type TestResult, type TestVerdict } from '../../src/judge/schema';
import { madeUpResult } from './helpers/test-result';

function result(index: number, verdict: TestVerdict, points: number): TestResult {
  return madeUpResult(index, verdict, { points });
}

/** Six tests worth 1 point each; tests 0 (a sample) and 5 in no group. */
const testcases = Array.from({ length: 6 }, () => ({ points: 1 }));
const groups = [
  { name: 'small', tests: [1, 2], points: 30, aggregation: 'min' as const },
  { name: 'large', tests: [3, 4, 2], points: 70, aggregation: 'sum' as const },
];

describe('when a submission has test groups', () => {
  it('scores each group by its aggregation and adds the tests in no group', async () => {
    // Test 2 (in both groups) fails: "small" gets nothing, "large" two thirds.
    const verdicts: TestVerdict[] = ['AC', 'AC', 'WA', 'AC', 'AC', 'AC'];
    const results = verdicts.map((v, i) => result(i, v, v === 'AC' ? 1 : 0));
    const g = await gradeInlineGroups(groups, testcases, results);
    expect(g.groups).toEqual([
      { name: 'small', verdict: 'WA', score: 0, maxScore: 30, tests: [1, 2] },
      { name: 'large', verdict: 'WA', score: 46.666666667, maxScore: 70, tests: [3, 4, 2] },
    ]);
    expect(g.score).toBe(48.666666667); // 0 + 70 × 2/3 + tests 0 and 5
    expect(g.maxScore).toBe(102);
    expect(inlineMaxScore(groups, testcases)).toBe(102);
  });

  it('gives a min group all its points only when every test passes, and counts partial points as fractions', async () => {
    const all = await gradeInlineGroups(
      groups,
      testcases,
      testcases.map((_, i) => result(i, 'AC', 1)),
    );
    expect(all.groups.map((g) => [g.verdict, g.score])).toEqual([
      ['AC', 30],
      ['AC', 70],
    ]);
    expect(all.score).toBe(all.maxScore);
    // A checker gave test 3 half its points (AC with 0.5): "large" earns 70 × (1 + 0.5 + 1) / 3.
    const partial = testcases.map((_, i) => result(i, 'AC', i === 3 ? 0.5 : 1));
    expect((await gradeInlineGroups(groups, testcases, partial)).groups[1]!.score).toBeCloseTo(58.333333333, 6);
  });

  it('reads a skipped test (stopOnFirstFailure) as failed, with the group verdict its first non-AC test in listed order', async () => {
    const verdicts: TestVerdict[] = ['AC', 'AC', 'AC', 'TLE', 'SKIPPED', 'SKIPPED'];
    const g = await gradeInlineGroups(
      groups,
      testcases,
      verdicts.map((v, i) => result(i, v, v === 'AC' ? 1 : 0)),
    );
    expect(g.groups.map((x) => [x.name, x.verdict, x.score])).toEqual([
      ['small', 'AC', 30],
      ['large', 'TLE', 23.333333333],
    ]);
  });

  it('refuses groups naming missing or repeated tests, duplicate names, and groups beside a package', () => {
    const base = { language: 'c', source: 'int main(){}', testcases: [{ stdin: '' }, { stdin: '' }] };
    const issues = (extra: object) => {
      const r = SubmissionSchema.safeParse({ ...base, ...extra });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ groups: [{ name: 'a', tests: [0, 1], points: 10 }] })).toEqual([]);
    expect(issues({ groups: [{ name: 'a', tests: [2], points: 10 }] })).toEqual([
      'groups.0.tests.0: is test 2, but there are 2 test cases (0-based)',
    ]);
    expect(issues({ groups: [{ name: 'a', tests: [1, 1], points: 10 }] })).toEqual(['groups.0.tests.1: lists test 1 twice']);
    expect(
      issues({
        groups: [
          { name: 'a', tests: [0], points: 1 },
          { name: 'a', tests: [1], points: 1 },
        ],
      }),
    ).toEqual(['groups.1.name: duplicate group name "a"']);
    expect(issues({ groups: [{ name: 'a', tests: [0], points: 1, aggregation: 'max' }] })[0]).toMatch(/^groups\.0\.aggregation/);
    expect(
      issues({ testcases: [], problem: { id: 'p', digest: `sha256:${'0'.repeat(64)}` }, groups: [{ name: 'a', tests: [0], points: 1 }] }),
    ).toContain('groups: a problem package brings its own test groups');
    // Likewise whether the program may write files (problem.yaml's allow_file_writing).
    const pkg = { testcases: [], problem: { id: 'p', digest: `sha256:${'0'.repeat(64)}` } };
    expect(issues({ ...pkg, allowFileWriting: true })).toEqual([
      "allowFileWriting: a problem package brings its own (problem.yaml's allow_file_writing)",
    ]);
    expect(issues({ allowFileWriting: false })).toEqual([]);
    expect(issues({ allowFileWriting: 'no' })[0]).toMatch(/^allowFileWriting: /);
    // stderr into stdout: only where stdout is the program's answer, checked by the job's checker.
    const merged = 'stderrToStdout: is not for an interactive problem or a problem package';
    expect(issues({ ...pkg, stderrToStdout: true })).toEqual([merged]);
    expect(issues({ stderrToStdout: true, interactor: { language: 'python3', source: 'pass' } })).toEqual([merged]);
    expect(issues({ stderrToStdout: true })).toEqual([]);
    // Every test of a package judged: only a package has tests that a rejection skips.
    expect(issues({ ...pkg, allTests: true })).toEqual([]);
    expect(issues({ allTests: true })).toEqual(['allTests: is for a problem package (test cases run all unless stopOnFirstFailure)']);
    expect(issues({ ...pkg, allTests: 'yes' })[0]).toMatch(/^allTests: /);
  });
});

/** Which tests of `verdicts` (the verdict each would get) run, in test order, under `skips`; the others' reasons. */
function walk(skips: TestSkips, verdicts: readonly TestVerdict[]): string[] {
  return verdicts.map((v, i) => {
    const why = skips.skipReason(i);
    if (why !== null) return why;
    skips.record(i, v);
    return v;
  });
}

describe("a group's onReject: break (src/judge/test-skips.ts)", () => {
  it('skips the later tests of a breaking group once one is rejected, and nothing of a group that continues', () => {
    const g = [
      { name: 'sub1', tests: [1, 2, 3], onReject: 'break' as const },
      { name: 'sub2', tests: [4, 5], onReject: 'continue' as const },
    ];
    expect(walk(new TestSkips(7, g, false), ['AC', 'AC', 'TLE', 'AC', 'WA', 'AC', 'WA'])).toEqual([
      'AC',
      'AC',
      'TLE',
      'not run: test 3 was rejected (onReject: break in group "sub1")',
      'WA',
      'AC',
      'WA', // in no group: always runs
    ]);
    // Absent onReject is continue; no groups, no skips.
    expect(walk(new TestSkips(3, [{ name: 'a', tests: [0, 1, 2] }], false), ['WA', 'WA', 'AC'])).toEqual(['WA', 'WA', 'AC']);
    expect(walk(new TestSkips(3, [], false), ['WA', 'WA', 'AC'])).toEqual(['WA', 'WA', 'AC']);
  });

  it('runs a test that another group still needs: skipped only when every group holding it has broken', () => {
    const g = [
      { name: 'a', tests: [0, 2, 4], onReject: 'break' as const },
      { name: 'b', tests: [1, 2, 3, 4], onReject: 'break' as const },
      { name: 'c', tests: [3], onReject: 'continue' as const },
    ];
    expect(walk(new TestSkips(5, g, false), ['WA', 'AC', 'AC', 'RE', 'AC'])).toEqual([
      'WA', // breaks a
      'AC',
      'AC', // b still going
      'RE', // breaks b (c continues, so it runs anyway)
      'not run: every group of this test stopped at a rejected test (onReject: break): group "a" at test 1, group "b" at test 4',
    ]);
  });

  it('leaves the tests before the rejection alone, whatever order the group lists them in, and combines with stopOnFirstFailure', () => {
    const g = [{ name: 'x', tests: [3, 1, 2], onReject: 'break' as const }];
    expect(walk(new TestSkips(5, g, false), ['AC', 'AC', 'WA', 'AC', 'AC'])).toEqual([
      'AC',
      'AC',
      'WA',
      'not run: test 3 was rejected (onReject: break in group "x")',
      'AC',
    ]);
    // stopOnFirstFailure skips every later test, a test in no group too.
    expect(walk(new TestSkips(5, g, true), ['AC', 'WA', 'AC', 'AC', 'AC'])).toEqual([
      'AC',
      'WA',
      'not run: test 2 failed (stopOnFirstFailure)',
      'not run: test 2 failed (stopOnFirstFailure)',
      'not run: test 2 failed (stopOnFirstFailure)',
    ]);
  });

  it("grades a breaking group's tests in test order: its verdict is the rejection, not a test skipped after it", async () => {
    const g = [{ name: 'x', tests: [3, 1, 2], points: 10, aggregation: 'min' as const, onReject: 'break' as const }];
    const tc = Array.from({ length: 4 }, () => ({ points: 0 }));
    const verdicts: TestVerdict[] = ['AC', 'AC', 'TLE', 'SKIPPED'];
    const graded = await gradeInlineGroups(
      g,
      tc,
      verdicts.map((v, i) => result(i, v, 0)),
    );
    expect(graded.groups).toEqual([{ name: 'x', verdict: 'TLE', score: 0, maxScore: 10, tests: [1, 2, 3] }]);
    // The same group continuing reads them as listed.
    const listed = await gradeInlineGroups(
      [{ ...g[0]!, onReject: 'continue' as const }],
      tc,
      verdicts.map((v, i) => result(i, v, 0)),
    );
    expect(listed.groups[0]).toMatchObject({ verdict: 'SKIPPED', tests: [3, 1, 2] });
  });

  it('is accepted by the schema as break or continue, absent by default, and nothing else', () => {
    const base = { language: 'c', source: 'int main(){}', testcases: [{ stdin: '' }, { stdin: '' }] };
    const parse = (onReject: unknown) =>
      SubmissionSchema.safeParse({ ...base, groups: [{ name: 'a', tests: [0, 1], points: 1, onReject }] });
    expect(parse('break').success).toBe(true);
    expect(parse('continue').success).toBe(true);
    const absent = SubmissionSchema.parse({ ...base, groups: [{ name: 'a', tests: [0, 1], points: 1 }] });
    expect(absent.groups![0]!.onReject).toBeUndefined();
    expect(parse('stop').success).toBe(false);
  });
});
