/**
 * CMS tasks in the Italian YAML format judged for real (`caged judge`, real containers, the real
 * Debian image): test/packages/cms-sum (subtasks from gen/GEN, input.txt and output.txt, a
 * checker of CMS's protocol giving partial outcomes) and cms-grader (graders in C++ and
 * Python, CMS's white diff, GroupMul over regular expressions from task.yaml); cms-gen's test
 * cases made by `caged problem generate` from its gen/GEN, generator, validator and official
 * solution, as cmsMake makes them; Communication tasks, cms-comm (a C++ manager built from its
 * source, stubs in C++ and Python opening the channels named by their arguments, partial
 * outcomes), cms-comm-stdio (a Python manager script reading input.txt, a submission talking
 * on its stdin and stdout) and cms-comm-many (two processes of the submission at once, each
 * told its index, the manager given the channels of both); cms-batch-output (CMS's
 * BatchAndOutput: test cases answered by files, by the program, or either); cms-threshold
 * (GroupThreshold: a checker's outcome a measure, each subtask's threshold); cms-sum again with
 * its checker kept compiled, without its source (run as it is).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateCmsTests } from '../src/problem/cms-generate';
import { Judge } from '../src/judge/judge';
import type { JudgeResult } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';
import { judgeJson } from './helpers/judge-cli';

const PACKAGES = path.join(__dirname, 'packages');
const SUM = path.join(PACKAGES, 'cms-sum');
const AREA = path.join(PACKAGES, 'cms-grader');
const DOUBLE = path.join(PACKAGES, 'cms-gen');
const ANSWERS = path.join(PACKAGES, 'cms-answers');
const TWICE = path.join(PACKAGES, 'cms-comm');
const ECHO = path.join(PACKAGES, 'cms-comm-stdio');
const SIGNS = path.join(PACKAGES, 'cms-comm-many');
const SQUARE = path.join(PACKAGES, 'cms-batch-output');
const RATIO = path.join(PACKAGES, 'cms-threshold');

/** A cms-sum solution off by one from 1000 on, and its tests as cms-sum's checker judges it (verdict, points, message's start). */
const OFF_BY_ONE =
  '#include <cstdio>\nint main(){FILE*i=fopen("input.txt","r"),*o=fopen("output.txt","w");long long a,b;fscanf(i,"%lld %lld",&a,&b);fprintf(o,"%lld\\n",a+b+(a>=1000));}\n';
const OFF_BY_ONE_ROWS = [0, 40, 20, 30, 30].map((points, i) => (i < 2 ? ['AC', points, 'Out'] : ['WA', points, 'off']));

