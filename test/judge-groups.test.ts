/**
 * Test groups of a JSON submission (`groups`: src/judge/inline-groups.ts) on the real image: the
 * job's score is its groups' (min and sum) plus the tests in no group, each group with its own
 * verdict, in the result the schema describes; with stopOnFirstFailure the skipped tests count
 * as failed; a group with onReject: break stops at its first rejected test, the same with tests
 * run two at a time.
 */
import type { Judge } from '../src/judge/judge';
import { JudgeResultSchema, type SubmissionInput } from '../src/judge/schema';
import { useTestJudge } from './helpers/judge-fixture';

let judge: Judge;
useTestJudge('caged-groups-cache-', (j) => (judge = j));
let parallel: Judge;
useTestJudge('caged-groups-parallel-cache-', (j) => (parallel = j), { testParallelism: 2 });

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

  it('stops a group with onReject: break at its first rejected test, runs what another group or none holds, and counts the rest as failed', async () => {
    // Test 3 (input 7) fails: "hard" breaks, so 5 (only in "hard") is not run; 4 is also in
    // "partial", which continues, so it runs; test 0 is in no group.
    const groups = [
      { name: 'easy', tests: [1, 2], points: 30, aggregation: 'min' as const, onReject: 'break' as const },
      { name: 'hard', tests: [5, 3, 4], points: 50, aggregation: 'min' as const, onReject: 'break' as const },
      { name: 'partial', tests: [4], points: 20 },
    ];
    for (const j of [judge, parallel]) {
      const r = JudgeResultSchema.parse(await j.judge(submission({ groups })));
      expect(r.verdict).toBe('WA');
      expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC', 'WA', 'AC', 'SKIPPED']);
      expect(r.tests[5]!.message).toBe('not run: test 4 was rejected (onReject: break in group "hard")');
      expect(r.tests[5]!.cpuTimeMs).toBe(0);
      expect(r.groups).toEqual([
        { name: 'easy', verdict: 'AC', score: 30, maxScore: 30, tests: [1, 2] },
        // Read in test order: the rejection, not the skipped test listed first.
        { name: 'hard', verdict: 'WA', score: 0, maxScore: 50, tests: [3, 4, 5] },
        { name: 'partial', verdict: 'AC', score: 20, maxScore: 20, tests: [4] },
      ]);
      expect(r.score).toBe(30 + 0 + 20 + 1);
      expect(r.maxScore).toBe(101);
    }
  }, 120_000);
});
