/**
 * `caged run FILE --lang LANG …`: judges one submission locally, with no Redis, through the
 * same Judge the worker uses. Tests come from `--tests DIR` (pairs N.in / N.out, in numeric
 * order), or from `--stdin FILE` / `--expected FILE` (one test; neither: one test with empty
 * input and no expected output). `--json` prints the JudgeResult; otherwise a verdict line and
 * one line per test. Exit 0 when judging happened, whatever the verdict (main.ts maps the
 * errors: 2 for bad input, 1 when caged failed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { loadConfig } from '../config';
import { Judge, type JudgeOptions } from '../judge/judge';
import type { JudgeResult, SubmissionInput } from '../judge/schema';
import { Sandbox } from '../sandbox/sandbox';
import { parseArgs, stringFlag, type ParsedArgs } from './args';
import { terminalSafe } from './terminal-safe';

export const RUN_USAGE =
  'caged run FILE --lang LANG [--stdin FILE] [--expected FILE] [--tests DIR] [--checker exact|lines|tokens|float|FILE] ' +
  '[--time S] [--wall S] [--memory MB] [--output KB] [--pids N] [--stop-on-failure] [--image MANIFEST] [--json]';

type TestcaseInput = NonNullable<SubmissionInput['testcases']>[number];

const CHECKER_LANGUAGES: Record<string, string> = { '.c': 'c', '.cpp': 'cpp17', '.cc': 'cpp17', '.cxx': 'cpp17', '.py': 'python3' };

function readInput(file: string, flag: string): Buffer {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile()) throw new InvalidRequestError(`no such file: ${file}`, flag);
  return fs.readFileSync(file);
}

/** Text when it is UTF-8, else base64 with its encoding. */
function asField(data: Buffer): { text: string; encoding: 'utf8' | 'base64' } {
  const text = data.toString('utf8');
  return Buffer.from(text, 'utf8').equals(data) ? { text, encoding: 'utf8' } : { text: data.toString('base64'), encoding: 'base64' };
}

