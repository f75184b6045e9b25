/**
 * Problem packages of the format's 2025-09 version (src/problem/problem-yaml.ts, test-data.ts,
 * src/judge/group-grading.ts): what problem.yaml and test_group.yaml say, how the test data is
 * grouped and scored, with a fake runner: no container, no root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { packageLanguageCode } from '../../src/problem/extensions';
import { caseScoreFailure, rejectedScoreFailure } from '../../src/problem/case-scores';
import { withPackageConstants } from '../../src/problem/package-sources';
import { loadPackage } from '../../src/problem/problem-package';
import { readProblemYaml, substituteConstants } from '../../src/problem/problem-yaml';
import type { TestCase, TestGroup } from '../../src/problem/test-data';
import { gradeOutcomes, refused, scratchPackage } from './helpers/scratch-package';

const pkgDir = scratchPackage('caged-2025-');
const { write, test } = pkgDir;

function problem(extra = ''): void {
  write('problem.yaml', `problem_format_version: 2025-09\nname: X\nuuid: 8ee7605a-0000-0000-0000-000000000000\n${extra}`);
}

const grade = (outcome: Parameters<typeof gradeOutcomes>[1]) => gradeOutcomes(pkgDir.dir(), outcome);

/** The package's secret group. */
function secretOf(pkg: ReturnType<typeof loadPackage>) {
  const c = pkg.data.children.find((x) => x.kind === 'group' && x.group.name === 'secret');
  if (c?.kind !== 'group') throw new Error('no secret');
  return c.group;
}

describe('when a 2025-09 problem.yaml is read', () => {
  it('reads the version, a type sequence or blank-separated words, languages and constants', () => {
    problem('type: [pass-fail, interactive]\nlanguages: [python3, cpp]\nconstants:\n  k: 5\n  big:\n    value: 1000000\n    tex: 10^6\n');
    test('secret/1');
    write('output_validator/validate.py', 'print(1)\n');
    const pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    expect(pkg.config).toMatchObject({
      format: '2025-09',
      scoring: false,
      languages: ['python3', 'cpp'],
      constants: { k: { value: '5' }, big: { value: '1000000', tex: '10^6' } },
    });
    expect(pkg.config.validation).toMatchObject({ kind: 'interactive', interactive: true });
    problem('type: pass-fail multi-pass\n');
    expect(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }).config.validation).toMatchObject({
      kind: 'multi-pass',
      interactive: false,
    });
    problem('languages: all\n');
    expect(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }).config.languages).toBeNull();
  });

  it('reads allow_file_writing, false when absent, and false for a legacy package (which has no such key)', () => {
    test('secret/1');
    problem('');
    expect(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }).config.allowFileWriting).toBe(false);
    problem('allow_file_writing: true\n');
    expect(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }).config.allowFileWriting).toBe(true);
    problem('allow_file_writing: false\n');
    expect(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }).config.allowFileWriting).toBe(false);
    problem('allow_file_writing: yes please\n');
    expect(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).toThrow(/allow_file_writing/);
    expect(readProblemYaml('name: x\n', 'x', false).allowFileWriting).toBe(false);
    expect(() => readProblemYaml('name: x\nallow_file_writing: true\n', 'x', false)).toThrow(/allow_file_writing/);
  });

  it('refuses an unknown version, type, or conflicting types, and the removed scoring key, naming them', () => {
    test('secret/1');
    write('problem.yaml', 'problem_format_version: 2024-01\nname: X\n');
    refused(
      () => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }),
      'problem.yaml',
      /unknown version "2024-01" \(legacy, legacy-icpc, 2023-07, 2025-09\)/,
    );
    problem('type: pass-fail quiz\n');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'problem.yaml', /unknown type "quiz"/);
    problem('type: [interactive, submit-answer]\n');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'problem.yaml', /interactive and submit-answer exclude each other/);
    problem('type: scoring\nscoring:\n  objective: max\n');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'problem.yaml', /unknown key scoring/);
  });

  it('substitutes {{name}} and {{name.variant}} of defined constants, and leaves the others', () => {
    const c = { k: { value: '5', tex: '5 \\cdot 1' } };
    expect(substituteConstants('a {{k}} b {{k.tex}} {{k.nope}} {{other}} {{ k }}', c)).toBe(
      'a 5 b 5 \\cdot 1 {{k.nope}} {{other}} {{ k }}',
    );
    const sub = withPackageConstants({ language: 'php', source: 'echo {{k}};' }, c);
    expect(Buffer.from(sub.source!, 'base64').toString()).toBe('echo 5;');
    const bytes = Buffer.from([0xff, 0x7b, 0x7b, 0x6b, 0x7d, 0x7d]); // not UTF-8: left as it is
    const files = withPackageConstants(
      { language: 'c', files: [{ name: 'a.c', content: bytes.toString('base64'), encoding: 'base64' }] },
      c,
    );
    expect(Buffer.from(files.files![0]!.content, 'base64')).toEqual(bytes);
  });

  it('names every C standard c and every C++ standard cpp', () => {
    expect(['c', 'c99', 'c11', 'c23', 'cpp03', 'cpp11', 'cpp14', 'cpp23'].map(packageLanguageCode)).toEqual([
      'c',
      'c',
      'c',
      'c',
      'cpp',
      'cpp',
      'cpp',
      'cpp',
    ]);
  });

  it('names languages by the format table: cpp for caged C++ ids, python3 for pypy3', () => {
    expect(['cpp17', 'cpp20', 'cpp-clang', 'pypy3', 'python3', 'java', 'commonlisp'].map(packageLanguageCode)).toEqual([
      'cpp',
      'cpp',
      'cpp',
      'python3',
      'python3',
      'java',
      'lisp',
    ]);
  });
});

