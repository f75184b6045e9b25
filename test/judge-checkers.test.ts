/**
 * Every checker on real runs, including a custom C checker following testlib's exit codes
 * (accepted, wrong answer, presentation error, partial points, checker failure → IE). The
 * checkers as functions, without root or the image: test/unit/judge-checkers.test.ts.
 */
import type { Judge } from '../src/judge/judge';
import type { SubmissionInput } from '../src/judge/schema';
import { useTestJudge } from './helpers/judge-fixture';

let judge: Judge;
useTestJudge('caged-checkers-cache-', (j) => (judge = j));

/** Echoes its input: the test's stdin decides the output. */
const ECHO_PY = 'import sys\nsys.stdout.write(sys.stdin.read())\n';

describe('when each built-in checker judges the same outputs', () => {
  const testcases = [
    { name: 'trailing blanks', stdin: '1 2  \n\n', expected: '1 2' },
    { name: 'spacing', stdin: '1   2', expected: '1 2' },
    { name: 'float error', stdin: '1.0000001 2', expected: '1 2' },
  ];
  it.each([
    ['exact', ['WA', 'WA', 'WA']],
    ['lines', ['AC', 'WA', 'WA']],
    ['tokens', ['AC', 'AC', 'WA']],
    ['float', ['AC', 'AC', 'AC']],
  ] as const)('%s gives %j', async (type, verdicts) => {
    const r = await judge.judge({ language: 'python3', source: ECHO_PY, testcases, checker: { type } });
    expect(r.tests.map((t) => t.verdict)).toEqual(verdicts);
  });

  it('float honours the given epsilons', async () => {
    const r = await judge.judge({
      language: 'python3',
      source: ECHO_PY,
      testcases: [{ stdin: '1.01', expected: '1' }],
      checker: { type: 'float', absolute: 0.02, relative: 0 },
    });
    expect(r.verdict).toBe('AC');
  });
});

/**
 * A testlib-style checker: input holds the number the program echoes; equal to the answer →
 * 0, half of it → 7 with "points 2" (absolute points: 2 of the test's 4), not a number → 2,
 * an answer file that is not a number → 3, else 1. It also checks that nothing of the submission's box is visible to it.
 */
const CHECKER_C = `#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: input output answer"); return 3; }
  if (access("/box/planted", F_OK) == 0) { fprintf(stderr, "the submission's box is visible"); return 3; }
  FILE *in = fopen(argv[1], "r"), *out = fopen(argv[2], "r"), *ans = fopen(argv[3], "r");
  if (!in || !out || !ans) { fprintf(stderr, "cannot open the files"); return 3; }
  long want, got;
  if (fscanf(ans, "%ld", &want) != 1) { fprintf(stderr, "the answer file is not a number"); return 3; }
  if (fscanf(out, "%ld", &got) != 1) { fprintf(stderr, "no number in the output"); return 2; }
  if (got == want) { fprintf(stderr, "ok %ld", got); return 0; }
  if (2 * got == want) { printf("points 2\\n"); fprintf(stderr, "half of it"); return 7; }
  fprintf(stderr, "expected %ld, got %ld", want, got);
  return 1;
}
`;

/** Prints its input, after planting a link to a host-looking path in its box. */
const PLANTING_PY =
  'import os, sys\nos.symlink("/etc/shadow", "planted")\nos.symlink("/etc/shadow", "output")\nsys.stdout.write(sys.stdin.read())\n';

describe('when a custom C checker follows the testlib exit codes', () => {
  const submission: SubmissionInput = {
    language: 'python3',
    source: PLANTING_PY,
    checker: { type: 'custom', language: 'c', source: CHECKER_C },
    testcases: [
      { stdin: '10', expected: '10', points: 4 },
      { stdin: '5', expected: '10', points: 4 },
      { stdin: '3', expected: '10', points: 4 },
      { stdin: 'ten', expected: '10', points: 4 },
      { stdin: '10', expected: 'ten', points: 4 },
    ],
  };

  it('gives AC, partial points, WA, PE as WA, and IE for a checker failure', async () => {
    const r = await judge.judge(submission);
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'WA', 'WA', 'IE']);
    expect(r.tests.map((t) => t.points)).toEqual([4, 2, 0, 0, 0]);
    expect(r.tests[0]!.checkerMessage).toBe('ok 10');
    expect(r.tests[1]!.checkerMessage).toBe('half of it');
    expect(r.tests[2]!.checkerMessage).toBe('expected 10, got 3');
    expect(r.tests[3]!.checkerMessage).toBe('presentation error: no number in the output');
    expect(r.tests[4]!.checkerMessage).toBe('the checker failed: the answer file is not a number');
    expect(r.tests[4]!.judge0.id).toBe(13);
    expect(r.verdict).toBe('WA');
    expect(r.score).toBe(6);
    expect(r.maxScore).toBe(20);
  }, 60_000);

  it('reports IE, not AC, when the checker fails on the only test', async () => {
    const r = await judge.judge({ ...submission, testcases: [{ stdin: '10', expected: 'ten' }] });
    expect(r.verdict).toBe('IE');
    expect(r.judge0).toEqual({ id: 13, description: 'Internal Error' });
    expect(r.score).toBe(0);
  });

  it('compiles the checker once across jobs (its own compile-cache entry)', async () => {
    await judge.judge({ ...submission, testcases: [{ stdin: '1', expected: '1' }] });
    const before = judge.stats();
    const r = await judge.judge({ ...submission, testcases: [{ stdin: '2', expected: '2' }] });
    expect(r.verdict).toBe('AC');
    expect(judge.stats().compiles).toBe(before.compiles);
    // The checker's entry, and the Python submission's (its syntax check) for the same source.
    expect(judge.stats().cache!.hits).toBe(before.cache!.hits + 2);
  });

  it('reports IE when the checker does not compile', async () => {
    const r = await judge.judge({ ...submission, checker: { type: 'custom', language: 'c', source: 'int main( {' } });
    expect(r.verdict).toBe('IE');
    expect(r.message).toContain('the custom checker did not compile');
    expect(r.tests.every((t) => t.verdict === 'SKIPPED')).toBe(true);
  });

  it('reports IE when the checker itself crashes', async () => {
    const r = await judge.judge({
      ...submission,
      testcases: [{ stdin: '1', expected: '1' }],
      checker: { type: 'custom', language: 'c', source: '#include <stdlib.h>\nint main(void){abort();}\n' },
    });
    expect(r.verdict).toBe('IE');
    expect(r.tests[0]!.checkerMessage).toContain('SIGABRT');
  });
});
