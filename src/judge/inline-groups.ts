/**
 * Test groups of a JSON submission (`groups`): graded by the package grader (grading.ts) on
 * the tests' results, once every test has run (or was skipped). The submission's groups become
 * a one-level tree:
 *
 *     root (sum of its children, unbounded)
 *       ├── each group: worth its `points`, aggregation `sum` or `min` (the 2023-07
 *       │   `max_score` rule), its tests in the order it lists them
 *       └── each test in no group, scoring its own points
 *
 * A test's fraction is what it earned of its own `points` (a checker may give part of them), or
 * 1/0 by its verdict when it is worth 0 points. A group scores `points` × the mean of its
 * tests' fractions (`sum`) or their minimum (`min`: all or nothing for pass/fail tests, the IOI
 * subtask); its verdict is its first test that is not AC, in the order it lists them. A test
 * may be in several groups. The job's score is the root's: the groups' scores plus the points
 * of the tests in no group; its maximum is the same with every test AC. A group with `onReject:
 * "break"` stops at its first rejected test (test-skips.ts): its later tests are SKIPPED, which
 * count as failed, and its verdict reads its tests in test order.
 */
import { gradeTree, groupSettings, type GroupSettings, type TestGroup } from './group-grading';
import type { GroupResult, Submission, TestResult } from './schema';

export type InlineGroup = NonNullable<Submission['groups']>[number];

/** A test of the tree: its index in `testcases` and its points. */
interface InlineTest {
  name: string;
  index: number;
  points: number;
}

const ROOT: GroupSettings = groupSettings({ onReject: 'continue' });

export interface InlineGrade {
  score: number;
  maxScore: number;
  /** One per submitted group, in the submission's order; `tests` are indices in `testcases`. */
  groups: GroupResult[];
}

/** The job's score and its groups' outcomes from the tests' results (in `testcases` order). */
export async function gradeInlineGroups(
  groups: readonly InlineGroup[],
  testcases: ReadonlyArray<{ points: number }>,
  results: readonly TestResult[],
): Promise<InlineGrade> {
  const test = (index: number): InlineTest => ({ name: String(index), index, points: testcases[index]?.points ?? 0 });
  const grouped = new Set(groups.flatMap((g) => g.tests));
  const root: TestGroup<InlineTest> = {
    name: '',
    settings: ROOT,
    children: [
      ...groups.map((g) => ({
        kind: 'group' as const,
        group: {
          name: g.name,
          settings: { ...ROOT, aggregation: g.aggregation, maxScore: g.points },
          // A breaking group reads its tests in the order they ran: its first rejection comes
          // before the tests skipped after it (test-skips.ts).
          children: (g.onReject === 'break' ? [...g.tests].sort((a, b) => a - b) : g.tests).map((i) => ({
            kind: 'test' as const,
            test: test(i),
          })),
        },
      })),
      ...testcases.flatMap((_, i) => (grouped.has(i) ? [] : [{ kind: 'test' as const, test: test(i) }])),
    ],
  };
  const resultOf = (t: InlineTest): TestResult => {
    const r = results[t.index];
    if (!r) throw new RangeError(`no result for test ${t.index}`);
    return r;
  };
  const graded = await gradeTree(
    root,
    true,
    (t) => Promise.resolve(resultOf(t)),
    (t) => resultOf(t),
    (t, r) => ({ score: r.points, maxScore: t.points }),
  );
  // graded.tests is the walk's order (a test once per group holding it): back to test indices.
  const walked = graded.tests.map((r) => r.index);
  return {
    score: round(graded.score),
    maxScore: round(graded.maxScore),
    groups: graded.groups.slice(1).map((g) => ({
      name: g.name,
      verdict: g.verdict,
      score: round(g.score),
      maxScore: round(g.maxScore),
      tests: g.tests.map((k) => walked[k]!),
    })),
  };
}

/** The job's maximum score, before anything runs: every test AC. */
export function inlineMaxScore(groups: readonly InlineGroup[], testcases: ReadonlyArray<{ points: number }>): number {
  const grouped = new Set(groups.flatMap((g) => g.tests));
  const ungrouped = testcases.reduce((sum, t, i) => sum + (grouped.has(i) ? 0 : t.points), 0);
  return round(groups.reduce((sum, g) => sum + g.points, 0) + ungrouped);
}

function round(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}