function testcase(name: string | undefined, stdin: Buffer, expected: Buffer | undefined): TestcaseInput {
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

/** N.in / N.out pairs of a directory, numeric names in numeric order, others after them by name. */
export function testsFromDir(dir: string): TestcaseInput[] {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new InvalidRequestError(`not a directory: ${dir}`, '--tests');
  const names = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.in'))
    .map((f) => f.slice(0, -3));
  if (!names.length) throw new InvalidRequestError(`no N.in files in ${dir}`, '--tests');
  names.sort((a, b) => {
    const na = /^\d+$/.test(a) ? Number(a) : NaN;
    const nb = /^\d+$/.test(b) ? Number(b) : NaN;
    if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
    if (!Number.isNaN(na)) return -1;
    if (!Number.isNaN(nb)) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return names.map((n) => {
    const out = path.join(dir, `${n}.out`);
    return testcase(n, readInput(path.join(dir, `${n}.in`), '--tests'), fs.existsSync(out) ? readInput(out, '--tests') : undefined);
  });
}

function limitFlag(args: ParsedArgs, name: string, scale: number): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidRequestError(`must be a positive number (got ${v})`, `--${name}`);
  return Math.max(1, Math.round(n * scale));
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
export function submissionFromArgs(args: ParsedArgs): SubmissionInput {
  const [file, ...extra] = args.positional;
  if (!file || extra.length) throw new InvalidRequestError(`give exactly one source FILE (${RUN_USAGE})`, 'FILE');
  const lang = stringFlag(args, 'lang');
  if (!lang) throw new InvalidRequestError(`is required (${RUN_USAGE})`, '--lang');
  const source = readInput(file, 'FILE').toString('utf8');
  const testsDir = stringFlag(args, 'tests');
  const stdinFile = stringFlag(args, 'stdin');
  const expectedFile = stringFlag(args, 'expected');
  if (testsDir && (stdinFile || expectedFile)) throw new InvalidRequestError('cannot be combined with --stdin or --expected', '--tests');
  const testcases = testsDir
    ? testsFromDir(testsDir)
    : [
        testcase(
          undefined,
          stdinFile ? readInput(stdinFile, '--stdin') : Buffer.alloc(0),
          expectedFile ? readInput(expectedFile, '--expected') : undefined,
        ),
      ];
  const limits: Record<string, number> = {};
  const put = (key: string, v: number | undefined) => {
    if (v !== undefined) limits[key] = v;
  };
  put('cpuTimeMs', limitFlag(args, 'time', 1000));
  put('wallTimeMs', limitFlag(args, 'wall', 1000));
  put('memoryBytes', limitFlag(args, 'memory', 2 ** 20));
  put('outputBytes', limitFlag(args, 'output', 1024));
  put('pids', limitFlag(args, 'pids', 1));
  const submission: SubmissionInput = { language: lang, source, testcases, stopOnFirstFailure: args.flags.has('stop-on-failure') };
  if (Object.keys(limits).length) submission.limits = limits;
  const checker = stringFlag(args, 'checker');
  const tolerances = floatTolerances(args);
  if (tolerances && checker !== 'float') throw new InvalidRequestError('is only for --checker float', tolerances.flag);
  if (checker === 'float') {
    submission.checker = { type: 'float', ...tolerances?.values };
  } else if (checker === 'exact' || checker === 'lines' || checker === 'tokens') {
    submission.checker = { type: checker };
  } else if (checker !== undefined) {
    const checkerLang = CHECKER_LANGUAGES[path.extname(checker).toLowerCase()];
    if (!checkerLang)
      throw new InvalidRequestError(`exact, lines, tokens, float or a .c/.cpp/.cc/.py source (got ${checker})`, '--checker');
    submission.checker = { type: 'custom', language: checkerLang, source: readInput(checker, '--checker').toString('utf8') };
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
      `compile: ${c.verdict}${c.cached ? ' (cached)' : ''} cpu ${c.cpuTimeMs} ms, wall ${c.wallTimeMs} ms, memory ${mib(c.memoryBytes)}`,
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
    lines.push(`test ${t.index + 1}${name}: ${t.verdict}${stats} ${t.checkerMessage ?? t.message}`);
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

/** The worker's settings that shape judging (CAGED_IMAGE, CAGED_ROOTFS, CAGED_MAX_*), so that `caged run` judges alike. */
export function judgeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<JudgeOptions, 'sandbox'> {
  const c = loadConfig(env, [
    'image',
    'rootfs',
    'maxCpuTimeMs',
    'maxWallTimeMs',
    'maxMemoryBytes',
    'maxOutputBytes',
    'maxPids',
    'maxFileSizeBytes',
    'maxSourceBytes',
  ]);
  return {
    manifestPath: c.image,
    rootfsMode: c.rootfs,
    maxima: {
      cpuTimeMs: c.maxCpuTimeMs,
      wallTimeMs: c.maxWallTimeMs,
      memoryBytes: c.maxMemoryBytes,
      outputBytes: c.maxOutputBytes,
      pids: c.maxPids,
      fileSizeBytes: c.maxFileSizeBytes,
    },
    maxSourceBytes: c.maxSourceBytes,
  };
}

export interface RunCommandDeps {
  /** A judge to use (tests reuse one); by default `caged run` makes its own sandbox and judge. */
  judge?: Judge;
}

export async function runCommand(argv: readonly string[], out: NodeJS.WritableStream, deps: RunCommandDeps = {}): Promise<number> {
  const args = parseArgs(
    argv,
    [
      'lang',
      'stdin',
      'expected',
      'tests',
      'checker',
      'epsilon',
      'abs-epsilon',
      'rel-epsilon',
      'time',
      'wall',
      'memory',
      'output',
      'pids',
      'image',
    ],
    ['json', 'stop-on-failure'],
  );
  const submission = submissionFromArgs(args);
  const judge =
    deps.judge ??
    (await Judge.create({
      ...judgeOptionsFromEnv(),
      sandbox: await Sandbox.create(),
      closeSandbox: true,
      ...(stringFlag(args, 'image') ? { manifestPath: stringFlag(args, 'image') } : {}),
    }));
  try {
    const result = await judge.judge(submission);
    out.write(args.flags.has('json') ? `${JSON.stringify(result, null, 2)}\n` : summary(result));
    return 0;
  } finally {
    if (!deps.judge) await judge.close();
  }
}
