/**
 * Loading problem packages (src/problem/problem-package.ts) and grading their test trees
 * (src/judge/group-grading.ts) with a fake runner: no container, no root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidRequestError } from '../../src/errors';
import type { TestVerdict } from '../../src/judge/schema';
import { loadPackage } from '../../src/problem/problem-package';
import type { TestCase } from '../../src/problem/test-data';
import { packageLimits, packageLimitsFor } from '../../src/problem/package-limits';
import { DEFAULT_CHECKER_LIMITS, DEFAULT_COMPILE_LIMITS, DEFAULT_HELPER_COMPILE_LIMITS, DEFAULT_MAXIMA } from '../../src/judge/limits';
import { gradeOutcomes } from './helpers/scratch-package';

const PACKAGES = path.join(__dirname, '..', 'packages');

/** Grades `dir` with tests failing (WA) where `fails(test)` says so; returns the tests run and the grade. */
function grade(dir: string, fails: (t: TestCase, input: string) => boolean) {
  return gradeOutcomes(dir, (t) => (fails(t, fs.readFileSync(path.join(dir, t.inPath), 'utf8')) ? 'WA' : 'AC'));
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-problem-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  const p = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
}

function minimal(): void {
  write('problem.yaml', 'name: Minimal\n');
  write('data/secret/1.in', '1\n');
  write('data/secret/1.ans', '1\n');
}

