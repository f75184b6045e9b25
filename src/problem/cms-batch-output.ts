/**
 * CMS's BatchAndOutput task type (cms/grading/tasktypes/BatchAndOutput.py; task.yaml's
 * `output_only_testcases` and `output_optional_testcases`, CMS's Italian YAML loader): a Batch
 * task some of whose test cases also, or only, take an answer submitted as a file,
 * `output_<codename>.txt`, beside (or instead of) the program. Each test case, as CMS evaluates it:
 *
 *   1. an answer submitted for it (a test case of either list) is its output, checked as a
 *      program's would be: the program is not run;
 *   2. otherwise a test case of `output_only_testcases` scores nothing ("File not submitted");
 *   3. otherwise the program runs, if there is one; without one it scores nothing.
 *
 * The checker is told which kind of test case it judges as its fourth argument, `outputonly`
 * (a test case of `output_only_testcases`) or `batch` (any other), as CMS tells a
 * BatchAndOutput comparator. A program that does not compile fails the submission (CE), its
 * answers included, as CMS fails its compilation.
 */
import { InvalidRequestError } from '../errors';
import { codename } from './cms-scoring';
import type { PackageSubmission } from './package-submission';

/** Which test cases take answers (codenames: `000`, `001`, …). */
export interface CmsAnswers {
  /** `output_only_testcases`: an answer or nothing. */
  only: string[];
  /** `output_optional_testcases`: an answer, else the program. */
  optional: string[];
}

/** How one test case of a BatchAndOutput task is judged (see the file's comment). */
export type AnswerRoute = { kind: 'answer'; file: string } | { kind: 'program' } | { kind: 'not-submitted'; why: string };

/** A BatchAndOutput submission: its program (null: answers alone) and its answers (null: none), as two submissions. */
export interface SplitSubmission {
  program: PackageSubmission | null;
  answers: PackageSubmission | null;
  /** The codenames answered. */
  answered: ReadonlySet<string>;
  route(codename: string): AnswerRoute;
  /** The checker's fourth argument for the test case. */
  checkerKind(codename: string): 'outputonly' | 'batch';
}

/**
 * The list of task.yaml's `key` (comma-separated test case numbers, as CMS's loader splits it;
 * a number or a YAML list too), as codenames; each below `count`. Null when absent or empty.
 */
export function readAnswerList(value: unknown, key: string, count: number, where: string): string[] | null {
  if (value === undefined || value === null || value === '') return null;
  const items = Array.isArray(value) ? value : typeof value === 'number' ? [value] : typeof value === 'string' ? value.split(',') : null;
  if (!items) throw new InvalidRequestError(`${key} must be a comma-separated list of test case numbers`, where);
  return items.map((item) => {
    const n = typeof item === 'number' ? item : typeof item === 'string' && /^\s*\d+\s*$/.test(item) ? Number(item) : NaN;
    if (!Number.isInteger(n) || n < 0 || n >= count)
      throw new InvalidRequestError(`${key}: ${JSON.stringify(item)} is not a test case number (0 to ${count - 1})`, where);
    return codename(n);
  });
}

const ANSWER = /^output_(\d{3,})\.txt$/;

/**
 * Splits a submission into its answers (files `output_<codename>.txt` of test cases that take
 * one) and its program (the other files, in the submission's language); an answer for a test
 * case that takes none, or a submission of neither, is refused.
 */
export function splitSubmission(task: CmsAnswers, s: PackageSubmission): SplitSubmission {
  const only = new Set(task.only);
  const takes = new Set([...task.only, ...task.optional]);
  const files = s.files ?? [];
  const answerFiles = files.filter((f) => ANSWER.test(f.name));
  for (const f of answerFiles) {
    const c = ANSWER.exec(f.name)![1]!;
    if (!takes.has(c))
      throw new InvalidRequestError(
        `${f.name} answers test case ${c}, which takes no answer (these do: ${[...takes].sort().join(', ')})`,
        'SUBMISSION',
      );
  }
  const rest = files.filter((f) => !ANSWER.test(f.name));
  const hasProgram = s.source !== undefined || rest.length > 0;
  if (!hasProgram && !answerFiles.length)
    throw new InvalidRequestError('the submission holds neither a program nor an answer (output_<codename>.txt)', 'SUBMISSION');
  const { files: _files, entry: _entry, ...fields } = s;
  const program: PackageSubmission | null = !hasProgram
    ? null
    : s.source !== undefined
      ? { ...fields }
      : { ...fields, files: rest, ...(s.entry !== undefined && !ANSWER.test(s.entry) ? { entry: s.entry } : {}) };
  const answered = new Set(answerFiles.map((f) => ANSWER.exec(f.name)![1]!));
  // The answers as an output-only submission: each test's run, `cat -- main.txt output_<codename>.txt`, prints its answer.
  const answers: PackageSubmission | null = answerFiles.length
    ? {
        ...fields,
        language: 'plaintext',
        files: [{ name: 'main.txt', content: '', encoding: 'utf8' }, ...answerFiles],
        entry: 'main.txt',
      }
    : null;
  return {
    program,
    answers,
    answered,
    route: (c) => {
      if (answered.has(c)) return { kind: 'answer', file: `output_${c}.txt` };
      if (only.has(c)) return { kind: 'not-submitted', why: `output_${c}.txt not submitted (an output-only test case)` };
      if (!program) return { kind: 'not-submitted', why: `no program submitted, nor output_${c}.txt` };
      return { kind: 'program' };
    },
    checkerKind: (c) => (only.has(c) ? 'outputonly' : 'batch'),
  };
}
