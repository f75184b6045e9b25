/**
 * An output validator speaking the Kattis protocol (the ICPC problem package format's
 * `output_validators/`): a program of the problem, compiled once per job (its own compile-cache
 * entry, keyed by its sources: once per validator in practice, across jobs) in a job directory
 * of its own, and run for each test in its OWN container as
 *
 *     <run command> /validator-io/input /validator-io/answer /box [flags…] < program_output
 *
 * Inside that container, with `workingDir: "own"` (the default):
 *   - /validator      the compiled validator (its job directory's box), read-only; the cwd, so
 *                     the language's run command (`./main`, `python3 main.py`) finds it;
 *   - /validator-io   `input` and `answer`, written fresh for the test, read-only;
 *   - /box            the feedback directory: a fresh empty directory of this run, writable by
 *                     the validator only, inside the validator's size-capped job directory
 *                     (and each file under the run's file-size limit). HOME is /box too.
 * With `workingDir: "submission"` (a 2025-09 package: the format's working directory of an
 * output validator holds the submission's files, compiled binaries and included files, and
 * nothing of the validator's), /box is the submission's compiled box (SubmissionView), an
 * overlay whose writes vanish with the run, and the cwd; the feedback directory is /feedback;
 * the run command names the validator's files by absolute path (runFrom), so
 *
 *     <run command under /validator> /validator-io/input /validator-io/answer /feedback/ [flags…]
 *
 * The submission's output is the validator's stdin: the bytes read from the submission's pipe,
 * never a file of its box. This run's feedback directory is never visible to the submission.
 *
 * After the run the host reads judgemessage.txt, teammessage.txt and score.txt back without
 * following links (output-validator-feedback.ts). Exit 42 = AC, 43 = WA; any other exit, a
 * signal, a limit or a forbidden system call is IE: the problem's fault, reported in the test's
 * result (verdict IE, Judge0 13), never an exception, never retried.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JobDir } from '../rootfs/job-dirs';
import type { RootfsSpec, RunPlan, RunResult } from '../sandbox/types';
import type { CompileOutcome, JobContext } from './compile-step';
import { compileHelper } from './helper-program';
import { expandArgv, expandEnv } from './language-command';
import {
  interpretValidatorExit,
  readCarried,
  readFeedback,
  readNextPass,
  seedFeedback,
  type CarriedFile,
  type CarriedFiles,
  type FeedbackFile,
  type ValidatorVerdict,
} from './output-validator-feedback';
import { runFrom, type OutputValidatorSpec, type SubmissionView } from './output-validator-spec';
import { oneLine } from './result';
import { writeNewFile } from './safe-fs';

export type { ValidatorVerdict } from './output-validator-feedback';
export type { OutputValidatorSpec } from './output-validator-spec';

export interface OutputValidatorOptions {
  /** Size of the validator's job directory (its box, per-test files, feedback directories), in bytes. */
  diskBytes: number;
  /** Cap on the compiler's output in the result, in bytes. */
  reportBytes: number;
  /** The submission, for a validator whose working directory is the submission's. */
  submission?: SubmissionView;
}

/** One run of the validator, prepared (OutputValidator.openRun). */
export interface ValidatorRun {
  plan: RunPlan;
  /** Host path of the run's feedback directory (read only after the run ended). */
  feedbackDir: string;
  verdict(result: RunResult): ValidatorVerdict;
  close(): void;
}

export type PreparedValidator =
  { ok: true; validator: OutputValidator; compile: CompileOutcome | null } | { ok: false; message: string; compile: CompileOutcome | null };

const CODE = '/validator';
const IO = '/validator-io';
/** The feedback directory: the validator's /box, or /feedback when /box is the submission's. */
const FEEDBACK_OWN = '/box';
const FEEDBACK = '/feedback';

export class OutputValidator {
  private seq = 0;

  private constructor(
    private readonly ctx: JobContext,
    private readonly job: JobDir,
    private readonly spec: OutputValidatorSpec,
    /** The root of its language's chain. */
    private readonly rootfs: RootfsSpec,
    /** `workingDir: "submission"`: the submission's box and the validator's run command under /validator. */
    private readonly inSubmission: { view: SubmissionView; command: string[] } | null,
  ) {}

  /**
   * Writes and compiles the validator (or takes the compile cache's artefact). A validator that
   * does not compile is reported (the job's IE with the compiler's output), not thrown.
   */
  static async prepare(ctx: JobContext, spec: OutputValidatorSpec, opts: OutputValidatorOptions): Promise<PreparedValidator> {
    const built = await compileHelper(ctx, {
      role: 'output validator',
      language: spec.language,
      files: spec.files,
      compileLimits: spec.compileLimits,
      diskBytes: opts.diskBytes,
      reportBytes: opts.reportBytes,
    });
    if (!built.ok) return built;
    let rootfs: RootfsSpec;
    let inSubmission: { view: SubmissionView; command: string[] } | null = null;
    try {
      if (spec.workingDir === 'submission') {
        if (!opts.submission) throw new TypeError("internal: a validator working in the submission's directory needs the submission");
        inSubmission = { view: opts.submission, command: runFrom(CODE, spec.language, spec.runLimits.memoryBytes, built.job.box) };
      }
      rootfs = await ctx.rootfsFor(spec.language);
    } catch (err) {
      built.job.remove();
      throw err;
    }
    return { ok: true, compile: built.compile, validator: new OutputValidator(ctx, built.job, spec, rootfs, inSubmission) };
  }

