/**
 * An interactor: the problem setter's program for an interactive problem, compiled once per job
 * (with its own compile-cache entry) in a job directory of its own, then run for each test at
 * the same time as the submission, in a container of its own, their stdio crossed by pipes
 * (Sandbox.runPair, src/sandbox/run-pair.ts), as the Kattis protocol has it:
 *
 *     <run command> /interactor/input /interactor/answer /feedback/ [flags…]
 *
 * or testlib's (Polygon's), whose output file (testlib's `tout`) the job's checker then judges
 * (interactive-testlib.ts):
 *
 *     <run command> /interactor/input /feedback/tout /interactor/answer
 *
 * or a CMS Communication task's manager's (cms-communication.ts), which alone decides the test,
 * the test's input on its stdin and as `input.txt` in its working directory:
 *
 *     <run command> /proc/self/fd/3 /proc/self/fd/4     (from and to the submission)
 *     <run command> /proc/self/fd/5 /proc/self/fd/6 …   (with several processes: run-group.ts)
 *
 * or DMOJ's bridged interactor's, by its contrib module, which alone decides the test
 * (dmoj-contrib.ts; `dmoj-testlib` gets /dev/null as its output file, as DMOJ gives it):
 *
 *     <run command> /interactor/input /interactor/answer                 (dmoj-default, dmoj-coci)
 *     <run command> /interactor/input /dev/null /interactor/answer       (dmoj-testlib)
 *
 * Its /box and working directory is an overlay of its own compiled box; with `workingDir:
 * "submission"` (a 2025-09 package), of the submission's compiled box, its own files then at
 * /validator, read-only, named by absolute path (as an output validator's: output-validator.ts).
 * `input` is the test's `stdin` (not fed to the submission), `answer` its `expected` (empty when
 * absent); both are written by the worker, fresh for each test, into the interactor's job
 * directory and bind-mounted read-only. /feedback is an empty directory of its own for each
 * test, writable; `judgemessage.txt` and `teammessage.txt` (Kattis), or `tout` (testlib), are
 * read back from it without following links, capped. The verdict rules, for both protocols, are
 * interactive-verdict.ts's.
 */
import {
  acceptedScore,
  feedbackText,
  readCarried,
  readFeedback,
  readNextPass,
  scoreFileWritten,
  seedFeedback,
  validatorFraction,
  VALIDATOR_REJECT,
} from './output-validator-feedback';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { removeTree } from '../fs/tree-walk';
import type { JobDir } from '../rootfs/job-dirs';
import { ChildError } from '../sandbox/child-error';
import { PairLaunchError, type PairResult } from '../sandbox/run-pair';
import type { LimitHit, RootfsSpec, RunLimits, RunPlan } from '../sandbox/types';
import type { CompileOutcome, JobContext, SourceFile } from './compile-step';
import { artefactOf, elfLoadBytes } from './address-space';
import { compileHelper } from './helper-program';
import type { CheckContext } from './check-output';
import { acceptingExitCodes, interactiveVerdict, type InteractiveVerdict, type InteractorProtocol } from './interactive-verdict';
import { judgeTestlibOutput, TESTLIB_OUTPUT_FILE } from './interactive-testlib';
import { formatDmojArg } from './dmoj-args';
import {
  cmsGroupJudged,
  cmsGroupManagerArgv,
  cmsGroupUserArgv,
  cmsManagerArgv,
  cmsOutcome,
  cmsSubmissionArgv,
  type SubmissionIo,
} from './cms-communication';
import { cmsVerdict } from './cms-checker';
import type { CheckerVerdict } from './checker-verdict';
import type { GroupResult } from '../sandbox/run-group';
import type { JobRunPlan } from './job-runs';
import { billedCpuMs, transcriptOf } from './interactive-result';
import { isDmojProtocol } from './dmoj-contrib';
import { DMOJ_CONTEXT_FILE, DMOJ_SOURCE_FILE, type DmojGraderContext } from './dmoj-python-report';
import { pointsToFraction } from './testlib-protocol';
import { problemProgram, runFrom, type SubmissionView } from './output-validator-spec';
import { ImageError, InvalidRequestError } from '../errors';
import { expandArgv, expandEnv } from './language-command';
import type { Language, LanguageRegistry } from './languages';
import { helperFactors, resolveLimits, type JudgeLimitConfigs } from './limits';
import { submissionSource, type JobPlan } from './plan';
import { encodeOutput, oneLine, roundScore, skippedTest } from './result';
import type { TestResult } from './schema';
import { boxPath, withTestBox, type TestBox } from './test-files';
import { JUDGE0, judge0Of } from './verdict';

