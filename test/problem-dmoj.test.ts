/**
 * DMOJ problems judged for real (`caged judge`, real containers, the real Debian image):
 * test/packages/dmoj-sum (its tests in an archive, a pretest, a case, two batches, the second
 * depending on the first, a test with Windows line endings), and scratch variants of it with
 * DMOJ's built-in, bridged and Python checkers and a bridged interactor.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { judgeCommand } from '../src/cli/judge';
import { Judge } from '../src/judge/judge';
import { JudgeResultSchema, type JudgeResult } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

const SUM = path.join(__dirname, 'packages', 'dmoj-sum');

/** Reads its whole input first: a carriage return in it (data DMOJ would have normalised) is exit 3. */
const SUM_C = String.raw`#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static char buf[1 << 20];
int main(void) {
  size_t len = fread(buf, 1, sizeof buf - 1, stdin);
  if (memchr(buf, '\r', len)) return 3;
  char *p = buf, *end;
  long long n = strtoll(p, &end, 10);
  SUM_TYPE s = 0;
  for (p = end; n-- > 0; p = end) s += strtoll(p, &end, 10);
  printf("%lld\n", (long long)s);
  return 0;
}
`;

describe('DMOJ problems on the real image', () => {
  let judge: Judge;
  let tmp: string;

  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST))
      throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-dmoj-'));
    judge = await Judge.create({
      sandbox: await Sandbox.create(),
      closeSandbox: true,
      manifestPath: TEST_MANIFEST,
      compileCacheDir: path.join(tmp, 'cache'),
      reportOutputBytes: 16 * 2 ** 20,
    });
  }, 120_000);

  afterAll(async () => {
    await judge?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A submission file in tmp. */
  function source(name: string, text: string): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  }

  async function judged(args: string[]): Promise<JudgeResult> {
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    expect(await judgeCommand([...args, '--time', '2', '--json'], out, { judge })).toBe(0);
    return JudgeResultSchema.parse(JSON.parse(text));
  }

  const verdicts = (r: JudgeResult) => r.tests.map((t) => [t.name, t.verdict, t.points]);

  it('dmoj-sum: a right answer scores every batch, its data read from the archive and normalised', async () => {
    const r = await judged([SUM, source('sum.c', SUM_C.replace('SUM_TYPE', 'long long'))]);
    expect(r).toMatchObject({ verdict: 'AC', score: 100, maxScore: 100 });
    expect(r.problem).toMatchObject({ name: 'dmoj-sum', format: 'dmoj', type: 'scoring', timeLimitFrom: '--time', timeLimitMs: 2000 });
    expect(verdicts(r)).toEqual([
      ['case 1 (sum.p0.in)', 'AC', 0],
      ['case 2 (sum.1.in)', 'AC', 10],
      ['case 3 (sum.2.in)', 'AC', 30],
      ['case 4 (sum.3.in)', 'AC', 30],
      ['case 5 (sum.4.in)', 'AC', 60],
      ['case 6 (sum.5.in)', 'AC', 60],
    ]);
    expect(r.groups?.map((g) => [g.name, g.verdict, g.score, g.maxScore])).toEqual([
      ['data', 'AC', 100, 100],
      ['batch 1', 'AC', 30, 30],
      ['batch 2', 'AC', 60, 60],
    ]);
    const py = await judged([SUM, source('sum.py', 'import sys\nt = sys.stdin.read().split()\nprint(sum(map(int, t[1:])))\n')]);
    expect(py).toMatchObject({ verdict: 'AC', score: 100 });
  }, 120_000);

  it('dmoj-sum: an overflow fails batch 1, whose rest is skipped, and batch 2 that depends on it', async () => {
    const r = await judged([SUM, source('int.c', SUM_C.replace('SUM_TYPE', 'int'))]);
    expect(r).toMatchObject({ verdict: 'WA', score: 10, maxScore: 100 });
    expect(verdicts(r)).toEqual([
      ['case 1 (sum.p0.in)', 'AC', 0],
      ['case 2 (sum.1.in)', 'AC', 10],
      ['case 3 (sum.2.in)', 'AC', 30],
      ['case 4 (sum.3.in)', 'WA', 0],
      ['case 5 (sum.4.in)', 'SKIPPED', 0],
      ['case 6 (sum.5.in)', 'SKIPPED', 0],
    ]);
    expect(r.tests[4]?.message).toMatch(/batch 1 did not pass/);
  }, 120_000);

  it('dmoj-sum: a rejected pretest (worth 0) ends the judging', async () => {
    const r = await judged([SUM, source('zero.py', 'print(0)\n')]);
    expect(r).toMatchObject({ verdict: 'WA', score: 0, maxScore: 100 });
    expect(r.tests.map((t) => t.verdict)).toEqual(['WA', 'SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED']);
  }, 120_000);

  it("runs a problem's generator in the sandbox: each case's input from its stdout, its answer from its stderr", async () => {
    const dir = path.join(tmp, 'generated');
    fs.mkdirSync(dir);
    // n and the numbers 1..n (times the second argument, when given) on stdout; their sum on stderr.
    fs.writeFileSync(
      path.join(dir, 'gen.c'),
      String.raw`#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  long long n = atoll(argv[1]), k = argc > 2 ? atoll(argv[2]) : 1, s = 0;
  printf("%lld\n", n);
  for (long long i = 1; i <= n; i++) { printf("%lld ", i * k); s += i * k; }
  printf("\n");
  fprintf(stderr, "%lld\n", s);
  return 0;
}
`,
    );
    fs.writeFileSync(path.join(dir, 'three.in'), '3\n1 1 1\n');
    fs.writeFileSync(path.join(dir, 'three.out'), '3\n');
    fs.writeFileSync(
      path.join(dir, 'init.yml'),
      'generator: gen.c\ntest_cases:\n- {generator_args: [3], points: 10}\n- {generator_args: [100000, 1000], points: 10}\n- {in: three.in, out: three.out, points: 10}\n',
    );
    const r = await judged([dir, source('gsum.c', SUM_C.replace('SUM_TYPE', 'long long'))]);
    expect(r).toMatchObject({ verdict: 'AC', score: 30, maxScore: 30 });
    expect(r.tests.map((t) => t.name)).toEqual(['case 1', 'case 2', 'case 3 (three.in)']);
    // 1000 × 100000 × 100001 / 2 is past 32 bits; three.in and its answer are the package's (no generator runs for it).
    const wrapped = await judged([dir, source('gint.c', SUM_C.replace('SUM_TYPE', 'int'))]);
    expect(wrapped.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'AC']);
    // A generator that fails is the problem's failure: the submission compiles, every test is IE naming the case (DMOJ's IE).
    fs.writeFileSync(
      path.join(dir, 'init.yml'),
      'generator: gen.c\ntest_cases:\n- {points: 10}\n- {in: three.in, out: three.out, points: 10}\n',
    );
    const failed = await judged([dir, source('gsum2.c', SUM_C.replace('SUM_TYPE', 'long long'))]);
    expect(failed).toMatchObject({ verdict: 'IE', score: 0, compile: { verdict: 'OK' } });
    expect(failed.tests.map((t) => t.verdict)).toEqual(['IE', 'SKIPPED']);
    // In DMOJ's words (its parse_helper_file_error).
    expect(failed.message).toMatch(/the generator of case 1 \(gen\.c\): generator exited with SIGSEGV/);
    // A contrib type DMOJ does not know: every submission is IE with DMOJ's message.
    fs.writeFileSync(
      path.join(dir, 'init.yml'),
      'checker: {name: bridged, args: {files: gen.c, type: nope}}\ntest_cases:\n- {in: three.in, out: three.out, points: 10}\n',
    );
    const broken = await judged([dir, source('gsum3.c', SUM_C.replace('SUM_TYPE', 'long long'))]);
    expect(broken).toMatchObject({ verdict: 'IE', message: 'nope is not a valid contrib module' });
    // The submission's own compile error still comes first, as in DMOJ.
    expect(await judged([dir, source('gce.c', 'int main(void) { return x; }\n')])).toMatchObject({ verdict: 'CE' });
  }, 180_000);

  /** A scratch DMOJ problem in tmp: `files` written, init.yml among them. */
  function problem(name: string, files: Record<string, string>): string {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
    return dir;
  }

  it("judges with init.yml's checker: a built-in one with args, a bridged C program, a Python module with partial points", async () => {
    const data = { 'a.in': '2\n', 'a.out': '1.41421\n', 'b.in': '3\n', 'b.out': '1.73205\n' };
    const cases = 'test_cases:\n- {in: a.in, out: a.out, points: 5}\n- {in: b.in, out: b.out, points: 5}\n';
    const sqrt = source('sqrt.py', 'import math\nprint(f"{math.sqrt(int(input())):.3f}")\n');
    // floats with precision 2: 1.414 is within 1e-2 of 1.41421.
    const floats = problem('floats', { ...data, 'init.yml': `checker: {name: floats, args: {precision: 2}}\n${cases}` });
    expect(await judged([floats, sqrt])).toMatchObject({ verdict: 'AC', score: 10 });
    // standard (the default) compares tokens: 1.414 is not 1.41421.
    const standard = problem('standard', { ...data, 'init.yml': cases });
    expect((await judged([standard, sqrt])).tests.map((t) => t.verdict)).toEqual(['WA', 'WA']);
    // A bridged C checker (DMOJ's default type): 0 AC, 1 WA, its stdout the feedback.
    const bridged = problem('bridged', {
      ...data,
      'init.yml': `checker: {name: bridged, args: {files: check.c, lang: C}}\n${cases}`,
      'check.c': String.raw`#include <math.h>
#include <stdio.h>
int main(int argc, char **argv) {
  double out, ans;
  FILE *o = fopen(argv[2], "r"), *a = fopen(argv[3], "r");
  if (fscanf(o, "%lf", &out) != 1 || fscanf(a, "%lf", &ans) != 1) return 1;
  printf("off by %.5f\n", fabs(out - ans));
  return fabs(out - ans) < 1e-3 ? 0 : 1;
}
`,
    });
    const r = await judged([bridged, sqrt]);
    expect(r).toMatchObject({ verdict: 'AC', score: 10 });
    expect(r.tests[0]?.checkerMessage).toBe('off by 0.00021');
    // A bridged checker in Python 2 (lang: PY2, as DMOJ's testsuite writes them) runs under python2.
    const py2 = problem('bridged-py2', {
      ...data,
      'init.yml': `checker: {name: bridged, args: {files: check.py, lang: PY2}}\n${cases}`,
      'check.py': [
        'import sys',
        'out, ans = float(open(sys.argv[2]).read()), float(open(sys.argv[3]).read())',
        'print "off by %.5f" % abs(out - ans)',
        'sys.exit(0 if abs(out - ans) < 1e-3 else 1)',
        '',
      ].join('\n'),
    });
    const r2 = await judged([py2, sqrt]);
    expect(r2).toMatchObject({ verdict: 'AC', score: 10 });
    expect(r2.tests[0]?.checkerMessage).toBe('off by 0.00021');
    // A Python checker: half the points for an answer within 0.01, and its case's DMOJ facts.
    const python = problem('python', {
      ...data,
      'init.yml': `checker: check.py\n${cases}`,
      'check.py': [
        'from dmoj.result import CheckerResult',
        'def check(process_output, judge_output, point_value, case_position, batch, **kwargs):',
        '    d = abs(float(process_output) - float(judge_output))',
        '    if d < 1e-4:',
        '        return True',
        '    return CheckerResult(d < 1e-2, point_value / 2 if d < 1e-2 else 0, f"case {case_position} batch {batch} off")',
        '',
      ].join('\n'),
    });
    const py = await judged([python, sqrt]);
    // 1.414 is 0.00021 off (half its points), 1.732 0.00005 (all of them).
    expect(py).toMatchObject({ verdict: 'AC', score: 7.5 });
    expect(py.tests.map((t) => [t.verdict, t.points])).toEqual([
      ['AC', 2.5],
      ['AC', 5],
    ]);
    expect(py.tests[0]?.checkerMessage).toBe('case 0 batch 0 off');
  }, 240_000);

  it('judges an interactive problem through its bridged interactor, which need not flush (DMOJ unbuffers it)', async () => {
    const dir = problem('guess', {
      'init.yml': 'interactive: {files: interactor.c, type: testlib}\ntest_cases:\n- {in: 1.in, points: 10}\n- {in: 2.in, points: 10}\n',
      '1.in': '37\n',
      '2.in': '1000000\n',
      // Never flushes: written for DMOJ, which runs it unbuffered.
      'interactor.c': String.raw`#include <stdio.h>
int main(int argc, char **argv) {
  long long n, g;
  int asked = 0;
  FILE *in = fopen(argv[1], "r");
  if (fscanf(in, "%lld", &n) != 1) return 3;
  while (scanf("%lld", &g) == 1) {
    asked++;
    if (g == n) { printf("OK\n"); return asked <= 31 ? 0 : 1; }
    printf(g < n ? "SINKS\n" : "FLOATS\n");
  }
  fprintf(stderr, "stopped after %d guesses\n", asked);
  return 1;
}
`,
    });
    const bisect = source(
      'bisect.py',
      'lo, hi = 1, 2000000000\nwhile True:\n    m = (lo + hi) // 2\n    print(m, flush=True)\n    r = input()\n    if r == "OK":\n        break\n    if r == "SINKS":\n        lo = m + 1\n    else:\n        hi = m - 1\n',
    );
    const r = await judged([dir, bisect]);
    expect(r).toMatchObject({ verdict: 'AC', score: 20 });
    const one = source('one.py', 'print(1, flush=True)\ninput()\n');
    const wrong = await judged([dir, one]);
    // Its stderr is hidden by default, as DMOJ hides it; shown with feedback: true.
    expect(wrong.tests.map((t) => [t.verdict, t.checkerMessage ?? null])).toEqual([
      ['WA', null],
      ['WA', null],
    ]);
    const yml = path.join(dir, 'init.yml');
    fs.writeFileSync(yml, fs.readFileSync(yml, 'utf8').replace('type: testlib}', 'type: testlib, feedback: true}'));
    expect((await judged([dir, one])).tests.map((t) => t.checkerMessage)).toEqual(['stopped after 1 guesses', 'stopped after 1 guesses']);
    // unbuffered: true runs a Python submission as DMOJ's `python -u` does: one that never flushes
    // (its stdout a pipe, so block-buffered; it reads with readline, which flushes nothing, where
    // input() would flush) still talks; its own name stays its sys.argv[0], it runs as __main__.
    const noFlush = (print: string) =>
      `import sys\nassert __name__ == "__main__" and sys.argv[0].startswith("noflush.py"), sys.argv\nlo, hi = 1, 2000000000\nwhile True:\n    m = (lo + hi) // 2\n    ${print}\n    r = sys.stdin.readline().strip()\n    if r == "OK":\n        break\n    if r == "SINKS":\n        lo = m + 1\n    else:\n        hi = m - 1\n`;
    const py3 = source('noflush.py', noFlush('print(m)'));
    const py2 = source('noflush.py2', noFlush('print m'));
    expect((await judged([dir, py3])).tests.map((t) => t.verdict)).toEqual(['TLE', 'TLE']);
    fs.writeFileSync(yml, `unbuffered: true\n${fs.readFileSync(yml, 'utf8')}`);
    expect(await judged([dir, py3])).toMatchObject({ verdict: 'AC', score: 20 });
    expect(await judged([dir, py2])).toMatchObject({ verdict: 'AC', score: 20 });
  }, 240_000);

  it("compiles a bridged program with init.yml's flags and runs it with its args_format_string; reads a peg checker's share", async () => {
    const data = { 'a.in': '2 3\n', 'a.out': '5\n' };
    const sum = source('flags-sum.py', 'print(sum(map(int, input().split())))\n');
    const half = source('flags-half.py', 'print(sum(map(int, input().split())) - 1)\n');
    // Compiled with -DFLAG and run as `check --answer=ANSWER OUTPUT`: without either it says IE (exit 3).
    const checker = String.raw`#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
#ifndef FLAG
  return 3;
#endif
  if (argc != 3 || strncmp(argv[1], "--answer=", 9) != 0) return 3;
  long long out, ans;
  FILE *a = fopen(argv[1] + 9, "r"), *o = fopen(argv[2], "r");
  if (!a || !o || fscanf(a, "%lld", &ans) != 1 || fscanf(o, "%lld", &out) != 1) return 1;
  return out == ans ? 0 : 1;
}
`;
    const own = problem('own-args', {
      ...data,
      'check.c': checker,
      'init.yml': [
        'checker:',
        '  name: bridged',
        '  args: {files: check.c, lang: C, type: testlib, flags: [-DFLAG], args_format_string: "--answer={answer_file} {output_file}"}',
        'test_cases:',
        '- {in: a.in, out: a.out, points: 10}',
        '',
      ].join('\n'),
    });
    expect(await judged([own, sum])).toMatchObject({ verdict: 'AC', score: 10 });
    expect(await judged([own, half])).toMatchObject({ verdict: 'WA', score: 0 });
    // A peg checker (answer output input): exit 1 with "3" and "10" on its stdout passes with 3/10 of the points.
    const peg = problem('peg', {
      ...data,
      'check.c': String.raw`#include <stdio.h>
int main(int argc, char **argv) {
  long long out, ans;
  FILE *a = fopen(argv[1], "r"), *o = fopen(argv[2], "r"), *i = fopen(argv[3], "r");
  if (!a || !o || !i || fscanf(a, "%lld", &ans) != 1 || fscanf(o, "%lld", &out) != 1) return 1;
  if (out == ans) return 0;
  if (out == ans - 1) printf("partial\n3\n10\n");
  return 1;
}
`,
      'init.yml': 'checker: {name: bridged, args: {files: check.c, type: peg}}\ntest_cases:\n- {in: a.in, out: a.out, points: 10}\n',
    });
    expect(await judged([peg, sum])).toMatchObject({ verdict: 'AC', score: 10 });
    const partial = await judged([peg, half]);
    expect(partial).toMatchObject({ verdict: 'AC', score: 3 });
    // An interactor with flags and its own arguments (its output file is /dev/null, as DMOJ gives it).
    const interactive = problem('interactive-args', {
      ...data,
      'interactor.c': String.raw`#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
#ifndef FLAG
  return 3;
#endif
  if (argc != 4 || strcmp(argv[1], "mode") != 0 || strcmp(argv[3], "/dev/null") != 0) return 3;
  long long a, b, got;
  FILE *in = fopen(argv[2], "r");
  if (!in || fscanf(in, "%lld %lld", &a, &b) != 2) return 3;
  printf("%lld %lld\n", a, b);
  fflush(stdout);
  if (scanf("%lld", &got) != 1) return 1;
  return got == a + b ? 0 : 1;
}
`,
      'init.yml': [
        'interactive: {files: interactor.c, type: testlib, flags: [-DFLAG], args_format_string: "mode {input_file} {output_file}"}',
        'test_cases:',
        '- {in: a.in, points: 10}',
        '',
      ].join('\n'),
    });
    expect(await judged([interactive, sum])).toMatchObject({ verdict: 'AC', score: 10 });
    // A generator compiled with its flags: without -DFLAG it would write no input.
    const generated = problem('generator-flags', {
      'gen.c': String.raw`#include <stdio.h>
int main(void) {
#ifdef FLAG
  printf("2 3\n");
  fprintf(stderr, "5\n");
#endif
  return 0;
}
`,
      'init.yml': 'generator: {source: gen.c, flags: [-DFLAG]}\ntest_cases:\n- {points: 10}\n',
    });
    expect(await judged([generated, sum])).toMatchObject({ verdict: 'AC', score: 10 });
  }, 240_000);

  it("compiles a C or C++ submission with a signature grader's entry and header, its own main renamed away", async () => {
    const dir = problem('signature', {
      'handler.c': String.raw`#include "header.h"
#include <stdio.h>
int main(void) {
  int n;
  if (scanf("%d", &n) != 1) return 1;
  printf(is_valid(n) ? "correct\n" : "wrong\n");
  return 0;
}
`,
      'header.h': '#include <stdbool.h>\nbool is_valid(int);\n',
      '1.in': '1\n',
      '1.out': 'correct\n',
      '2.in': '2\n',
      '2.out': 'wrong\n',
      'init.yml':
        'signature_grader: {entry: handler.c, header: header.h}\ntest_cases:\n- {in: 1.in, out: 1.out, points: 50}\n- {in: 2.in, out: 2.out, points: 50}\n',
    });
    // Only under the grader (-DSIGNATURE_GRADER) is is_valid defined; its own main is renamed and never runs.
    const cpp = source('sig.cpp', '#ifdef SIGNATURE_GRADER\nbool is_valid(int n) { return n == 1; }\n#endif\nint main() { return 7; }\n');
    expect(await judged([dir, cpp])).toMatchObject({ verdict: 'AC', score: 100 });
    const c = source('sig.c', 'bool is_valid(int n) { return n != 1; }\n');
    expect((await judged([dir, c])).tests.map((t) => t.verdict)).toEqual(['WA', 'WA']);
    await expect(judged([dir, source('sig.py', 'def is_valid(n):\n    return n == 1\n')])).rejects.toThrow(
      /a signature grader takes a C or C\+\+ submission, not python3/,
    );
    // allow_main: the submission's main is kept, and clashes with the entry's.
    fs.writeFileSync(
      path.join(dir, 'init.yml'),
      'signature_grader: {entry: handler.c, header: header.h, allow_main: true}\ntest_cases:\n- {in: 1.in, out: 1.out, points: 50}\n',
    );
    expect(await judged([dir, cpp])).toMatchObject({ verdict: 'CE' });
  }, 240_000);

  it('gives a link to /dev/stdin (init.yml symlinks) as a copy of the input in the submission’s directory', async () => {
    const dir = problem('linked', {
      'init.yml': 'symlinks: {in_link: /dev/stdin}\ntest_cases:\n- {in: a.in, out: a.out, points: 1}\n',
      'a.in': '2\n3 4\n',
      'a.out': '7\n',
    });
    const r = await judged([dir, source('linked.py', "t = open('in_link').read().split()\nprint(sum(map(int, t[1:])))\n")]);
    expect(r).toMatchObject({ verdict: 'AC', score: 1 });
  }, 120_000);

  it('judges a zipped DMOJ problem, its archive inside', async () => {
    const copy = path.join(tmp, 'dmoj-sum');
    fs.cpSync(SUM, copy, { recursive: true });
    const zip = path.join(tmp, 'dmoj-sum.zip');
    expect(spawnSync('zip', ['-qr', zip, 'dmoj-sum'], { cwd: tmp }).status).toBe(0);
    const r = await judged([zip, source('sum2.c', SUM_C.replace('SUM_TYPE', 'long long'))]);
    expect(r).toMatchObject({ verdict: 'AC', score: 100 });
  }, 120_000);
});