  /**
   * Runs the validator on one test; every failure of the validator is an IE verdict, not a throw.
   * `onNextPass` (multi-pass problems) is given the feedback directory's `nextpass.in`, read
   * without following links, at most `nextPassBytes`, and its other files (readCarried); the
   * previous pass's, `carried`, are written into it before the run.
   */
  async check(
    input: Buffer,
    output: Buffer,
    answer: Buffer,
    nextPass?: { bytes: number; carried?: readonly CarriedFile[]; onNextPass: (f: FeedbackFile, kept: CarriedFiles) => void },
    flags: readonly string[] = this.spec.flags,
  ): Promise<ValidatorVerdict> {
    const run = this.openRun(input, answer, flags);
    try {
      if (nextPass?.carried) seedFeedback(run.feedbackDir, nextPass.carried);
      const verdict = run.verdict(await this.ctx.runs.run({ ...run.plan, stdin: output }));
      if (nextPass) nextPass.onNextPass(readNextPass(run.feedbackDir, nextPass.bytes), readCarried(run.feedbackDir, nextPass.bytes));
      return verdict;
    } finally {
      run.close();
    }
  }

  /**
   * One run's directories and plan (without stdin), for a caller that starts the run itself: an
   * interactive run joins the validator's stdin and stdout to the submission's. `verdict` reads
   * the feedback directory back; `close` removes the run's directories (idempotent).
   */
  openRun(input: Buffer, answer: Buffer, flags: readonly string[] = this.spec.flags): ValidatorRun {
    const dir = path.join(this.job.path, `run-${++this.seq}-${crypto.randomBytes(4).toString('hex')}`);
    const io = path.join(dir, 'io');
    const feedback = path.join(dir, 'feedback');
    const close = () => fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { mode: 0o711 });
    try {
      fs.mkdirSync(io, { mode: 0o755 });
      fs.mkdirSync(feedback, { mode: 0o700 }); // /box: the run hands it to the validator's uid
      writeNewFile(io, 'input', input);
      writeNewFile(io, 'answer', answer);
    } catch (err) {
      close();
      throw err;
    }
    const { language, runLimits } = this.spec;
    const code = { hostPath: this.job.box, target: CODE, kind: 'dir' } as const;
    const ioBind = { hostPath: io, target: IO, kind: 'dir' } as const;
    const at = this.inSubmission;
    const layers = at?.view.boxLayers ?? [];
    const plan: RunPlan = {
      rootfs: this.rootfs,
      ...(at
        ? {
            box: { hostDir: at.view.box, mode: 'overlay', ...(layers.length ? { lowerDirs: layers } : {}) },
            binds: [code, ioBind, { hostPath: feedback, target: FEEDBACK, kind: 'dir', writable: true }],
            cwd: '/box',
          }
        : { box: { hostDir: feedback, mode: 'rw' }, binds: [code, ioBind], cwd: CODE }),
      argv: [
        ...(at ? at.command : expandArgv(language, language.run, { memoryBytes: runLimits.memoryBytes })),
        `${IO}/input`,
        `${IO}/answer`,
        // The format: feedback_dir ends with a separator, so that a validator may append a file name to it.
        `${at ? FEEDBACK : FEEDBACK_OWN}/`,
        ...flags,
      ],
      env: expandEnv(language, { memoryBytes: runLimits.memoryBytes }),
      limits: runLimits,
      label: `${this.ctx.label} validator`,
    };
    return { plan, feedbackDir: feedback, verdict: (result) => validatorVerdict(result, feedback), close };
  }

  /** Removes the validator's job directory; idempotent. */
  remove(): void {
    this.job.remove();
  }
}

/** A finished run → its verdict: a signal, a limit or a forbidden system call is IE; else the exit code and feedback decide. */
export function validatorVerdict(result: RunResult, feedbackDir: string): ValidatorVerdict {
  if (result.forbiddenSyscall || result.limitHit || result.signal) {
    const why = result.forbiddenSyscall
      ? `forbidden system call ${result.forbiddenSyscall}`
      : result.limitHit
        ? `${result.limitHit} limit`
        : result.signal;
    const said = oneLine(result.stderr.toString('utf8'));
    return { verdict: 'IE', message: oneLine(`the validator failed (${why})${said ? `: ${said}` : ''}`) };
  }
  return interpretValidatorExit(result.exitCode ?? -1, readFeedback(feedbackDir), result.stderr);
}