describe('when a package is loaded', () => {
  it('reads the legacy sum package: name, .timelimit, limits with the format defaults', () => {
    const pkg = loadPackage(path.join(PACKAGES, 'sum'));
    expect(pkg.config.name).toBe('Sum of two numbers');
    expect(pkg.config.format).toBe('legacy');
    expect(pkg.timeLimit).toEqual({ seconds: 1, from: '.timelimit' });
    expect(pkg.config.limits).toMatchObject({ memoryMiB: 256, outputMiB: 8, codeKiB: 128, compilationTimeS: 60, validationPasses: 2 });
  });

  it('refuses a directory without problem.yaml, saying what would make it a package', () => {
    write('data/secret/1.in', '1\n');
    write('data/secret/1.ans', '1\n');
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(
      /no problem\.yaml in .*: a problem package has one at its root \(Kattis format\), if only with "name: …", or a problem\.xml \(Polygon\), an init\.yml \(DMOJ\) or a task\.yaml \(CMS\); for a directory of tests alone, use caged run FILE --tests DIR$/,
    );
  });

  it('reads a 2023-07 package: limits.time_limit wins over --time', () => {
    const pkg = loadPackage(path.join(PACKAGES, 'flags'), { fallbackTimeLimitS: 9 });
    expect(pkg.config.format).toBe('2023-07');
    expect(pkg.timeLimit).toEqual({ seconds: 2, from: 'problem.yaml' });
  });

  it('takes --time when the package has no time limit, and refuses when there is none at all', () => {
    minimal();
    expect(loadPackage(tmp, { fallbackTimeLimitS: 3 }).timeLimit).toEqual({ seconds: 3, from: '--time' });
    expect(() => loadPackage(tmp)).toThrow(/no time limit.*--time/);
  });

  it('caps limits to caged maxima and says so', () => {
    minimal();
    const pkg = loadPackage(tmp, { fallbackTimeLimitS: 60 });
    const { limits, notes } = packageLimits(pkg, { maxima: { memoryBytes: 1024 * 2 ** 20, cpuTimeMs: 10_000 } });
    expect(limits.memoryBytes).toBe(1024 * 2 ** 20);
    expect(limits.cpuTimeMs).toBe(10_000);
    expect(notes.join('\n')).toMatch(/memory limit 2048 MiB lowered to caged's maximum of 1024 MiB \(CAGED_MAX_MEMORY_MB raises it\)/);
    expect(notes.join('\n')).toMatch(/time limit 60 s lowered/);
  });

  it("compiles the package's own programs under the helpers' caps, and caps everything by the judge's maxima too", () => {
    minimal();
    const pkg = loadPackage(tmp, { fallbackTimeLimitS: 1 });
    // The format's default compilation_time (60 s): the submission's compile is capped at 10 s, its validators' is not.
    const d = packageLimits(pkg, {});
    expect({ submission: d.compileLimits.cpuTimeMs, helpers: d.helperCompileLimits.cpuTimeMs }).toEqual({
      submission: 10_000,
      helpers: 60_000,
    });
    // The memory limit is said alone (it decides verdicts); the format's compile and validation
    // defaults lowered are one note, the programs' compile said apart only where it differs.
    expect(d.notes).toEqual([
      "the format's defaults that problem.yaml does not set, lowered to caged's maxima: compilation_time 60 s to 10 s, compilation_memory 2048 MiB to 512 MiB (CAGED_COMPILE_CPU_MS, CAGED_COMPILE_MEMORY_MB raise them)",
    ]);
    const caps = {
      test: { ...DEFAULT_MAXIMA, cpuTimeMs: 500 },
      compile: { ...DEFAULT_COMPILE_LIMITS, cpuTimeMs: 500 },
      checker: DEFAULT_CHECKER_LIMITS,
      helperCompile: { ...DEFAULT_HELPER_COMPILE_LIMITS, cpuTimeMs: 20_000 },
    };
    const j = packageLimitsFor(pkg, caps, {});
    expect([j.limits.cpuTimeMs, j.compileLimits.cpuTimeMs, j.helperCompileLimits.cpuTimeMs]).toEqual([500, 500, 20_000]);
    expect(j.notes).toEqual([
      "time limit 1 s lowered to caged's maximum of 0.5 s (CAGED_MAX_CPU_MS raises it)",
      "the format's defaults that problem.yaml does not set, lowered to caged's maxima: compilation_time 60 s to 0.5 s, compilation_memory 2048 MiB to 512 MiB, the package's programs' compilation_time 60 s to 20 s (CAGED_COMPILE_CPU_MS, CAGED_COMPILE_MEMORY_MB, CAGED_HELPER_COMPILE_CPU_MS raise them)",
    ]);
    // The caller's values win where given (--memory), undefined ones keep the judge's.
    expect(
      packageLimitsFor(pkg, caps, { maxima: { cpuTimeMs: undefined }, compileLimits: { cpuTimeMs: 300 } }).compileLimits.cpuTimeMs,
    ).toBe(300);
    expect(packageLimitsFor(pkg, caps, { maxima: { cpuTimeMs: undefined } }).limits.cpuTimeMs).toBe(500);
  });

  it('says a limit problem.yaml sets and caged lowers in a note of its own', () => {
    write('problem.yaml', 'name: Set\nvalidation: custom\nlimits:\n  compilation_time: 30\n  validation_memory: 4096\n');
    write('data/secret/1.in', '1\n');
    write('data/secret/1.ans', '1\n');
    write('output_validators/v/v.py', 'import sys\nsys.exit(42)\n');
    const d = packageLimits(loadPackage(tmp, { fallbackTimeLimitS: 1 }), {});
    expect(d.compileLimits.cpuTimeMs).toBe(10_000);
    expect(d.helperCompileLimits.cpuTimeMs).toBe(30_000);
    expect(d.notes).toEqual([
      "compilation_time 30 s lowered to caged's maximum of 10 s (CAGED_COMPILE_CPU_MS raises it)",
      "validation_memory 4096 MiB lowered to caged's maximum of 512 MiB (CAGED_CHECKER_MEMORY_MB raises it)",
      "the format's defaults that problem.yaml does not set, lowered to caged's maxima: compilation_memory 2048 MiB to 512 MiB, validation_time 60 s to 5 s (CAGED_COMPILE_MEMORY_MB, CAGED_CHECKER_CPU_MS raise them)",
    ]);
  });

  it('lists sample before secret and every group in lexicographic order', async () => {
    const { ran, g } = await grade(path.join(PACKAGES, 'subtasks'), () => false);
    expect(ran).toEqual([
      'sample/1',
      'secret/group1/1',
      'secret/group1/2',
      'secret/group1/3',
      'secret/group2/a/1',
      'secret/group2/a/2',
      'secret/group2/b/1',
      'secret/group2/b/2',
      'secret/group2/b/3',
    ]);
    expect(g.groups.map((x) => x.name)).toEqual([
      'data',
      'sample',
      'secret',
      'secret/group1',
      'secret/group2',
      'secret/group2/a',
      'secret/group2/b',
    ]);
  });

  it('refuses a .in without its .ans, naming it', () => {
    minimal();
    write('data/secret/2.in', '2\n');
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(/data\/secret\/2\.in: has no matching 2\.ans/);
  });

  it('notes an .ans without its .in (no test case; problemtools calls it an error), naming the first three', () => {
    minimal();
    expect(loadPackage(tmp, { fallbackTimeLimitS: 1 }).dataNotes).toBeUndefined();
    for (const n of ['2', '3', 'g/4', '5']) write(`data/secret/${n}.ans`, 'x\n');
    write('data/secret/invalid_output/6.ans', 'x\n'); // the format's own directories of non-tests are not data
    const pkg = loadPackage(tmp, { fallbackTimeLimitS: 1 });
    expect(pkg.dataNotes).toEqual([
      'data/secret/2.ans, data/secret/3.ans, data/secret/5.ans and 1 more: an answer file without its .in is no test case, not judged (problemtools reports it as an error)',
    ]);
  });

  it('notes a package whose data/secret holds no test case: judged on its samples alone', () => {
    minimal();
    fs.rmSync(path.join(tmp, 'data', 'secret'), { recursive: true });
    write('data/sample/1.in', '1\n');
    write('data/sample/1.ans', '1\n');
    expect(loadPackage(tmp, { fallbackTimeLimitS: 1 }).dataNotes).toEqual(['data/secret holds no test case: judged on data/sample alone']);
    // What its own submissions must get somewhere is then not known (expected-results.ts).
    expect(loadPackage(tmp, { fallbackTimeLimitS: 1 }).noSecretTests).toBe('data/secret holds no test case');
    fs.mkdirSync(path.join(tmp, 'data', 'secret', 'group'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'generators'));
    expect(loadPackage(tmp, { fallbackTimeLimitS: 1 }).dataNotes).toEqual([
      "data/secret holds no test case: judged on data/sample alone (it has generators/: generate its test data first, BAPCtools' `bt generate`)",
    ]);
    write('data/secret/group/1.in', '1\n');
    write('data/secret/group/1.ans', '1\n');
    expect(loadPackage(tmp, { fallbackTimeLimitS: 1 }).dataNotes).toBeUndefined();
    expect(loadPackage(tmp, { fallbackTimeLimitS: 1 }).noSecretTests).toBeUndefined();
  });

  it("passes over data/bad, BAPCtools' directory of invalid inputs, with a note, and still refuses any other directory there", () => {
    minimal();
    write('data/bad/1.in', 'not an input\n');
    const pkg = loadPackage(tmp, { fallbackTimeLimitS: 1 });
    expect(pkg.dataNotes).toEqual(["data/bad: BAPCtools' directory of invalid inputs, no test data of the format: not judged"]);
    expect(pkg.data.children.map((c) => (c.kind === 'group' ? c.group.name : c.test.name))).toEqual(['secret']);
    write('data/extra/1.in', '1\n');
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(/data\/ may hold only sample\/ and secret\//);
  });

  it('refuses an unknown key of problem.yaml and of testdata.yaml, naming it', () => {
    minimal();
    write('problem.yaml', 'name: X\nlimits:\n  memroy: 5\n');
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(/problem\.yaml: unknown key limits\.memroy/);
    write('problem.yaml', 'name: X\ntimelimit: 5\n');
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(/unknown key timelimit/);
    write('problem.yaml', 'name: X\n');
    write('data/secret/testdata.yaml', 'on_reject: break\nscore: 5\n');
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(/data\/secret\/testdata\.yaml: unknown key score/);
  });

  it("reads a group's settings from test_group.yaml (later 2023-07 drafts' name) as from testdata.yaml, and refuses both", () => {
    minimal();
    write('data/secret/test_group.yaml', 'on_reject: continue\ngrader_flags: worst_error\n');
    write('data/test_group.yaml', 'grader_flags: ignore_sample\n');
    const data = loadPackage(tmp, { fallbackTimeLimitS: 1 }).data;
    const secret = data.children.find((c) => c.kind === 'group' && c.group.name === 'secret');
    expect(data.settings.ignoreSample).toBe(true);
    // grader_flags is one setting: secret's own replace the root's whole (its ignore_sample too).
    expect(secret?.kind === 'group' && secret.group.settings).toMatchObject({
      onReject: 'continue',
      verdictRule: 'worst_error',
      ignoreSample: false,
    });
    write('data/secret/testdata.yaml', 'on_reject: break\n');
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(
      /data\/secret: holds both testdata\.yaml and test_group\.yaml: keep one/,
    );
  });

  it('refuses a link pointing outside the package, naming it', () => {
    minimal();
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'x.ans'), 'secret\n');
      write('data/secret/2.in', '2\n');
      fs.symlinkSync(path.join(outside, 'x.ans'), path.join(tmp, 'data/secret/2.ans'));
      expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(/data\/secret\/2\.ans: is a link pointing outside the package/);
      fs.rmSync(path.join(tmp, 'data/secret/2.ans'));
      fs.symlinkSync(outside, path.join(tmp, 'data/secret/g'));
      expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(/data\/secret\/g: is a link pointing outside/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('follows a link that stays inside the package', () => {
    minimal();
    fs.symlinkSync('1.ans', path.join(tmp, 'data/secret/2.ans'));
    write('data/secret/2.in', '1\n');
    expect(loadPackage(tmp, { fallbackTimeLimitS: 1 }).data.children).toHaveLength(1);
  });

  it('refuses a package without problem.yaml, without test data, or over the size cap', () => {
    write('data/secret/1.in', '1\n');
    write('data/secret/1.ans', '1\n');
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(/no problem\.yaml/);
    write('problem.yaml', 'name: X\n');
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1, maxBytes: 3 })).toThrow(/larger than the 3 bytes allowed/);
    fs.rmSync(path.join(tmp, 'data'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'data/secret'), { recursive: true });
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(/no test cases/);
  });

  it('refuses unknown validator flags and the bad .timelimit', () => {
    minimal();
    write('problem.yaml', 'name: X\nvalidator_flags: float_tolerance 1e-6 sloppy\n');
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(/unknown default validator flag "sloppy"/);
    // Legacy says nothing against a tolerance given twice (testdata.yaml's flags are appended): the last counts.
    write('problem.yaml', 'name: X\nvalidator_flags: float_tolerance 1e-6 float_absolute_tolerance 1e-3\n');
    expect(loadPackage(tmp, { fallbackTimeLimitS: 1 }).config.validatorFlags).toHaveLength(4);
    // An empty key is no flags (BAPCtools reads it as '', DOMjudge ignores it: NWERC 2022 itsakindofmagic).
    write('problem.yaml', 'name: X\nvalidator_flags:\n');
    expect(loadPackage(tmp, { fallbackTimeLimitS: 1 }).config.validatorFlags).toEqual([]);
    write('problem.yaml', 'name: X\nvalidator_flags: 5\n');
    expect(() => loadPackage(tmp, { fallbackTimeLimitS: 1 })).toThrow(/validator_flags/);
    write('problem.yaml', 'name: X\n');
    write('.timelimit', 'fast\n');
    expect(() => loadPackage(tmp)).toThrow(InvalidRequestError);
  });

  it("reads DOMjudge's domjudge-problem.ini timelimit, and refuses time limits that disagree", () => {
    minimal();
    write('problem.yaml', 'name: X\n');
    // What DOMjudge's export writes (src/Controller/Jury/ProblemController.php), with a comment and a section.
    write('domjudge-problem.ini', "; exported\ntimelimit='2.5'\nspecial_compare='boolfind_cmp'\n[extra]\ncolor = \"#ff0000\"\n");
    expect(loadPackage(tmp).timeLimit).toEqual({ seconds: 2.5, from: 'domjudge-problem.ini' });
    write('.timelimit', '2.5\n');
    expect(loadPackage(tmp).timeLimit).toEqual({ seconds: 2.5, from: '.timelimit' });
    write('.timelimit', '3\n');
    expect(() => loadPackage(tmp)).toThrow(/conflicting time limits: 3 s in \.timelimit, 2\.5 s in domjudge-problem\.ini/);
    write('problem.yaml', 'name: X\nlimits:\n  time_limit: 3\n');
    expect(() => loadPackage(tmp)).toThrow(/conflicting time limits: 3 s in problem\.yaml, 2\.5 s in domjudge-problem\.ini/);
    write('domjudge-problem.ini', 'timelimit = 3\n');
    expect(loadPackage(tmp).timeLimit).toEqual({ seconds: 3, from: 'problem.yaml' });
    write('domjudge-problem.ini', "timelimit='soon'\n");
    expect(() => loadPackage(tmp)).toThrow(/domjudge-problem\.ini timelimit: must hold a positive number of seconds/);
    write('domjudge-problem.ini', 'name: not ini\n');
    expect(() => loadPackage(tmp)).toThrow(/domjudge-problem\.ini: line 1 is not "key = value"/);
    fs.rmSync(path.join(tmp, 'domjudge-problem.ini'));
    fs.rmSync(path.join(tmp, '.timelimit'));
    write('problem.yaml', 'name: X\n');
    write('domjudge-problem.ini', "name='X'\n");
    expect(() => loadPackage(tmp)).toThrow(/no timelimit in domjudge-problem\.ini\): give one with --time S/);
  });
});

