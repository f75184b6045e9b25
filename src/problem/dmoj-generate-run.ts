/**
 * Runs a DMOJ problem's generators (dmoj-generate.ts) in the sandbox before the first test is
 * judged: each compiled once and run once per case that needs it, with the Judge's largest test
 * limits (or the lower `time_limit` and `memory_limit` the generator gives). One that does not
 * compile, does not end normally, or writes more than the output maximum is the problem's
 * failure: no generator runs after it, the submission is compiled, and every test is IE with the
 * message naming the case (DMOJ's InternalError ends its judging so). A problem DMOJ would judge
 * IE whatever the submission (a contrib `type` it does not know: DmojParts.failure) is judged so
 * without running its generators. What they wrote is held by the package's files (DmojFiles.provide:
 * files of a temporary directory, within the package size cap) until the judging ends.
 */
import { InvalidRequestError } from '../errors';
import type { Judge } from '../judge/judge';
import type { JudgeHooks } from '../judge/judge-options';
import { parseSubmission } from '../judge/plan';
import { oneLine } from '../judge/result';
import {
  DEFAULT_MAX_PROGRAM_BYTES,
  DEFAULT_MAX_SOURCE_BYTES,
  DEFAULT_MAX_SOURCE_FILES,
  makeSubmissionSchema,
  type TestResult,
} from '../judge/schema';
import { normalizeData, type DmojFiles } from './dmoj-files';
import type { DmojGeneration } from './dmoj-generate';
import { sourceBytes } from './package-sources';
import { programOf } from './package-validator';
import type { ProblemPackage } from './problem-package';

/** A generator that did not compile, did not end normally or wrote too much: the problem's fault. */
export class DmojGeneratorFailure extends InvalidRequestError {}

/**
 * Runs `judging` with a DMOJ problem's generated data made first (generateDmojData) and removed
 * after, whatever happens; `judging` alone for a problem of another format. When a generator
 * fails, `judging` is given `opts` with the failure in its hooks (JudgeHooks.problemFailure),
 * the data not made empty.
 */
export async function withDmojData<T, O extends { hooks?: JudgeHooks }>(
  judge: Judge,
  pkg: Pick<ProblemPackage, 'dmoj'>,
  opts: O,
  judging: (opts: O) => Promise<T>,
): Promise<T> {
  const dmoj = pkg.dmoj;
  if (!dmoj) return judging(opts);
  const failed = (why: string, message: string): Promise<T> => {
    for (const c of dmoj.generated)
      for (const rel of [c.inPath, c.ansPath]) if (rel !== null && !dmoj.files.provided(rel)) dmoj.files.provide(rel, Buffer.alloc(0));
    return judging({ ...opts, hooks: { ...opts.hooks, problemFailure: { why, message } } });
  };
  try {
    if (dmoj.failure) return await failed('not run: the problem cannot be judged', dmoj.failure);
    try {
      if (dmoj.generated.length) await generateDmojData(judge, dmoj.files, dmoj.generated, opts.hooks?.signal);
    } catch (err) {
      if (!(err instanceof DmojGeneratorFailure)) throw err;
      return await failed('not run: a generator failed', err.message);
    }
    return await judging(opts);
  } finally {
    dmoj.files.dropGenerated();
  }
}

