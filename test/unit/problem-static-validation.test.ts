/**
 * 2025-09 static validation (src/problem/test-data.ts, package-validator.ts, group-grading.ts):
 * where a static validation test case goes, the format's rules for `static_validation_score`
 * and `static_validator_args`, the static validator's place, and the scores, with a fake
 * runner: no container, no root. The real static validator runs in test/problem-static.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runFrom } from '../../src/judge/output-validator-spec';
import { BUILD_RUN_RUN } from '../../src/judge/output-validator-spec';
import type { Language } from '../../src/judge/languages';
import { loadPackage } from '../../src/problem/problem-package';
import type { TestCase, TestGroup } from '../../src/problem/test-data';
import { gradeOutcomes, refused, groupNamed, scratchPackage } from './helpers/scratch-package';

const pkgDir = scratchPackage('caged-static-');
const { write, test } = pkgDir;

function problem(extra = 'type: scoring\n', format = '2025-09'): void {
  write('problem.yaml', `problem_format_version: ${format}\nname: X\nuuid: 8ee7605a-0000-0000-0000-000000000001\n${extra}`);
}

function load() {
  return loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });
}

function refusedAt(field: string, text: RegExp): void {
  refused(load, field, text);
}

function tests(g: TestGroup): TestCase[] {
  return g.children.flatMap((c) => (c.kind === 'test' ? [c.test] : []));
}

const grade = (outcome: Parameters<typeof gradeOutcomes>[1]) => gradeOutcomes(pkgDir.dir(), outcome);

describe('when a 2025-09 package has static validation', () => {
  beforeEach(() => {
    write('static_validator/check.py', 'import sys\nsys.exit(42)\n');
  });

  it('reads static_validator/ as a program, as output_validator/ is read (or its one subdirectory)', () => {
    problem();
    test('secret/1');
    expect(load().staticValidator).toMatchObject({ dir: 'static_validator', code: 'python3', program: 'source' });
    fs.rmSync(path.join(pkgDir.dir(), 'static_validator'), { recursive: true });
    write('static_validator/golf/build', '#!/bin/sh\ntrue\n');
    write('static_validator/golf/run', '#!/bin/sh\nexit 42\n');
    expect(load().staticValidator).toMatchObject({ dir: 'static_validator/golf', code: 'bash', program: 'build-run' });
    fs.rmSync(path.join(pkgDir.dir(), 'static_validator'), { recursive: true });
    write('static_validator', 'not a directory\n');
    refusedAt('static_validator', /must be a directory/);
  });

  it('puts the static validation test case first in its group, with its args, and shares a sum group’s max_score', () => {
    problem();
    test('sample/1');
    test('secret/1');
    test('secret/2');
    write('data/sample/test_group.yaml', 'static_validation_score: pass-fail\n');
    write('data/secret/test_group.yaml', 'static_validation_score: 20\nstatic_validator_args: [golf, "200"]\n');
    const pkg = load();
    const sample = tests(groupNamed(pkg.data, 'sample'));
    expect(sample.map((t) => [t.name, t.staticValidation?.args])).toEqual([
      ['sample/static_validation', []],
      ['sample/1', undefined],
    ]);
    const secret = tests(groupNamed(pkg.data, 'secret'));
    expect(secret.map((t) => [t.name, t.maxScore, t.staticValidation?.args])).toEqual([
      ['secret/static_validation', 20, ['golf', '200']],
      ['secret/1', 40, undefined],
      ['secret/2', 40, undefined],
    ]);
    expect(secret[0]).toMatchObject({ inPath: '', ansPath: '' });
  });

  it('scores it like a test case: its score within the group’s sum, 0 when rejected; the tests still run', async () => {
    problem();
    test('secret/1');
    test('secret/2');
    write('data/secret/test_group.yaml', 'static_validation_score: 20\n');
    const full = await grade(() => 'AC');
    expect(full.g).toMatchObject({ verdict: 'AC', score: 100, maxScore: 100 });
    const partial = await grade((t) => (t.staticValidation ? ['AC', 5] : 'AC'));
    expect(partial.g).toMatchObject({ verdict: 'AC', score: 85 });
    const rejected = await grade((t) => (t.staticValidation ? 'WA' : 'AC'));
    expect(rejected.g).toMatchObject({ verdict: 'WA', score: 80, maxScore: 100 });
    expect(rejected.ran).toEqual(['secret/static_validation', 'secret/1', 'secret/2']);
  });

  it('gives a pass-fail group all or nothing, the static validation counting as one of its test cases', async () => {
    problem();
    test('secret/a/1');
    write('data/secret/a/test_group.yaml', 'max_score: 100\nstatic_validation_score: pass-fail\n');
    const ok = await grade(() => 'AC');
    expect(ok.by['secret/a']).toMatchObject({ verdict: 'AC', score: 100, maxScore: 100 });
    const rejected = await grade((t) => (t.staticValidation ? 'WA' : 'AC'));
    expect(rejected.by['secret/a']).toMatchObject({ verdict: 'WA', score: 0 });
    // A pass-fail group stops at its first rejection.
    expect(rejected.ran).toEqual(['secret/a/static_validation']);
    expect(tests(groupNamed(load().data, 'secret/a'))[0]).toMatchObject({ maxScore: 100, passFail: true });
  });

  it('takes pass-fail in a pass-fail problem, where a rejection is the verdict', async () => {
    problem('');
    test('secret/1');
    write('data/secret/test_group.yaml', 'static_validation_score: pass-fail\n');
    const r = await grade((t) => (t.staticValidation ? 'WA' : 'AC'));
    expect(r.g).toMatchObject({ verdict: 'WA', score: 0, maxScore: 1 });
    expect(r.ran).toEqual(['secret/static_validation']);
  });

  it('refuses what the format calls an error, naming the file', () => {
    const yaml = 'data/secret/test_group.yaml';
    problem();
    test('secret/1');
    write(yaml, 'static_validator_args: [x]\n');
    refusedAt(yaml, /static_validator_args without static_validation_score/);
    write(yaml, 'static_validation_score: 1.5\n');
    refusedAt(yaml, /non-negative integer or pass-fail/);
    write(yaml, 'static_validation_score: -1\n');
    refusedAt(yaml, /non-negative integer or pass-fail/);
    write(yaml, 'static_validation_score: 120\n');
    refusedAt(yaml, /\(120\) is above the group's max_score \(100\)/);
    write(yaml, 'static_validation_score: pass-fail\n');
    refusedAt(yaml, /pass-fail needs score_aggregation: pass-fail \(this group's is sum\)/);
    write(yaml, 'score_aggregation: pass-fail\nstatic_validation_score: 10\n');
    refusedAt(yaml, /a score needs sum or min aggregation/);
    problem('');
    write(yaml, 'static_validation_score: 10\n');
    refusedAt(yaml, /a score needs a scoring problem/);
    write(yaml, 'static_validation_score: pass-fail\n');
    test('secret/static_validation');
    refusedAt('data/secret/static_validation.in', /named as the group's static validation test case/);
  });

  it('refuses it in older formats, which have no static validation', () => {
    problem('type: scoring\n', '2023-07');
    test('secret/1');
    write('data/secret/testdata.yaml', 'static_validation_score: 10\n');
    refusedAt('data/secret/testdata.yaml', /2025-09 feature/);
  });
});

describe('when a static validator runs outside its own directory', () => {
  const lang = (run: readonly string[], sourceFile = 'main.py'): Language =>
    ({ id: 'x', run, sourceFile, env: {}, compile: null }) as unknown as Language;

  let box: string;
  beforeEach(() => {
    box = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-runfrom-'));
  });
  afterEach(() => fs.rmSync(box, { recursive: true, force: true }));

  it('names its compiled program and entry file by absolute path', () => {
    expect(runFrom('/validator', lang(['./main'], 'main.c'), 2 ** 26, box)).toEqual(['/validator/main']);
    expect(runFrom('/validator', lang(['python3', '{entry}']), 2 ** 26, box)).toEqual(['python3', '/validator/main.py']);
    expect(runFrom('/validator', lang(BUILD_RUN_RUN, 'run'), 2 ** 26, box)).toEqual(['/bin/sh', '-c', 'exec /validator/run "$@"', 'run']);
  });

  it('names a compiled file its command names bare (Mono) by absolute path, and nothing the box lacks', () => {
    fs.writeFileSync(path.join(box, 'main.exe'), '');
    expect(runFrom('/validator', lang(['mono', 'main.exe'], 'main.cs'), 2 ** 26, box)).toEqual(['mono', '/validator/main.exe']);
    fs.rmSync(path.join(box, 'main.exe'));
    expect(runFrom('/validator', lang(['mono', 'main.exe'], 'main.cs'), 2 ** 26, box)).toEqual(['mono', 'main.exe']);
    // An option or a path leaving the box is never looked up.
    fs.writeFileSync(path.join(box, '-q'), '');
    expect(runFrom('/validator', lang(['lua', '-q', '../x'], 'main.lua'), 2 ** 26, box)).toEqual(['lua', '-q', '../x']);
  });

  it('moves a class path\'s "." to its directory (Java, Kotlin, Scala)', () => {
    expect(runFrom('/validator', lang(['java', '-cp', '.', 'Main'], 'Main.java'), 2 ** 26, box)).toEqual([
      'java',
      '-cp',
      '/validator',
      'Main',
    ]);
    expect(runFrom('/validator', lang(['java', '-cp', '.:/x.jar', 'a.b.Main'], 'Main.java'), 2 ** 26, box)).toEqual([
      'java',
      '-cp',
      '/validator:/x.jar',
      'a.b.Main',
    ]);
  });
});
