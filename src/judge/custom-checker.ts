/**
 * A custom checker: a program of the problem setter, compiled once per job (with its own
 * compile-cache entry) in a job directory of its own, and run for each test in its OWN
 * container as
 *
 *     <run command> /checker/input /checker/output /checker/answer
 *
 * The three files are written by the worker, fresh for each test, into the checker's job
 * directory (never the submission's box) and bind-mounted read-only at /checker. The program's
 * output comes from its stdout pipe, not from a file in its box, so the checker cannot be made
 * to read through a link the submission planted.
 *
 * Its code is one `source` or several `files` (a testlib checker with the testlib.h it brings),
 * read as an output validator's are (program-files.ts: a C++ program's sources compiled
 * together, its headers beside them).
 *
 * How its end is read is its `protocol`: `testlib` (below), DMOJ's bridged checker
 * (`dmoj-default`, `dmoj-testlib`, `dmoj-coci`: dmoj-checker.ts, dmoj-contrib.ts), caged's
 * runner of a DMOJ Python checker (`dmoj-python`, which also gets /checker/context and
 * /checker/source: dmoj-python-report.ts) or CMS's (`cms`, run on input answer output:
 * cms-checker.ts). Whatever the protocol, a run ended by a signal, a
 * limit or a forbidden call is IE.
 *
 * testlib's exit codes (testlib-protocol.ts): 0 accepted; 1 wrong answer; 2 presentation error,
 * 4 extra data, 8 unexpected end of file (all WA); 3 the checker failed (IE: the test is not
 * accepted); 7 partial points. Anything else (another code, a signal, a limit) is IE.
 *
 * Partial points (exit 7): the first non-blank line of the checker's stdout, or of its stderr
 * when stdout is empty (where testlib's quitp writes), is either
 *   - `points <N>`: N ≥ 0 is ABSOLUTE points for the test (DMOJ's and ejudge's reading of
 *     testlib's quitp(N)), capped at the test's `points` (nothing, on a test worth 0); or
 *   - `<F>` alone: F from 0 to 1 is the share of the test's points earned.
 * The test's verdict is AC when it earns all its points, else WA with what it earned. A missing,
 * negative, or (bare) above-1 number is IE.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JobDir } from '../rootfs/job-dirs';
import type { RunLimits } from '../sandbox/types';
import type { CompileOutcome, JobContext, SourceFile } from './compile-step';
import { compileHelper } from './helper-program';
import { expandArgv, expandEnv } from './language-command';
import type { Language } from './languages';
import { oneLine } from './result';
import { writeNewFile } from './safe-fs';
import type { CheckerVerdict } from './checker-verdict';
import { formatDmojArg } from './dmoj-args';
import { dmojModuleOf, type DmojProtocol } from './dmoj-contrib';
import { pegVerdict } from './dmoj-peg';
import { cmsVerdict } from './cms-checker';
import { dmojBridgedVerdict, dmojPythonVerdict } from './dmoj-checker';
import { DMOJ_CONTEXT_FILE, DMOJ_SOURCE_FILE, type DmojPythonContext } from './dmoj-python-report';
import type { RunVerdict } from './run-verdict';
import { parsePoints, pointsToFraction, testlibExit, unreadPoints } from './testlib-protocol';

export type { CheckerVerdict } from './checker-verdict';

/** How a custom checker's end is read (the wire's `checker.protocol`). */
export type CheckerProtocol = 'testlib' | DmojProtocol | 'dmoj-peg' | 'dmoj-python' | 'cms';

/** The submission's run on the test, as a DMOJ Python checker's keyword arguments give it. */
export interface CheckedRun {
  index: number;
  /** The test's name on the wire (a DMOJ Python checker's case is looked up by it); null when it has none. */
  name?: string | null;
  cpuTimeMs: number;
  memoryBytes: number;
  verdict: RunVerdict;
}

export interface CustomCheckerOptions {
  language: Language;
  /** Written into its box: the language's entry file among them, or every source of a language compiling them together. */
  files: SourceFile[];
  compileLimits: RunLimits;
  runLimits: RunLimits;
  /** Size of the checker's job directory (its box and the per-test files), in bytes. */
  diskBytes: number;
  reportBytes: number;
  /** Default `testlib`. */
  protocol?: CheckerProtocol;
  /** A bridged DMOJ checker's `feedback`: false shows nothing of its stdout. Default true. */
  feedback?: boolean;
  /** Added to its compile command (the wire's `compilerOptions`). */
  compilerOptions?: readonly string[];
  /** A bridged DMOJ checker's own arguments (`args_format_string`), in place of its module's. */
  args?: readonly string[];
  /** `dmoj-python`: the submission's language id and source (null: several files, none given). */
  submission?: { language: string; source: Buffer | null };
}

