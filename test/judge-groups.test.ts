/**
 * Test groups of a JSON submission (`groups`: src/judge/inline-groups.ts) on the real image: the
 * job's score is its groups' (min and sum) plus the tests in no group, each group with its own
 * verdict, in the result the schema describes; with stopOnFirstFailure the skipped tests count
 * as failed.
 */
import type { Judge } from '../src/judge/judge';
import { JudgeResultSchema, type SubmissionInput } from '../src/judge/schema';
import { useTestJudge } from './helpers/judge-fixture';

let judge: Judge;
useTestJudge('caged-groups-cache-', (j) => (judge = j));

/** Doubles its number, except 7, which it gets wrong. */
const DOUBLE_C =
  '#include <stdio.h>\nint main(void){long x; if(scanf("%ld",&x)!=1) return 1; printf("%ld\\n", x == 7 ? 0 : 2 * x); return 0;}\n';

const submission = (extra: Partial<SubmissionInput> = {}): SubmissionInput => ({
  language: 'c',
  source: DOUBLE_C,
  // Test 0 is a sample in no group; test 3 (input 7) fails.
  testcases: [1, 2, 3, 7, 5, 6].map((n) => ({ stdin: `${n}\n`, expected: `${2 * n}\n`, points: 1 })),
  groups: [
    { name: 'easy', tests: [1, 2], points: 30, aggregation: 'min' },
    { name: 'hard', tests: [3, 4], points: 50, aggregation: 'min' },
    { name: 'partial', tests: [2, 3, 4, 5], points: 20, aggregation: 'sum' },
  ],
  ...extra,
});

describe('when a submission has test groups', () => {
  it('scores each group by its aggregation, adds the tests in no group, and gives each group its verdict', async () => {
    const r = JudgeResultSchema.parse(await judge.judge(submission()));
    expect(r.verdict).toBe('WA');
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC', 'WA', 'AC', 'AC']);
    expect(r.groups).toEqual([
      { name: 'easy', verdict: 'AC', score: 30, maxScore: 30, tests: [1, 2] },
      { name: 'hard', verdict: 'WA', score: 0, maxScore: 50, tests: [3, 4] },
      { name: 'partial', verdict: 'WA', score: 15, maxScore: 20, tests: [2, 3, 4, 5] },
    ]);
    expect(r.score).toBe(30 + 0 + 15 + 1);
    expect(r.maxScore).toBe(101);
  }, 120_000);

  it('counts the tests skipped after a failure (stopOnFirstFailure) as failed', async () => {
    const r = await judge.judge(submission({ stopOnFirstFailure: true }));
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC', 'WA', 'SKIPPED', 'SKIPPED']);
    expect(r.groups?.map((g) => [g.name, g.verdict, g.score])).toEqual([
      ['easy', 'AC', 30],
      ['hard', 'WA', 0],
      ['partial', 'WA', 5],
    ]);
    expect(r.score).toBe(36);
  }, 120_000);
});