const IO = '/interactor';
const FEEDBACK = '/feedback';
/** Its compiled files when its working directory is the submission's (`inSubmission`). */
const CODE = '/validator';

export interface InteractorOptions {
  language: Language;
  files: SourceFile[];
  /** How it is run and its exit read (interactive-verdict.ts). */
  protocol: InteractorProtocol;
  /** Passed after the three Kattis arguments. */
  flags: readonly string[];
  /** A DMOJ interactor's `feedback`: its stderr shown as the test's message. Default false, as DMOJ's. */
  feedback?: boolean;
  /** Added to its compile command (the wire's `compilerOptions`). */
  compilerOptions?: readonly string[];
  /** A DMOJ interactor's own arguments (`args_format_string`), in place of its module's. */
  args?: readonly string[];
  compileLimits: RunLimits;
  runLimits: RunLimits;
  /** Size of the interactor's job directory (its box and the per-test files), in bytes. */
  diskBytes: number;
  reportBytes: number;
  /** Time the submission may run on after the interactor ended, in ms (Sandbox.runPair). */
  graceMs?: number;
  /** Keep each test's exchange in its result, up to this many bytes; 0 or absent: none. */
  transcriptBytes?: number;
  /** `workingDir: "submission"`: its /box (and cwd) is the submission's, its own files at /validator (as an output validator's). */
  inSubmission?: SubmissionView;
  /** A DMOJ custom judge's `self.source`: the submission's source, written beside each test's context. */
  submissionSource?: Buffer | null;
  /** A CMS manager's submission: its stdio the channels (default), or two files it opens. */
  submissionIo?: SubmissionIo;
  /** A CMS manager's processes of the submission, run at once (default 1: a pair). */
  processes?: number;
}

export type PreparedInteractor =
  { ok: true; interactor: Interactor; compile: CompileOutcome | null } | { ok: false; message: string; compile: CompileOutcome | null };

/** One test of an interactive job: what test-step.ts hands over (the checker: for a testlib interactor's output). */
export interface InteractiveTest extends CheckContext {
  language: Language;
  box: string;
  /** The submission may not write to /box (TestRequest.readOnlyBox); the interactor's stays writable. */
  readOnlyBox?: boolean;
  limits: RunLimits;
  reportBytes: number;
}

/** Time the submission may run on after the interactor ended, in ms (Sandbox.runPair's grace). */
export const INTERACTOR_GRACE_MS = 1000;

/**
 * The interactor of a planned submission: its language and files, compiled. Its limits are the
 * checker's (`checkerLimits`), except that its wall and CPU time are at least the tests' wall
 * time (times the processes of a CMS group) plus twice the grace: it must be able to outlive
 * the submission it talks to.
 */
