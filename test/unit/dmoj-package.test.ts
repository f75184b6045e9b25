/**
 * DMOJ problems (src/problem/dmoj-package.ts, dmoj-files.ts): init.yml read into a ProblemPackage
 * (its cascade of keys, batches, dependencies, pretests, the regex form of test_cases over an
 * archive), the test data read from the directory or the archive and normalised, the tree graded
 * with a fake runner as DMOJ's judge grades it, the checkers named, and a malformed init.yml
 * refused (what caged does not judge, and the keys it notes: dmoj-grader.test.ts). No container,
 * no root.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { gradeTree } from '../../src/judge/group-grading';
import type { TestVerdict } from '../../src/judge/schema';
import { normalizeData, NO_DATA } from '../../src/problem/dmoj-files';
import { DEFAULT_INPUT_FORMAT, matchBounded, pythonRegex } from '../../src/problem/dmoj-case-files';
import { loadPackage, type ProblemPackage } from '../../src/problem/problem-package';
import { runningEveryTest, type TestCase, type TestGroup } from '../../src/problem/test-data';
import { polygonTestScore } from '../../src/problem/testlib-programs';
import { refused, scratchPackage } from './helpers/scratch-package';
import { madeUpResult } from './helpers/test-result';

const SUM = path.join(__dirname, '..', 'packages', 'dmoj-sum');
const pkg = scratchPackage('caged-dmoj-');

/** A ZIP at `rel` in the scratch package holding `entries` (name → text), made by Python's zipfile. */
function zip(rel: string, entries: Record<string, string>): void {
  const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, text in json.loads(sys.argv[2]).items():
        z.writestr(name, text)
`;
  execFileSync('python3', ['-c', script, path.join(pkg.dir(), rel), JSON.stringify(entries)]);
}

const load = (dir = pkg.dir()): ProblemPackage => loadPackage(dir, { fallbackTimeLimitS: 1 });

/** The tree's shape: tests by name, batches as [name, points, dependencies, tests]. */
function shape(g: TestGroup): unknown[] {
  return g.children.map((c) =>
    c.kind === 'test'
      ? [c.test.name, c.test.maxScore, c.stopsOnReject ?? false]
      : [
          c.group.name,
          c.group.settings.maxScore,
          c.group.settings.requirePass,
          c.group.children.map((t) => (t.kind === 'test' ? t.test.name : '?')),
        ],
  );
}

/** Grades `p` with each test's verdict (and points earned, default all when AC) from `outcome`, as judge-package does. */
async function grade(p: ProblemPackage, outcome: (t: TestCase) => TestVerdict | [TestVerdict, number]) {
  const ran: string[] = [];
  const g = await gradeTree(
    p.data,
    p.config.scoring,
    (t, _f, i) => {
      ran.push(t.name);
      const o = outcome(t);
      const [verdict, points] = Array.isArray(o) ? o : [o, o === 'AC' ? (t.maxScore ?? 0) : 0];
      return Promise.resolve(madeUpResult(i, verdict, { name: t.name, points }));
    },
    (t, i, why) => madeUpResult(i, 'SKIPPED', { name: t.name, message: why, points: 0 }),
    polygonTestScore,
  );
  return { ran, g, verdicts: g.tests.map((t) => t.verdict) };
}

describe('a DMOJ problem', () => {
  it('is read from init.yml: pretests first and worth 0, cases, batches with their points and dependencies, data from the archive', () => {
    const p = load(SUM);
    expect(p.config.format).toBe('dmoj');
    expect(p.config.scoring).toBe(true);
    expect(p.config.unsupported).toEqual([]);
    expect(p.timeLimit).toEqual({ seconds: 1, from: '--time' });
    expect(p.dmoj?.checker).toEqual({ kind: 'builtin', name: 'standard', args: {} });
    expect(p.dmoj?.interactor).toBeNull();
    expect(shape(p.data)).toEqual([
      ['case 1 (sum.p0.in)', 0, true],
      ['case 2 (sum.1.in)', 10, false],
      ['batch 1', 30, [], ['case 3 (sum.2.in)', 'case 4 (sum.3.in)']],
      ['batch 2', 60, ['batch 1'], ['case 5 (sum.4.in)', 'case 6 (sum.5.in)']],
    ]);
    // DMOJ's facts of each case, for a Python checker: its position over every case, its batch,
    // numbered as DMOJ numbers them: the test_cases first, the pretests after.
    expect(p.dmoj?.cases['case 4 (sum.3.in)']).toEqual({ position: 2, batch: 1, binaryData: false });
    expect(p.dmoj?.cases['case 2 (sum.1.in)']).toEqual({ position: 0, batch: 0, binaryData: false });
    expect(p.dmoj?.cases['case 1 (sum.p0.in)']).toEqual({ position: 5, batch: 0, binaryData: false });
    // A batched case is worth its batch's points.
    const b1 = p.data.children[2]!;
    expect(b1.kind === 'group' && b1.group.children.map((c) => (c.kind === 'test' ? c.test.maxScore : null))).toEqual([30, 30]);
    // Read from sum.zip, normalised as DMOJ does: \r\n to \n, a final newline added.
    expect(p.files.read('sum.1.in').toString()).toBe('3\n4 5 6\n');
    expect(p.files.read('sum.1.out').toString()).toBe('15\n');
    expect(p.files.size('sum.1.in')).toBeGreaterThanOrEqual(8);
  });

  it('needs a time limit from the caller (DMOJ keeps it in its site), or a .timelimit file', () => {
    refused(() => loadPackage(SUM), 'PROBLEM_DIR', /DMOJ keeps it in its site's database.*--time S/);
    expect(loadPackage(SUM, { deferTimeLimit: true }).timeLimit).toBeNull();
    pkg.write('init.yml', 'test_cases:\n- {in: a.in, out: a.out}\n');
    pkg.write('a.in', '1\n');
    pkg.write('a.out', '1\n');
    pkg.write('.timelimit', '2.5\n');
    expect(loadPackage(pkg.dir()).timeLimit).toEqual({ seconds: 2.5, from: '.timelimit' });
  });

  it('is graded as DMOJ grades: a batch ends at its first rejection and scores its smallest share, a dependency skips, the sum', async () => {
    const p = load(SUM);
    const all = await grade(p, () => 'AC');
    expect([all.g.verdict, all.g.score, all.g.maxScore]).toEqual(['AC', 100, 100]);
    // sum.3 rejected: batch 1 fails, batch 2 (depending on it) is skipped whole; the pretest and case 1 count.
    const r = await grade(p, (t) => (t.name === 'case 4 (sum.3.in)' ? 'WA' : 'AC'));
    expect(r.verdicts).toEqual(['AC', 'AC', 'AC', 'WA', 'SKIPPED', 'SKIPPED']);
    expect([r.g.verdict, r.g.score]).toEqual(['WA', 10]);
    expect(r.g.tests[4]?.message).toMatch(/batch 1 did not pass/);
    // sum.2 rejected: the rest of batch 1 is not run.
    const first = await grade(p, (t) => (t.name === 'case 3 (sum.2.in)' ? 'TLE' : 'AC'));
    expect(first.ran).toEqual(['case 1 (sum.p0.in)', 'case 2 (sum.1.in)', 'case 3 (sum.2.in)']);
    // A case rejected outside a batch costs its points alone.
    const one = await grade(p, (t) => (t.name === 'case 2 (sum.1.in)' ? 'WA' : 'AC'));
    expect([one.g.score, one.verdicts]).toEqual([90, ['AC', 'WA', 'AC', 'AC', 'AC', 'AC']]);
    // Partial points: a batch scores its smallest share.
    const part = await grade(p, (t) => (t.name === 'case 5 (sum.4.in)' ? ['AC', 15] : 'AC'));
    expect(part.g.score).toBe(10 + 30 + 15);
  });

  it('stops at a rejected case worth 0 points (a pretest): every case after it is skipped', async () => {
    const p = load(SUM);
    const r = await grade(p, (t) => (t.name === 'case 1 (sum.p0.in)' ? 'WA' : 'AC'));
    expect(r.ran).toEqual(['case 1 (sum.p0.in)']);
    expect(r.verdicts).toEqual(['WA', 'SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED']);
    expect([r.g.verdict, r.g.score]).toEqual(['WA', 0]);
    expect(r.g.tests[1]?.message).toMatch(/worth no points, was rejected/);
    // --all-tests judges every test: nothing stops.
    const every = await grade({ ...p, data: runningEveryTest(p.data) }, (t) => (t.name === 'case 1 (sum.p0.in)' ? 'WA' : 'AC'));
    expect(every.verdicts).toEqual(['WA', 'AC', 'AC', 'AC', 'AC', 'AC']);
    // A batch worth 0 stops the judging too; one that passes does not.
    pkg.write('init.yml', 'test_cases:\n- points: 0\n  batched:\n  - {in: a, out: a}\n  - {in: b, out: b}\n- {in: c, out: c, points: 5}\n');
    for (const f of ['a', 'b', 'c']) pkg.write(f, `${f}\n`);
    const z = load();
    expect((await grade(z, (t) => (t.name === 'case 2 (b)' ? 'WA' : 'AC'))).verdicts).toEqual(['AC', 'WA', 'SKIPPED']);
    // A case of its own worth 0 inside a batch worth points ends the judging too (DMOJ's `not case.points`).
    pkg.write(
      'init.yml',
      'test_cases:\n- points: 5\n  batched:\n  - {in: a, out: a, points: 0}\n  - {in: b, out: b}\n- {in: c, out: c, points: 5}\n',
    );
    const inner = await grade(load(), (t) => (t.name === 'case 1 (a)' ? 'WA' : 'AC'));
    expect(inner.verdicts).toEqual(['WA', 'SKIPPED', 'SKIPPED']);
    // A pretest batch is worth 0, but its cases keep their points: its rejection ends the batch alone.
    pkg.write(
      'init.yml',
      'pretest_test_cases:\n- batched: [{in: a, out: a}, {in: b, out: b}]\ntest_cases:\n- {in: a, out: a, points: 5}\n- {in: b, out: b, points: 5}\n',
    );
    const pre = await grade(load(), (t) => (t.name.endsWith('(b)') ? 'WA' : 'AC'));
    expect([pre.verdicts, pre.g.score]).toEqual([['AC', 'WA', 'AC', 'WA'], 5]);
    // --all-tests judges every test: nothing stops.
    expect((await grade({ ...z, data: runningEveryTest(z.data) }, (t) => (t.name === 'case 1 (a)' ? 'WA' : 'AC'))).verdicts).toEqual([
      'WA',
      'AC',
      'AC',
    ]);
    expect((await grade(z, () => 'AC')).g.score).toBe(5);
  });

  it('cascades keys: a case without points has the file’s (1 by default), a batch’s in/out reach its cases, binary_data keeps the data', () => {
    pkg.write(
      'init.yml',
      [
        'points: 4',
        'test_cases:',
        '- {in: a.in, out: a.out}',
        '- {in: b.in, out: a.out, points: 2}',
        '- out: shared.out',
        '  binary_data: true',
        '  batched:',
        '  - {in: c.in}',
        '  - {}',
      ].join('\n'),
    );
    pkg.write('a.in', '1\r\n');
    pkg.write('b.in', '2');
    pkg.write('a.out', 'x');
    pkg.write('c.in', 'c\r\n');
    pkg.write('shared.out', 'y\r\n');
    const p = load();
    expect(shape(p.data)).toEqual([
      ['case 1 (a.in)', 4, false],
      ['case 2 (b.in)', 2, false],
      ['batch 1', 4, [], ['case 3 (c.in)', 'case 4 (shared.out)']],
    ]);
    expect(p.files.read('a.in').toString()).toBe('1\n');
    expect(p.files.read('c.in').toString()).toBe('c\r\n');
    expect(p.files.read('shared.out').toString()).toBe('y\r\n');
    const last = p.data.children[2]!;
    const t = last.kind === 'group' && last.group.children[1]?.kind === 'test' ? last.group.children[1].test : null;
    expect(t?.inPath).toBe(NO_DATA);
    expect(p.files.read(NO_DATA).length).toBe(0);
  });

  it('sorts the regex form’s numbers as Python’s int() reads them, Unicode digits too', () => {
    pkg.write('init.yml', 'archive: data.zip\n');
    zip('data.zip', { 'a٢.in': '2\n', 'a٢.out': '2\n', 'a10.in': '10\n', 'a10.out': '10\n', 'a1.in': '1\n', 'a1.out': '1\n' });
    expect(shape(load().data).map((c) => (c as unknown[])[0])).toEqual(['case 1 (a1.in)', 'case 2 (a٢.in)', 'case 3 (a10.in)']);
  });

  it('matches the archive’s files with DMOJ’s default formats when test_cases is no list', () => {
    pkg.write('init.yml', 'archive: data.zip\npoints: 3\n');
    zip('data.zip', {
      'p.1.in': '1\n',
      'p.1.out': '1\n',
      'p.2.in': '2\n',
      'p.2.out': '2\n',
      'p.3.1.in': '31\n',
      'p.3.1.out': '31\n',
      'p.3.2.in': '32\n',
      'p.3.2.out': '32\n',
      'p.10.in': '10\n',
      'p.10.out': '10\n',
      'readme.txt': 'not a test\n',
    });
    const p = load();
    expect(shape(p.data)).toEqual([
      ['case 1 (p.1.in)', 3, false],
      ['case 2 (p.2.in)', 3, false],
      ['batch 1', 3, [], ['case 3 (p.3.1.in)', 'case 4 (p.3.2.in)']],
      ['case 5 (p.10.in)', 3, false],
    ]);
    expect(p.files.read('p.3.2.out').toString()).toBe('32\n');
  });

  it('reads input_format, output_format and case_points (Python named groups), text keys before numbers', () => {
    pkg.write(
      'init.yml',
      [
        'archive: cases.zip',
        'test_cases:',
        '  input_format: ((?P<batch>\\w+)\\.)?(?P<case>\\d+)\\.in',
        '  output_format: ((?P<batch>\\w+)\\.)?(?P<case>\\d+)\\.out',
        '  case_points: [0, 1, 7]',
      ].join('\n'),
    );
    zip('cases.zip', {
      '1.in': '',
      '1.out': '',
      'dummy.1.in': '',
      'dummy.1.out': '',
      'dummy.2.in': '',
      'dummy.2.out': '',
      '2.in': '',
      '2.out': '',
    });
    const p = load();
    expect(shape(p.data)).toEqual([
      ['batch 1', 0, [], ['case 1 (dummy.1.in)', 'case 2 (dummy.2.in)']],
      ['case 3 (1.in)', 1, false],
      ['case 4 (2.in)', 7, false],
    ]);
    pkg.write(
      'init.yml',
      'archive: cases.zip\ntest_cases:\n  input_format: ((?P<batch>\\w+)\\.)?(?P<case>\\d+)\\.in\n  case_points: [1]\n',
    );
    refused(load, 'init.yml test_cases', /case_points lists 1 points, fewer than the cases and batches matched/);
  });

  it('turns a Python regular expression into JavaScript’s, anchored at the start as re.match is', () => {
    const re = pythonRegex('(?P<case>\\d+)\\.in', 'x');
    expect(re.exec('12.in')?.groups?.case).toBe('12');
    expect(re.exec('a12.in')).toBeNull();
    expect(pythonRegex('(?P<a>x)(?P=a)', 'x').test('XX')).toBe(true);
    refused(() => pythonRegex('(?P<a', 'where'), 'where', /no regular expression caged reads/);
    // Python's str patterns are Unicode: é is a word character, ٣ a digit (as Python's re reads them).
    const dflt = pythonRegex(DEFAULT_INPUT_FORMAT, 'x');
    expect(dflt.exec('é1-2.in')?.groups).toEqual({ batch: undefined, case: '2' });
    expect(dflt.exec('x٣.in')?.groups).toEqual({ batch: undefined, case: '٣' });
    expect(dflt.exec('problem-1-case-1-batch-2.in')?.groups).toEqual({ batch: '1', case: '2' });
    // Python lets any character be escaped; a class may start with ].
    expect(pythonRegex('a\\-b\\_c[\\-x][]y]', 'x').test('a-b_c-]')).toBe(true);
    refused(() => pythonRegex('[\\W]', 'where'), 'where', /\\W in a character class/);
  });

  it('matches the names in a child process with a deadline: a pattern that backtracks is refused, the loader not stalled', () => {
    const re = pythonRegex('(a+)+$', 'x');
    const t0 = Date.now();
    refused(() => matchBounded([`${'a'.repeat(40)}b`], re, re, 'where', 500), 'where', /took more than 0.5 s over the archive's 1 names/);
    expect(Date.now() - t0).toBeLessThan(5000);
    // The refusal is kept: the same names and patterns are refused again at once, nothing run.
    const t1 = Date.now();
    refused(() => matchBounded([`${'a'.repeat(40)}b`], re, re, 'again', 500), 'again', /took more than 0.5 s/);
    expect(Date.now() - t1).toBeLessThan(400);
    expect(matchBounded(['1.2.in', 'x'], pythonRegex('(?P<batch>\\d+)\\.(?P<case>\\d+)', 'x'), re, 'where')).toEqual({
      in: [['1', '2'], null],
      out: [null, null],
    });
    // Kept for the same names and patterns: a worker loading the package for every job matches once.
    const twice = () => matchBounded(['7.in'], pythonRegex('(?P<case>\\d+)\\.in', 'x'), re, 'where');
    expect(twice()).toBe(twice());
  });

  it('names its checker: built-in with args, bridged with its type, a Python module; and its interactor', () => {
    const base = 'test_cases:\n- {in: a, out: a}\n';
    pkg.write('a', '1\n');
    pkg.write('init.yml', `${base}checker:\n  name: floats\n  args: {precision: 3}\n`);
    expect(load().dmoj?.checker).toEqual({ kind: 'builtin', name: 'floats', args: { precision: 3 } });
    // YAML 1.1, as PyYAML reads it: `no` is false.
    pkg.write('init.yml', `${base}checker: {name: identical, args: {pe_allowed: no}}\n`);
    expect(load().dmoj?.checker).toEqual({ kind: 'builtin', name: 'identical', args: { pe_allowed: false } });
    pkg.write('init.yml', `${base}checker:\n  name: bridged\n  args: {files: [check.cpp, lib.h], type: testlib, feedback: false}\n`);
    pkg.write('check.cpp', '#include "lib.h"\nint main() {}\n');
    pkg.write('lib.h', '\n');
    const bridged = load().dmoj?.checker;
    expect(bridged).toMatchObject({ kind: 'bridged', contrib: 'testlib', feedback: false });
    expect(bridged?.kind === 'bridged' && bridged.program).toMatchObject({
      code: 'cpp',
      entry: 'check.cpp',
      languageIds: ['cpp20', 'cpp17', 'cpp14', 'cpp11', 'cpp03'],
    });
    expect(bridged?.kind === 'bridged' && bridged.program.files.map((f) => f.name)).toEqual(['check.cpp', 'lib.h']);
    pkg.write('init.yml', `${base}checker:\n  name: bridged\n  args: {files: check.c, lang: C11}\n`);
    pkg.write('check.c', 'int main(void) { return 0; }\n');
    expect(load().dmoj?.checker).toMatchObject({
      kind: 'bridged',
      contrib: 'default',
      feedback: true,
      program: { languageIds: ['c11', 'c'] },
    });
    // DMOJ's C23 and CPP23 executors are GCC 12's drafts of them (c23, cpp23), else the one before.
    pkg.write('init.yml', `${base}checker:\n  name: bridged\n  args: {files: check.c, lang: C23}\n`);
    expect(load().dmoj?.checker).toMatchObject({ program: { languageIds: ['c23', 'c'] } });
    pkg.write('init.yml', `${base}checker:\n  name: bridged\n  args: {files: check.cpp, lang: CPP23}\n`);
    expect(load().dmoj?.checker).toMatchObject({ program: { languageIds: ['cpp23', 'cpp20'] } });
    pkg.write('init.yml', `${base}checker: check.py\n`);
    pkg.write('check.py', 'def check(a, b, **kw):\n    return a == b\n');
    expect(load().dmoj?.checker).toMatchObject({ kind: 'python', rel: 'check.py', args: {} });
    pkg.write('init.yml', `${base}interactive: {files: check.c, type: coci}\n`);
    const p = load();
    // Unbuffered, as DMOJ runs an interactor unless it says otherwise; its feedback hidden unless asked for.
    expect(p.dmoj?.interactor).toMatchObject({ contrib: 'coci', feedback: false, program: { entry: 'check.c' } });
    expect(p.dmoj?.interactor?.program.files.map((f) => f.name)).toEqual(['check.c', '_caged_unbuffered.c']);
    expect(p.config.validation).toEqual({ kind: 'interactive', interactive: true, customScore: false });
    pkg.write('init.yml', `${base}interactive: {files: check.c, unbuffered: false, feedback: true}\n`);
    expect(load().dmoj?.interactor?.program.files.map((f) => f.name)).toEqual(['check.c']);
    expect(load().dmoj?.interactor?.feedback).toBe(true);
    pkg.write('inter.py', 'print(1)\n');
    // A Python interactor runs through the loader that unbuffers it (DMOJ's python -u), its own file the loader's to run.
    pkg.write('init.yml', `${base}interactive: {files: inter.py, lang: PY3}\n`);
    const py = load();
    expect(py.dataNotes ?? []).toEqual([]);
    expect(py.dmoj?.interactor?.program).toMatchObject({ entry: '_caged_unbuffered.py', languageIds: ['python3'] });
    const loader = py.dmoj?.interactor?.program.files.find((f) => f.name === '_caged_unbuffered.py');
    expect(loader?.data.toString()).toMatch(/sys\.argv\[0\] = "inter\.py"\nrunpy\.run_path/);
    pkg.write('init.yml', `${base}interactive: {files: inter.py, lang: PY3, unbuffered: false}\n`);
    expect(load().dmoj?.interactor?.program).toMatchObject({ entry: 'inter.py' });
    // Another language runs as it is, with a note.
    pkg.write('inter.js', 'console.log(1)\n');
    pkg.write('init.yml', `${base}interactive: {files: inter.js, lang: V8JS}\n`);
    expect(load().dataNotes).toEqual([expect.stringMatching(/a javascript interactor as it is.*it must flush/)]);
  });

  it('reads generators: a case without in or out has them made, with its generator_args as Python prints them', () => {
    pkg.write('gen.cpp', 'int main() {}\n');
    pkg.write('seed.txt', '5\n');
    pkg.write('a', '1\n');
    pkg.write(
      'init.yml',
      [
        'generator: gen.cpp',
        'test_cases:',
        '- {generator_args: [1, true, "x y"], points: 5}',
        '- {in: a, points: 5}',
        '- {in: a, out: a, points: 5}',
        '- {generator_in: seed.txt, points: 5}',
        '- generator: {source: [gen.cpp], args: [7], time_limit: 2, compiler_time_limit: 60}',
        '  batched: [{}]',
      ].join('\n'),
    );
    const p = load();
    expect(p.config.unsupported).toEqual([]);
    // DMOJ's testsuite/generator_multifile: its compile limit noted, as a bridged checker's, not refused.
    expect(p.dataNotes).toEqual([
      "init.yml test_cases[4].batched[0] generator compiler_time_limit is not read: the judge's compile limits apply",
    ]);
    const gens = p.dmoj?.generated ?? [];
    expect(gens.map((g) => [g.name, g.args, g.stdinPath, g.inPath !== null, g.ansPath !== null])).toEqual([
      ['case 1', ['1', 'True', 'x y'], null, true, true],
      ['case 2 (a)', [], null, false, true],
      ['case 4', [], 'seed.txt', true, true],
      ['case 5', ['7'], null, true, true],
    ]);
    expect(gens[0]!.generator).toBe(gens[2]!.generator);
    expect(gens[3]!.generator).toMatchObject({ timeLimitS: 2, program: { entry: 'gen.cpp' } });
    // Until its generator ran, a made file cannot be read.
    refused(() => p.files.read(gens[0]!.inPath!), 'generated/1.in', /made by a generator, which has not run/);
    p.dmoj?.files.provide(gens[0]!.inPath!, Buffer.from('made\n'));
    expect(p.files.read(gens[0]!.inPath!).toString()).toBe('made\n');
    // Dropped when the judging ends; what generators make together stays within the package size cap.
    p.dmoj?.files.dropGenerated();
    refused(() => p.files.read(gens[0]!.inPath!), 'generated/1.in', /has not run/);
    const small = loadPackage(pkg.dir(), { fallbackTimeLimitS: 1, maxBytes: 4096 });
    small.dmoj?.files.provide(gens[0]!.inPath!, Buffer.alloc(3000));
    refused(() => small.dmoj?.files.provide(gens[0]!.ansPath!, Buffer.alloc(3000)), 'generator', /made more than 4096 bytes/);
    small.dmoj?.files.dropGenerated();
    pkg.write('init.yml', 'generator: gen.cpp\ntest_cases:\n- {in: a, generator_args: [1]}\n');
    refused(load, 'init.yml test_cases[0]', /its input is ambiguous/);
    pkg.write('init.yml', 'generator: gen.cpp\ntest_cases:\n- {generator_in: nope}\n');
    refused(load, 'init.yml', /names 1 files the package does not hold \(nope\)/);
  });

  it('refuses a malformed init.yml, naming where', () => {
    pkg.write('a', '1\n');
    const bad = (yml: string, field: string, text: RegExp): void => {
      pkg.write('init.yml', yml);
      refused(load, field, text);
    };
    bad('', 'init.yml', /is empty or not a mapping/);
    bad('test_cases: []\n', 'init.yml test_cases', /lists no test case/);
    bad('test_cases:\n- {in: a, out: nope}\n', 'init.yml', /names 1 files the package does not hold \(nope\)/);
    bad('test_cases:\n- {in: a, out: a, points: -1}\n', 'init.yml test_cases[0]', /points must be a number ≥ 0/);
    bad(
      'test_cases:\n- batched: [{in: a, out: a}]\n  dependencies: [1]\n',
      'init.yml test_cases[0]',
      /batch 1 depends on batch 1, which is not an earlier one/,
    );
    bad('test_cases:\n- batched: [{batched: [{in: a}]}]\n', 'init.yml test_cases[0].batched[0]', /nests a batch in a batch/);
    bad('test_cases:\n  case_points: [1]\n', 'init.yml test_cases', /only an archive has files to match/);
    bad('test_cases:\n- {in: a, out: a}\nchecker: nosuch\n', 'init.yml checker', /nosuch is none of DMOJ's checkers/);
    bad('test_cases:\n- {in: a, out: a}\ninteractive: {files: gone.c}\n', 'init.yml interactive', /names gone.c, which is not a file/);
    bad('test_cases:\n- {in: a, out: a}\narchive: gone.zip\n', 'init.yml archive', /names gone.zip, which is not a file/);
    bad('test_cases:\n- {in: "a\\0none", out: a}\n', 'init.yml test_cases[0]', /in must be a file name/);
    bad(
      'test_cases:\n- {in: a, out: a}\nsymlinks: {../x: /dev/stdin}\n',
      'init.yml test_cases[0]',
      /symlinks "..\/x" must be a relative path/,
    );
    pkg.write('bad.zip', 'not a zip');
    bad('test_cases:\n- {in: a, out: a}\narchive: bad.zip\n', 'init.yml archive', /bad.zip is not a ZIP archive/);
  });

  it('normalises data as DMOJ does', () => {
    const n = (s: string) => normalizeData(Buffer.from(s)).toString();
    expect([n(''), n('a'), n('a\n'), n('a\r\nb\rc'), n('a\r\r\n')]).toEqual(['', 'a\n', 'a\n', 'a\nb\nc\n', 'a\n\n']);
  });
});
