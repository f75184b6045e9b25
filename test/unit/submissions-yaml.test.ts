/**
 * submissions/submissions.yaml of a 2025-09 package (src/problem/submissions-yaml.ts): its
 * globs, the folders' default requirements and their overrides, which requirements bound the
 * time limit, a judgement checked against them, and the language and entry point it gives. No
 * container, no root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidRequestError } from '../../src/errors';
import type { JudgeResult, TestVerdict } from '../../src/judge/schema';
import { PackageFiles } from '../../src/problem/package-files';
import {
  checkExpectations,
  compileGlob,
  expectationsOf,
  languageAndEntry,
  readSubmissionsYaml,
  type SubmissionRule,
} from '../../src/problem/submissions-yaml';
import { madeUpResult } from './helpers/test-result';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-subyaml-'));
  fs.mkdirSync(path.join(tmp, 'submissions'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function rules(yaml?: string): SubmissionRule[] {
  if (yaml !== undefined) fs.writeFileSync(path.join(tmp, 'submissions', 'submissions.yaml'), yaml);
  return readSubmissionsYaml(PackageFiles.open(tmp));
}

function refused(f: () => unknown, text: RegExp): void {
  expect(f).toThrow(InvalidRequestError);
  expect(f).toThrow(text);
}

describe('a glob', () => {
  const matches = (glob: string, p: string) => compileGlob(glob, 'test').test(p);

  it('matches a path or any path below it, * within one name only', () => {
    expect(matches('accepted', 'accepted/a.py')).toBe(true);
    expect(matches('accepted/', 'accepted/a.py')).toBe(true);
    expect(matches('accepted', 'accepted_too/a.py')).toBe(false);
    expect(matches('wa/ac*', 'wa/ac.py')).toBe(true);
    expect(matches('wa/ac*', 'wa/x/ac.py')).toBe(false);
    expect(matches('*/nested.py', 'a/nested.py')).toBe(true);
    expect(matches('*/nested.py', 'a/b/nested.py')).toBe(false);
    expect(matches('nested.py', 'a/nested.py')).toBe(false); // names are matched from submissions/ down
    expect(matches('secret/*-easy', 'secret/group-easy/01')).toBe(true);
    expect(matches('a.py', 'a-py')).toBe(false); // "." is literal
  });

  it('expands braces, nested and in products, dropping blanks around alternatives', () => {
    expect(matches('expansion/ac.{py,cpp}', 'expansion/ac.cpp')).toBe(true);
    expect(matches('expansion/ac.{py,cpp}', 'expansion/ac.c')).toBe(false);
    expect(matches('secret/*{,0,1}{0,2}', 'secret/12')).toBe(true);
    expect(matches('secret/*{,0,1}{0,2}', 'secret/2')).toBe(true);
    expect(matches('secret/*{,0,1}{0,2}', 'secret/13')).toBe(false);
    expect(matches('secret/*{ 4 }{ 2 }', 'secret/x42')).toBe(true);
    expect(matches('a{b,c{d,e}}', 'ace')).toBe(true);
    expect(matches('a{b,c{d,e}}', 'ac')).toBe(false);
  });

  it('refuses what the format does not support, and unbalanced braces', () => {
    for (const g of ['**/a.py', 'a/[ab].py', 'a{b', 'a}b', '']) refused(() => compileGlob(g, 'test'), /glob|empty/);
    refused(() => compileGlob('{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}{s,t}', 'test'), /more than 1000 patterns/);
  });
});