describe('when a pass-fail package is graded', () => {
  it('stops a group at its first rejection with on_reject: break (the default)', async () => {
    const { ran, g } = await grade(path.join(PACKAGES, 'sum'), (t) => t.name === 'secret/01-small');
    expect(ran).toEqual(['sample/1', 'secret/01-small']);
    expect(g.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'SKIPPED', 'SKIPPED']);
    expect(g.verdict).toBe('WA');
    expect(g.score).toBe(0);
    expect(g.maxScore).toBe(1);
  });

  it('runs on with on_reject: continue, and the verdict is still the first error', async () => {
    fs.cpSync(path.join(PACKAGES, 'sum', 'data'), path.join(tmp, 'data'), { recursive: true });
    write('problem.yaml', 'name: X\n');
    write('data/testdata.yaml', 'on_reject: continue\n');
    write('data/secret/testdata.yaml', 'on_reject: continue\ngrader_flags: worst_error\n');
    const { ran, g } = await grade(tmp, (t) => t.name === 'secret/01-small');
    expect(ran).toHaveLength(4);
    expect(g.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'AC', 'AC']);
    expect(g.verdict).toBe('WA');
  });

  it("takes a legacy group's worst error by default (its default grader's worst_error), the first with first_error and in 2023-07", async () => {
    fs.cpSync(path.join(PACKAGES, 'sum', 'data'), path.join(tmp, 'data'), { recursive: true });
    write('problem.yaml', 'name: X\n');
    write('data/testdata.yaml', 'on_reject: continue\n');
    const outcome = (t: TestCase): TestVerdict => (t.name === 'secret/01-small' ? 'WA' : t.name.startsWith('secret/') ? 'TLE' : 'AC');
    const worst = await gradeOutcomes(tmp, outcome);
    expect(worst.g.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'TLE', 'TLE']);
    expect(worst.g.verdict).toBe('TLE');
    write('data/testdata.yaml', 'on_reject: continue\ngrader_flags: first_error\n');
    expect((await gradeOutcomes(tmp, outcome)).g.verdict).toBe('WA');
    write('data/testdata.yaml', 'on_reject: continue\n');
    write('problem.yaml', 'problem_format_version: 2023-07\nname: X\n');
    expect((await gradeOutcomes(tmp, outcome)).g.verdict).toBe('WA');
  });

  it('a failing sample fails the problem, unless the root says ignore_sample', async () => {
    const { g } = await grade(path.join(PACKAGES, 'sum'), (t) => t.name === 'sample/1');
    expect(g.verdict).toBe('WA');
    expect(g.tests.filter((t) => t.verdict === 'SKIPPED')).toHaveLength(3);
    fs.cpSync(path.join(PACKAGES, 'sum', 'data'), path.join(tmp, 'data'), { recursive: true });
    write('problem.yaml', 'name: X\n');
    write('data/testdata.yaml', 'grader_flags: ignore_sample\n');
    const ignored = await grade(tmp, (t) => t.name === 'sample/1');
    expect(ignored.g.verdict).toBe('AC');
    expect(ignored.ran).toHaveLength(4);
  });
});

