/**
 * The one test-directory rule of the command line (`caged run --tests`, `caged submit --tests`),
 * the one ICPC packages use: `NAME.in` with `NAME.ans` or `NAME.out` (not both), in natural
 * order (2 before 10), a test's `NAME.files` directory its input files (testcases[].files). An
 * `.in` without an answer is an error, unless the caller says there is
 * no expected output (`--no-expected`: such tests pass when the program ends normally), never a
 * silent AC. Files that pair with nothing (a `.ans` alone, notes, subdirectories) are returned
 * in `unpaired` for the caller to report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { MAX_TEST_FILE_DEPTH, MAX_TEST_FILES } from '../judge/test-file-schema';
import type { SubmissionInput } from '../judge/schema';
import { asField, readInput } from './input-bytes';

export type TestcaseInput = NonNullable<SubmissionInput['testcases']>[number];

export interface TestDirOptions {
  /** Tests without an answer file run with no expected output (else they are an error). */
  noExpected: boolean;
  /** The flag named in errors; default `--tests`. */
  flag?: string;
}

export interface TestDir {
  testcases: TestcaseInput[];
  /** Names of the entries that are no part of a test, sorted. */
  unpaired: string[];
}

const ANSWER_EXTENSIONS = ['.ans', '.out'] as const;

/** Natural order: digit runs compared as numbers (`2` < `10`), then plain order as the tie-break. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}

/** One test: stdin and, when given, the expected output, each as UTF-8 text or base64 (input-bytes.ts). */
export function testcase(name: string | undefined, stdin: Buffer, expected: Buffer | undefined): TestcaseInput {
  const i = asField(stdin);
  const tc: TestcaseInput = { stdin: i.text, stdinEncoding: i.encoding };
  if (name !== undefined) tc.name = name;
  if (expected) {
    const e = asField(expected);
    tc.expected = e.text;
    tc.expectedEncoding = e.encoding;
  }
  return tc;
}

export function readTestDir(dir: string, opts: TestDirOptions): TestDir {
  const flag = opts.flag ?? '--tests';
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new InvalidRequestError(`not a directory: ${dir}`, flag);
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  const files = new Set(entries.filter((e) => e.isFile() || (e.isSymbolicLink() && isFile(path.join(dir, e.name)))).map((e) => e.name));
  const stems = [...files].filter((f) => f.endsWith('.in') && f.length > 3).map((f) => f.slice(0, -3));
  if (!stems.length) throw new InvalidRequestError(`no NAME.in files in ${dir}`, flag);
  stems.sort(naturalCompare);
  const used = new Set<string>();
  const missing: string[] = [];
  const testcases = stems.map((stem) => {
    used.add(`${stem}.in`);
    const answers = ANSWER_EXTENSIONS.map((ext) => stem + ext).filter((f) => files.has(f));
    if (answers.length > 1) throw new InvalidRequestError(`${stem}.in has both ${answers.join(' and ')} in ${dir}: keep one`, flag);
    const answer = answers[0];
    if (answer) used.add(answer);
    else missing.push(`${stem}.in`);
    const tc = testcase(stem, readInput(path.join(dir, `${stem}.in`), flag), answer ? readInput(path.join(dir, answer), flag) : undefined);
    const filesDir = entries.find((e) => e.name === `${stem}.files` && e.isDirectory());
    if (filesDir) {
      used.add(`${stem}.files/`);
      tc.files = readFilesDir(path.join(dir, filesDir.name), flag);
    }
    return tc;
  });
  if (missing.length && !opts.noExpected) {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
    throw new InvalidRequestError(
      `${shown} in ${dir} ${missing.length === 1 ? 'has' : 'have'} no NAME.ans or NAME.out: add the answers, or give --no-expected to run them with no expected output`,
      flag,
    );
  }
  const unpaired = entries
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
    .filter((n) => !used.has(n))
    .sort(naturalCompare);
  return { testcases, unpaired };
}

/**
 * A test's `NAME.files` directory (the problem package format's input files, put in the
 * program's working directory for that test): every file below it, hidden ones too; a link or
 * anything but files and directories is refused, naming it.
 */
function readFilesDir(root: string, flag: string): NonNullable<TestcaseInput['files']> {
  const out: NonNullable<TestcaseInput['files']> = [];
  const walk = (abs: string, rel: string, depth: number): void => {
    const entries = fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      const at = path.join(abs, e.name);
      if (depth > MAX_TEST_FILE_DEPTH)
        throw new InvalidRequestError(`${at} is deeper than ${MAX_TEST_FILE_DEPTH} levels in a test's .files`, flag);
      if (e.isDirectory()) walk(at, p, depth + 1);
      else if (e.isFile()) out.push({ path: p, content: fs.readFileSync(at).toString('base64'), encoding: 'base64' });
      else throw new InvalidRequestError(`${at} is neither a file nor a directory (a test's .files holds only those)`, flag);
      if (out.length > MAX_TEST_FILES) throw new InvalidRequestError(`${root} holds more than ${MAX_TEST_FILES} files`, flag);
    }
  };
  walk(root, '', 1);
  return out;
}

function isFile(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
}
