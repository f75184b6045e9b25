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
import { parsePoints, pointsToFraction, testlibExit, unreadPoints } from './testlib-protocol';

export interface CheckerVerdict {
  verdict: 'AC' | 'WA' | 'IE';
  /** Share of the test's points earned, 0..1 (absolute points already divided by the test's). */
  fraction: number;
  /** One line: the checker's own message, or why it is IE. */
  message: string;
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
}

export type PreparedChecker =
  { ok: true; checker: CustomChecker; compile: CompileOutcome | null } | { ok: false; message: string; compile: CompileOutcome | null };

const MOUNT = '/checker';

export class CustomChecker {
  private seq = 0;

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

  /** `testPoints`: the test's `points`, against which `points N` is capped. */
  async check(input: Buffer, output: Buffer, answer: Buffer, testPoints: number): Promise<CheckerVerdict> {
    const io = path.join(this.job.path, `io-${++this.seq}-${crypto.randomBytes(4).toString('hex')}`);
    fs.mkdirSync(io, { mode: 0o755 });
    try {
      writeNewFile(io, 'input', input);
      writeNewFile(io, 'output', output);
      writeNewFile(io, 'answer', answer);
      const rootfs = await this.ctx.rootfsFor(this.opts.language);
      const run = await this.ctx.runs.run({
        rootfs,
        box: { hostDir: this.job.box, mode: 'overlay' },
        binds: [{ hostPath: io, target: MOUNT, kind: 'dir' }],
        argv: [
          ...expandArgv(this.opts.language, this.opts.language.run, { memoryBytes: this.opts.runLimits.memoryBytes }),
          `${MOUNT}/input`,
          `${MOUNT}/output`,
          `${MOUNT}/answer`,
        ],
        env: expandEnv(this.opts.language, { memoryBytes: this.opts.runLimits.memoryBytes }),
        stdin: Buffer.alloc(0),
        limits: this.opts.runLimits,
        label: `${this.ctx.label} checker`,
      });
      const said = checkerMessage(run.stdout, run.stderr);
      if (run.forbiddenSyscall || run.limitHit || run.signal) {
        const why = run.forbiddenSyscall
          ? `forbidden system call ${run.forbiddenSyscall}`
          : run.limitHit
            ? `${run.limitHit} limit`
            : run.signal;
        return { verdict: 'IE', fraction: 0, message: oneLine(`the checker failed (${why})${said ? `: ${said}` : ''}`) };
      }
      return interpretExit(run.exitCode ?? -1, run.stdout, run.stderr, testPoints);
    } finally {
      fs.rmSync(io, { recursive: true, force: true });
    }
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