describe('CMS tasks on the real image', () => {
  let judge: Judge;
  let tmp: string;

  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST))
      throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-cms-'));
    judge = await Judge.create({
      sandbox: await Sandbox.create(),
      closeSandbox: true,
      manifestPath: TEST_MANIFEST,
      compileCacheDir: path.join(tmp, 'cache'),
    });
  }, 120_000);

  afterAll(async () => {
    await judge?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function judged(args: string[]): Promise<JudgeResult> {
    const { code, result } = await judgeJson(judge, args);
    expect(code).toBe(0);
    return result!;
  }

  /** A submission written to the scratch directory. */
  function source(name: string, text: string): string {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, text);
    return p;
  }

  it.each(['soluzione.cpp', 'soluzione.py'])(
    'cms-sum: sol/%s reads input.txt and writes output.txt, and scores 100 through the checker',
    async (file) => {
      const r = await judged([SUM, path.join(SUM, 'sol', file)]);
      expect(r.verdict).toBe('AC');
      expect(r.problem).toMatchObject({ name: 'somma', format: 'cms', type: 'scoring', timeLimitFrom: 'task.yaml', timeLimitMs: 1000 });
      expect(r.score).toBe(100);
      expect(r.maxScore).toBe(100);
      expect(r.tests.map((t) => t.name)).toEqual(['000', '001', '002', '003', '004']);
      // CMS's stock text for translate:success.
      expect(r.tests[1]?.checkerMessage).toBe('Output is correct');
      expect(r.groups?.map((g) => [g.name, g.score, g.maxScore])).toEqual([
        ['data', 100, 100],
        ['subtask 0', 0, 0],
        ['subtask 1', 40, 40],
        ['subtask 2', 60, 60],
      ]);
    },
    120_000,
  );

  it('cms-sum: the checker gives half of each test off by one; GroupMin takes the least of a subtask', async () => {
    const r = await judged([SUM, source('off.cpp', OFF_BY_ONE)]);
    expect(r.verdict).toBe('WA');
    expect(r.tests.map((t) => [t.verdict, t.points, t.checkerMessage?.slice(0, 3)])).toEqual(OFF_BY_ONE_ROWS);
    expect(r.tests[2]?.checkerMessage).toBe('off by one');
    // Subtask 1: 40 × min(1, 0.5); subtask 2: 60 × 0.5.
    expect(r.score).toBe(50);
  }, 120_000);

  it('cms-sum with its checker kept compiled (no source, as cmsMake leaves it): the program runs as it is', async () => {
    const dir = path.join(tmp, 'prebuilt');
    fs.cpSync(SUM, dir, { recursive: true });
    fs.rmSync(path.join(dir, 'cor', 'correttore.cpp'));
    // Built on the host, dynamically linked (a PIE), as a CMS host builds its task's checker.
    execFileSync('g++', ['-O2', '-o', path.join(dir, 'cor', 'correttore'), path.join(SUM, 'cor', 'correttore.cpp')]);
    const r = await judged([dir, source('off-prebuilt.cpp', OFF_BY_ONE)]);
    // Half of each answer off by one: the checker's own rule, which the white diff does not have.
    expect(r.tests.map((t) => [t.verdict, t.points, t.checkerMessage?.slice(0, 3)])).toEqual(OFF_BY_ONE_ROWS);
    expect([r.score, (await judged([dir, path.join(SUM, 'sol', 'soluzione.cpp')])).score]).toEqual([50, 100]);
  }, 120_000);

  it('cms-sum: a program reading standard input instead of input.txt finds it empty, as in CMS', async () => {
    const r = await judged([SUM, source('stdin.py', 'a, b = map(int, input().split())\nopen("output.txt", "w").write(str(a + b))\n')]);
    expect(r.tests.map((t) => t.verdict)).toEqual(['RE', 'RE', 'RE', 'RE', 'RE']);
    expect(r.tests[0]?.stderr).toMatch(/EOFError/);
    expect(r.score).toBe(0);
  }, 120_000);

  it('cms-sum: an answer on standard output instead of output.txt scores nothing', async () => {
    const r = await judged([SUM, source('stdout.py', 'a, b = map(int, open("input.txt").read().split())\nprint(a + b)\n')]);
    expect(r.verdict).toBe('WA');
    expect(r.score).toBe(0);
    // As CMS: no file produced, no checker run, CMS's text.
    expect(r.tests[0]).toMatchObject({
      checkerMessage: "Evaluation didn't produce file output.txt",
      message: 'wrong answer (no output.txt written)',
    });
    // A file opened to write and left empty is produced: the checker judges it.
    const empty = await judged([SUM, source('empty.py', 'open("output.txt", "w").close()\n')]);
    expect(empty.tests[0]).toMatchObject({ verdict: 'WA', checkerMessage: "Output isn't correct" });
  }, 120_000);

  it.each(['area.cpp', 'area.py'])(
    'cms-grader: sol/%s is compiled with the grader of its language and judged by the white diff',
    async (file) => {
      const r = await judged([AREA, path.join(AREA, 'sol', file)]);
      expect(r.verdict).toBe('AC');
      expect(r.score).toBe(100);
      expect(r.problem).toMatchObject({ name: 'area', format: 'cms' });
    },
    120_000,
  );

  it('cms-grader: a program answering on standard output may write no file, as CMS allows only an outfile', async () => {
    const r = await judged([AREA, source('write.py', 'def area(w, h):\n    open("scratch.txt", "w").write("x")\n    return w * h\n')]);
    expect(r.tests.map((t) => t.verdict)).toEqual(['RE', 'RE', 'RE']);
    expect(r.tests[0]?.stderr).toMatch(/Read-only file system: 'scratch.txt'/);
    expect(r.score).toBe(0);
  }, 120_000);

  it('cms-grader: an int overflow fails the subtask of test 002 only; a submission under any file name is the task name', async () => {
    const r = await judged([
      AREA,
      source('mine.cpp', '#include "area.h"\nlong long area(long long w, long long h) { return (int)w * (int)h; }\n'),
    ]);
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'WA']);
    expect(r.score).toBe(30);
    expect(r.tests[2]?.checkerMessage).toMatch(/^line 1 differs: expected "10000000000", got /);
  }, 120_000);

  it('cms-grader with overlapping subtasks: a test case in two subtasks runs once and counts in both', async () => {
    const dir = path.join(tmp, 'area-overlap');
    fs.cpSync(AREA, dir, { recursive: true });
    const yaml = fs.readFileSync(path.join(dir, 'task.yaml'), 'utf8');
    fs.writeFileSync(
      path.join(dir, 'task.yaml'),
      yaml.replace(/^score_type_parameters: .*$/m, 'score_type_parameters: [[30, "00[01]"], [70, "00"]]'),
    );
    const r = await judged([
      dir,
      source('overflow.cpp', '#include "area.h"\nlong long area(long long w, long long h) { return (int)w * (int)h; }\n'),
    ]);
    expect(r.tests.map((t) => [t.name, t.verdict])).toEqual([
      ['000', 'AC'],
      ['001', 'AC'],
      ['000', 'AC'],
      ['001', 'AC'],
      ['002', 'WA'],
    ]);
    // One run each: the second listing is the first's result.
    expect([r.tests[2]?.wallTimeMs, r.tests[3]?.cpuTimeMs]).toEqual([r.tests[0]?.wallTimeMs, r.tests[1]?.cpuTimeMs]);
    expect(r.groups?.map((g) => [g.name, g.score])).toEqual([
      ['data', 30],
      ['subtask 0', 30],
      ['subtask 1', 0],
    ]);
    expect(r.score).toBe(30);
  }, 120_000);

  it('cms-grader: a submission with its own main does not link with the grader (CE); a language without a grader is refused', async () => {
    const r = await judged([
      AREA,
      source('main.cpp', 'long long area(long long w, long long h) { return w * h; }\nint main() { return 0; }\n'),
    ]);
    expect(r.verdict).toBe('CE');
    const java = source('Area.java', 'public class Area { public static void main(String[] a) {} }\n');
    await expect(judged([AREA, java])).rejects.toThrow(/graders are sol\/grader\.(cpp|py), sol\/grader\.(cpp|py): none is a java source/);
  }, 120_000);

  it('cms-gen: makes the test cases from gen/GEN as cmsMake does, then judges them', async () => {
    const dir = path.join(tmp, 'cms-gen');
    fs.cpSync(DOUBLE, dir, { recursive: true });
    await expect(judged([dir, path.join(dir, 'sol', 'soluzione.cpp')])).rejects.toThrow(/input\/input0.txt.*generate them first/);
    const { written, notes } = await generateCmsTests(judge, dir);
    expect(notes).toEqual([]);
    expect(written.map((f) => `${f.path} by ${f.by}`)).toEqual([
      'input/input0.txt by copy of gen/esempio.txt',
      'output/output0.txt by sol/soluzione.cpp',
      'input/input1.txt by generator 1',
      'output/output1.txt by sol/soluzione.cpp',
      'input/input2.txt by generator 7',
      'output/output2.txt by sol/soluzione.cpp',
      'input/input3.txt by generator 1000000',
      'output/output3.txt by sol/soluzione.cpp',
      'input/input4.txt by generator 123456789',
      'output/output4.txt by sol/soluzione.cpp',
    ]);
    expect(fs.readFileSync(path.join(dir, 'input', 'input0.txt'), 'utf8')).toBe('3\n');
    expect(fs.readFileSync(path.join(dir, 'output', 'output4.txt'), 'utf8')).toBe('246913578\n');
    // Nothing is missing any more: nothing is written.
    expect((await generateCmsTests(judge, dir)).written).toEqual([]);
    const r = await judged([dir, path.join(dir, 'sol', 'soluzione.cpp')]);
    expect(r.verdict).toBe('AC');
    expect(r.groups?.map((g) => [g.name, g.score])).toEqual([
      ['data', 100],
      ['subtask 0', 0],
      ['subtask 1', 40],
      ['subtask 2', 60],
    ]);
  }, 180_000);

  it("cms-gen: the validator gets the input file and the subtask's number, and refuses an input out of its range", async () => {
    const dir = path.join(tmp, 'cms-gen-bad');
    fs.cpSync(DOUBLE, dir, { recursive: true });
    // 500 is within subtask 3's range, not subtask 2's (the second "# ST:" line).
    fs.writeFileSync(path.join(dir, 'gen', 'GEN'), '# ST: 0\n#COPY: gen/esempio.txt\n# ST: 40\n1\n500\n# ST: 60\n500\n');
    await expect(generateCmsTests(judge, dir)).rejects.toThrow(
      /the validator gen\/valida.py on test case 2 \(gen\/GEN line 5\) refused the input \(RE\).*n = 500 is out of 1..100 in subtask 2/,
    );
    // What was made before the refusal stays; the refused test case has no file.
    expect(fs.existsSync(path.join(dir, 'input', 'input1.txt'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'input', 'input2.txt'))).toBe(false);
  }, 180_000);

  it("cms-grader: the answers of a task without gen/GEN are its official solution's, compiled with the grader", async () => {
    const dir = path.join(tmp, 'cms-area');
    fs.cpSync(AREA, dir, { recursive: true });
    fs.rmSync(path.join(dir, 'output'), { recursive: true });
    fs.copyFileSync(path.join(dir, 'sol', 'area.cpp'), path.join(dir, 'sol', 'soluzione.cpp'));
    const { written } = await generateCmsTests(judge, dir);
    expect(written.map((f) => f.path)).toEqual(['output/output0.txt', 'output/output1.txt', 'output/output2.txt']);
    for (const f of written) expect(fs.readFileSync(path.join(dir, f.path))).toEqual(fs.readFileSync(path.join(AREA, f.path)));
    fs.rmSync(path.join(dir, 'input', 'input1.txt'));
    await expect(generateCmsTests(judge, dir)).rejects.toThrow(
      /test case 1's input input\/input1.txt is missing, and the task has no gen\/GEN/,
    );
  }, 180_000);

  it('cms-answers: an output-only task judges the answers submitted as files, a missing one scoring nothing', async () => {
    const dir = path.join(tmp, 'answers');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'output_000.txt'), '5\n');
    fs.writeFileSync(path.join(dir, 'output_001.txt'), '42\n');
    const all = await judged([ANSWERS, dir, '--lang', 'plaintext']);
    expect(all).toMatchObject({ verdict: 'AC', score: 100, maxScore: 100, problem: { format: 'cms', timeLimitFrom: 'task.yaml' } });
    fs.writeFileSync(path.join(dir, 'output_001.txt'), '41\n');
    const wrong = await judged([ANSWERS, dir, '--lang', 'plaintext']);
    expect(wrong.tests.map((t) => t.verdict)).toEqual(['AC', 'WA']);
    expect(wrong.score).toBe(50);
    fs.rmSync(path.join(dir, 'output_000.txt'));
    const missing = await judged([ANSWERS, dir, '--lang', 'plaintext']);
    expect(missing.tests[0]).toMatchObject({ verdict: 'RE', points: 0 });
    expect(missing.tests[0]?.stderr).toMatch(/output_000.txt: No such file or directory/);
    expect(missing.score).toBe(0);
  }, 120_000);

  it.each(['twice.cpp', 'twice.py'])(
    'cms-comm: sol/%s, compiled with the stub of its language, talks to the manager through its channels and scores 100',
    async (file) => {
      const r = await judged([TWICE, path.join(TWICE, 'sol', file)]);
      expect(r.verdict).toBe('AC');
      expect(r.problem).toMatchObject({ name: 'twice', format: 'cms', type: 'scoring' });
      expect(r.score).toBe(100);
      expect(r.tests.map((t) => [t.name, t.verdict, t.points])).toEqual([
        ['000', 'AC', 50],
        ['001', 'AC', 50],
      ]);
      // CMS's stock text for the manager's translate:success.
      expect(r.tests[0]?.checkerMessage).toBe('Output is correct');
    },
    120_000,
  );

  it("cms-comm: the manager's outcome is the share of the test's points; what the submission prints on stdout goes nowhere", async () => {
    const r = await judged([
      TWICE,
      source(
        'half.cpp',
        '#include <cstdio>\n#include "twice.h"\nlong long twice(long long x) { printf("debug %lld\\n", x); return x % 2 ? 2 * x : x; }\n',
      ),
    ]);
    // Test 000 (1 2 3 4): half right; test 001 (10 -7): half right.
    expect(r.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['WA', 25],
      ['WA', 25],
    ]);
    expect(r.tests[0]?.checkerMessage).toBe('2 of 4 right');
    expect(r.score).toBe(50);
  }, 120_000);

  it('cms-comm: a submission crashing, or looping, scores nothing with its own verdict; one without the function is CE', async () => {
    const crash = await judged([
      TWICE,
      source('crash.py', 'def twice(x):\n    if x == 3:\n        raise ValueError("three")\n    return 2 * x\n'),
    ]);
    expect(crash.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['RE', 0],
      ['AC', 50],
    ]);
    expect(crash.tests[0]?.stderr).toMatch(/ValueError: three/);
    const loop = await judged([TWICE, source('loop.cpp', '#include "twice.h"\nlong long twice(long long x) { for (;;) x++; }\n')]);
    expect(loop.tests.map((t) => t.verdict)).toEqual(['TLE', 'TLE']);
    expect(loop.score).toBe(0);
    const none = await judged([TWICE, source('none.cpp', 'long long thrice(long long x) { return 3 * x; }\n')]);
    expect(none.verdict).toBe('CE');
  }, 120_000);

  it('cms-comm-stdio: without stubs the submission talks on its stdin and stdout; the manager reads input.txt', async () => {
    const right = await judged([
      ECHO,
      source(
        'echo.c',
        '#include <stdio.h>\nint main(){long x;while(scanf("%ld",&x)==1&&x){printf("%ld\\n",2*x);fflush(stdout);}return 0;}\n',
      ),
    ]);
    expect(right.verdict).toBe('AC');
    expect(right.score).toBe(100);
    const wrong = await judged([
      ECHO,
      source('wrong.py', 'while True:\n    x = int(input())\n    if x == 0:\n        break\n    print(x, flush=True)\n'),
    ]);
    expect(wrong.tests.map((t) => [t.verdict, t.points])).toEqual([['WA', 0]]);
    expect(wrong.tests[0]?.checkerMessage).toBe('0 of 3 right');
  }, 120_000);

  it.each(['signs.cpp', 'signs.py'])(
    'cms-comm-many: sol/%s runs as two processes at once, each told its index, and scores 100',
    async (file) => {
      const r = await judged([SIGNS, path.join(SIGNS, 'sol', file)]);
      expect(r.tests.map((t) => [t.name, t.verdict, t.points])).toEqual([
        ['000', 'AC', 50],
        ['001', 'AC', 50],
      ]);
      expect(r.tests[0]?.checkerMessage).toBe('Output is correct');
    },
    120_000,
  );

  it('cms-comm-many: a wrong process costs its share; a crash in one scores nothing with its verdict; together they share the time limit', async () => {
    const wrong = await judged([SIGNS, source('same.cpp', '#include "signs.h"\nlong long answer(int p, long long x) { return x; }\n')]);
    expect(wrong.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['WA', 25],
      ['WA', 25],
    ]);
    expect(wrong.tests[0]?.checkerMessage).toBe('3 of 6 right');
    const crash = await judged([
      SIGNS,
      source(
        'crash1.py',
        'def answer(process, x):\n    if process == 1 and x == 7:\n        raise ValueError("seven")\n    return -x if process else x\n',
      ),
    ]);
    expect(crash.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['RE', 0],
      ['AC', 50],
    ]);
    expect(crash.tests[0]?.stderr).toMatch(/ValueError: seven/);
    // Each process spins 0.6 s of CPU on its first number: below the 1 s limit alone, above it together.
    const spin =
      '#include <ctime>\n#include "signs.h"\nlong long answer(int p, long long x) {\n' +
      '  static bool once = false;\n  if (!once) { once = true; clock_t t = clock(); while (clock() - t < CLOCKS_PER_SEC * 6 / 10) {} }\n' +
      '  return p ? -x : x;\n}\n';
    const slow = await judged([SIGNS, source('slow.cpp', spin)]);
    expect(slow.tests.map((t) => t.verdict)).toEqual(['TLE', 'TLE']);
    expect(slow.tests[0]?.message).toMatch(/its 2 processes used \d+ ms of CPU time together, the limit 1000 ms/);
  }, 180_000);

  /** A directory submission of these files. */
  function dir(name: string, files: Record<string, string>): string {
    const d = path.join(tmp, name);
    fs.mkdirSync(d);
    for (const [n, text] of Object.entries(files)) fs.writeFileSync(path.join(d, n), text);
    return d;
  }

  it('cms-batch-output: answers as files and the program, each test case as CMS evaluates it, the checker told its kind', async () => {
    const program = fs.readFileSync(path.join(SQUARE, 'sol', 'square.cpp'), 'utf8');
    const row = (r: JudgeResult) => r.tests.map((t) => [t.name, t.verdict, t.points, t.checkerMessage ?? t.message]);
    // The program alone: the output-only test case 002 scores nothing.
    const alone = await judged([SQUARE, path.join(SQUARE, 'sol', 'square.cpp')]);
    expect(row(alone)).toEqual([
      ['000', 'AC', 25, 'batch right'],
      ['001', 'AC', 25, 'batch right'],
      ['002', 'WA', 0, 'output_002.txt not submitted (an output-only test case)'],
      ['003', 'AC', 25, 'batch right'],
    ]);
    expect(alone.score).toBe(75);
    // With the answer of 002, and a wrong one of 001 (which takes its answer over the program's output).
    const both = await judged([
      SQUARE,
      dir('bo-both', { 'square.cpp': program, 'output_002.txt': '1225\n', 'output_001.txt': '7\n' }),
      '--lang',
      'cpp17',
    ]);
    expect(row(both)).toEqual([
      ['000', 'AC', 25, 'batch right'],
      ['001', 'WA', 0, 'batch wrong'],
      ['002', 'AC', 25, 'outputonly right'],
      ['003', 'AC', 25, 'batch right'],
    ]);
    // Answers alone: the other test cases have no program.
    const answers = await judged([SQUARE, dir('bo-answers', { 'output_002.txt': '1225\n' }), '--lang', 'plaintext']);
    expect(answers.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['WA', 0],
      ['WA', 0],
      ['AC', 25],
      ['WA', 0],
    ]);
    expect(answers.tests[0]?.message).toBe('no program submitted, nor output_000.txt');
    // A program that does not compile fails the submission, its answers included, as in CMS.
    const broken = await judged([SQUARE, dir('bo-broken', { 'square.cpp': 'int main( {', 'output_002.txt': '1225\n' }), '--lang', 'cpp17']);
    expect(broken.verdict).toBe('CE');
    expect(broken.score).toBe(0);
    expect(broken.tests.map((t) => t.verdict)).toEqual(['SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED']);
  }, 180_000);

  it('cms-threshold: GroupThreshold takes a subtask whose outcomes are all within its threshold; a test case in two is judged under each', async () => {
    const groups = (r: JudgeResult) => r.groups?.filter((g) => g.name.startsWith('subtask')).map((g) => [g.name, g.score]);
    const best = await judged([RATIO, path.join(RATIO, 'sol', 'ratio.py')]);
    expect(best.score).toBe(100);
    expect(best.tests[0]?.checkerMessage).toBe('10 for 10 (outcome 1, within (0, 2])');
    // Half again as many: within subtask 0's threshold (2), not subtask 1's (1); test case 001 judged under both.
    const half = await judged([RATIO, source('half.py', 'n = int(input())\nprint(n + n // 2)\n')]);
    expect(groups(half)).toEqual([
      ['subtask 0', 40],
      ['subtask 1', 0],
    ]);
    expect(half.tests.filter((t) => t.name === '001').map((t) => [t.verdict, t.checkerMessage])).toEqual([
      ['AC', '30 for 20 (outcome 1.5, within (0, 2])'],
      ['WA', '30 for 20 (outcome 1.5, not within (0, 1])'],
    ]);
    expect(half.score).toBe(40);
    const few = await judged([RATIO, source('few.py', 'print(int(input()) - 1)\n')]);
    expect(few.score).toBe(0);
    expect(few.tests[0]?.checkerMessage).toBe('9 for 10 (outcome 0, not within (0, 2])');
  }, 120_000);
});