export async function prepareInteractor(
  ctx: JobContext,
  plan: JobPlan,
  languages: LanguageRegistry,
  helper: JudgeLimitConfigs['validator'],
  { reportBytes, diskBytes }: { reportBytes: number; diskBytes: number },
  submission: SubmissionView,
): Promise<PreparedInteractor> {
  const spec = plan.submission.interactor;
  if (!spec) throw new InvalidRequestError('the submission has no interactor', 'interactor');
  const { language, files } = problemProgram(languages.get(spec.language, 'interactor.language'), spec, 'interactor.');
  const base = resolveLimits(spec.limits, helper.run, 'interactor.limits', helperFactors(language));
  // A CMS manager with several processes may serve them one after the other (CMS gives it N times the limit).
  const outlive = plan.testLimits.wallTimeMs * (spec.processes ?? 1) + 2 * INTERACTOR_GRACE_MS;
  // CPU time given by the request (a package's validation_time) is kept: time spent waiting for
  // the submission is no CPU time. The wall time always outlives the submission.
  const cpuTimeMs = spec.limits?.cpuTimeMs !== undefined ? base.cpuTimeMs : Math.max(base.cpuTimeMs, outlive);
  const runLimits = { ...base, wallTimeMs: Math.max(base.wallTimeMs, outlive), cpuTimeMs };
  // A problem's own program: the helpers' compile limits (limits.ts DEFAULT_HELPER_COMPILE_LIMITS), not the submission's.
  const compileLimits = resolveLimits(spec.compileLimits, helper.compile, 'interactor.compileLimits');
  return Interactor.prepare(ctx, {
    language,
    files,
    protocol: spec.protocol,
    flags: spec.flags ?? [],
    ...(spec.feedback !== undefined ? { feedback: spec.feedback } : {}),
    ...(spec.compilerOptions ? { compilerOptions: spec.compilerOptions } : {}),
    ...(spec.args ? { args: spec.args } : {}),
    compileLimits,
    runLimits,
    diskBytes,
    reportBytes,
    graceMs: INTERACTOR_GRACE_MS,
    transcriptBytes: spec.transcriptBytes ?? 0,
    ...(spec.workingDir === 'submission' ? { inSubmission: submission } : {}),
    ...(spec.protocol === 'dmoj-grader' ? { submissionSource: submissionSource(plan) } : {}),
    ...(spec.submissionIo ? { submissionIo: spec.submissionIo } : {}),
    ...(spec.processes ? { processes: spec.processes } : {}),
  });
}

export class Interactor {
  private seq = 0;

  private constructor(
    private readonly ctx: JobContext,
    private readonly job: JobDir,
    private readonly opts: InteractorOptions,
    /** Its run command: in its own /box, or by absolute path under /validator (`inSubmission`). */
    private readonly command: string[],
  ) {}

  /** Writes and compiles the interactor; one that does not compile is reported, not thrown. */
  static async prepare(ctx: JobContext, opts: InteractorOptions): Promise<PreparedInteractor> {
    const built = await compileHelper(ctx, { ...opts, role: 'interactor' });
    if (!built.ok) return built;
    const memoryBytes = opts.runLimits.memoryBytes;
    let command: string[];
    try {
      command = opts.inSubmission
        ? runFrom(CODE, opts.language, memoryBytes, built.job.box)
        : expandArgv(opts.language, opts.language.run, { memoryBytes });
    } catch (err) {
      // Its compiled job directory goes with the failure, as every other step's does.
      built.job.remove();
      throw err;
    }
    return { ok: true, compile: built.compile, interactor: new Interactor(ctx, built.job, opts, command) };
  }