export type PreparedChecker =
  { ok: true; checker: CustomChecker; compile: CompileOutcome | null } | { ok: false; message: string; compile: CompileOutcome | null };

const MOUNT = '/checker';

export class CustomChecker {
  private seq = 0;
  /** A DMOJ Python checker's `check.run_on_error`, once a run said it (null: not yet). */
  private runOnError: boolean | null = null;

  private constructor(
    private readonly ctx: JobContext,
    private readonly job: JobDir,
    private readonly opts: CustomCheckerOptions,
  ) {}

  /** Writes and compiles the checker; a checker that does not compile is reported, not thrown. */
  static async prepare(ctx: JobContext, opts: CustomCheckerOptions): Promise<PreparedChecker> {
    const built = await compileHelper(ctx, { ...opts, role: 'custom checker' });
    if (!built.ok) return built;
    return { ok: true, compile: built.compile, checker: new CustomChecker(ctx, built.job, opts) };
  }

  /**
   * `testPoints`: the test's `points`, against which `points N` is capped; `run`: the
   * submission's run (a DMOJ Python checker's keyword arguments; absent, a test of index 0 that
   * took no time).
   */
  async check(
    input: Buffer,
    output: Buffer,
    answer: Buffer,
    testPoints: number,
    run?: Omit<CheckedRun, 'verdict'>,
    /** The test's own arguments after the checker's (a CMS BatchAndOutput comparator's fourth: cms-batch-output.ts); CMS's protocol only. */
    flags: readonly string[] = [],
    /** CMS's protocol: the test case's GroupThreshold threshold (cmsVerdict). */
    threshold?: number,
  ): Promise<CheckerVerdict> {
    const about: CheckedRun = { index: 0, cpuTimeMs: 0, memoryBytes: 0, ...run, verdict: 'OK' };
    const ran = await this.judge(input, output, answer, testPoints, about, flags, threshold);
    // Only a DMOJ Python checker skips, and only a failed submission.
    return ran ?? { verdict: 'IE', fraction: 0, message: 'the Python checker skipped a run that did not fail' };
  }

  /**
   * Whether the checker may want the output of a failed submission: a DMOJ Python checker with
   * `check.run_on_error` set (not known before its first run, which says).
   */
  get runsOnError(): boolean {
    return this.protocol === 'dmoj-python' && this.runOnError !== false;
  }

  /**
   * A DMOJ Python checker on a failed submission's output (DMOJ's `run_on_error`): its verdict,
   * or null when it does not run on errors.
   */
  async checkFailed(input: Buffer, output: Buffer, answer: Buffer, testPoints: number, run: CheckedRun): Promise<CheckerVerdict | null> {
    if (!this.runsOnError) return null;
    return this.judge(input, output, answer, testPoints, run);
  }

  /** Whether its end is read as CMS's comparator's (check-output.ts's cmsReads). */
  get cmsProtocol(): boolean {
    return this.protocol === 'cms';
  }

  private get protocol(): CheckerProtocol {
    return this.opts.protocol ?? 'testlib';
  }

  private async judge(
    input: Buffer,
    output: Buffer,
    answer: Buffer,
    testPoints: number,
    about: CheckedRun,
    flags: readonly string[] = [],
    threshold?: number,
  ): Promise<CheckerVerdict | null> {
    const io = path.join(this.job.path, `io-${++this.seq}-${crypto.randomBytes(4).toString('hex')}`);
    fs.mkdirSync(io, { mode: 0o755 });
    try {
      writeNewFile(io, 'input', input);
      writeNewFile(io, 'output', output);
      writeNewFile(io, 'answer', answer);
      const python = this.protocol === 'dmoj-python';
      if (python) this.writeContext(io, testPoints, about);
      const rootfs = await this.ctx.rootfsFor(this.opts.language);
      const run = await this.ctx.runs.run({
        rootfs,
        box: { hostDir: this.job.box, mode: 'overlay' },
        binds: [{ hostPath: io, target: MOUNT, kind: 'dir' }],
        argv: [
          ...expandArgv(this.opts.language, this.opts.language.run, { memoryBytes: this.opts.runLimits.memoryBytes }),
          ...this.arguments(flags),
        ],
        env: expandEnv(this.opts.language, { memoryBytes: this.opts.runLimits.memoryBytes }),
        stdin: Buffer.alloc(0),
        limits: this.opts.runLimits,
        label: `${this.ctx.label} checker`,
      });
      if (run.forbiddenSyscall || run.limitHit || run.signal || run.exitCode === null) {
        const said = checkerMessage(run.stdout, run.stderr);
        const why = run.forbiddenSyscall
          ? `forbidden system call ${run.forbiddenSyscall}`
          : run.limitHit
            ? `${run.limitHit} limit`
            : (run.signal ?? 'no exit code');
        return { verdict: 'IE', fraction: 0, message: oneLine(`the checker failed (${why})${said ? `: ${said}` : ''}`) };
      }
      const ended = { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr };
      if (this.protocol === 'dmoj-peg') return pegVerdict(run.exitCode, run.stdout, this.opts.feedback ?? true);
      if (this.protocol === 'cms') return cmsVerdict(run.exitCode, run.stdout, run.stderr, 'checker', threshold);
      const module = dmojModuleOf(this.protocol);
      if (module) return dmojBridgedVerdict(module, ended, testPoints, this.opts.feedback ?? true);
      if (!python) return interpretExit(run.exitCode, run.stdout, run.stderr, testPoints);
      const read = dmojPythonVerdict(ended, testPoints);
      if (read.runOnError !== null) this.runOnError = read.runOnError;
      return read.verdict;
    } finally {
      fs.rmSync(io, { recursive: true, force: true });
    }
  }

