/**
 * `caged judge` on real containers and the real Debian image, against the packages written in
 * test/packages/: every submission of `sum` gets its folder's verdict (C, C++ and Python 3 in
 * accepted/, wrong_answer/, time_limit_exceeded/, run_time_error/), compiled once; the scoring
 * package gives a partial score through nested groups; the default validator's flags end to end.
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

const PACKAGES = path.join(__dirname, 'packages');

/** The verdict each folder of submissions/ stands for. */
const FOLDER_VERDICT: Record<string, string> = {
  accepted: 'AC',
  wrong_answer: 'WA',
  time_limit_exceeded: 'TLE',
  run_time_error: 'RE',
};

describe('caged judge on the real image', () => {
  let judge: Judge;
  let cacheDir: string;

  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST))
      throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-problem-cache-'));
    judge = await Judge.create({
      sandbox: await Sandbox.create(),
      closeSandbox: true,
      manifestPath: TEST_MANIFEST,
      compileCacheDir: cacheDir,
      reportOutputBytes: 16 * 2 ** 20,
    });
  }, 120_000);

  afterAll(async () => {
    await judge?.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  async function cagedJudge(args: string[]): Promise<string> {
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    expect(await judgeCommand(args, out, { judge })).toBe(0);
    return text;
  }

  async function judged(args: string[]): Promise<JudgeResult> {
    return JudgeResultSchema.parse(JSON.parse(await cagedJudge([...args, '--json'])));
  }

  const sum = path.join(PACKAGES, 'sum');
  const submissions = Object.keys(FOLDER_VERDICT).flatMap((folder) =>
    fs
      .readdirSync(path.join(sum, 'submissions', folder))
      .sort()
      .map((file) => [folder, file] as const),
  );

  it('has C, C++ and Python 3 in every verdict folder', () => {
    for (const folder of Object.keys(FOLDER_VERDICT)) {
      const exts = submissions.filter(([f]) => f === folder).map(([, file]) => path.extname(file));
      expect(exts.sort()).toEqual(['.c', '.cpp', '.py']);
    }
  });

  it.each(submissions)(
    'gives %s/%s its folder verdict',
    async (folder, file) => {
      const before = judge.stats().compiles;
      const r = await judged([sum, path.join(sum, 'submissions', folder, file)]);
      expect(r.verdict).toBe(FOLDER_VERDICT[folder]);
      expect(r.problem).toMatchObject({ name: 'Sum of two numbers', timeLimitFrom: '.timelimit', timeLimitMs: 1000 });
      // Sample first, then secret, in lexicographic order.
      expect(r.tests.map((t) => t.name)).toEqual(['sample/1', 'secret/01-small', 'secret/02-large', 'secret/03-negative']);
      // The legacy format's folder is what the package expects: every test AC; some test RTE; some WA
      // (or TLE) and no other rejection, which the tests skipped after the first may leave open.
      const expected = r.problem!.expectations!;
      expect(expected.from).toBe(`folder ${folder}`);
      if (folder === 'accepted' || folder === 'run_time_error') expect(expected).toMatchObject({ status: 'met', failed: [] });
      else expect(expected.failed).toEqual([]);
      if (folder === 'accepted') expect(r.score).toBe(1);
      else {
        // on_reject: break (the default): everything after the first rejection is SKIPPED.
        const firstBad = r.tests.findIndex((t) => t.verdict !== 'AC');
        expect(r.tests.slice(firstBad + 1).every((t) => t.verdict === 'SKIPPED')).toBe(true);
      }
      // One compile for the whole package (the later tests take the cached artefact); Python's is its syntax check.
      expect(judge.stats().compiles - before).toBe(1);
    },
    120_000,
  );

  it('prints the human summary with groups, terminal-safe', async () => {
    const text = await cagedJudge([sum, path.join(sum, 'submissions', 'wrong_answer', 'overflow.c')]);
    expect(text).toMatch(/^WA \(Judge0 4 Wrong Answer\)/);
    expect(text).toMatch(/test 3 \(secret\/02-large\): WA .*token 1 differs/);
    expect(text).toMatch(/group secret: WA/);
    expect(text).toMatch(/time limit 1 s from \.timelimit/);
  }, 120_000);

  it("says the limits its tests ran under: a contestant's stretched by the language's time factor (CPython's 2), the package's own not", async () => {
    const own = path.join(sum, 'submissions', 'accepted', 'sum.py');
    // The same file outside the package: a contestant's.
    const py = path.join(cacheDir, 'sum.py');
    fs.copyFileSync(own, py);
    const cpython = await judged([sum, py, '--lang', 'python3']);
    expect(cpython.problem!.timeLimitMs).toBe(1000);
    expect(cpython.limits).toMatchObject({ cpuTimeMs: 2000 });
    expect(cpython.limits!.wallTimeMs).toBeGreaterThan(2000);
    expect(await cagedJudge([sum, py, '--lang', 'python3'])).toMatch(
      /time limit 1 s from \.timelimit; 2 s for this python3 submission \(its time factor\)/,
    );
    // The package's own examples run under its limits alone, as problemtools runs them: their
    // expectations, and a derived time limit, speak of those.
    expect((await judged([sum, own, '--lang', 'python3'])).limits).toMatchObject({ cpuTimeMs: 1000 });
    expect(await cagedJudge([sum, own, '--lang', 'python3'])).not.toMatch(/for this python3 submission/);
    // C has no factor: the package's limit, said once.
    const c = await judged([sum, path.join(sum, 'submissions', 'accepted', 'sum.c')]);
    expect(c.limits).toMatchObject({ cpuTimeMs: 1000 });
    expect(await cagedJudge([sum, path.join(sum, 'submissions', 'accepted', 'sum.c')])).not.toMatch(/for this c submission/);
  }, 120_000);

  it('gives a partial score through nested sum and min groups', async () => {
    const dir = path.join(PACKAGES, 'subtasks');
    const ok = await judged([dir, path.join(dir, 'submissions', 'accepted', 'square.py')]);
    expect(ok).toMatchObject({ verdict: 'AC', score: 75, maxScore: 75 });
    const partial = await judged([dir, path.join(dir, 'submissions', 'partial', 'small-only.py')]);
    expect(partial).toMatchObject({ verdict: 'WA', score: 50, maxScore: 75 });
    const by = Object.fromEntries((partial.groups ?? []).map((g) => [g.name, g]));
    expect(by['secret/group1']).toMatchObject({ verdict: 'AC', score: 30 });
    expect(by['secret/group2/a']).toMatchObject({ verdict: 'WA', score: 0 });
    expect(by['secret/group2/b']).toMatchObject({ verdict: 'WA', score: 20 });
  }, 120_000);

  it('checks a partially_accepted submission against the best score: the top of the range, or its bottom with objective: min', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-objective-'));
    try {
      fs.cpSync(path.join(PACKAGES, 'subtasks'), dir, { recursive: true });
      // The root accepts whatever its groups get, its score within 50..75 (small-only 50, square 75).
      fs.writeFileSync(path.join(dir, 'data', 'testdata.yaml'), 'on_reject: continue\ngrader_flags: always_accept sum\nrange: 50 75\n');
      const partial = path.join(dir, 'submissions', 'partially_accepted');
      fs.mkdirSync(partial);
      fs.copyFileSync(path.join(dir, 'submissions', 'accepted', 'square.py'), path.join(partial, 'square.py'));
      fs.copyFileSync(path.join(dir, 'submissions', 'partial', 'small-only.py'), path.join(partial, 'small-only.py'));
      const expectations = async (file: string) => (await judged([dir, path.join(partial, file)])).problem?.expectations;
      expect(await expectations('small-only.py')).toMatchObject({ status: 'met' });
      expect(await expectations('square.py')).toMatchObject({
        status: 'failed',
        failed: ['it scored 75, the maximum, which partially_accepted must not'],
      });
      fs.appendFileSync(path.join(dir, 'problem.yaml'), 'grading:\n  objective: min\n');
      expect(await expectations('square.py')).toMatchObject({ status: 'met' });
      expect(await expectations('small-only.py')).toMatchObject({
        status: 'failed',
        failed: [
          'it scored 50, the bottom of the range, the best score of a minimisation problem (objective: min), which partially_accepted must not',
        ],
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('applies each group its default validator flags (float tolerance, case, space)', async () => {
    const dir = path.join(PACKAGES, 'flags');
    const ok = await judged([dir, path.join(dir, 'submissions', 'accepted', 'echo.py')]);
    expect(ok.verdict).toBe('AC');
    expect(ok.tests[1]?.stdout).toBe('3.1415926500e+00\n');
    const wa = await judged([dir, path.join(dir, 'submissions', 'wrong_answer', 'upper.py')]);
    expect(wa.verdict).toBe('WA');
    expect(wa.tests.map((t) => t.verdict)).toEqual(['WA', 'SKIPPED', 'SKIPPED']);
  }, 120_000);

  it('compiles a C++ file as the newest C++ the image has (C++23), as the package tools do; --lang keeps an older one', async () => {
    // std::set::contains is C++20 (GCPC 2022's jury solutions use it); std::to_underlying is C++23.
    const sub = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-cpp23-'));
    try {
      const file = path.join(sub, 'sum.cpp');
      fs.writeFileSync(
        file,
        '#include <bits/stdc++.h>\nenum class E { one = 1 };\nint main() { long long a, b; std::cin >> a >> b; std::set<int> s{1};\n  std::cout << (s.contains(std::to_underlying(E::one)) ? a + b : 0) << "\\n"; }\n',
      );
      const r = await judged([sum, file]);
      expect({ verdict: r.verdict, language: r.language.id }).toEqual({ verdict: 'AC', language: 'cpp23' });
      const cpp20 = await judged([sum, file, '--lang', 'cpp20']);
      expect({ verdict: cpp20.verdict, language: cpp20.language.id }).toEqual({ verdict: 'CE', language: 'cpp20' });
      const old = await judged([sum, file, '--lang', 'cpp17']);
      expect({ verdict: old.verdict, language: old.language.id }).toEqual({ verdict: 'CE', language: 'cpp17' });
    } finally {
      fs.rmSync(sub, { recursive: true, force: true });
    }
  }, 120_000);

  it("says --time is not used beside the package's own time limit", async () => {
    const r = await judged([sum, path.join(sum, 'submissions', 'accepted', 'sum.c'), '--time', '5']);
    expect(r.problem).toMatchObject({ timeLimitMs: 1000, timeLimitFrom: '.timelimit' });
    expect(r.problem?.notes[0]).toBe('--time 5 not used: the package gives its time limit (1 s in .timelimit)');
  }, 60_000);

  it("runs the package's own Python with PyPy, as the package tools do; a contestant's file and --lang python3 with CPython", async () => {
    const own = path.join(sum, 'submissions', 'accepted', 'sum.py');
    expect(fs.existsSync(own)).toBe(true);
    const jury = await judged([sum, own]);
    expect({ verdict: jury.verdict, language: jury.language.id }).toEqual({ verdict: 'AC', language: 'pypy3' });
    expect(jury.problem?.notes).toContain(
      "Python runs with PyPy (pypy3) for the package's own submissions, as problemtools and BAPCtools run them (--lang python3: CPython)",
    );
    const cpython = await judged([sum, own, '--lang', 'python3']);
    expect({ verdict: cpython.verdict, language: cpython.language.id }).toEqual({ verdict: 'AC', language: 'python3' });
    // The same program from outside the package: a contestant's, in the image's python3.
    const sub = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-contestant-'));
    try {
      fs.copyFileSync(own, path.join(sub, 'sum.py'));
      const contestant = await judged([sum, path.join(sub, 'sum.py')]);
      expect({ verdict: contestant.verdict, language: contestant.language.id }).toEqual({ verdict: 'AC', language: 'python3' });
      expect(contestant.problem?.notes.join('\n')).not.toMatch(/PyPy/);
    } finally {
      fs.rmSync(sub, { recursive: true, force: true });
    }
  }, 120_000);

  it("judges the package's own Python file that the image's PyPy (Python 3.9) cannot compile or run for want of a newer Python with CPython, saying so", async () => {
    const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-match-'));
    try {
      fs.cpSync(sum, pkg, { recursive: true });
      // `match` is Python 3.10: PyPy 7.3.11 (3.9) refuses its syntax; a wrong one stays wrong under CPython.
      const matching = (plus: string) => `a, b = map(int, input().split())\nmatch a:\n    case _:\n        print(a + b${plus})\n`;
      fs.writeFileSync(path.join(pkg, 'submissions', 'accepted', 'match.py'), matching(''));
      fs.mkdirSync(path.join(pkg, 'submissions', 'wrong_answer'), { recursive: true });
      fs.writeFileSync(path.join(pkg, 'submissions', 'wrong_answer', 'match.py'), matching(' + 1'));
      const ac = await judged([pkg, path.join(pkg, 'submissions', 'accepted', 'match.py')]);
      expect({ verdict: ac.verdict, language: ac.language.id }).toEqual({ verdict: 'AC', language: 'python3' });
      expect(ac.problem?.notes.at(-1)).toMatch(
        /^PyPy \(pypy3, Python 3\.9\) fails where CPython \(python3\) does not: it does not compile \(SyntaxError: .*\); judged with CPython \(under its time factor\)$/,
      );
      // CPython stands in for a newer PyPy: it keeps its time factor, where the package's own otherwise run without one.
      expect(ac.limits).toMatchObject({ cpuTimeMs: 2000 });
      // itertools.pairwise is Python 3.10: PyPy raises AttributeError at run time.
      fs.writeFileSync(
        path.join(pkg, 'submissions', 'accepted', 'pairwise.py'),
        'import itertools\na, b = map(int, input().split())\nprint(sum(x for x, _ in itertools.pairwise([a, b, 0])))\n',
      );
      const pairwise = await judged([pkg, path.join(pkg, 'submissions', 'accepted', 'pairwise.py')]);
      expect({ verdict: pairwise.verdict, language: pairwise.language.id }).toEqual({ verdict: 'AC', language: 'python3' });
      expect(pairwise.problem?.notes.at(-1)).toBe(
        "PyPy (pypy3, Python 3.9) fails where CPython (python3) does not: sample/1 raises AttributeError: module 'itertools' has no attribute 'pairwise'; judged with CPython (under its time factor)",
      );
      // A run error CPython raises too stays PyPy's.
      fs.mkdirSync(path.join(pkg, 'submissions', 'run_time_error'), { recursive: true });
      fs.writeFileSync(path.join(pkg, 'submissions', 'run_time_error', 'typed.py'), 'input()\nprint(1 + "1")\n');
      const re = await judged([pkg, path.join(pkg, 'submissions', 'run_time_error', 'typed.py')]);
      expect({ verdict: re.verdict, language: re.language.id }).toEqual({ verdict: 'RE', language: 'pypy3' });
      const wa = await judged([pkg, path.join(pkg, 'submissions', 'wrong_answer', 'match.py')]);
      expect({ verdict: wa.verdict, language: wa.language.id }).toEqual({ verdict: 'WA', language: 'python3' });
      // What neither compiles stays PyPy's CE; a contestant's file is CPython's from the start.
      fs.writeFileSync(path.join(pkg, 'submissions', 'accepted', 'broken.py'), 'print(\n');
      const ce = await judged([pkg, path.join(pkg, 'submissions', 'accepted', 'broken.py')]);
      expect({ verdict: ce.verdict, language: ce.language.id }).toEqual({ verdict: 'CE', language: 'pypy3' });
      expect(ce.problem?.notes.join('\n')).not.toMatch(/judged with CPython/);
    } finally {
      fs.rmSync(pkg, { recursive: true, force: true });
    }
  }, 120_000);

  it('runs a Python file under its own name, which the program may read (GCPC 2023 mischievousmath), in CPython and PyPy', async () => {
    // The program is the hex of its own name (over 100 bytes, as the jury's): it fails under any other name.
    const code = 'a, b = map(int, input().split())\nprint(a + b)  # read from my own name\n';
    const name = `${Buffer.from(code).toString('hex')}.py3`;
    expect(name.length).toBeGreaterThan(100);
    const sub = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-own-name-'));
    try {
      const file = path.join(sub, name);
      fs.writeFileSync(file, "import sys, re\nexec(bytes.fromhex(re.split('[/.]', sys.argv[0])[-2]))\n");
      for (const lang of ['python3', 'pypy3']) {
        const r = await judged([sum, file, '--lang', lang]);
        expect({ lang, verdict: r.verdict, stderr: r.tests[0]?.stderr }).toEqual({ lang, verdict: 'AC', stderr: '' });
      }
    } finally {
      fs.rmSync(sub, { recursive: true, force: true });
    }
  }, 120_000);

  it("refuses a contestant's submission over the package's code limit, and judges the package's own with a note", async () => {
    // DOMjudge's example hangman keeps a 144 KiB submission in time_limit_exceeded/ (code: 128 KiB by default).
    const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-code-limit-'));
    try {
      fs.cpSync(sum, pkg, { recursive: true });
      fs.writeFileSync(path.join(pkg, 'problem.yaml'), 'name: Sum of two numbers\nlimits:\n  memory: 256\n  code: 1\n');
      const own = path.join(pkg, 'submissions', 'accepted', 'long.py');
      fs.writeFileSync(own, `${'# padding\n'.repeat(120)}a, b = map(int, input().split())\nprint(a + b)\n`);
      const bytes = fs.statSync(own).size;
      expect(bytes).toBeGreaterThan(1024);
      const jury = await judged([pkg, own]);
      expect(jury.verdict).toBe('AC');
      expect(jury.problem?.notes).toContain(
        `the submission is ${bytes} bytes, more than the package's code limit of 1024: judged as one of the package's own submissions`,
      );
      const sub = path.join(pkg, 'long.py');
      fs.copyFileSync(own, sub);
      const out = new Writable({ write: (_c, _e, done) => done() });
      await expect(judgeCommand([pkg, sub], out, { judge })).rejects.toThrow(
        `SUBMISSION: is ${bytes} bytes, more than the package's code limit of 1024`,
      );
    } finally {
      fs.rmSync(pkg, { recursive: true, force: true });
    }
  }, 120_000);

  it("checks a package's own submission against DOMjudge's @EXPECTED_RESULTS@ and result folders, and a contestant's against nothing", async () => {
    const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-expected-'));
    try {
      fs.cpSync(sum, pkg, { recursive: true });
      const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(pkg, 'submissions', rel)), { recursive: true });
        fs.writeFileSync(path.join(pkg, 'submissions', rel), text);
        return path.join(pkg, 'submissions', rel);
      };
      // Wrong on every test, annotated as too slow: the annotation wins and contradicts the folder.
      const wrong = write('wrong_answer/said-slow.py', '# @EXPECTED_RESULTS@: TIMELIMIT\nprint(0)\n');
      expect((await judged([pkg, wrong])).problem!.expectations).toEqual({
        status: 'failed',
        failed: ["it names TIMELIMIT, which does not hold its folder's WRONG-ANSWER", 'it is WRONG-ANSWER, not TIMELIMIT'],
        unverified: [],
        from: '@EXPECTED_RESULTS@ in said-slow.py',
      });
      // A list holding the folder's result is restricted to it: met.
      const either = write('wrong_answer/either.py', '# @expected_results@: wrong_answer, TIMELIMIT\nprint(0)\n');
      expect((await judged([pkg, either])).problem!.expectations).toMatchObject({ status: 'met', from: '@EXPECTED_RESULTS@ in either.py' });
      // DOMjudge's result folders: no output at all is NO-OUTPUT, not WRONG-ANSWER; a compile error.
      expect((await judged([pkg, write('no_output/silent.py', 'pass\n')])).problem!.expectations).toMatchObject({
        status: 'met',
        from: 'folder no_output',
      });
      expect((await judged([pkg, write('compiler_error/broken.c', 'int main( {\n')])).problem!.expectations).toMatchObject({
        status: 'met',
        from: 'folder compiler_error',
      });
      fs.writeFileSync(path.join(pkg, 'data', 'secret', 'stray.ans'), '1\n');
      const mixed = await judged([pkg, write('mixed/silent.py', 'pass\n')]);
      expect(mixed.problem!.notes).toContain(
        'data/secret/stray.ans: an answer file without its .in is no test case, not judged (problemtools reports it as an error)',
      );
      expect(mixed.problem!.expectations).toBeUndefined();
      // Said, not silently skipped (RMC 2018's runtime_error/, a misspelt run_time_error).
      expect(mixed.problem!.notes).toContain(
        "submissions/mixed/ is none of the format's folders (accepted, wrong_answer, time_limit_exceeded, run_time_error, …) and the submission names no expected result: its verdict is checked against nothing",
      );
      // A link to a device among the package's own is refused, never read for an annotation (/dev/zero has no end).
      fs.symlinkSync('/dev/zero', path.join(pkg, 'submissions', 'accepted', 'zero.py'));
      const sink = new Writable({ write: (_c, _e, done) => done() });
      await expect(judgeCommand([pkg, path.join(pkg, 'submissions', 'accepted', 'zero.py')], sink, { judge })).rejects.toThrow(
        'no such file or directory',
      );
      const text = await cagedJudge([pkg, wrong]);
      expect(text).toContain('expected (@EXPECTED_RESULTS@ in said-slow.py): failed\n  failed: it names TIMELIMIT');
      // The same file outside submissions/ is a contestant's: nothing is expected of it.
      const contestant = path.join(pkg, 'said-slow.py');
      fs.copyFileSync(wrong, contestant);
      const theirs = await judged([pkg, contestant]);
      expect(theirs.problem!.expectations).toBeUndefined();
      expect(theirs.problem!.notes.some((n) => n.includes('checked against nothing'))).toBe(false);
    } finally {
      fs.rmSync(pkg, { recursive: true, force: true });
    }
  }, 120_000);

  it('judges a directory submission, the entry named by --entry', async () => {
    const sub = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-multi-'));
    try {
      fs.writeFileSync(path.join(sub, 'solve.py'), 'from helper import add\na, b = map(int, input().split())\nprint(add(a, b))\n');
      fs.writeFileSync(path.join(sub, 'helper.py'), 'def add(a, b):\n    return a + b\n');
      expect((await judged([sum, sub, '--entry', 'solve.py'])).verdict).toBe('AC');
    } finally {
      fs.rmSync(sub, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses unknown extensions and unsupported packages with a clear message, and prints --help', async () => {
    const out = new Writable({ write: (_c, _e, done) => done() });
    await expect(judgeCommand([sum, path.join(sum, 'problem.yaml')], out, { judge })).rejects.toThrow(/unknown extension "\.yaml"/);
    await expect(judgeCommand([sum, '/nonexistent/x.py'], out, { judge })).rejects.toThrow(
      /^SUBMISSION: no such file or directory: \/nonexistent\/x\.py$/,
    );
    const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-interactive-'));
    try {
      fs.writeFileSync(path.join(pkg, 'problem.yaml'), 'problem_format_version: 2023-07\nname: I\ntype: submit-answer\n');
      fs.mkdirSync(path.join(pkg, 'data', 'secret'), { recursive: true });
      fs.writeFileSync(path.join(pkg, 'data', 'secret', '1.in'), '1\n');
      fs.writeFileSync(path.join(pkg, 'data', 'secret', '1.ans'), '1\n');
      await expect(judgeCommand([pkg, path.join(sum, 'submissions', 'accepted', 'sum.py'), '--time', '1'], out, { judge })).rejects.toThrow(
        /not supported yet: type: submit-answer/,
      );
    } finally {
      fs.rmSync(pkg, { recursive: true, force: true });
    }
    expect(await cagedJudge(['--help'])).toMatch(/^usage: caged judge PROBLEM_DIR\|PACKAGE\.zip SUBMISSION/);
  });

  it("judges a package given as a ZIP archive of its directory (the format's .zip or .kpp), as the directory is judged", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-zipped-'));
    try {
      // The directory itself archived (sum/…), as `zip -r sum.zip sum` makes it; and its contents at the root, as DOMjudge exports.
      const zip = (file: string, cwd: string, what: string) =>
        expect(
          spawnSync('python3', [
            '-c',
            'import shutil, sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2], sys.argv[3])',
            file,
            cwd,
            what,
          ]).status,
        ).toBe(0);
      zip(path.join(tmp, 'sum'), PACKAGES, 'sum');
      zip(path.join(tmp, 'flat'), sum, '.');
      fs.renameSync(path.join(tmp, 'flat.zip'), path.join(tmp, 'flat.kpp'));
      const wrong = path.join(sum, 'submissions', 'wrong_answer', fs.readdirSync(path.join(sum, 'submissions', 'wrong_answer')).sort()[0]!);
      for (const archive of ['sum.zip', 'flat.kpp']) {
        const ok = await judged([path.join(tmp, archive), path.join(sum, 'submissions', 'accepted', 'sum.py')]);
        expect({ archive, verdict: ok.verdict, tests: ok.tests.length }).toEqual({ archive, verdict: 'AC', tests: 4 });
        expect((await judged([path.join(tmp, archive), wrong])).verdict).toBe('WA');
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);

  it('exits 2 from the built CLI for a bad package and names the culprit', () => {
    const cli = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
    expect(fs.existsSync(cli)).toBe(true);
    const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-badpkg-'));
    try {
      fs.writeFileSync(path.join(pkg, 'problem.yaml'), 'name: B\ntimelimit: 1\n');
      const r = spawnSync(process.execPath, [cli, 'judge', pkg, path.join(sum, 'submissions', 'accepted', 'sum.py')], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/problem\.yaml: unknown key timelimit/);
      const help = spawnSync(process.execPath, [cli, 'judge', '--help'], { encoding: 'utf8' });
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^usage: caged judge/);
    } finally {
      fs.rmSync(pkg, { recursive: true, force: true });
    }
  });
});