  async runTest(t: InteractiveTest): Promise<TestResult> {
    const tc = t.testcase;
    const io = path.join(this.job.path, `io-${++this.seq}-${crypto.randomBytes(4).toString('hex')}`);
    const feedback = `${io}-feedback`;
    fs.mkdirSync(io, { mode: 0o755 });
    try {
      // 0700: the run hands it to the interactor's uid; no host user reaches the files in it.
      fs.mkdirSync(feedback, { mode: 0o700 });
      if (t.nextPass?.carried) seedFeedback(feedback, t.nextPass.carried);
      fs.writeFileSync(path.join(io, 'input'), Buffer.from(tc.stdin, tc.stdinEncoding), { flag: 'wx', mode: 0o644 });
      fs.writeFileSync(path.join(io, 'answer'), Buffer.from(tc.expected ?? '', tc.expectedEncoding), { flag: 'wx', mode: 0o644 });
      if (this.opts.protocol === 'dmoj-grader') {
        const context: DmojGraderContext = {
          point_value: tc.points,
          case_index: t.index,
          case_name: tc.name ?? null,
          submission_language: t.language.id,
          has_source: !!this.opts.submissionSource,
        };
        fs.writeFileSync(path.join(io, DMOJ_CONTEXT_FILE), JSON.stringify(context), { flag: 'wx', mode: 0o644 });
        if (this.opts.submissionSource)
          fs.writeFileSync(path.join(io, DMOJ_SOURCE_FILE), this.opts.submissionSource, { flag: 'wx', mode: 0o644 });
      }
      const [interactorRoot, submissionRoot] = [await this.ctx.rootfsFor(this.opts.language), await this.ctx.rootfsFor(t.language)];
      return await withTestBox({ ...t, hasOverlay: this.ctx.runs.hasOverlay }, (box) =>
        this.runPair(t, { io, feedback, interactorRoot, submissionRoot, box }),
      );
    } finally {
      removeTree(io);
      removeTree(feedback);
    }
  }

  /**
   * The interactor's /box and working directory: an overlay of its own compiled box, or (a
   * 2025-09 package) of the submission's compiled box, without the test's files, its own then
   * read-only at /validator. Its writes vanish with its run either way.
   */
  private ownFiles(): Pick<RunPlan, 'box' | 'cwd'> {
    const view = this.opts.inSubmission;
    if (!view) return { box: { hostDir: this.job.box, mode: 'overlay' } };
    const layers = view.boxLayers ?? [];
    return { box: { hostDir: view.box, mode: 'overlay', ...(layers.length ? { lowerDirs: layers } : {}) }, cwd: '/box' };
  }

  /** The test's pair of containers, the submission's /box being `at.box` (its files over the job's box). */
  private async runPair(
    t: InteractiveTest,
    at: { io: string; feedback: string; interactorRoot: RootfsSpec; submissionRoot: RootfsSpec; box: TestBox },
  ): Promise<TestResult> {
    const { feedback, submissionRoot } = at;
    const cms = this.opts.protocol === 'cms';
    const own = [...this.command, ...this.arguments(t)];
    const submission = [...expandArgv(t.language, t.language.run, { memoryBytes: t.limits.memoryBytes }), ...(t.testcase.args ?? [])];
    const submissionPlan = (argv: string[], label = '') => ({
      rootfs: submissionRoot,
      box: at.box.box,
      argv,
      env: expandEnv(t.language, { memoryBytes: t.limits.memoryBytes }),
      limits: t.limits,
      label: `${this.ctx.label} test ${t.index + 1}${label}`,
    });
    if (cms && (this.opts.processes ?? 1) > 1) return this.runGroup(t, at, own, submission, submissionPlan);
    let pair: PairResult;
    try {
      pair = await this.ctx.runs.runPair(
        this.interactorPlan(t, at, cms ? cmsManagerArgv(own, `${IO}/input`, FEEDBACK) : own),
        submissionPlan(cms ? cmsSubmissionArgv(submission, this.opts.submissionIo ?? 'stdio') : submission),
        {
          graceMs: this.opts.graceMs,
          // After an accepting interactor the submission's further output is dropped, as problemtools' runner does.
          acceptExitCodes: acceptingExitCodes(this.opts.protocol),
          ...(this.opts.transcriptBytes ? { transcriptBytes: this.opts.transcriptBytes } : {}),
        },
      );
    } catch (err) {
      const failed = this.execFailure(err, t);
      if (failed) return failed;
      throw err;
    }
    t.nextPass?.onNextPass(t.index, readNextPass(feedback, t.nextPass.bytes), readCarried(feedback, t.nextPass.bytes));
    return this.result(t, pair, feedback, at.box.dirs);
  }

