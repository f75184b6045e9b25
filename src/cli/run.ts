/**
 * `caged run FILE [--lang LANG] …`: judges one submission locally, with no Redis, through the
 * same Judge the worker uses. Without `--lang` the language is the one FILE's extension selects
 * in the image's manifest (`extensions`, docs/languages.md), python2 for a Python 2 program (its
 * `#!` line names python2, as `caged judge` reads it); an unknown extension is refused
 * naming it (`caged submit`, which has no image at hand, needs `--lang`). Tests come from `--tests DIR` (the one rule of test-dir.ts:
 * NAME.in with NAME.ans or NAME.out, natural order), or from `--stdin FILE` / `--expected FILE`
 * (one test; neither: one test with empty input and no expected output). Files are sent as
 * bytes (input-bytes.ts); limit flags are checked against their bounds (limit-flags.ts).
 * `--json` prints the JudgeResult; otherwise a verdict line and one line per test (the format
 * of `caged judge` and `caged submit` too), with a progress line on a terminal. Exit 0 when
 * judging happened, whatever the verdict (main.ts maps the errors: 2 for bad input, 1 when
 * caged failed, 130/143 when interrupted).
 */
import path from 'node:path';
import { HostError, InvalidRequestError } from '../errors';
import { JUDGING_LIMIT_KEYS, judgingLimits, loadConfig } from '../config';
import { Judge, type JudgeOptions } from '../judge/judge';
import { namesPython2, PYTHON2 } from '../judge/languages';
import type { JudgeResult, SubmissionInput } from '../judge/schema';
import { testDetail } from '../judge/verdict';
import { Sandbox } from '../sandbox/sandbox';
import { parseArgs, stringFlag, type ParsedArgs } from './args';
import { readInput, readSource, readTextSource } from './input-bytes';
import { CHECKER_LANGUAGE_OF_EXTENSION } from '../problem/extensions';
import { checkFlagMaxima, LIMIT_FLAG_NAMES, limitsFromFlags } from './limit-flags';
import { ProgressLine } from './progress';
import { terminalSafe } from './terminal-safe';
import { readTestDir, testcase, type TestcaseInput } from './test-dir';
import { RUN_USAGE } from './usage';

/** Tells the language of a file by its extension (the judge's registry: Judge.languageOfFile). */
export type LanguageOfFile = (file: string, field: string) => string;

/** The flags of `caged run` that take a value and those that do not (`caged submit` takes them too). */
export const RUN_VALUED_FLAGS = [
  'lang',
  'stdin',
  'expected',
  'tests',
  'checker',
  'epsilon',
  'abs-epsilon',
  'rel-epsilon',
  ...LIMIT_FLAG_NAMES,
  'image',
  'input-file',
  'output-file',
];
export const RUN_BOOLEAN_FLAGS = ['json', 'stop-on-failure', 'no-expected', 'no-file-writing'];

/** `--tests DIR` by the one rule (test-dir.ts); files that pair with nothing are reported on `warn`. */
function testsFromArgs(dir: string, args: ParsedArgs, warn: (line: string) => void): TestcaseInput[] {
  const { testcases, unpaired } = readTestDir(dir, { noExpected: args.flags.has('no-expected') });
  if (unpaired.length)
    warn(
      `caged: ignored in ${dir} (not NAME.in, NAME.ans, NAME.out or NAME.files of a test): ${unpaired.slice(0, 10).join(', ')}${unpaired.length > 10 ? ` and ${unpaired.length - 10} more` : ''}\n`,
    );
  return testcases;
}

/** A tolerance: a finite number ≥ 0 (decimal or exponent notation), else refused naming its flag. */
function toleranceFlag(args: ParsedArgs, name: string): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidRequestError(`must be a number ≥ 0 such as 1e-6 (got ${v})`, `--${name}`);
  return n;
}

/**
 * The float checker's tolerances from the command line: `--epsilon E` sets both the absolute and
 * the relative one; `--abs-epsilon` and `--rel-epsilon` set them apart (the other keeps the
 * checker's default, 1e-6). `--epsilon` with either of the others is refused. `flag` names one
 * given, for the error when the checker is not `float`.
 */