describe('when a scoring package with nested groups is graded', () => {
  const dir = path.join(PACKAGES, 'subtasks');

  it('gives full marks to an accepted submission (sum of min and clamped sum groups)', async () => {
    const { g } = await grade(dir, () => false);
    const by = Object.fromEntries(g.groups.map((x) => [x.name, x]));
    expect(by['secret/group1']).toMatchObject({ score: 30, maxScore: 30 });
    expect(by['secret/group2/a']).toMatchObject({ score: 20, maxScore: 20 });
    expect(by['secret/group2/b']).toMatchObject({ score: 25, maxScore: 25 }); // 30 clamped by range 0 25
    expect(by.sample).toMatchObject({ score: 1 });
    expect(g).toMatchObject({ verdict: 'AC', score: 75, maxScore: 75 }); // the sample's score does not count
  });

  it('gives a partial score: min groups all or nothing, sum groups per test', async () => {
    const { g } = await grade(dir, (_t, input) => Number(input) >= 30);
    const by = Object.fromEntries(g.groups.map((x) => [x.name, x]));
    expect(by['secret/group1']).toMatchObject({ verdict: 'AC', score: 30 });
    expect(by['secret/group2/a']).toMatchObject({ verdict: 'WA', score: 0 });
    expect(by['secret/group2/b']).toMatchObject({ verdict: 'WA', score: 20 });
    expect(by['secret/group2']).toMatchObject({ score: 20, maxScore: 45 });
    expect(g).toMatchObject({ verdict: 'WA', score: 50, maxScore: 75 });
    expect(g.tests.every((t) => t.verdict !== 'SKIPPED')).toBe(true);
  });

  it('reads 2023-07 max_score and score_aggregation', async () => {
    write('problem.yaml', 'problem_format_version: 2023-07\nname: X\ntype: scoring\nlimits:\n  time_limit: 1\n');
    write('data/testdata.yaml', 'on_reject: continue\n');
    write('data/secret/testdata.yaml', 'on_reject: continue\n');
    write('data/secret/g1/testdata.yaml', 'score_aggregation: min\nmax_score: 40\non_reject: continue\n');
    write('data/secret/g2/testdata.yaml', 'score_aggregation: sum\nmax_score: 60\non_reject: continue\n');
    for (const [grp, n] of [
      ['g1', 1],
      ['g1', 2],
      ['g2', 1],
      ['g2', 2],
      ['g2', 3],
      ['g2', 4],
    ] as const) {
      write(`data/secret/${grp}/${n}.in`, `${grp}-${n}\n`);
      write(`data/secret/${grp}/${n}.ans`, 'x\n');
    }
    const { g } = await grade(tmp, (_t, input) => input.startsWith('g1-2') || input.startsWith('g2-4'));
    const by = Object.fromEntries(g.groups.map((x) => [x.name, x]));
    expect(by['secret/g1']).toMatchObject({ score: 0, maxScore: 40 });
    expect(by['secret/g2']).toMatchObject({ score: 45, maxScore: 60 });
    expect(g).toMatchObject({ score: 45, maxScore: 100 });
  });
});