  /** The interactor's plan for a test (`at`: the pair's or group's directories), running `argv`. */
  private interactorPlan(t: InteractiveTest, at: { io: string; feedback: string; interactorRoot: RootfsSpec }, argv: string[]): JobRunPlan {
    const cms = this.opts.protocol === 'cms';
    return {
      rootfs: at.interactorRoot,
      ...this.ownFiles(),
      binds: [
        ...(this.opts.inSubmission ? [{ hostPath: this.job.box, target: CODE, kind: 'dir' } as const] : []),
        { hostPath: at.io, target: IO, kind: 'dir' },
        { hostPath: at.feedback, target: FEEDBACK, kind: 'dir', writable: true },
        // A CMS manager may read its input as input.txt in its working directory.
        ...(cms ? [{ hostPath: path.join(at.io, 'input'), target: '/box/input.txt', kind: 'file' } as const] : []),
      ],
      argv,
      env: expandEnv(this.opts.language, { memoryBytes: this.opts.runLimits.memoryBytes }),
      limits: this.opts.runLimits,
      label: `${this.ctx.label} test ${t.index + 1} interactor`,
    };
  }

  /**
   * A CMS manager and several processes of the submission at once (run-group.ts): the manager
   * reads the test's input on its stdin and prints its outcome on its stdout (collected); the
   * test is judged by cmsGroupJudged.
   */
  private async runGroup(
    t: InteractiveTest,
    at: { io: string; feedback: string; interactorRoot: RootfsSpec; box: TestBox },
    own: string[],
    submission: string[],
    plan: (argv: string[], label: string) => JobRunPlan,
  ): Promise<TestResult> {
    const n = this.opts.processes ?? 1;
    const io = this.opts.submissionIo ?? 'stdio';
    let group: GroupResult;
    try {
      const manager = { ...this.interactorPlan(t, at, cmsGroupManagerArgv(own, n)), stdin: fs.readFileSync(path.join(at.io, 'input')) };
      const users = Array.from({ length: n }, (_, i) => plan(cmsGroupUserArgv(submission, io, i), ` process ${i}`));
      group = await this.ctx.runs.runGroup(manager, users, { userIo: io === 'fifos' ? 'extra' : 'stdio', graceMs: this.opts.graceMs });
    } catch (err) {
      const failed = this.execFailure(err, t);
      if (failed) return failed;
      throw err;
    }
    const { pair, judged } = cmsGroupJudged(group, (p) => this.judgePair(t, p, at.box.dirs), t.limits.cpuTimeMs);
    return this.cmsResult(t, pair, judged, () => cmsVerdict(0, group.manager.stdout, group.manager.stderr, 'manager', t.cmsThreshold));
  }

  /** Its arguments after its run command, by protocol. */
  private arguments(t: InteractiveTest): string[] {
    // DMOJ gives a bridged interactor /dev/null as its output file.
    if (this.opts.args)
      return this.opts.args.map((w) =>
        formatDmojArg(w, { input_file: `${IO}/input`, output_file: '/dev/null', answer_file: `${IO}/answer` }),
      );
    if (this.opts.protocol === 'testlib') return [`${IO}/input`, `${FEEDBACK}/${TESTLIB_OUTPUT_FILE}`, `${IO}/answer`];
    if (this.opts.protocol === 'dmoj-testlib') return [`${IO}/input`, '/dev/null', `${IO}/answer`];
    if (this.opts.protocol === 'dmoj-grader') return [`${IO}/input`, `${IO}/answer`, `${IO}/${DMOJ_CONTEXT_FILE}`];
    if (this.opts.protocol === 'cms') return []; // its channels (cmsManagerArgv)
    if (isDmojProtocol(this.opts.protocol)) return [`${IO}/input`, `${IO}/answer`];
    return [`${IO}/input`, `${IO}/answer`, `${FEEDBACK}/`, ...(t.validatorFlags ?? this.opts.flags)];
  }

