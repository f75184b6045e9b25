/**
 * CMS's BatchAndOutput without a container: task.yaml's `output_only_testcases` and
 * `output_optional_testcases` read (src/problem/cms-package.ts), a submission split into its
 * program and its answers, and each test case's route and checker argument
 * (src/problem/cms-batch-output.ts). The real judging: test/problem-cms.test.ts.
 */
import path from 'node:path';
import { InvalidRequestError } from '../../src/errors';
import { readAnswerList, splitSubmission } from '../../src/problem/cms-batch-output';
import { loadPackage } from '../../src/problem/problem-package';
import { scratchPackage } from './helpers/scratch-package';

const PACKAGES = path.join(__dirname, '..', 'packages');
const file = (name: string, content = '1\n') => ({ name, content, encoding: 'utf8' as const });

describe("a BatchAndOutput task's lists", () => {
  const pkg = scratchPackage('caged-cms-bo-');

  it('reads comma-separated test case numbers (as CMS splits them), a number or a YAML list, as codenames', () => {
    expect(readAnswerList('0, 2,10', 'k', 11, 'task.yaml')).toEqual(['000', '002', '010']);
    expect(readAnswerList('000,001', 'k', 4, 'task.yaml')).toEqual(['000', '001']);
    expect(readAnswerList(3, 'k', 4, 'task.yaml')).toEqual(['003']);
    expect(readAnswerList([1, '2'], 'k', 4, 'task.yaml')).toEqual(['001', '002']);
    for (const absent of [undefined, null, '']) expect(readAnswerList(absent, 'k', 4, 'task.yaml')).toBeNull();
  });

  it('refuses a number that is no test case, or anything but a list', () => {
    expect(() => readAnswerList('4', 'output_only_testcases', 4, 'task.yaml')).toThrow(
      /output_only_testcases: "4" is not a test case number \(0 to 3\)/,
    );
    expect(() => readAnswerList('1,x', 'k', 4, 'task.yaml')).toThrow(/"x" is not a test case number/);
    expect(() => readAnswerList({ a: 1 }, 'k', 4, 'task.yaml')).toThrow(InvalidRequestError);
  });

  it('makes a Batch task with them a BatchAndOutput task; notes them on an output-only or Communication task', () => {
    expect(loadPackage(path.join(PACKAGES, 'cms-batch-output')).cms?.answers).toEqual({ only: ['002'], optional: ['001'] });
    expect(loadPackage(path.join(PACKAGES, 'cms-sum')).cms?.answers).toBeNull();
    pkg.write('task.yaml', 'n_input: 1\ntime_limit: 1\noutput_only: true\noutput_only_testcases: "0"\n');
    pkg.write('input/input0.txt', '1\n');
    pkg.write('output/output0.txt', '1\n');
    const p = loadPackage(pkg.dir());
    expect(p.cms?.answers).toBeNull();
    expect(p.dataNotes?.join('\n')).toMatch(/output_only_testcases not read: CMS reads it for a Batch task/);
  });
});

describe('a BatchAndOutput submission', () => {
  const task = { only: ['002'], optional: ['001'] };

  it('splits its answers from its program, and routes each test case as CMS evaluates it', () => {
    const s = splitSubmission(task, {
      language: 'cpp17',
      files: [file('square.cpp', 'int main(){}'), file('output_002.txt'), file('output_001.txt')],
    });
    expect(s.program).toEqual({ language: 'cpp17', files: [file('square.cpp', 'int main(){}')] });
    expect(s.answers?.language).toBe('plaintext');
    expect(s.answers?.files?.map((f) => f.name)).toEqual(['main.txt', 'output_002.txt', 'output_001.txt']);
    expect(s.route('001')).toEqual({ kind: 'answer', file: 'output_001.txt' });
    expect(s.route('002')).toEqual({ kind: 'answer', file: 'output_002.txt' });
    expect(s.route('000')).toEqual({ kind: 'program' });
    expect([s.checkerKind('000'), s.checkerKind('001'), s.checkerKind('002')]).toEqual(['batch', 'batch', 'outputonly']);
  });

  it('scores an output-only test case without its answer nothing, and a program test case without a program', () => {
    const program = splitSubmission(task, { language: 'c', source: 'int main(){}' });
    expect(program.answers).toBeNull();
    expect(program.route('001')).toEqual({ kind: 'program' });
    expect(program.route('002')).toMatchObject({ kind: 'not-submitted', why: 'output_002.txt not submitted (an output-only test case)' });
    const answers = splitSubmission(task, { language: 'plaintext', files: [file('output_001.txt')] });
    expect(answers.program).toBeNull();
    expect(answers.route('000')).toMatchObject({ kind: 'not-submitted', why: 'no program submitted, nor output_000.txt' });
  });

  it('refuses an answer for a test case that takes none, and a submission of neither', () => {
    expect(() => splitSubmission(task, { language: 'plaintext', files: [file('output_000.txt')] })).toThrow(
      /output_000.txt answers test case 000, which takes no answer \(these do: 001, 002\)/,
    );
    expect(() => splitSubmission(task, { language: 'plaintext', files: [] })).toThrow(/neither a program nor an answer/);
  });
});
