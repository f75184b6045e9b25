/**
 * Legacy custom graders (src/problem/test-data.ts, package-validator.ts loadGrader,
 * src/judge/group-grading.ts): where `grading: custom` is allowed, its flags, the grader's place,
 * and a group graded by a fake grader: no container, no root. The real grader runs in
 * test/problem-grader.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gradeTree, type CustomGrade } from '../../src/judge/group-grading';
import type { TestVerdict } from '../../src/judge/schema';
import { loadPackage } from '../../src/problem/problem-package';
import type { TestCase } from '../../src/problem/test-data';
import { refused, groupNamed, scratchPackage } from './helpers/scratch-package';
import { madeUpResult } from './helpers/test-result';

const pkgDir = scratchPackage('caged-grader-');
const { write, test } = pkgDir;
const load = () => loadPackage(pkgDir.dir(), { fallbackTimeLimitS: 1 });

function legacy(type = 'scoring'): void {
  write('problem.yaml', `name: X\ntype: ${type}\n`);
  test('sample/1');
  for (const t of ['secret/g/1', 'secret/g/2', 'secret/h/1']) test(t);
}

describe('when a legacy package uses grading: custom', () => {
  beforeEach(() => write('graders/grader.py', 'print("AC 1")\n'));

  it('keeps grader_flags as the grader’s own arguments, inherited by the groups below', () => {
    legacy();
    write('data/secret/testdata.yaml', 'grading: custom\ngrader_flags: best_of 3 whatever\n');
    write('data/secret/h/testdata.yaml', 'grader_flags: other\n');
    const pkg = load();
    expect(pkg.grader).toMatchObject({ dir: 'graders', code: 'python3', program: 'source' });
    expect(groupNamed(pkg.data, 'secret').settings.customGrader).toEqual({ flags: ['best_of', '3', 'whatever'] });
    expect(groupNamed(pkg.data, 'secret/g').settings.customGrader).toEqual({ flags: ['best_of', '3', 'whatever'] });
    expect(groupNamed(pkg.data, 'secret/h').settings.customGrader).toEqual({ flags: ['other'] });
    expect(groupNamed(pkg.data, 'sample').settings.customGrader).toBeUndefined();
    write('data/secret/h/testdata.yaml', 'grading: default\ngrader_flags: min\n');
    const h = groupNamed(load().data, 'secret/h').settings;
    expect({ custom: h.customGrader, aggregation: h.aggregation }).toEqual({ custom: undefined, aggregation: 'min' });
  });

  it('refuses it without a grader, in a pass-fail problem or a 2023-07 one, and two graders or build/run scripts', () => {
    const yaml = 'data/secret/testdata.yaml';
    legacy();
    write(yaml, 'grading: custom\n');
    fs.rmSync(path.join(pkgDir.dir(), 'graders'), { recursive: true });
    refused(load, yaml, /needs a grader: the package has no graders\//);
    write('graders/grader.py', 'print("AC 1")\n');
    write('problem.yaml', 'name: X\n');
    refused(load, yaml, /needs a scoring problem/);
    write('problem.yaml', 'problem_format_version: 2023-07\nname: X\ntype: scoring\n');
    refused(load, yaml, /a legacy feature/);
    write('problem.yaml', 'name: X\ntype: scoring\n');
    write('graders/other.c', 'int main(){}\n');
    refused(load, 'graders', /holds 2 graders/);
    fs.rmSync(path.join(pkgDir.dir(), 'graders'), { recursive: true });
    write('graders/g/build', '#!/bin/sh\n');
    write('graders/g/run', '#!/bin/sh\necho AC 1\n');
    refused(load, 'graders/g', /a grader of sources, not build\/run/);
  });

  it('grades the group by the grader: its verdict, its score within range, range’s top as the maximum', async () => {
    legacy();
    write('data/secret/g/testdata.yaml', 'grading: default\n');
    write('data/secret/h/testdata.yaml', 'grading: default\n');
    write('data/secret/testdata.yaml', 'grading: custom\non_reject: continue\nrange: 0 50\n');
    const pkg = load();
    const seen: Array<[string, Array<{ verdict: TestVerdict; score: number }>]> = [];
    const grade: CustomGrade<TestCase> = (g, results) => {
      seen.push([g.name, [...results]]);
      return Promise.resolve({ verdict: 'AC', score: 70 });
    };
    const g = await gradeTree(
      pkg.data,
      true,
      (t, _f, i) => Promise.resolve(madeUpResult(i, t.name === 'secret/g/2' ? 'WA' : 'AC', { name: t.name })),
      (t, i) => madeUpResult(i, 'SKIPPED', { name: t.name }),
      undefined,
      grade,
    );
    // secret's subgroups: g (rejected at its second test, on_reject continue) and h.
    expect(seen).toEqual([
      [
        'secret',
        [
          { verdict: 'WA', score: 1 },
          { verdict: 'AC', score: 1 },
        ],
      ],
    ]);
    const secret = g.groups.find((x) => x.name === 'secret');
    expect(secret).toMatchObject({ verdict: 'AC', score: 50, maxScore: 50 });
    expect(g).toMatchObject({ verdict: 'AC', score: 50, maxScore: 50 });
  });

  it('asks the grader for the maximum of a group whose range has no top, with every child accepted at its own', async () => {
    legacy();
    write('data/secret/g/testdata.yaml', 'grading: default\n');
    write('data/secret/h/testdata.yaml', 'grading: default\n');
    write('data/secret/testdata.yaml', 'grading: custom\non_reject: continue\n');
    const calls: Array<[string, boolean, Array<{ verdict: TestVerdict; score: number }>]> = [];
    const grade: CustomGrade<TestCase> = (g, results, best) => {
      calls.push([g.name, best === true, [...results]]);
      return Promise.resolve({ verdict: 'AC', score: results.filter((r) => r.verdict === 'AC').length * 10 });
    };
    const g = await gradeTree(
      load().data,
      true,
      (t, _f, i) => Promise.resolve(madeUpResult(i, t.name === 'secret/g/2' ? 'WA' : 'AC', { name: t.name })),
      (t, i) => madeUpResult(i, 'SKIPPED', { name: t.name }),
      undefined,
      grade,
    );
    // g's own maximum is 2 (two tests of accept_score 1), h's 1; the grader is asked once more for secret.
    expect(calls.map(([n, b, r]) => [n, b, r.map((x) => `${x.verdict} ${x.score}`)])).toEqual([
      ['secret', false, ['WA 1', 'AC 1']],
      ['secret', true, ['AC 2', 'AC 1']],
    ]);
    expect(g.groups.find((x) => x.name === 'secret')).toMatchObject({ verdict: 'AC', score: 10, maxScore: 20 });
  });
});

describe("the default grader's flags (legacy testdata.yaml grader_flags)", () => {
  it('inherits grader_flags whole from the nearest group that has them, accept_if_any_accepted beside the verdict rule', async () => {
    legacy();
    write('data/secret/testdata.yaml', 'on_reject: continue\ngrader_flags: first_error accept_if_any_accepted\n');
    write('data/secret/g/testdata.yaml', 'grader_flags: min\n');
    const pkg = load();
    expect(groupNamed(pkg.data, 'secret').settings).toMatchObject({ verdictRule: 'first_error', acceptIfAnyAccepted: true });
    // g's own flags replace its parent's: worst_error (the default), no accept_if_any_accepted, min.
    const g = groupNamed(pkg.data, 'secret/g').settings;
    expect({ rule: g.verdictRule, any: g.acceptIfAnyAccepted, aggregation: g.aggregation }).toEqual({
      rule: 'worst_error',
      any: undefined,
      aggregation: 'min',
    });
    // h has none of its own: its parent's, whole.
    expect(groupNamed(pkg.data, 'secret/h').settings).toMatchObject({ verdictRule: 'first_error', acceptIfAnyAccepted: true });
    /** The groups' verdicts when h's one test gets `h`. */
    const verdictsWith = async (h: TestVerdict): Promise<Record<string, string>> => {
      const verdicts: Record<string, TestVerdict> = { 'secret/g/1': 'WA', 'secret/g/2': 'TLE', 'secret/h/1': h };
      const graded = await gradeTree(
        pkg.data,
        true,
        (t, _f, i) => Promise.resolve(madeUpResult(i, verdicts[t.name] ?? 'AC', { name: t.name })),
        (t, i) => madeUpResult(i, 'SKIPPED', { name: t.name }),
      );
      return Object.fromEntries(graded.groups.map((x) => [x.name, x.verdict]));
    };
    // g: the worst of WA and TLE; secret: AC, as h is (accept_if_any_accepted).
    expect(await verdictsWith('AC')).toMatchObject({ 'secret/g': 'TLE', secret: 'AC' });
    // With no child AC, accept_if_any_accepted leaves the verdict to the rule: the first rejection.
    expect(await verdictsWith('WA')).toMatchObject({ secret: 'TLE' });
  });
});