  /**
   * One side of the pair could not be executed, named: the submission's own artefact (a path in
   * its box) is its failure, RE 14 as in a plain test; the interactor's (compiled by the judge)
   * is the problem's or the judge's, IE. A command the image should have (an interpreter) is a
   * broken image: ImageError. Any other launch failure is not handled here (null).
   */
  private execFailure(err: unknown, t: InteractiveTest): TestResult | null {
    if (!(err instanceof PairLaunchError) || !(err.error instanceof ChildError) || err.error.stageName !== 'exec') return null;
    const language = err.side === 'submission' ? t.language : this.opts.language;
    const program = language.run[0] ?? '';
    const why = `the ${err.side}'s program ${program} could not be started: ${err.error.errnoName}`;
    if (!program.includes('/')) throw new ImageError(`${why} (the image lacks it for language ${language.id})`, { cause: err });
    const verdict = err.side === 'submission' ? 'RE' : 'IE';
    // A test that never started: a skipped test's empty entry, with its verdict and why.
    const judge0 = verdict === 'RE' ? { ...JUDGE0.execFormatError } : judge0Of('IE');
    return { ...skippedTest(t.index, t.testcase, why), verdict, judge0 };
  }

  /**
   * `feedbackDir`: the interactor's feedback directory, read back after the run: Kattis, its
   * messages and score files (used when it accepted); testlib, its output file for the checker.
   */
  private async result(t: InteractiveTest, pair: PairResult, feedbackDir: string, dirs: readonly string[]): Promise<TestResult> {
    const { protocol } = this.opts;
    const points = t.testcase.points;
    const dmoj = isDmojProtocol(protocol) || protocol === 'dmoj-grader';
    const judged = this.judgePair(t, pair, dirs);
    if (dmoj) {
      // DMOJ's interactor decides alone: AC with the points it gave, WA with none.
      const earned = judged.interactorPoints;
      const fraction = judged.verdict !== 'AC' ? 0 : earned ? pointsToFraction(earned, points) : 1;
      const { verdict, limitHit, message } = judged;
      return this.testResult(t, pair, { verdict, limitHit, message, fraction, checkerMessage: judged.feedback || null, extras: {} });
    }
    const said = oneLine(pair.interactor.stderr.toString('utf8').trim());
    if (protocol === 'cms') return this.cmsResult(t, pair, judged, () => cmsOutcome(feedbackDir, pair.interactor.stderr, t.cmsThreshold));
    if (protocol === 'testlib') {
      if (judged.verdict !== 'AC') return this.testResult(t, pair, { ...judged, fraction: 0, checkerMessage: said || null, extras: {} });
      const checked = await judgeTestlibOutput(t, feedbackDir, this.opts.runLimits.fileSizeBytes, judged.interactorPoints);
      const { fromValidator: extras, checkerMessage, ...v } = checked;
      return this.testResult(t, pair, { ...v, limitHit: null, checkerMessage: checkerMessage ?? (said || null), extras });
    }
    const feedback = readFeedback(feedbackDir);
    const score = acceptedScore(feedback);
    // An accepting interactor's score file that cannot be read as a score makes the test IE, as for an output validator.
    const v =
      judged.verdict === 'AC' && 'error' in score
        ? { ...judged, verdict: 'IE' as const, message: `the interactor accepted but ${score.error}` }
        : judged;
    const scored = v.verdict === 'AC' && !('error' in score) ? score : {};
    // A rejection (exit 43) that wrote a score file all the same is reported (2025-09: a judge error).
    const written = v.verdict === 'WA' && pair.interactor.exitCode === VALIDATOR_REJECT ? scoreFileWritten(feedback) : undefined;
    const checker = feedbackText(feedback.judgeMessage) ?? feedbackText(feedback.teamMessage) ?? said;
    return this.testResult(t, pair, {
      verdict: v.verdict,
      limitHit: v.limitHit,
      message: v.message,
      fraction: v.verdict === 'AC' ? validatorFraction('AC', scored.score, t.testcase.points, scored.multiplier) : 0,
      checkerMessage: checker ? checker : null,
      extras: {
        ...(scored.score !== undefined ? { validatorScore: scored.score } : {}),
        ...(scored.multiplier !== undefined ? { validatorScoreMultiplier: scored.multiplier } : {}),
        ...(written ? { validatorRejectedWithScoreFile: written } : {}),
      },
    });
  }