  /** Its arguments after its run command: its own (DMOJ's args_format_string), else its protocol's. */
  private arguments(flags: readonly string[]): string[] {
    const paths = { input_file: `${MOUNT}/input`, output_file: `${MOUNT}/output`, answer_file: `${MOUNT}/answer` };
    if (this.opts.args) return this.opts.args.map((w) => formatDmojArg(w, paths));
    if (this.protocol === 'dmoj-peg') return [paths.answer_file, paths.output_file, paths.input_file];
    if (this.protocol === 'cms') return [paths.input_file, paths.answer_file, paths.output_file, ...flags];
    const three = [paths.input_file, paths.output_file, paths.answer_file];
    return this.protocol === 'dmoj-python' ? [...three, `${MOUNT}/${DMOJ_CONTEXT_FILE}`] : three;
  }

  /** A DMOJ Python checker's per-test context (and the submission's source) beside the three files. */
  private writeContext(io: string, testPoints: number, about: CheckedRun): void {
    const sub = this.opts.submission;
    const context: DmojPythonContext = {
      point_value: testPoints,
      case_index: about.index,
      case_name: about.name ?? null,
      execution_time: about.cpuTimeMs / 1000,
      max_memory: Math.round(about.memoryBytes / 1024),
      submission_language: sub?.language ?? '',
      submission_verdict: about.verdict,
      has_source: !!sub?.source,
    };
    writeNewFile(io, DMOJ_CONTEXT_FILE, JSON.stringify(context));
    if (sub?.source) writeNewFile(io, DMOJ_SOURCE_FILE, sub.source);
  }

  remove(): void {
    this.job.remove();
  }
}

function checkerMessage(stdout: Buffer, stderr: Buffer): string {
  const err = stderr.toString('utf8').trim();
  return oneLine(err || stdout.toString('utf8').trim());
}

/** testlib's exit codes (testlib-protocol.ts) → a verdict (exported for the unit tests); `testPoints` as in `check`. */
export function interpretExit(code: number, stdout: Buffer, stderr: Buffer, testPoints: number): CheckerVerdict {
  const said = checkerMessage(stdout, stderr);
  const exit = testlibExit(code);
  switch (exit.kind) {
    case 'ok':
      return { verdict: 'AC', fraction: 1, message: said || 'ok' };
    case 'rejected':
      return { verdict: 'WA', fraction: 0, message: exit.prefix ? `${exit.prefix}${said ? `: ${said}` : ''}` : said || 'wrong answer' };
    case 'fail':
      return { verdict: 'IE', fraction: 0, message: `the checker failed${said ? `: ${said}` : ''}` };
    case 'points': {
      const points = parsePoints(stdout) ?? (stdout.toString().trim() ? null : parsePoints(stderr));
      if (points === null)
        return {
          verdict: 'IE',
          fraction: 0,
          message: oneLine(
            `the checker gave partial points without "points N" or a fraction 0..1 on its first line (${unreadPoints(stdout) ?? unreadPoints(stderr) ?? 'none'}): ${said}`,
          ),
        };
      const fraction = pointsToFraction(points, testPoints);
      return { verdict: fraction >= 1 ? 'AC' : 'WA', fraction, message: said || `partial: ${points.value}` };
    }
    case 'unknown':
      return {
        verdict: 'IE',
        fraction: 0,
        message: oneLine(`the checker exited with ${code}, not a testlib code${said ? `: ${said}` : ''}`),
      };
  }
}
