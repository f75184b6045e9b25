/**
 * CMS tasks in the Italian YAML format (src/problem/cms-package.ts, cms-scoring.ts): task.yaml,
 * gen/GEN and the score types read into a ProblemPackage, its test tree graded with a fake
 * runner giving each test an outcome, the checker and graders found, and the refusals. Also the
 * CMS checker's protocol (src/judge/cms-checker.ts), CMS's white diff (src/judge/white-diff.ts)
 * and GroupMul's `product` aggregation. No container, no root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cmsVerdict } from '../../src/judge/cms-checker';
import { gradeTree, groupSettings } from '../../src/judge/group-grading';
import { checkWhiteDiff } from '../../src/judge/white-diff';
import { withCmsGrader } from '../../src/problem/cms-package';
import { generateCmsTests } from '../../src/problem/cms-generate';
import type { Judge } from '../../src/judge/judge';
import type { PackageSubmission } from '../../src/problem/package-submission';
import { readGen } from '../../src/problem/cms-scoring';
import { loadPackage } from '../../src/problem/problem-package';
import type { TestCase } from '../../src/problem/test-data';
import { polygonPoints, polygonTestScore } from '../../src/problem/testlib-programs';
import { repoLanguageRegistry } from './helpers/language-table';
import { refused, scratchPackage } from './helpers/scratch-package';
import { madeUpResult } from './helpers/test-result';

const PACKAGES = path.join(__dirname, '..', 'packages');
const pkg = scratchPackage('caged-cms-');

/** A task of `n` test cases with this task.yaml (and gen/GEN when given), in place of what the directory held. */
function task(yaml: string, n: number, gen?: string): void {
  for (const f of fs.readdirSync(pkg.dir())) fs.rmSync(path.join(pkg.dir(), f), { recursive: true });
  pkg.write('task.yaml', yaml);
  if (gen !== undefined) pkg.write('gen/GEN', gen);
  for (let i = 0; i < n; i++) {
    pkg.write(`input/input${i}.txt`, `${i}\n`);
    pkg.write(`output/output${i}.txt`, `${i}\n`);
  }
}

/** The first bytes of an ELF executable (ET_DYN) of that class (1: 32-bit, 2: 64-bit) and e_machine, as text (every byte below 0x80). */
function elfHeader(elfClass: number, machine: number): string {
  const b = Buffer.alloc(64);
  b.write('\x7fELF', 0, 'latin1');
  b.set([elfClass, 1, 1], 4);
  b.writeUInt16LE(3, 16);
  b.writeUInt16LE(machine, 18);
  return b.toString('latin1');
}

/** Grades the task in `dir`, each test's outcome (0..1, as its checker says) from `outcome`, as judge-package.ts scores it. */
async function grade(dir: string, outcome: (name: string) => number) {
  const p = loadPackage(dir, { fallbackTimeLimitS: 1 });
  const g = await gradeTree(
    p.data,
    true,
    (t: TestCase, _flags, i) => {
      const o = outcome(t.name);
      const verdict = o >= 1 ? 'AC' : 'WA';
      return Promise.resolve(
        madeUpResult(i, verdict, { name: t.name, points: polygonPoints(t, verdict, o * (t.maxScore ?? 0), t.maxScore ?? 0) }),
      );
    },
    (t, i, why) => madeUpResult(i, 'SKIPPED', { name: t.name, message: why }),
    polygonTestScore,
  );
  return { p, g, by: Object.fromEntries(g.groups.map((x) => [x.name, x])) };
}