function floatTolerances(args: ParsedArgs): { flag: string; values: { absolute?: number; relative?: number } } | null {
  const both = toleranceFlag(args, 'epsilon');
  const absolute = toleranceFlag(args, 'abs-epsilon');
  const relative = toleranceFlag(args, 'rel-epsilon');
  if (both !== undefined) {
    if (absolute !== undefined || relative !== undefined)
      throw new InvalidRequestError('sets both tolerances: give it alone, or --abs-epsilon / --rel-epsilon instead', '--epsilon');
    return { flag: '--epsilon', values: { absolute: both, relative: both } };
  }
  if (absolute === undefined && relative === undefined) return null;
  return {
    flag: absolute !== undefined ? '--abs-epsilon' : '--rel-epsilon',
    values: { ...(absolute !== undefined ? { absolute } : {}), ...(relative !== undefined ? { relative } : {}) },
  };
}

/** The submission `caged run` builds from its arguments (exported for tests). */
export function submissionFromArgs(
  args: ParsedArgs,
  languageOf: LanguageOfFile | undefined,
  warn: (line: string) => void = (l) => process.stderr.write(terminalSafe(l)),
): SubmissionInput {
  const [file, ...extra] = args.positional;
  if (!file || extra.length) throw new InvalidRequestError(`give exactly one source FILE (${RUN_USAGE})`, 'FILE');
  const source = readSource(file, 'FILE');
  // A Python 2 program (its #! line names python2) is python2's, as `caged judge` reads it.
  const lang =
    stringFlag(args, 'lang') ??
    (languageOf && source.encoding === 'utf8' && namesPython2(source.text) ? PYTHON2 : languageOf?.(file, 'FILE'));
  if (!lang) throw new InvalidRequestError('is required (the language of FILE)', '--lang');
  const testsDir = stringFlag(args, 'tests');
  const stdinFile = stringFlag(args, 'stdin');
  const expectedFile = stringFlag(args, 'expected');
  if (testsDir && (stdinFile || expectedFile)) throw new InvalidRequestError('cannot be combined with --stdin or --expected', '--tests');
  const testcases = testsDir
    ? testsFromArgs(testsDir, args, warn)
    : [
        testcase(
          undefined,
          stdinFile ? readInput(stdinFile, '--stdin') : Buffer.alloc(0),
          expectedFile ? readInput(expectedFile, '--expected') : undefined,
        ),
      ];
  const limits = limitsFromFlags(args);
  const submission: SubmissionInput = {
    language: lang,
    source: source.text,
    ...(source.encoding === 'base64' ? { sourceEncoding: 'base64' as const } : {}),
    testcases,
    stopOnFirstFailure: args.flags.has('stop-on-failure'),
    ...(args.flags.has('no-file-writing') ? { allowFileWriting: false } : {}),
  };
  if (Object.keys(limits).length) submission.limits = limits;
  const inputFile = stringFlag(args, 'input-file');
  const outputFile = stringFlag(args, 'output-file');
  if (inputFile !== undefined || outputFile !== undefined)
    submission.fileIo = {
      ...(inputFile !== undefined ? { input: inputFile } : {}),
      ...(outputFile !== undefined ? { output: outputFile } : {}),
    };
  const checker = stringFlag(args, 'checker');
  const tolerances = floatTolerances(args);
  if (tolerances && checker !== 'float') throw new InvalidRequestError('is only for --checker float', tolerances.flag);
  if (checker === 'float') {
    submission.checker = { type: 'float', ...tolerances?.values };
  } else if (checker === 'exact' || checker === 'lines' || checker === 'tokens') {
    submission.checker = { type: checker };
  } else if (checker !== undefined) {
    const checkerLang = languageOf ? languageOf(checker, '--checker') : CHECKER_LANGUAGE_OF_EXTENSION[path.extname(checker).toLowerCase()];
    if (!checkerLang)
      throw new InvalidRequestError(`exact, lines, tokens, float or a .c/.cpp/.cc/.py source (got ${checker})`, '--checker');
    submission.checker = { type: 'custom', language: checkerLang, source: readTextSource(checker, '--checker') };
  }
  return submission;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** The human summary: verdict line, compile line, one line per test; terminal-safe (terminal-safe.ts). */
export function summary(r: JudgeResult): string {
  const lines = [`${r.verdict} (Judge0 ${r.judge0.id} ${r.judge0.description}) score ${r.score}/${r.maxScore}: ${r.message}`];
  if (r.compile) {
    const c = r.compile;
    lines.push(
      // A cached compile ran nothing now: its figures are zero, not shown.
      c.cached
        ? `compile: ${c.verdict} (cached: compiled by an earlier job)`
        : `compile: ${c.verdict} cpu ${c.cpuTimeMs} ms, wall ${c.wallTimeMs} ms, memory ${mib(c.memoryBytes)}`,
    );
    if (c.verdict !== 'OK' && c.output)
      lines.push(
        ...c.output
          .trimEnd()
          .split('\n')
          .slice(0, 20)
          .map((l) => `  | ${l}`),
      );
  }
  for (const t of r.tests) {
    const name = t.name && t.name !== String(t.index + 1) ? ` (${t.name})` : '';
    const stats = t.verdict === 'SKIPPED' ? '' : ` cpu ${t.cpuTimeMs} ms, wall ${t.wallTimeMs} ms, memory ${mib(t.memoryBytes)},`;
    lines.push(`test ${t.index + 1}${name}: ${t.verdict}${stats} ${testDetail(t)}`);
  }
  const single = r.tests.length === 1 ? r.tests[0] : undefined;
  if (single && single.verdict !== 'SKIPPED') {
    if (single.stdout)
      lines.push('--- stdout ---', single.stdoutEncoding === 'utf8' ? single.stdout.trimEnd() : `(binary, base64) ${single.stdout}`);
    if (single.stderr)
      lines.push('--- stderr ---', single.stderrEncoding === 'utf8' ? single.stderr.trimEnd() : `(binary, base64) ${single.stderr}`);
  }
  return terminalSafe(`${lines.join('\n')}\n`);
}

/** The worker's settings that shape judging (CAGED_IMAGE, CAGED_ROOTFS, and the limits: src/config-limits.ts), so that `caged run` judges alike. */
export function judgeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<JudgeOptions, 'sandbox'> {
  const c = loadConfig(env, ['image', 'rootfs', 'maxSourceBytes', 'reportOutputBytes', ...JUDGING_LIMIT_KEYS]);
  return {
    manifestPath: c.image,
    rootfsMode: c.rootfs,
    ...judgingLimits(c),
    maxSourceBytes: c.maxSourceBytes,
    reportOutputBytes: c.reportOutputBytes,
  };
}

export interface RunCommandDeps {
  /** A judge to use (tests reuse one); by default `caged run` makes its own sandbox and judge. */
  judge?: Judge;
  /** Aborted on SIGINT/SIGTERM (main.ts): judging stops before its next step, and everything it made is removed. */
  signal?: AbortSignal;
}

export async function runCommand(argv: readonly string[], out: NodeJS.WritableStream, deps: RunCommandDeps = {}): Promise<number> {
  const args = parseArgs(argv, RUN_VALUED_FLAGS, RUN_BOOLEAN_FLAGS);
  const judge =
    deps.judge ??
    (await Judge.create({
      ...judgeOptionsFromEnv(),
      sandbox: await Sandbox.create(),
      closeSandbox: true,
      ...(stringFlag(args, 'image') ? { manifestPath: stringFlag(args, 'image') } : {}),
    }));
  const progress = ProgressLine.on();
  try {
    const submission = submissionFromArgs(args, (f, field) => judge.languageOfFile(f, field));
    checkFlagMaxima(submission.limits ?? {}, judge.stepMaxima.test);
    progress?.draw('compiling and judging…');
    const result = await judge.judge(submission, { onProgress: (p) => progress?.test(p), signal: deps.signal });
    progress?.clear();
    // Interrupted during the last step: its verdict is the interrupt's (a killed box), not the program's.
    if (deps.signal?.aborted) throw new HostError(`interrupted (${String(deps.signal.reason)})`);
    out.write(args.flags.has('json') ? `${JSON.stringify(result, null, 2)}\n` : summary(result));
    return 0;
  } finally {
    progress?.clear();
    if (!deps.judge) await judge.close();
  }
}