  /** The pair's verdict as its protocol reads it (interactive-verdict.ts). */
  private judgePair(t: InteractiveTest, pair: PairResult, dirs: readonly string[]): InteractiveVerdict {
    const artefact = artefactOf(t.box, t.language.run);
    const where = artefact && boxPath(path.relative(t.box, artefact), dirs);
    const { protocol } = this.opts;
    const dmoj = isDmojProtocol(protocol) || protocol === 'dmoj-grader';
    return interactiveVerdict(
      pair,
      dmoj ? { protocol, testPoints: t.testcase.points, feedback: this.opts.feedback ?? false } : protocol,
      t.limits,
      where ? () => elfLoadBytes(where) : undefined,
      t.language.memoryErrorMarkers,
    );
  }

  /** A CMS manager decides alone: its `outcome` once it exited 0 and the submission did not fail. */
  private cmsResult(t: InteractiveTest, pair: PairResult, judged: InteractiveVerdict, outcome: () => CheckerVerdict): TestResult {
    const said = oneLine(pair.interactor.stderr.toString('utf8').trim());
    if (judged.verdict !== 'AC') return this.testResult(t, pair, { ...judged, fraction: 0, checkerMessage: said || null, extras: {} });
    const v = outcome();
    // An IE's message says why; otherwise it is the manager's own, shown as the checker's.
    const [message, checkerMessage] =
      v.verdict === 'IE'
        ? [v.message, said || null]
        : [`${v.verdict === 'AC' ? 'accepted' : 'wrong answer'} (the manager)`, v.message || null];
    return this.testResult(t, pair, { ...v, limitHit: null, message, checkerMessage, extras: {} });
  }

  /** The test's result from its judgement (either protocol) and the pair's runs. */
  private testResult(t: InteractiveTest, pair: PairResult, j: Judged): TestResult {
    const run = pair.submission;
    const stderr = encodeOutput(run.stderr, t.reportBytes, run.stderrTruncated);
    return {
      index: t.index,
      name: t.testcase.name ?? null,
      verdict: j.verdict,
      judge0: judge0Of(j.verdict, run.signal),
      exitCode: run.exitCode,
      signal: run.signal,
      stdout: '',
      stdoutEncoding: 'utf8',
      stdoutTruncated: false,
      stderr: stderr.text,
      stderrEncoding: stderr.encoding,
      stderrTruncated: stderr.truncated,
      cpuTimeMs: billedCpuMs(j.verdict, pair),
      wallTimeMs: run.wallTimeMs,
      memoryBytes: run.memoryBytes,
      limitHit: j.limitHit,
      message: oneLine(`${j.message} (${pair.firstEnded} ended first)`),
      points: roundScore(j.fraction * t.testcase.points),
      ...j.extras,
      checkerMessage: j.checkerMessage,
      ...(pair.transcript ? { transcript: transcriptOf(pair.transcript) } : {}),
    };
  }

  remove(): void {
    this.job.remove();
  }
}

/** An interactive test judged, before its result: the share of its points, what the interactor or checker said. */
interface Judged {
  verdict: InteractiveVerdict['verdict'];
  limitHit: LimitHit;
  message: string;
  fraction: number;
  checkerMessage: string | null;
  extras: Pick<TestResult, 'teamMessage' | 'validatorScore' | 'validatorScoreMultiplier' | 'validatorRejectedWithScoreFile'>;
}