describe('CMS tasks: task.yaml and gen/GEN', () => {
  it('reads the repository task: GEN subtasks as GroupMin, CMS default files, its checker, its limits', async () => {
    const { p, g, by } = await grade(path.join(PACKAGES, 'cms-sum'), (n) => (n === '002' ? 0.5 : 1));
    expect(p.config.format).toBe('cms');
    expect(p.config.name).toBe('somma');
    expect(p.timeLimit).toEqual({ seconds: 1, from: 'task.yaml' });
    expect(p.config.limits.memoryMiB).toBe(256);
    // No infile/outfile in task.yaml: CMS's input.txt and output.txt.
    expect(p.config.fileIo).toEqual({ input: 'input.txt', output: 'output.txt', stdin: false });
    // It may write output.txt alone: allowFileWriting false with an output file.
    expect(p.config.allowFileWriting).toBe(false);
    expect(p.cms?.checker).toMatchObject({ dir: 'cor/correttore.cpp', code: 'cpp', entry: 'correttore.cpp' });
    expect(p.cms?.grader).toBeNull();
    expect(g.tests.map((t) => t.name)).toEqual(['000', '001', '002', '003', '004']);
    expect(by['subtask 0']).toMatchObject({ score: 0, maxScore: 0 });
    // GroupMin: 40 × min(1, 0.5).
    expect(by['subtask 1']).toMatchObject({ score: 20, maxScore: 40, verdict: 'WA' });
    expect(by['subtask 2']).toMatchObject({ score: 60, maxScore: 60, verdict: 'AC' });
    expect(g.score).toBe(80);
    expect(g.maxScore).toBe(100);
  });

  it('reads a task.yaml score type with regular expressions: GroupMul multiplies the outcomes', async () => {
    const dir = path.join(PACKAGES, 'cms-grader');
    const { p, g, by } = await grade(dir, (n) => (n === '000' ? 0.5 : n === '001' ? 0.5 : 1));
    expect(p.config.fileIo).toBeUndefined();
    // Standard output: it may write no file.
    expect(p.config.allowFileWriting).toBe(false);
    expect(p.cms?.checker).toBeNull();
    expect(p.cms?.grader?.sources.map((s) => s.name).sort()).toEqual(['grader.cpp', 'grader.py']);
    expect(p.cms?.grader?.headers.map((s) => s.name)).toEqual(['area.h']);
    expect(by['subtask 0']).toMatchObject({ score: 30 * 0.25, maxScore: 30 });
    expect(by['subtask 1']).toMatchObject({ score: 70, maxScore: 70 });
    expect(g.score).toBe(77.5);
  });

  it("reads GroupThreshold: each subtask's threshold on its test cases, a subtask all or nothing", async () => {
    task(
      'n_input: 4\nscore_type: GroupThreshold\nscore_type_parameters: [[40, "00[01]", 2.5], {max_score: 60, testcases: "00[23]", threshold: 1}]\n',
      4,
    );
    const thresholds = (dir: string) => {
      const out: Array<[string, number | undefined]> = [];
      for (const c of loadPackage(dir, { fallbackTimeLimitS: 1 }).data.children)
        if (c.kind === 'group') for (const t of c.group.children) if (t.kind === 'test') out.push([t.test.name, t.test.cmsThreshold]);
      return out;
    };
    expect(thresholds(pkg.dir())).toEqual([
      ['000', 2.5],
      ['001', 2.5],
      ['002', 1],
      ['003', 1],
    ]);
    // Each test case AC when its outcome is within its threshold (thresholdVerdict): the least of 0/1 per subtask.
    const { g, by } = await grade(pkg.dir(), (n) => (n === '001' ? 0 : 1));
    expect(by['subtask 0']).toMatchObject({ score: 0, maxScore: 40 });
    expect(by['subtask 1']).toMatchObject({ score: 60, maxScore: 60 });
    expect(g.score).toBe(60);
    task('n_input: 2\nscore_type: GroupThreshold\nscore_type_parameters: [[100, 2]]\n', 2);
    refused(
      () => loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }),
      'task.yaml score_type_parameters',
      /GroupThreshold takes \[points, test cases, threshold\]/,
    );
  });

  it('reads gen/GEN as CMS does: test lines, COPY lines, comments, subtask points adding up to 100', () => {
    expect(readGen('1 2\n\n# a comment\n3 4 # ignored\n#COPY: x.txt\n')).toEqual({
      count: 3,
      subtasks: null,
      cases: [
        { line: 1, args: ['1', '2'], copy: null, subtask: 0 },
        { line: 4, args: ['3', '4'], copy: null, subtask: 0 },
        { line: 5, args: null, copy: 'x.txt', subtask: 0 },
      ],
    });
    // cmsMake's subtask numbers count the "# ST:" lines from 1 (what the validator is given).
    const st = readGen('#ST: 30\na\nb\n# ST: 70\n#COPY: c\n');
    expect(st).toMatchObject({
      count: 3,
      subtasks: [
        [30, 2],
        [70, 1],
      ],
    });
    expect(st.cases.map((c) => c.subtask)).toEqual([1, 1, 2]);
    refused(() => readGen('#ST: 30\na\n#ST: 30\nb\n'), 'gen/GEN', /add up to 60, not 100/);
    refused(() => readGen('a\n#ST: 100\nb\n'), 'gen/GEN', /before the first "# ST:"/);
    refused(() => readGen('#ST: ten\n'), 'gen/GEN', /subtask's points/);
    refused(() => readGen('a # ST: 10\n'), 'gen/GEN', /a test case and a command on one line/);
  });

  it('gives Sum total_value over the test cases, from GEN or n_input, and runs every test case', async () => {
    task('name: t\ntime_limit: 2\ntotal_value: 60\n', 3, 'a\nb\nc\n');
    const { p, g } = await grade(pkg.dir(), (n) => (n === '001' ? 0 : 1));
    expect(p.data.children.map((c) => (c.kind === 'test' ? c.test.maxScore : null))).toEqual([20, 20, 20]);
    expect(g.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'AC']);
    expect(g.score).toBe(40);
    task('name: t\nn_input: 4\n', 4);
    expect((await grade(pkg.dir(), () => 1)).g.score).toBe(100);
  });

  it('reads infile and outfile: empty is standard input or output', () => {
    task("name: t\ninfile: ''\noutfile: out.txt\nn_input: 1\n", 1);
    expect(loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }).config.fileIo).toEqual({ output: 'out.txt' });
    task('name: t\ninfile: ../x\nn_input: 1\n', 1);
    expect(loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }).config.unsupported.join()).toMatch(/infile "..\/x"/);
  });

  it('refuses what it cannot judge as CMS does, and names what is wrong', () => {
    task('name: t\n', 1);
    refused(() => loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }), 'task.yaml', /no n_input, and the task has no gen\/GEN/);
    task('name: t\nn_input: 3\n', 2);
    refused(() => loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }), 'input/', /input\/input2.txt.*cmsMake/);
    task('name: t\nn_input: 2\n', 2, 'a\n');
    refused(() => loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }), 'task.yaml', /n_input is 2, and gen\/GEN gives 1/);
    task('name: t\nn_input: 1\n', 1);
    refused(() => loadPackage(pkg.dir()), 'PROBLEM_DIR', /no time_limit in task.yaml/);
    const unsupported = (yaml: string, n = 2): string => {
      task(yaml, n);
      return loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }).config.unsupported.join('; ');
    };
    expect(unsupported('n_input: 2\nscore_type: Fancy\nscore_type_parameters: 1\n')).toMatch(/"Fancy"/);
  });

  it('puts a test case in every subtask that names it, as CMS allows: each subtask takes its outcome', async () => {
    task('n_input: 3\nscore_type: GroupMin\nscore_type_parameters: [[30, "00[01]"], [70, "00"]]\n', 3);
    const { p, g, by } = await grade(pkg.dir(), (n) => (n === '001' ? 0.5 : 1));
    expect(p.config.unsupported).toEqual([]);
    // Subtask 0: 000 and 001; subtask 1: all three. 001's half counts in both.
    expect(g.tests.map((t) => t.name)).toEqual(['000', '001', '000', '001', '002']);
    expect(by['subtask 0']).toMatchObject({ score: 15, maxScore: 30 });
    expect(by['subtask 1']).toMatchObject({ score: 35, maxScore: 70 });
    expect(g.score).toBe(50);
  });

  it('reads an output-only task: each test prints its answer file, no file I/O, a time limit for cat, a larger code limit', () => {
    task("n_input: 2\noutput_only: true\ninfile: ''\noutfile: out.txt\n", 2);
    pkg.write('sol/grader.cpp', 'int main() {}\n');
    const p = loadPackage(pkg.dir());
    expect(p.config.unsupported).toEqual([]);
    expect(p.cms).toMatchObject({ outputOnly: true, grader: null });
    expect(p.config.fileIo).toBeUndefined();
    expect(p.timeLimit).toEqual({ seconds: 5, from: 'task.yaml' });
    expect(p.config.limits.codeKiB).toBe(16 * 1024);
    expect(p.data.children.map((c) => (c.kind === 'test' ? c.test.args : null))).toEqual([['output_000.txt'], ['output_001.txt']]);
  });

  it("takes an output-only task's answers as plain-text files by their codenames, and nothing else", () => {
    task('n_input: 2\noutput_only: true\n', 2);
    const cms = loadPackage(pkg.dir()).cms;
    const languages = repoLanguageRegistry();
    const files = (...names: string[]): PackageSubmission => ({
      language: 'plaintext',
      files: names.map((name) => ({ name, content: 'x' })),
    });
    const built = withCmsGrader(cms, files('output_000.txt', 'output_001.txt'), languages.get('plaintext'));
    expect(built.files?.map((f) => f.name)).toEqual(['main.txt', 'output_000.txt', 'output_001.txt']);
    expect(built.entry).toBe('main.txt');
    expect(() => withCmsGrader(cms, files('answers.txt'), languages.get('plaintext'))).toThrow(/"answers.txt" is not an answer/);
    expect(() => withCmsGrader(cms, { language: 'plaintext', source: 'x' }, languages.get('plaintext'))).toThrow(/--lang plaintext/);
    expect(() => withCmsGrader(cms, { language: 'python3', source: 'x' }, languages.get('python3'))).toThrow(/output-only task/);
  });

  it('refuses bad score type parameters, naming them', () => {
    const load = (params: string) => {
      task(`n_input: 3\nscore_type: GroupMin\nscore_type_parameters: ${params}\n`, 3);
      return () => loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 });
    };
    refused(load('[[50, 2], [50, 2]]'), 'task.yaml score_type_parameters', /take 4 test cases or more; the task has 3/);
    refused(load('[[50, 2], [50, "002"]]'), 'task.yaml score_type_parameters', /the same way/);
    refused(load('[[100, "9"]]'), 'task.yaml score_type_parameters', /no test case's codename matches "9"/);
    refused(load('[[100, "("]]'), 'task.yaml score_type_parameters', /not a regular expression/);
    refused(load('[[100, ["000", "007"]]]'), 'task.yaml score_type_parameters', /"007" is not a test case's codename/);
    refused(load('[[-1, 3]]'), 'task.yaml score_type_parameters', /points must be a number ≥ 0/);
  });

  it('notes test cases in no subtask and keys CMS does not know; they score nothing', async () => {
    task('n_input: 3\nscore_type: GroupMin\nscore_type_parameters: [{max_score: 100, testcases: ["001"]}]\ncolour: red\n', 3);
    const { p, g } = await grade(pkg.dir(), () => 1);
    expect(p.dataNotes?.join('\n')).toMatch(/colour not read/);
    expect(p.dataNotes?.join('\n')).toMatch(/in no subtask .*: 000, 002/);
    expect(g.score).toBe(100);
    expect(g.tests).toHaveLength(3);
  });

  it('finds the checker: a source beside its headers, a script by its #! line, else the compiled program as it is', () => {
    task('n_input: 1\n', 1);
    pkg.write('check/checker.cpp', '#include "testlib.h"\nint main(){}\n');
    pkg.write('check/testlib.h', '// testlib\n');
    pkg.write('cor/correttore.py', 'print(1)\n');
    const checker = loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }).cms?.checker;
    // check/ before cor/, as CMS's loader looks.
    expect(checker?.files.map((f) => f.name)).toEqual(['checker.cpp', 'testlib.h']);
    task('n_input: 1\n', 1);
    pkg.write('cor/correttore', '#!/usr/bin/env python3\nprint(1.0)\n');
    expect(loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }).cms?.checker).toMatchObject({ code: 'python3', entry: 'correttore.py' });
    task('n_input: 1\n', 1);
    pkg.write('check/checker', elfHeader(2, 62));
    expect(loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }).cms?.checker).toMatchObject({
      dir: 'check/checker',
      code: 'executable',
      entry: 'a.out',
      languageIds: ['executable'],
    });
    // Its source beside it wins: the worker builds it, as cmsMake would have.
    pkg.write('check/checker.c', 'int main(){}\n');
    expect(loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }).cms?.checker).toMatchObject({ dir: 'check/checker.c', code: 'c' });
    task('n_input: 1\n', 1);
    pkg.write('check/manager', elfHeader(1, 3));
    refused(() => loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }), 'check/manager', /compiled manager for 32-bit.*check\/manager\.cpp/);
    task('n_input: 1\n', 1);
    pkg.write('cor/correttore', 'MZ\x90\x00');
    refused(() => loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }), 'cor/correttore', /neither a program \(ELF\), a script/);
    task('n_input: 1\n', 1);
    pkg.write('check/checker.c', 'int main(){}\n');
    pkg.write('check/checker.py', 'print(1)\n');
    refused(() => loadPackage(pkg.dir(), { fallbackTimeLimitS: 1 }), 'check', /several sources/);
  });
});

