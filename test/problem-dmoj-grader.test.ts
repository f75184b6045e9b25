/**
 * DMOJ custom judges (init.yml `custom_judge`: an InteractiveGrader in Python) judged for real:
 * `caged judge`, real containers, the real Debian image. The graders are DMOJ's own testsuite's
 * shapes (`interactive`: guess N, told N - guess; `seed2`: FLOATS/SINKS with `readint`'s bounds),
 * written here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Judge } from '../src/judge/judge';
import type { JudgeResult } from '../src/judge/schema';
import { judgeJson } from './helpers/judge-cli';
import { useTestJudge } from './helpers/judge-fixture';

/** DMOJ's testsuite/interactive grader's shape: the answer N - guess until the guess is N; fewer than 10 guesses pass. */
const DIFFERENCE_GRADER = `from dmoj.graders.interactive import InteractiveGrader


class Grader(InteractiveGrader):
    def interact(self, case, interactor):
        n = int(case.input_data())
        guesses = 0
        while True:
            guesses += 1
            guess = interactor.readint()
            if guess == n:
                break
            interactor.writeln(n - guess)
        return guesses < 10
`;

describe('DMOJ custom judges on the real image', () => {
  let judge: Judge;
  useTestJudge('caged-dmoj-grader-', (j) => (judge = j), { reportOutputBytes: 16 * 2 ** 20 });
  let tmp: string;
  beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-dmoj-grader-files-'))));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function file(name: string, text: string): string {
    const f = path.join(tmp, name);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
    return f;
  }

  function problem(name: string, files: Record<string, string>): string {
    for (const [f, text] of Object.entries(files)) file(path.join(name, f), text);
    return path.join(tmp, name);
  }

  async function judged(args: string[]): Promise<JudgeResult> {
    const { code, text, result } = await judgeJson(judge, [...args, '--time', '2']);
    expect({ code, text: code === 0 ? '' : text }).toEqual({ code: 0, text: '' });
    return result!;
  }

  const outcome = (r: JudgeResult) => r.tests.map((t) => [t.verdict, t.points, t.checkerMessage ?? null]);

  it('runs an InteractiveGrader against the submission: AC, a WrongAnswer with its feedback, a closed stream, TLE', async () => {
    const dir = problem('difference', {
      'init.yml': 'custom_judge: interact.py\nunbuffered: yes\ntest_cases:\n- {in: 1.in, points: 10}\n- {in: 2.in, points: 10}\n',
      '1.in': '20\n',
      '2.in': '7\n',
      'interact.py': DIFFERENCE_GRADER,
    });
    // DMOJ's testsuite/interactive/tests/c_ac/ac.c: guess 0, then the difference, which is N.
    const ac = file(
      'ac.c',
      '#include <stdio.h>\nint main(void) {\n  int n;\n  puts("0");\n  fflush(stdout);\n  scanf("%d", &n);\n  printf("%d\\n", n);\n}\n',
    );
    const r = await judged([dir, ac]);
    expect(r).toMatchObject({ verdict: 'AC', score: 20 });
    expect(r.problem?.format).toBe('dmoj');
    // testsuite/interactive/tests/c_no_flush: unbuffered: yes runs a C submission with its stdout unbuffered.
    const noFlush = file(
      'no_flush.c',
      '#include <stdio.h>\nint main(void) {\n  int n;\n  puts("0");\n  scanf("%d", &n);\n  printf("%d\\n", n);\n}\n',
    );
    expect(await judged([dir, noFlush])).toMatchObject({ verdict: 'AC', score: 20 });
    const yml = path.join(dir, 'init.yml');
    fs.writeFileSync(yml, fs.readFileSync(yml, 'utf8').replace('unbuffered: yes', 'unbuffered: no'));
    // Buffered, its guess never reaches the grader: the submission waits for an answer until its time is up.
    expect((await judged([dir, noFlush])).tests.map((t) => t.verdict)).toEqual(['TLE', 'TLE']);
    fs.writeFileSync(yml, fs.readFileSync(yml, 'utf8').replace('unbuffered: no', 'unbuffered: yes'));
    // testsuite/interactive/tests/py_not_num: readint's WrongAnswer, its message the feedback.
    const notNum = await judged([dir, file('not_num.py', 'print("A", flush=True)\n')]);
    expect(outcome(notNum)).toEqual([
      ['WA', 0, 'expected int, got "A"'],
      ['WA', 0, 'expected int, got "A"'],
    ]);
    // A submission that ends without answering: the grader reads a closed stream (IOError), WA without feedback.
    const quits = await judged([dir, file('quits.py', 'pass\n')]);
    expect(quits.tests.map((t) => [t.verdict, t.checkerMessage ?? null])).toEqual([
      ['WA', null],
      ['WA', null],
    ]);
    // Ten guesses or more: interact returns False.
    const slow = file(
      'slow.py',
      'g = 0\nfor i in range(12):\n    print(g if i < 11 else 20, flush=True)\n    d = int(input()) if i < 11 else 0\n',
    );
    expect((await judged([dir, slow])).tests[0]?.verdict).toBe('WA');
    // Silent: the submission's own TLE, whatever the grader waits for.
    const silent = await judged([dir, file('silent.c', 'int main(void) { for (;;) ; }\n')]);
    expect(silent.tests[0]?.verdict).toBe('TLE');
  }, 300_000);

  it("gives a CheckerResult's points and feedback, readint's bounds, the case's points and position; an exception is IE", async () => {
    const grader = `from dmoj.graders.interactive import InteractiveGrader
from dmoj.result import CheckerResult


class Grader(InteractiveGrader):
    def interact(self, case, interactor):
        n = int(case.input_data())
        print('the grader talks to itself')  # goes nowhere, not to the submission
        asked = 0
        while True:
            guess = interactor.readint(1, 2000000000)
            asked += 1
            if guess == n:
                interactor.writeln('OK')
                break
            interactor.writeln('FLOATS' if guess > n else 'SINKS')
        if case.position == 2:
            raise ValueError('the grader broke')
        if asked <= 2:
            return True
        return CheckerResult(True, case.points * 0.25, feedback='%d guesses for case %d' % (asked, case.position))
`;
    const dir = problem('seed', {
      'init.yml': 'custom_judge: seed.py\ntest_cases:\n- {in: 1.in, points: 8}\n- {in: 2.in, points: 4}\n- {in: 3.in, points: 4}\n',
      '1.in': '1\n',
      '2.in': '1000\n',
      '3.in': '5\n',
      'seed.py': grader,
    });
    // Bisects from 1: one guess for N = 1, many for 1000; case 3 makes the grader raise.
    const bisect = file(
      'bisect.py',
      'lo, hi = 1, 2000000000\nwhile True:\n    m = (lo + hi) // 2 if lo > 1 else 1\n    print(m, flush=True)\n    r = input()\n    if r == "OK":\n        break\n    if r == "SINKS":\n        lo = m + 1\n    else:\n        hi = m - 1\n',
    );
    const r = await judged([dir, bisect]);
    expect(r.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['AC', 8],
      ['AC', 1],
      ['IE', 0],
    ]);
    expect(r.tests[1]?.checkerMessage).toMatch(/^\d+ guesses for case 1$/);
    expect(r.tests[2]?.message).toMatch(/the interactor failed \(ValueError: the grader broke\)/);
    // Out of readint's bounds: its WrongAnswer.
    const zero = await judged([dir, file('zero.py', 'print(0, flush=True)\n')]);
    expect(zero.tests[0]).toMatchObject({ verdict: 'WA', checkerMessage: 'expected int in range [1, 2000000000], got 0' });
  }, 300_000);

  it("gives the grader the submission's source as self.source, as DMOJ's BaseGrader has it", async () => {
    // A grader refusing a submission that uses eval, whatever it answers.
    const dir = problem('source', {
      'init.yml': 'custom_judge: source.py\ntest_cases:\n- {in: 1.in, points: 1}\n',
      '1.in': '7\n',
      'source.py': `from dmoj.graders.interactive import InteractiveGrader, WrongAnswer


class Grader(InteractiveGrader):
    def interact(self, case, interactor):
        interactor.writeln(case.input_data().decode().strip())
        answer = interactor.readint()
        if b'eval' in self.source:
            raise WrongAnswer('eval is not allowed (%d bytes of %s read)' % (len(self.source), self.language))
        return answer == 14
`,
    });
    const plain = await judged([dir, file('twice.py', 'print(2 * int(input()), flush=True)\n')]);
    expect(plain.tests[0]?.verdict).toBe('AC');
    const source = 'print(eval("2 * " + input()), flush=True)\n';
    const evil = await judged([dir, file('evil.py', source)]);
    expect(evil.tests[0]).toMatchObject({ verdict: 'WA', checkerMessage: `eval is not allowed (${source.length} bytes of python3 read)` });
  }, 120_000);

  it('is IE, naming the class, when the file defines no InteractiveGrader at run time', async () => {
    // The text says InteractiveGrader, but Grader is rebound to something else.
    const dir = problem('rebound', {
      'init.yml': 'custom_judge: odd.py\ntest_cases:\n- {in: 1.in, points: 1}\n',
      '1.in': '1\n',
      'odd.py': 'from dmoj.graders.interactive import InteractiveGrader\n\nclass Grader(InteractiveGrader):\n    pass\n\nGrader = 3\n',
    });
    const r = await judged([dir, file('one.py', 'print(1, flush=True)\n')]);
    expect(r.tests[0]?.verdict).toBe('IE');
    expect(r.tests[0]?.message).toMatch(/odd\.py defines no Grader class based on InteractiveGrader/);
  }, 120_000);
});