describe('the requirements of a submission', () => {
  it("are the folders' defaults without a submissions.yaml: accepted and wrong_answer bound the limit from below, time_limit_exceeded from above", () => {
    const r = rules();
    const of = (p: string) =>
      expectationsOf(r, p).expectations.map((e) => [[...e.permitted].join(','), [...e.required].join(','), e.lower, e.upper]);
    expect(of('accepted/a.py')).toEqual([['AC', 'AC', true, false]]);
    expect(of('wrong_answer/a.py')).toEqual([['AC,WA', 'WA', true, false]]);
    expect(of('run_time_error/a.py')).toEqual([['AC,RTE', 'RTE', true, false]]);
    expect(of('time_limit_exceeded/a.py')).toEqual([['AC,TLE', 'TLE', false, true]]);
    expect(of('brute_force/a.py')).toEqual([['AC,RTE,TLE', 'RTE,TLE', false, false]]);
    expect(of('rejected/a.py')).toEqual([['AC,WA,TLE,RTE', 'RTE,TLE,WA', false, false]]);
    expect(of('elsewhere/a.py')).toEqual([]);
  });

  it("change a default folder's keys given and inherit the rest; every matching glob adds its own", () => {
    const r = rules(
      [
        'time_limit_exceeded:',
        '  permitted: [AC, WA, TLE]',
        'accepted/:',
        '  use_for_time_limit: false',
        'mixed:',
        '  permitted: [AC, WA]',
        'mixed/{odd,even}.py:',
        '  language: python3',
        '  secret/*{1,3}:',
        '    required: [AC]',
        '  sample:',
        '    use_for_time_limit: upper',
        '    required: [TLE]',
      ].join('\n'),
    );
    const tle = expectationsOf(r, 'time_limit_exceeded/x.py').expectations;
    expect(tle.map((e) => [[...e.permitted], [...e.required], e.upper])).toEqual([[['AC', 'WA', 'TLE'], ['TLE'], true]]);
    expect(expectationsOf(r, 'accepted/x.py').expectations.map((e) => [[...e.permitted], e.lower])).toEqual([[['AC'], false]]);
    const odd = expectationsOf(r, 'mixed/odd.py');
    expect(odd.language).toBe('python3');
    expect(odd.expectations.map((e) => [e.tests, [...e.permitted], [...e.required], e.lower, e.upper])).toEqual([
      [null, ['AC', 'WA'], ['AC', 'WA'], true, false],
      [null, ['AC', 'WA', 'TLE', 'RTE'], ['AC', 'WA', 'TLE', 'RTE'], false, false],
      ['secret/*{1,3}', ['AC', 'WA', 'TLE', 'RTE'], ['AC'], false, false],
      ['sample', ['AC', 'WA', 'TLE', 'RTE'], ['TLE'], false, true],
    ]);
    expect(expectationsOf(r, 'mixed/other.py').language).toBeUndefined();
  });

  it('refuses unknown keys and verdicts, a requirement bounding both ways, and two languages for one submission', () => {
    refused(() => rules('accepted:\n  colour: red\n'), /unknown key "colour"/);
    refused(() => rules('accepted:\n  permitted: [OK]\n'), /permitted/);
    refused(() => rules('x:\n  permitted: [AC]\n  use_for_time_limit: sometimes\n'), /use_for_time_limit/);
    refused(() => rules('x:\n  permitted: [AC]\n  required: [TLE]\n  use_for_time_limit: true\n'), /from below and from above/);
    refused(() => rules('- accepted\n'), /must be a map of globs/);
    refused(() => rules('x:\n  score: [5, 1]\n'), /score range \[5, 1\] is empty/);
    const r = rules('a:\n  language: python3\na/b.py:\n  language: cpp\n');
    refused(() => expectationsOf(r, 'a/b.py'), /more than one language \(python3, cpp\)/);
  });
});

describe('a judgement checked against them', () => {
  function judged(verdicts: Record<string, TestVerdict>, extra: Partial<JudgeResult> = {}): JudgeResult {
    const tests = Object.entries(verdicts).map(([name, v], i) =>
      madeUpResult(i, v, { name, checkerMessage: v === 'WA' ? 'expected 3, got 4' : null }),
    );
    return { tests, score: 0, groups: [], ...extra } as unknown as JudgeResult;
  }

  it('meets, fails or cannot tell, naming the requirement', () => {
    const r = rules(
      'wa/odd.py:\n  secret/*{1,3}:\n    required: [AC]\n  message: got 4\nsc:\n  score: [40, 60]\n  secret/g1:\n    score: 10\n',
    );
    const wa = expectationsOf(r, 'wrong_answer/x.py');
    expect(checkExpectations(wa, judged({ 'sample/1': 'AC', 'secret/1': 'WA', 'secret/2': 'AC' }))).toEqual({
      status: 'met',
      failed: [],
      unverified: [],
    });
    expect(checkExpectations(wa, judged({ 'sample/1': 'AC', 'secret/1': 'AC' })).failed).toEqual(['none of its tests is WA (required)']);
    expect(checkExpectations(wa, judged({ 'sample/1': 'AC', 'secret/1': 'TLE' })).failed).toEqual([
      'secret/1 is TLE, not one of AC, WA (permitted for its tests)',
      'none of its tests is WA (required)',
    ]);
    expect(checkExpectations(wa, judged({ 'sample/1': 'AC', 'secret/1': 'WA', 'secret/2': 'SKIPPED' }))).toEqual({
      status: 'unverified',
      failed: [],
      unverified: ['some of its tests were not judged: not known whether all are AC or WA (permitted)'],
    });
    // Without secret data, a rule over every test cannot be decided on the samples; one over the samples alone can.
    const NONE = 'data/secret holds no test case';
    expect(checkExpectations(wa, judged({ 'sample/1': 'AC' }), NONE)).toEqual({
      status: 'unverified',
      failed: [],
      unverified: ['none of its tests is WA (required), but data/secret holds no test case'],
    });
    const onSamples = expectationsOf(rules('x:\n  sample/*:\n    required: [WA]\n'), 'x/a.py');
    expect(checkExpectations(onSamples, judged({ 'sample/1': 'AC' }), NONE).failed).toEqual(['none of tests sample/* is WA (required)']);
    const both = expectationsOf(rules('x:\n  "{sample,secret}/*":\n    required: [WA]\n'), 'x/a.py');
    expect(checkExpectations(both, judged({ 'sample/1': 'AC' }), NONE).status).toBe('unverified');
    // RE, MLE and OLE are the format's RTE.
    const rte = expectationsOf(r, 'run_time_error/x.py');
    expect(checkExpectations(rte, judged({ 'secret/1': 'AC', 'secret/2': 'MLE' })).status).toBe('met');
    const odd = expectationsOf(r, 'wa/odd.py');
    expect(checkExpectations(odd, judged({ 'secret/1': 'WA', 'secret/2': 'AC', 'secret/3': 'AC' })).status).toBe('met');
    expect(checkExpectations(odd, judged({ 'secret/1': 'WA', 'secret/2': 'AC', 'secret/3': 'RE' })).failed).toEqual([
      'none of tests secret/*{1,3} is AC (required)',
    ]);
    expect(checkExpectations(odd, judged({ 'secret/1': 'AC', 'secret/3': 'AC' })).failed).toEqual([
      'no judge message of its tests holds "got 4"',
    ]);
    const sc = expectationsOf(r, 'sc/full.py');
    const groups = [
      { name: 'secret/g1', score: 10 },
      { name: 'secret/g1/deep', score: 3 },
    ];
    expect(checkExpectations(sc, judged({ 'secret/g1/1': 'AC' }, { score: 50, groups } as Partial<JudgeResult>)).status).toBe('met');
    expect(checkExpectations(sc, judged({ 'secret/g1/1': 'AC' }, { score: 70, groups } as Partial<JudgeResult>)).failed).toEqual([
      'the submission scored 70, not in [40, 60]',
    ]);
  });
});