describe('caged problem generate on a CMS task: what is refused before anything runs', () => {
  const noJudge = {} as Judge;
  it('refuses a COPY outside the package, a generator line with shell syntax, and missing programs', async () => {
    task('n_input: 1\n', 0, '#COPY: ../../etc/passwd\n');
    await expect(generateCmsTests(noJudge, pkg.dir())).rejects.toThrow(/outside the package/);
    task('n_input: 1\n', 0, '1 > /tmp/x\n');
    await expect(generateCmsTests(noJudge, pkg.dir())).rejects.toThrow(/quotes, redirections or variables/);
    task('n_input: 1\n', 0, '1 2\n');
    await expect(generateCmsTests(noJudge, pkg.dir())).rejects.toThrow(/no generator \(gen\/generatore/);
    pkg.write('gen/generatore.py', 'print(1)\n');
    await expect(generateCmsTests(noJudge, pkg.dir())).rejects.toThrow(/no official solution \(sol\/soluzione/);
    task('n_input: 1\nscore_type: Fancy\nscore_type_parameters: 1\n', 0, '1\n');
    await expect(generateCmsTests(noJudge, pkg.dir())).rejects.toThrow(/"Fancy".*nothing is generated/);
  });
});

describe('CMS graders: the submission compiled as CMS compiles it', () => {
  const grader = loadPackage(path.join(PACKAGES, 'cms-grader'), { fallbackTimeLimitS: 1 }).cms;
  const languages = repoLanguageRegistry();
  const getLanguage = (id: string) => languages.get(id);
  const source = (text: string): PackageSubmission => ({ language: 'cpp17', source: text });

  it('names the submission after the task, beside the grader of its language and the headers', () => {
    const built = withCmsGrader(grader, source('long long area(long long w, long long h) { return w * h; }'), getLanguage('cpp17'));
    expect(built.files?.map((f) => f.name)).toEqual(['area.cpp', 'grader.cpp', 'area.h']);
    const pySource: PackageSubmission = { language: 'python3', source: 'def area(w, h): return w * h\n' };
    const py = withCmsGrader(grader, pySource, getLanguage('python3'));
    expect(py.files?.map((f) => f.name)).toEqual(['area.py', 'grader.py', 'area.h']);
    expect(py.entry).toBe('grader.py');
  });

  it('refuses a language without a grader, and several files', () => {
    expect(() => withCmsGrader(grader, { language: 'java', source: 'class area {}' }, getLanguage('java'))).toThrow(
      /graders are sol\/grader\..*none is a java source/,
    );
    const two = { language: 'cpp17', files: ['a.cpp', 'b.cpp'].map((name) => ({ name, content: '' })) };
    expect(() => withCmsGrader(grader, two, getLanguage('cpp17'))).toThrow(/one source file/);
  });

  it('leaves a task without graders alone', () => {
    const s = source('int main(){}');
    expect(withCmsGrader({ grader: null, taskName: 'x' }, s, getLanguage('cpp17'))).toBe(s);
  });
});

describe('the CMS checker protocol', () => {
  const b = (s: string) => Buffer.from(s);
  it('reads the outcome on stdout and the message on stderr, translating the stock texts', () => {
    expect(cmsVerdict(0, b('1.0\n'), b('translate:success\n'))).toEqual({ verdict: 'AC', fraction: 1, message: 'Output is correct' });
    expect(cmsVerdict(0, b('0.25\n'), b('close\nADMIN_MESSAGE: x\n'))).toEqual({ verdict: 'WA', fraction: 0.25, message: 'close' });
    expect(cmsVerdict(0, b('0\n'), b('translate:wrong'))).toEqual({ verdict: 'WA', fraction: 0, message: "Output isn't correct" });
    expect(cmsVerdict(0, b('5e-1'), b(''))).toMatchObject({ verdict: 'WA', fraction: 0.5, message: 'Output is partially correct' });
  });
  it('is IE on another exit code, no number, or a number outside 0..1', () => {
    expect(cmsVerdict(1, b('1.0'), b('boom'))).toMatchObject({ verdict: 'IE', message: 'the checker failed (exit code 1): boom' });
    expect(cmsVerdict(0, b('ok'), b('')).message).toMatch(/outcome, a number from 0 to 1/);
    expect(cmsVerdict(0, b('ok'), b('')).verdict).toBe('IE');
    expect(cmsVerdict(0, b('1.5'), b(''))).toMatchObject({ verdict: 'IE' });
    expect(cmsVerdict(0, b('-0.1'), b(''))).toMatchObject({ verdict: 'IE' });
    expect(cmsVerdict(0, b('nan'), b(''))).toMatchObject({ verdict: 'IE' });
    expect(cmsVerdict(0, b(''), b(''))).toMatchObject({ verdict: 'IE' });
  });
  it("reads an outcome as a measure under GroupThreshold: correct within (0, threshold], as CMS's GroupThreshold", () => {
    expect(cmsVerdict(0, b('1.7\n'), b(''), 'checker', 2.5)).toEqual({
      verdict: 'AC',
      fraction: 1,
      message: 'Correct (outcome 1.7, within (0, 2.5])',
    });
    expect(cmsVerdict(0, b('2.6\n'), b('slow'), 'checker', 2.5)).toEqual({
      verdict: 'WA',
      fraction: 0,
      message: 'slow (outcome 2.6, not within (0, 2.5])',
    });
    expect(cmsVerdict(0, b('0\n'), b(''), 'checker', 2.5).verdict).toBe('WA');
    expect(cmsVerdict(0, b('-1\n'), b(''), 'checker', 2.5).verdict).toBe('WA');
    expect(cmsVerdict(0, b('ok\n'), b(''), 'checker', 2.5).verdict).toBe('IE');
    expect(cmsVerdict(3, b('1\n'), b(''), 'checker', 2.5).verdict).toBe('IE');
  });
});

describe("CMS's white diff", () => {
  const ok = (o: string, a: string) => checkWhiteDiff(Buffer.from(o), Buffer.from(a)).accepted;
  it('collapses whitespace within a line and ignores blank lines at the end', () => {
    expect(ok('1  2\t3 \r\n', '1 2 3\n')).toBe(true);
    expect(ok('  x\n\n\n  \n', 'x')).toBe(true);
    expect(ok('', '\n\n')).toBe(true);
    expect(ok('a\nb\n', 'a\nb')).toBe(true);
  });
  it('keeps line breaks, blank lines in the middle and case', () => {
    expect(ok('1 2\n', '1\n2\n')).toBe(false);
    expect(ok('1\n\n2\n', '1\n2\n')).toBe(false);
    expect(ok('Yes\n', 'yes\n')).toBe(false);
    expect(ok('12\n', '1 2\n')).toBe(false);
  });
  it('says which line differs', () => {
    expect(checkWhiteDiff(Buffer.from('a\nb\n'), Buffer.from('a\nc\n')).message).toBe('line 2 differs: expected "c", got "b"');
    expect(checkWhiteDiff(Buffer.from('a\n'), Buffer.from('a\nc\n')).message).toMatch(/line 2 .*got end of output \(output too short\)/);
    expect(checkWhiteDiff(Buffer.from('a\nb\n'), Buffer.from('a\n')).message).toMatch(/line 2 .*\(output too long\)/);
  });
});

describe("GroupMul's product aggregation", () => {
  it('scores the group max_score times the product of its children shares', async () => {
    const tests = [0.5, 0.5, 1].map((f, i) => ({ name: `t${i}`, inPath: '', ansPath: '', maxScore: 10, f }));
    const g = await gradeTree(
      {
        name: 'data',
        settings: groupSettings({ caseScores: true, onReject: 'continue' }),
        children: [
          {
            kind: 'group',
            group: {
              name: 'mul',
              settings: groupSettings({ caseScores: true, onReject: 'continue', aggregation: 'product', maxScore: 10 }),
              children: tests.map((test) => ({ kind: 'test' as const, test })),
            },
          },
        ],
      },
      true,
      (t, _f, i) => Promise.resolve(madeUpResult(i, t.f >= 1 ? 'AC' : 'WA', { points: t.f * 10 })),
      (_t, i) => madeUpResult(i, 'SKIPPED'),
      polygonTestScore,
    );
    expect(g.score).toBe(2.5);
    expect(g.maxScore).toBe(10);
  });
});
