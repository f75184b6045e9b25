/**
 * A legacy scoring package with a custom grader judged by `caged judge` on real containers and
 * the real Debian image (test/packages/graded): `grading: custom` in secret's testdata.yaml, the
 * grader (graders/grader.py) given the sub-results and grader_flags, its verdict and score
 * taken (a score beside a rejection ignored), the group's maximum asked of the grader when
 * its range has no top, the message naming the test of the judging's verdict, and a grader that writes nonsense or does not
 * compile making the judging IE.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../src/judge/judge';
import { Sandbox } from '../src/sandbox/sandbox';
import type { JudgeResult } from '../src/judge/schema';
import { judgeJson } from './helpers/judge-cli';
import { useTestJudge } from './helpers/judge-fixture';
import { TEST_MANIFEST } from './helpers/image';

const PKG = path.join(__dirname, 'packages', 'graded');

describe('caged judge on a legacy package with a custom grader', () => {
  let judge: Judge;
  let tmp: string;
  useTestJudge('caged-grader-cache-', (j) => (judge = j));
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-grader-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function judged(source: string, pkg = PKG): Promise<JudgeResult> {
    const file = path.join(tmp, 'sub.py');
    fs.writeFileSync(file, source);
    const { code, text, result } = await judgeJson(judge, [pkg, file]);
    expect({ code, text: code === 0 ? '' : text }).toEqual({ code: 0, text: '' });
    return result as JudgeResult;
  }

  const groups = (r: JudgeResult) => Object.fromEntries((r.groups ?? []).map((g) => [g.name, [g.verdict, g.score, g.maxScore]]));
  const RIGHT = 'a, b = map(int, input().split())\nprint(a + b)\n';

  it('takes the group’s verdict and score from the grader, within its range', async () => {
    const r = await judged(RIGHT);
    expect(r.tests.map((t) => [t.name, t.verdict])).toEqual([
      ['sample/1', 'AC'],
      ['secret/1', 'AC'],
      ['secret/2', 'AC'],
      ['secret/3', 'AC'],
    ]);
    expect(groups(r)).toMatchObject({ secret: ['AC', 30, 30] });
    expect({ verdict: r.verdict, score: r.score, maxScore: r.maxScore }).toEqual({ verdict: 'AC', score: 30, maxScore: 30 });
  }, 120_000);

  it('lets the grader accept a group with rejected test cases, and ignores its score beside a rejection', async () => {
    const first = await judged('a, b = map(int, input().split())\nprint(a + b if a < 5 else 0)\n');
    expect(first.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'WA', 'WA']);
    expect(groups(first)).toMatchObject({ secret: ['AC', 10, 30] });
    expect({ verdict: first.verdict, score: first.score }).toEqual({ verdict: 'AC', score: 10 });
    // Right on the sample only: the grader says WA with 999 points, which count for nothing.
    const none = await judged('a, b = map(int, input().split())\nprint(a + b if a < 2 else 0)\n');
    expect(none.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'WA', 'WA']);
    expect(groups(none)).toMatchObject({ secret: ['WA', 0, 30] });
    expect({ verdict: none.verdict, score: none.score }).toEqual({ verdict: 'WA', score: 0 });
  }, 120_000);

  it('asks the grader for the group’s maximum when its range has no top', async () => {
    // Without `range: 0 30` the maximum is the grader's score for three accepted test cases
    // (30), not the default rules' (3 × accept_score 1); a wrong submission still scores 10.
    const copy = path.join(tmp, 'unranged');
    fs.cpSync(PKG, copy, { recursive: true });
    const yaml = path.join(copy, 'data', 'secret', 'testdata.yaml');
    fs.writeFileSync(yaml, fs.readFileSync(yaml, 'utf8').replace(/^range: .*\n/m, ''));
    expect(fs.readFileSync(yaml, 'utf8')).not.toMatch(/range/);
    const right = await judged(RIGHT, copy);
    expect(groups(right)).toMatchObject({ secret: ['AC', 30, 30] });
    expect({ verdict: right.verdict, score: right.score, maxScore: right.maxScore }).toEqual({ verdict: 'AC', score: 30, maxScore: 30 });
    const partial = await judged('a, b = map(int, input().split())\nprint(a + b if a < 5 else 0)\n', copy);
    expect(groups(partial)).toMatchObject({ secret: ['AC', 10, 30] });
    // A grader that rejects the best case leaves the default maximum, and the judging is not IE.
    fs.writeFileSync(
      path.join(copy, 'graders', 'grader.py'),
      'import sys\nlines = sys.stdin.read().split("\\n")\nprint("AC 2" if any(l.startswith("WA") for l in lines) else "WA 0")\n',
    );
    const odd = await judged('a, b = map(int, input().split())\nprint(a + b if a < 5 else 0)\n', copy);
    expect({ verdict: odd.verdict, score: odd.score, maxScore: odd.maxScore }).toEqual({ verdict: 'AC', score: 2, maxScore: 3 });
  }, 120_000);

  it('names in the message the first test with the judging’s verdict, not merely the first rejection', async () => {
    // Default grading, on_reject: continue: WA on secret/1, RE on secret/2; the legacy default
    // grader's worst_error makes the judging RE, and the message names secret/2's.
    const copy = path.join(tmp, 'worst');
    fs.cpSync(PKG, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'data', 'secret', 'testdata.yaml'), 'on_reject: continue\n');
    const r = await judged('a, b = map(int, input().split())\nassert a != 10, "ten"\nprint(a + b if a != 2 else 0)\n', copy);
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'RE', 'AC']);
    expect(r.verdict).toBe('RE');
    expect(r.message).toMatch(/^Runtime Error on secret\/2: /);
  }, 120_000);

  it('makes a grader that writes nonsense, or does not compile, the judge’s error', async () => {
    const copy = path.join(tmp, 'broken');
    fs.cpSync(PKG, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'graders', 'grader.py'), 'import sys\nsys.stdin.read()\nprint("hello there, world")\n');
    const nonsense = await judged(RIGHT, copy);
    expect(groups(nonsense)).toMatchObject({ secret: ['IE', 0, 30] });
    expect(nonsense.verdict).toBe('IE');
    expect(nonsense.message).toBe('Internal Error: the grader of secret wrote "hello there, world\\n", not one line "VERDICT score"');
    fs.rmSync(path.join(copy, 'graders', 'grader.py'));
    fs.writeFileSync(path.join(copy, 'graders', 'grader.c'), 'int main( {\n');
    const broken = await judged(RIGHT, copy);
    expect(broken.verdict).toBe('IE');
    expect(broken.message).toMatch(/^Internal Error: the grader of secret did not compile: Compilation Error: /);
  }, 120_000);
});

describe("a custom grader's compile", () => {
  // A judge whose contestants' compiles get 1 ms: the grader (Python, checked by py_compile) is
  // the package's own program and compiles under the helpers' limits (CAGED_HELPER_COMPILE_*).
  let judge: Judge;
  let tmp: string;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-grader-limits-'));
    judge = await Judge.create({
      sandbox: await Sandbox.create(),
      closeSandbox: true,
      manifestPath: TEST_MANIFEST,
      compileCacheDir: path.join(tmp, 'cache'),
      compileLimits: { cpuTimeMs: 1, wallTimeMs: 1 },
    });
  }, 120_000);
  afterAll(async () => {
    await judge?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("has the helpers' compile limits, not a contestant's", async () => {
    // AWK has no compile step, so the submission runs; its grader compiles in the same judge.
    const awk = path.join(tmp, 'sum.awk');
    fs.writeFileSync(awk, '{ print $1 + $2 }\n');
    const { code, text, result } = await judgeJson(judge, [PKG, awk]);
    expect({ code, text: code === 0 ? '' : text }).toEqual({ code: 0, text: '' });
    const r = result as JudgeResult;
    expect({ verdict: r.verdict, score: r.score, maxScore: r.maxScore, message: r.message }).toEqual({
      verdict: 'AC',
      score: 30,
      maxScore: 30,
      message: 'Accepted (4 tests)',
    });
    // The same judge's contestant compile is held to 1 ms: a Python submission does not compile.
    const py = path.join(tmp, 'sum.py');
    fs.writeFileSync(py, 'a, b = map(int, input().split())\nprint(a + b)\n');
    const contestant = (await judgeJson(judge, [PKG, py])).result as JudgeResult;
    expect(contestant.verdict).toBe('CE');
  }, 120_000);
});