describe('the language and entry point it gives', () => {
  const ids = ['c', 'c11', 'c99', 'cpp03', 'cpp11', 'cpp14', 'cpp17', 'cpp20', 'cpp-clang', 'python3', 'pypy3', 'java', 'commonlisp'];
  const extension = (n: string) =>
    ({ '.py': 'python3', '.cpp': 'cpp17', '.cc': 'cpp17', '.java': 'java', '.lisp': 'commonlisp' })[path.extname(n)];
  /** The image's languages as the Judge tells them: an unknown extension throws. */
  const known = {
    languages: () => ids.map((id) => ({ id })),
    languageOfFile: (n: string) => {
      const id = extension(n);
      if (id === undefined) throw new InvalidRequestError(`no language has ${path.extname(n)}`, 'file');
      return id;
    },
  };

  it("names caged's language of the format's code, the extension's when it has that code", () => {
    expect(languageAndEntry({ language: 'python3' }, 'a/x.py', { single: 'x.py' }, known)).toEqual({ lang: 'python3' });
    expect(languageAndEntry({ language: 'cpp' }, 'a/x.txt', { single: 'x.txt' }, known)).toEqual({ lang: 'cpp20' });
    // The newest C++ the image has: cpp23 where it has one.
    const withCpp23 = { ...known, languages: () => [...ids, 'cpp23'].map((id) => ({ id })) };
    expect(languageAndEntry({ language: 'cpp' }, 'a/x.txt', { single: 'x.txt' }, withCpp23)).toEqual({ lang: 'cpp23' });
    // The format's c is caged's c (GNU17), not an earlier standard the image also has.
    expect(languageAndEntry({ language: 'c' }, 'a/x.txt', { single: 'x.txt' }, known)).toEqual({ lang: 'c' });
    expect(languageAndEntry({ language: 'lisp' }, 'a/x', { single: 'x' }, known)).toEqual({ lang: 'commonlisp' });
    expect(languageAndEntry({ language: 'python3' }, 'a/x.cc', { single: 'x.cc' }, known)).toEqual({ lang: 'python3' });
    refused(
      () => languageAndEntry({ language: 'swift' }, 'a/x.swift', { single: 'x.swift' }, known),
      /language "swift", which this worker's image has no language for/,
    );
    // Not a code of the format at all (a language's name), said so.
    refused(
      () => languageAndEntry({ language: 'Python 3' }, 'a/x.py', { single: 'x.py' }, known),
      /language "Python 3", which is no language code of the format \(its languages table: python3, cpp/,
    );
  });

  it('names the entry file of a directory, by its name or a class name', () => {
    const names = ['ac.py', 'helper.py'];
    expect(languageAndEntry({ language: 'python3', entrypoint: 'ac.py' }, 'ac_or_wa/metadata', { names }, known)).toEqual({
      lang: 'python3',
      entry: 'ac.py',
    });
    expect(languageAndEntry({ entrypoint: 'Main' }, 'a/j', { names: ['Main.java', 'Util.java'] }, known)).toEqual({
      entry: 'Main.java',
    });
    // Kotlin's class of a file: the format's default entry point MainKt, or any file's.
    expect(languageAndEntry({ entrypoint: 'HelloKt' }, 'a/k', { names: ['hello.kt', 'util.kt'] }, known)).toEqual({ entry: 'hello.kt' });
    refused(() => languageAndEntry({ entrypoint: 'main.py' }, 'a/d', { names }, known), /entry point "main.py", which names no one file/);
  });
});