describe("legacy problem.yaml's grading keys (earlier versions of the format; problemtools still reads them)", () => {
  it('sets accept_score, reject_score, range and on_reject in every group, over testdata.yaml', () => {
    legacy();
    write('data/secret/testdata.yaml', 'on_reject: break\naccept_score: 5\nrange: 0 7\n');
    write(
      'problem.yaml',
      'name: X\ntype: scoring\ngrading:\n  objective: max\n  show_test_data_groups: true\n  accept_score: 2\n  reject_score: -1\n  range: 0 100\n  on_reject: grade\n',
    );
    const pkg = load();
    expect(pkg.config.objective).toBe('max');
    for (const name of ['data', 'sample', 'secret', 'secret/g', 'secret/h'])
      expect({ name, ...(name === 'data' ? pkg.data : groupNamed(pkg.data, name)).settings }).toMatchObject({
        name,
        acceptScore: 2,
        rejectScore: -1,
        range: [0, 100],
        onReject: 'continue',
      });
    // PyYAML's booleans (YAML 1.1), as packages written for problemtools use them; another word is refused.
    write('problem.yaml', 'name: X\ntype: scoring\ngrading:\n  show_test_data_groups: yes\n');
    expect(() => load()).not.toThrow();
    expect(load().config.objective).toBe('max');
    write('problem.yaml', 'name: X\ntype: scoring\ngrading:\n  objective: min\n');
    expect(load().config.objective).toBe('min');
    write('problem.yaml', 'name: X\ntype: scoring\ngrading:\n  objective: least\n');
    expect(() => load()).toThrow(/objective/);
    write('problem.yaml', 'name: X\ntype: scoring\ngrading:\n  show_test_data_groups: maybe\n');
    expect(() => load()).toThrow(/show_test_data_groups: expected a boolean/);
    write('problem.yaml', 'name: X\ntype: scoring\ngrading:\n  on_reject: first_error\n');
    write('data/secret/testdata.yaml', 'on_reject: continue\n');
    expect(groupNamed(load().data, 'secret/g').settings.onReject).toBe('break');
    // worst_error was the default: it sets nothing.
    write('problem.yaml', 'name: X\ntype: scoring\ngrading:\n  on_reject: worst_error\n');
    expect(groupNamed(load().data, 'secret/g').settings).toMatchObject({
      onReject: 'continue',
      acceptScore: 1,
      range: [-Infinity, Infinity],
    });
  });

  it('refuses on_reject: grade in a pass-fail problem, an unknown on_reject and a bad range', () => {
    legacy('pass-fail');
    write('problem.yaml', 'name: X\ngrading:\n  on_reject: grade\n');
    refused(load, 'problem.yaml', /on_reject: grade is for scoring problems/);
    write('problem.yaml', 'name: X\ntype: scoring\ngrading:\n  on_reject: stop\n');
    refused(load, 'problem.yaml', /on_reject/);
    write('problem.yaml', 'name: X\ntype: scoring\ngrading:\n  range: 0\n');
    refused(load, 'problem.yaml', /range: must be "MIN MAX"/);
  });
});