describe('when 2025-09 test data is read', () => {
  it('reads secret without groups as one group, its subdirectories holding tests of it', () => {
    problem();
    test('sample/1');
    test('secret/b/2');
    test('secret/a/1');
    test('secret/c');
    const pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    expect(secretOf(pkg).children.map((c) => (c.kind === 'test' ? c.test.name : c.group.name))).toEqual([
      'secret/a/1',
      'secret/b/2',
      'secret/c',
    ]);
  });

  it('reads subdirectories with a test_group.yaml as groups, and refuses mixing them with plain ones or loose tests', () => {
    problem();
    test('secret/g1/1');
    test('secret/g1/deep/2');
    write('data/secret/g1/test_group.yaml', 'output_validator_args: [case_sensitive]\n');
    test('secret/g2/1');
    write('data/secret/g2/test_group.yaml', '');
    const pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    const [g1, g2] = secretOf(pkg).children;
    expect(g1?.kind === 'group' && g1.group.children.map((c) => c.kind === 'test' && c.test.name)).toEqual([
      'secret/g1/1',
      'secret/g1/deep/2',
    ]);
    expect(g1?.kind === 'group' && g1.group.settings.validatorFlags).toEqual(['case_sensitive']);
    expect(g2?.kind === 'group' && g2.group.name).toBe('secret/g2');
    test('secret/g3/1');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'data/secret/g3', /each of its subdirectories must be one/);
    fs.rmSync(path.join(pkgDir.dir(), 'data/secret/g3'), { recursive: true });
    test('secret/loose');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'data/secret/loose.in', /no test case may sit directly in it/);
    fs.rmSync(path.join(pkgDir.dir(), 'data/secret/loose.in'));
    write('data/secret/g1/deep/test_group.yaml', '');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'data/secret/g1/deep', /direct subdirectory of data\/secret/);
  });

  it("refuses a tolerance given twice, or float_tolerance beside another, and a test case's bad flags, before anything runs", () => {
    problem();
    test('secret/1');
    test('secret/2');
    write('data/secret/test_group.yaml', 'output_validator_args: [float_tolerance, "1e-6", float_absolute_tolerance, "1e-3"]\n');
    refused(
      () => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }),
      'data/secret/testdata.yaml output_validator_flags',
      /float_absolute_tolerance and float_tolerance are given together/,
    );
    write('data/secret/test_group.yaml', 'output_validator_args: [float_relative_tolerance, "1e-6", float_relative_tolerance, "1e-3"]\n');
    refused(
      () => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }),
      'data/secret/testdata.yaml output_validator_flags',
      /float_relative_tolerance is given more than once/,
    );
    write('data/secret/test_group.yaml', 'output_validator_args: [float_relative_tolerance, "1e-6", float_absolute_tolerance, "1e-3"]\n');
    expect(secretOf(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).settings.validatorFlags).toHaveLength(4);
    // A test case's own flags are checked with the package, not when that test runs.
    write('data/secret/2.yaml', 'output_validator_args: [sloppy]\n');
    refused(
      () => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }),
      'data/secret/2.yaml output_validator_args',
      /unknown default validator flag "sloppy"/,
    );
  });

  it("reads a test case's own yaml: its output_validator_args and args replace the group's", () => {
    problem();
    write('data/secret/test_group.yaml', 'output_validator_args: [float_tolerance, "1e-6"]\n');
    test('secret/1');
    test('secret/2');
    write('data/secret/2.yaml', 'output_validator_args: [case_sensitive]\nhint: think\ndescription: edge\nfull_feedback: true\n');
    const pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    const secret = secretOf(pkg);
    expect(secret.settings.validatorFlags).toEqual(['float_tolerance', '1e-6']);
    expect(secret.children.map((c) => c.kind === 'test' && c.test.validatorFlags)).toEqual([undefined, ['case_sensitive']]);
    write('data/secret/2.yaml', 'colour: red\n');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'data/secret/2.yaml', /unknown key colour/);
    write('data/secret/test_group.yaml', 'args: [--group]\n');
    write('data/secret/2.yaml', 'args: [--fast, "two words"]\n');
    expect(secretOf(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).children.map((c) => c.kind === 'test' && c.test.args)).toEqual([
      ['--group'],
      ['--fast', 'two words'],
    ]);
    write('data/secret/2.yaml', `args: [${Array.from({ length: 65 }, () => 'x').join(', ')}]\n`);
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'data/secret/2.yaml', /at most 64 arguments/);
  });

  it("lists a test case's .files: every file below it, hidden and nested ones too, in name order", () => {
    problem();
    test('secret/1');
    test('secret/2');
    write('data/secret/1.files/b.txt', 'b');
    write('data/secret/1.files/.hidden', 'h');
    write('data/secret/1.files/data/deep/in.txt', '42');
    write('data/secret/1.files/a.txt', 'a');
    const tests = secretOf(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).children.map((c) => c.kind === 'test' && c.test.files);
    expect(tests).toEqual([
      [
        { path: '.hidden', rel: 'data/secret/1.files/.hidden' },
        { path: 'a.txt', rel: 'data/secret/1.files/a.txt' },
        { path: 'b.txt', rel: 'data/secret/1.files/b.txt' },
        { path: 'data/deep/in.txt', rel: 'data/secret/1.files/data/deep/in.txt' },
      ],
      undefined,
    ]);
    // A directory named like a test's .files without its .in is an ordinary directory of tests.
    write('data/secret/x.files/3.in', '3\n');
    write('data/secret/x.files/3.ans', '3\n');
    expect(secretOf(loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 })).children.map((c) => c.kind === 'test' && c.test.name)).toContain(
      'secret/x.files/3',
    );
    fs.rmSync(path.join(pkgDir.dir(), 'data/secret/x.files'), { recursive: true });
    fs.symlinkSync('/etc/passwd', path.join(pkgDir.dir(), 'data/secret/1.files/out'));
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'data/secret/1.files/out', /outside the package/);
    fs.unlinkSync(path.join(pkgDir.dir(), 'data/secret/1.files/out'));
    for (let i = 0; i < 1000; i++) write(`data/secret/2.files/f${i}`, '');
    write('data/secret/2.files/one-more', '');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'data/secret/2.files', /more than 1000 files/);
    fs.rmSync(path.join(pkgDir.dir(), 'data/secret/2.files'), { recursive: true });
    write('data/secret/2.files', 'not a directory');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'data/secret/2.files', /must be a directory/);
    fs.rmSync(path.join(pkgDir.dir(), 'data/secret/2.files'));
    write('problem.yaml', 'problem_format_version: 2023-07-draft\nname: X\nuuid: 8ee7605a-0000-0000-0000-000000000000\n');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'data/secret/1.files', /2025-09 feature/);
  });

  it("accepts test_group.yaml's visualizer args and refuses static validation without a static validator, substituting constants first", () => {
    problem('constants:\n  eps: 1e-4\n');
    test('secret/1');
    write(
      'data/secret/test_group.yaml',
      'input_visualizer_args: [x]\noutput_visualizer_args: [y]\noutput_validator_args: [float_tolerance, "{{eps}}"]\n',
    );
    const pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    expect(secretOf(pkg).settings.validatorFlags).toEqual(['float_tolerance', '0.0001']);
    write('data/secret/test_group.yaml', 'static_validation_score: 10\n');
    refused(
      () => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }),
      'data/secret/test_group.yaml',
      /needs a static validator: .* no static_validator/,
    );
  });
});