/** Runs the generators of the cases that need them (see the top of this file); nothing when they ran for this package already. */
export async function generateDmojData(
  judge: Judge,
  files: DmojFiles,
  cases: readonly DmojGeneration[],
  signal?: AbortSignal,
): Promise<void> {
  const maxima = judge.stepMaxima.test;
  const programs = new Map<string, { program: ReturnType<typeof programOf>; schema: ReturnType<typeof makeSubmissionSchema> }>();
  for (const c of cases) {
    if (c.inPath !== null ? files.provided(c.inPath) : c.ansPath !== null && files.provided(c.ansPath)) continue;
    if (signal?.aborted) throw new InvalidRequestError(`stopped (${String(signal.reason)})`, 'generator');
    let p = programs.get(c.generator.key);
    if (!p) {
      const program = programOf(c.generator.program, judge);
      const schema = makeSubmissionSchema({
        maxSourceBytes: Math.max(DEFAULT_MAX_SOURCE_BYTES, sourceBytes(program)),
        maxSourceFiles: Math.max(DEFAULT_MAX_SOURCE_FILES, program.files.length),
        maxProgramBytes: DEFAULT_MAX_PROGRAM_BYTES,
      });
      programs.set(c.generator.key, (p = { program, schema }));
    }
    const { program: _kind, ...source } = p.program;
    const stdin = c.stdinPath === null ? Buffer.alloc(0) : files.readRaw(c.stdinPath);
    const cpuTimeMs = Math.min(maxima.cpuTimeMs, Math.round((c.generator.timeLimitS ?? Infinity) * 1000));
    const memoryBytes = Math.min(maxima.memoryBytes, (c.generator.memoryKiB ?? Infinity) * 1024);
    const submission = parseSubmission(
      {
        ...source,
        ...(c.generator.compilerOptions ? { compilerOptions: c.generator.compilerOptions } : {}),
        testcases: [{ stdin: stdin.toString('base64'), stdinEncoding: 'base64', ...(c.args.length ? { args: c.args } : {}) }],
        limits: { cpuTimeMs, memoryBytes, outputBytes: maxima.outputBytes },
      },
      p.schema,
    );
    const what = `the generator of ${c.name} (${c.generator.program.dir}${c.args.length ? ` ${c.args.join(' ')}` : ''})`;
    const r = await judge.judgeSubmission(submission, { reportOutputBytes: maxima.outputBytes, ...(signal ? { signal } : {}) });
    const t = r.tests[0];
    if (r.verdict === 'CE' || !t) throw new DmojGeneratorFailure(`${what} did not compile: ${r.message}`, 'generator');
    if (t.verdict !== 'AC')
      throw new DmojGeneratorFailure(`${what}: ${dmojHelperError('generator', t, { cpuTimeMs, memoryBytes })}`, 'generator');
    if (t.stdoutTruncated || t.stderrTruncated)
      throw new DmojGeneratorFailure(`${what} wrote more than ${maxima.outputBytes} bytes`, 'generator');
    const out = Buffer.from(t.stdout, t.stdoutEncoding === 'base64' ? 'base64' : 'utf8');
    const err = Buffer.from(t.stderr, t.stderrEncoding === 'base64' ? 'base64' : 'utf8');
    if (c.inPath !== null) files.provide(c.inPath, out);
    if (c.ansPath !== null) files.provide(c.ansPath, c.binary ? err : normalizeData(err));
  }
}

/**
 * A helper program's failed run in DMOJ's words (its parse_helper_file_error), so that a DMOJ
 * problem's operator reads what DMOJ would say: `generator timed out (> 2 seconds)`, `ran out of
 * memory (> 65536 KB)`, `invoked disallowed syscall …`, `exited with nonzero code 1 with feedback
 * …`, `exited with SIGSEGV`.
 */
export function dmojHelperError(
  name: string,
  t: Pick<TestResult, 'verdict' | 'message' | 'exitCode' | 'signal' | 'stderr' | 'stderrEncoding'>,
  limits: { cpuTimeMs: number; memoryBytes: number },
): string {
  if (t.verdict === 'TLE') return `${name} timed out (> ${limits.cpuTimeMs / 1000} seconds)`;
  if (t.verdict === 'MLE') return `${name} ran out of memory (> ${Math.round(limits.memoryBytes / 1024)} KB)`;
  if (t.verdict === 'SE') return `${name} invoked a disallowed syscall (${t.message})`;
  if (t.verdict !== 'RE') return `${name} failed (${t.verdict}): ${t.message}`;
  const how = t.exitCode !== null && t.exitCode > 0 ? `exited with nonzero code ${t.exitCode}` : `exited with ${t.signal ?? t.message}`;
  const said = oneLine(
    Buffer.from(t.stderr, t.stderrEncoding === 'base64' ? 'base64' : 'utf8')
      .toString('utf8')
      .trim(),
    200,
  );
  return `${name} ${how}${said ? ` with feedback ${said}` : ''}`;
}
