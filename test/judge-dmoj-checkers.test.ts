/**
 * DMOJ's built-in checkers (`checker: {type: "dmoj", name, args}`) judging real programs in real
 * containers: whitespace rules, a presentation error, floats, and linecount's partial points,
 * on a run that succeeded and on runs that failed (DMOJ's run_on_error: the verdict stays, the
 * lines earn their share). The checkers as functions: test/unit/dmoj-checkers.test.ts.
 */
import type { Judge } from '../src/judge/judge';
import type { SubmissionInput } from '../src/judge/schema';
import { useTestJudge } from './helpers/judge-fixture';

let judge: Judge;
useTestJudge('caged-dmoj-checkers-cache-', (j) => (judge = j));

/** Echoes its input: the test's stdin decides the output. */
const ECHO_PY = 'import sys\nsys.stdout.write(sys.stdin.read())\n';

type Checker = SubmissionInput['checker'];

describe('when DMOJ checkers judge the same outputs', () => {
  const testcases = [
    { name: 'blank lines and trailing spaces', stdin: '1 2  \n\n3\n', expected: '1 2\n3\n' },
    { name: 'a line break for a space', stdin: '1\n2\n3\n', expected: '1 2\n3\n' },
    { name: 'float error', stdin: '1.0000001 2\n3\n', expected: '1 2\n3\n' },
    { name: 'lines in another order', stdin: '3\n1 2\n', expected: '1 2\n3\n' },
  ];
  it.each([
    ['standard', {}, ['AC', 'WA', 'WA', 'WA']],
    ['identical', {}, ['WA', 'WA', 'WA', 'WA']],
    ['floats', {}, ['AC', 'WA', 'AC', 'WA']],
    ['sorted', {}, ['AC', 'WA', 'WA', 'AC']],
    ['unordered', {}, ['AC', 'AC', 'WA', 'AC']],
  ] as const)('%s %j gives %j', async (name, args, verdicts) => {
    const checker = { type: 'dmoj', name, args } as Checker;
    const r = await judge.judge({ language: 'python3', source: ECHO_PY, testcases, checker });
    expect(r.tests.map((t) => t.verdict)).toEqual(verdicts);
  });

  it("gives identical's presentation error as DMOJ words it", async () => {
    const r = await judge.judge({
      language: 'python3',
      source: ECHO_PY,
      testcases: [{ stdin: '1  2\n', expected: '1 2\n' }],
      checker: { type: 'dmoj', name: 'identical' },
    });
    expect(r.tests[0]).toMatchObject({ verdict: 'WA', points: 0, checkerMessage: 'Presentation Error, check your whitespace' });
  });
});

describe('when linecount gives partial points', () => {
  const answer = 'a\nb\nc\nd\ne\n';
  const checker: Checker = { type: 'dmoj', name: 'linecount' };

  it('earns a 10-point test its share per correct line, AC only when all are', async () => {
    const r = await judge.judge({
      language: 'python3',
      source: ECHO_PY,
      checker,
      testcases: [
        { stdin: 'a\nb\nx\nd\ne\n', expected: answer, points: 10 },
        { stdin: 'a\r\n  b  \nc\nd\ne', expected: answer, points: 10 },
        { stdin: 'a\nb\n', expected: answer, points: 10 },
      ],
    });
    expect(r.tests.map((t) => [t.verdict, t.points, t.checkerMessage])).toEqual([
      ['WA', 8, 'Case Feedback: ✓✓✗✓✓'],
      ['AC', 10, 'Case Feedback: ✓✓✓✓✓'],
      ['WA', 4, 'Case Feedback: ✓✓✗✗✗'],
    ]);
    expect(r.verdict).toBe('WA');
    expect(r.score).toBe(22);
    expect(r.maxScore).toBe(30);
  }, 60_000);

  it('judges the output of a run that failed, which keeps its verdict', async () => {
    const crash = 'import sys\nsys.stdout.write(sys.stdin.read())\nsys.stdout.flush()\nsys.exit(3)\n';
    const r = await judge.judge({
      language: 'python3',
      source: crash,
      checker,
      testcases: [{ stdin: 'a\nb\nx\nd\n', expected: answer, points: 10 }],
    });
    expect(r.tests[0]).toMatchObject({ verdict: 'RE', exitCode: 3, points: 6, checkerMessage: 'Case Feedback: ✓✓✗✓✗' });
    const spin = 'import sys\nsys.stdout.write(sys.stdin.read())\nsys.stdout.flush()\nwhile True: pass\n';
    const t = await judge.judge({
      language: 'python3',
      source: spin,
      checker,
      limits: { cpuTimeMs: 500 },
      testcases: [{ stdin: 'a\nb\n', expected: answer, points: 10 }],
    });
    expect(t.tests[0]).toMatchObject({ verdict: 'TLE', points: 4, checkerMessage: 'Case Feedback: ✓✓✗✗✗' });
    expect(t.score).toBe(4);
  }, 60_000);

  it('leaves a failed run at no points with any other checker', async () => {
    const crash = 'import sys\nsys.stdout.write(sys.stdin.read())\nsys.exit(3)\n';
    const r = await judge.judge({
      language: 'python3',
      source: crash,
      checker: { type: 'dmoj', name: 'standard' },
      testcases: [{ stdin: answer, expected: answer, points: 10 }],
    });
    expect(r.tests[0]).toMatchObject({ verdict: 'RE', points: 0, checkerMessage: null });
  });
});