describe('when a 2025-09 scoring problem is graded', () => {
  function subtasks(secretYaml = ''): void {
    problem('type: scoring\n');
    test('sample/1');
    if (secretYaml) write('data/secret/test_group.yaml', secretYaml);
    write('data/secret/a/test_group.yaml', 'max_score: 30\n'); // pass-fail by default
    write('data/secret/b/test_group.yaml', 'max_score: 70\nscore_aggregation: sum\n');
    write('data/secret/c/test_group.yaml', 'max_score: 0\nrequire_pass: [secret/a, sample]\n');
    for (const t of ['a/1', 'a/2', 'b/1', 'b/2', 'b/3', 'b/4', 'c/1']) test(`secret/${t}`);
  }

  it('sums the groups: pass-fail all or nothing, sum per test (max_score / N each), the sample not counted', async () => {
    subtasks();
    const { g, by, ran } = await grade((t) => (t.name === 'secret/a/1' || t.name === 'secret/b/2' || t.name === 'sample/1' ? 'WA' : 'AC'));
    expect(by['secret/a']).toMatchObject({ verdict: 'WA', score: 0, maxScore: 30 });
    expect(by['secret/b']).toMatchObject({ verdict: 'WA', score: 52.5, maxScore: 70 });
    expect(by.secret).toMatchObject({ score: 52.5, maxScore: 100 });
    expect(g).toMatchObject({ verdict: 'WA', score: 52.5, maxScore: 100 });
    // Every test of the sum group ran after a rejected one; the pass-fail group stopped at its first.
    expect(ran).toEqual(['sample/1', 'secret/a/1', 'secret/b/1', 'secret/b/2', 'secret/b/3', 'secret/b/4']);
    // secret/c requires secret/a, which failed: not run, score 0.
    expect(g.tests.find((t) => t.name === 'secret/c/1')?.verdict).toBe('SKIPPED');
  });

  it("gives full marks to an accepted submission, and takes score.txt as a test's score", async () => {
    subtasks();
    const full = await grade(() => 'AC');
    expect(full.g).toMatchObject({ verdict: 'AC', score: 100, maxScore: 100 });
    expect(full.ran).toContain('secret/c/1');
    const partial = await grade((t) => (t.name === 'secret/b/1' ? ['AC', 10] : 'AC'));
    expect(partial.by['secret/b']).toMatchObject({ score: 62.5 });
  });

  it("makes an accepted test's score files a judge error where the format lists them", () => {
    subtasks();
    write('data/secret/d/test_group.yaml', 'max_score: unbounded\nscore_aggregation: sum\n');
    write('data/secret/test_group.yaml', 'max_score: unbounded\n');
    test('secret/d/1');
    const pkg = loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
    const byName = new Map<string, TestCase>();
    const walk = (g: TestGroup): void => g.children.forEach((c) => (c.kind === 'group' ? walk(c.group) : byName.set(c.test.name, c.test)));
    walk(pkg.data);
    const failure = (name: string, score?: number, multiplier?: number) => caseScoreFailure(pkg, byName.get(name)!, score, multiplier);
    // secret/a: pass-fail, 30 points; secret/b: sum of 4 tests, 17.5 each; secret/d: unbounded sum.
    expect(failure('secret/a/1')).toBeNull();
    expect(failure('secret/a/1', 30)).toMatch(/score\.txt for a test of a pass-fail group/);
    expect(failure('secret/a/1', undefined, 0.5)).toMatch(/score_multiplier\.txt for a test of a pass-fail group/);
    expect(failure('secret/b/1')).toBeNull();
    expect(failure('secret/b/1', 17.5)).toBeNull();
    expect(failure('secret/b/1', undefined, 0.5)).toBeNull();
    expect(failure('secret/b/1', 18)).toMatch(/score\.txt \(18\) is above the test case's maximum score \(17\.5\)/);
    expect(failure('secret/d/1', 1e6)).toBeNull();
    expect(failure('secret/d/1')).toMatch(/unbounded group without writing score\.txt/);
    expect(failure('secret/d/1', undefined, 2)).toMatch(/score_multiplier\.txt for a test of an unbounded group/);
    expect(failure('sample/1', 5, 5)).toBeNull(); // a sample's score files are ignored
    // A rejection that wrote a score file: a judge error on a secret test case, ignored on a sample.
    expect(rejectedScoreFailure(pkg, byName.get('secret/b/1')!, 'score.txt')).toBe(
      'the validator rejected the test case but wrote score.txt',
    );
    expect(rejectedScoreFailure(pkg, byName.get('sample/1')!, 'score_multiplier.txt')).toBeNull();
  });

  it('scores a min group by its lowest test, and refuses a bounded secret with an unbounded group or a bad require_pass', async () => {
    problem('type: scoring\n');
    write('data/secret/test_group.yaml', 'max_score: 50\n');
    write('data/secret/m/test_group.yaml', 'max_score: 50\nscore_aggregation: min\n');
    test('secret/m/1');
    test('secret/m/2');
    const { by } = await grade((t) => (t.name === 'secret/m/2' ? ['AC', 20] : 'AC'));
    expect(by['secret/m']).toMatchObject({ score: 20, maxScore: 50 });
    write('data/secret/m/test_group.yaml', 'score_aggregation: min\n');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'data/secret/m', /needs a max_score: secret's is bounded/);
    write('data/secret/m/test_group.yaml', 'max_score: 50\nrequire_pass: secret/z\n');
    refused(() => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 }), 'data/secret/m', /"secret\/z" is not a test data group before/);
  });

  it('reads a pass-fail problem as before: the first rejection ends the judging', async () => {
    problem();
    test('secret/1');
    test('secret/2');
    const { g, ran } = await grade((t) => (t.name === 'secret/1' ? 'WA' : 'AC'));
    expect(g).toMatchObject({ verdict: 'WA', score: 0, maxScore: 1 });
    expect(ran).toEqual(['secret/1']);
  });
});
