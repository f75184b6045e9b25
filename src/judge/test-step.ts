/**
 * One test of a job: the program run in a fresh container on the compiled box (box mode
 * `overlay`: it sees the job's files, its writes vanish with it, so tests cannot affect each
 * other), classified (run-verdict.ts), then its stdout checked against the expected answer by
 * the job's checker. A test without `expected` is accepted whenever the program ends normally.
 */
import path from 'node:path';
import { ImageError } from '../errors';
import { ChildError } from '../sandbox/child-error';
import type { RunLimits, RunResult } from '../sandbox/types';
import { checkOutput, checksFailedRuns, cmsReads, type CheckContext, type OutputCheck } from './check-output';
import type { JobContext } from './compile-step';
import type { Interactor } from './interactive';
import { expandArgv, expandEnv } from './language-command';
import type { Language } from './languages';
import { encodeOutput, oneLine, roundScore, skippedTest } from './result';
import { artefactOf, elfLoadBytes } from './address-space';
import { classifyRun } from './run-verdict';
import type { TestResult, TestVerdict } from './schema';
import { readOutputFile } from './file-io';
import type { FileIo } from './file-io-schema';
import { boxPath, withTestBox } from './test-files';
import { JUDGE0, judge0Of } from './verdict';

/** An accepted run's message when it has no expected output, with the note of an output file it did not write. */
export function nothingToCheck(note?: string): string {
  return `exited normally (no expected output to check${note ? `; ${note}` : ''})`;
}

export interface TestRequest extends CheckContext {
  language: Language;
  /** Host path of the compiled box (read-only to the tests). */
  box: string;
  /** Read-only layers under the box (the compile cache's entry on a hit: CompileOutcome.layer). */
  boxLayers?: readonly string[];
  /** The program may not write to /box (the submission's `allowFileWriting: false`). */
  readOnlyBox?: boolean;
  /** Its stderr goes into its stdout (the submission's `stderrToStdout`). */
  stderrToStdout?: boolean;
  limits: RunLimits;
  /** Cap on stdout and on stderr in the result, in bytes each. */
  reportBytes: number;
  /** The submission's file input and output (Submission['fileIo']). */
  fileIo?: FileIo | undefined;
  /**
   * An interactive test: run beside this interactor (src/judge/interactive.ts); `checker` is used
   * only after a testlib interactor accepted.
   */
  interactor?: Interactor;
}

export function decode(text: string, encoding: 'utf8' | 'base64'): Buffer {
  return Buffer.from(text, encoding === 'base64' ? 'base64' : 'utf8');
}

export async function runTest(ctx: JobContext, req: TestRequest): Promise<TestResult> {
  if (req.interactor) return req.interactor.runTest(req);
  const { testcase: tc } = req;
  const stdin = decode(tc.stdin, tc.stdinEncoding);
  const rootfs = await ctx.rootfsFor(req.language);
  type Ran = { failure: string } | { run: RunResult; classified: ReturnType<typeof classifyRun>; answerNote?: string; absent?: true };
  const { input: inputFile, output: outputFile } = req.fileIo ?? {};
  const boxOpts = {
    ...req,
    hasOverlay: ctx.runs.hasOverlay,
    ...(inputFile !== undefined ? { inputFile: { path: inputFile, data: stdin } } : {}),
    // The answer's file is read from the run's kept writes: a job directory of its own, capped at the run's disk quota.
    ...(outputFile !== undefined ? { keepWrites: () => ctx.jobDirs.create({ diskBytes: req.limits.diskBytes }) } : {}),
    // A read-only /box with an output file: that file alone is writable (CMS's rule).
    ...(outputFile !== undefined && req.readOnlyBox ? { onlyWritable: outputFile } : {}),
  };
  const ran = await withTestBox<Ran>(boxOpts, async (box) => {
    let run: RunResult;
    try {
      run = await ctx.runs.run({
        rootfs,
        box: box.box,
        argv: [...expandArgv(req.language, req.language.run, { memoryBytes: req.limits.memoryBytes }), ...(tc.args ?? [])],
        env: expandEnv(req.language, { memoryBytes: req.limits.memoryBytes }),
        // With an input file and `fileIo.stdin: false`, standard input is empty (CMS's rule).
        stdin: inputFile !== undefined && req.fileIo?.stdin === false ? Buffer.alloc(0) : stdin,
        ...(req.stderrToStdout ? { stderrToStdout: true } : {}),
        limits: req.limits,
        label: `${ctx.label} test ${req.index + 1}`,
      });
    } catch (err) {
      const failure = execFailure(err, req.language);
      if (failure) return { failure };
      throw err;
    }
    // Read while the test's files are there: they may have replaced the artefact.
    const artefact = artefactOf(req.box, req.language.run);
    const classified = classifyRun(
      run,
      req.limits,
      req.language.memoryErrorMarkers,
      artefact ? () => elfLoadBytes(boxPath(path.relative(req.box, artefact), box.dirs)) : undefined,
    );
    if (outputFile === undefined) return { run, classified };
    const answer = await readOutputFile(box.kept!, outputFile, req.limits.outputBytes);
    const withAnswer = { ...run, stdout: answer.data, stdoutTruncated: answer.overLimit };
    if (answer.overLimit && classified.verdict === 'OK')
      return {
        run: withAnswer,
        classified: { ...classified, verdict: 'OLE', limitHit: 'output', message: `${outputFile} is over the output limit` },
      };
    return {
      run: withAnswer,
      classified,
      ...(answer.note ? { answerNote: answer.note } : {}),
      ...(answer.absent ? { absent: true as const } : {}),
    };
  });
  if ('failure' in ran) return notStarted(req, ran.failure);
  const { run, classified } = ran;
  // Encoded before checking: the check may take the output over (see CheckRunner.check).
  const stdout = encodeOutput(run.stdout, req.reportBytes, run.stdoutTruncated);
  const stderr = encodeOutput(run.stderr, req.reportBytes, run.stderrTruncated);
  let verdict: TestVerdict = classified.verdict === 'OK' ? 'AC' : classified.verdict;
  let fraction = verdict === 'AC' ? 1 : 0;
  let message = classified.message;
  let checkerMessage: string | null = null;
  let fromValidator: OutputCheck['fromValidator'] = {};
  if (classified.verdict === 'OK' && tc.expected !== undefined && ran.absent && cmsReads(req.checker)) {
    verdict = 'WA';
    fraction = 0;
    checkerMessage = `Evaluation didn't produce file ${outputFile ?? ''}`;
    message = `wrong answer (${ran.answerNote ?? ''})`;
  } else if (classified.verdict === 'OK' && tc.expected !== undefined) {
    const checked = await checkOutput(req, stdin, run.stdout, decode(tc.expected, tc.expectedEncoding), run);
    verdict = checked.verdict;
    fraction = checked.fraction;
    checkerMessage = checked.checkerMessage;
    fromValidator = checked.fromValidator;
    message = verdict === 'AC' ? 'accepted' : verdict === 'WA' ? 'wrong answer' : 'checker failure';
    if (ran.answerNote && verdict !== 'AC') message += ` (${ran.answerNote})`;
  } else if (classified.verdict === 'OK') {
    // Nothing to check, but an output file the program did not write is said (`no out.txt written`).
    message = nothingToCheck(ran.answerNote);
  } else if (tc.expected !== undefined && req.checker.kind === 'custom' && req.checker.checker.runsOnError) {
    // DMOJ's `run_on_error`: a Python checker with the flag judges a failed run's output too. The
    // run's verdict stays (DMOJ shows TLE, RTE… before WA or AC), the points are the checker's;
    // its failure is IE, as DMOJ's InternalError ends the submission.
    const checked = await req.checker.checker.checkFailed(stdin, run.stdout, decode(tc.expected, tc.expectedEncoding), tc.points, {
      index: req.index,
      name: tc.name ?? null,
      cpuTimeMs: run.cpuTimeMs,
      memoryBytes: run.memoryBytes,
      verdict: classified.verdict,
    });
    if (checked) {
      checkerMessage = checked.message;
      if (checked.verdict === 'IE') {
        verdict = 'IE';
        message = 'checker failure';
      } else {
        fraction = checked.fraction;
      }
    }
  } else if (tc.expected !== undefined && checksFailedRuns(req.checker)) {
    // DMOJ's run_on_error (linecount): the failed run's output earns its share; the verdict stays.
    const checked = await checkOutput(req, stdin, run.stdout, decode(tc.expected, tc.expectedEncoding), run);
    fraction = checked.verdict === 'IE' ? 0 : checked.fraction;
    checkerMessage = checked.checkerMessage;
  }
  return {
    index: req.index,
    name: tc.name ?? null,
    verdict,
    judge0: judge0Of(verdict, run.signal),
    exitCode: run.exitCode,
    signal: run.signal,
    stdout: stdout.text,
    stdoutEncoding: stdout.encoding,
    stdoutTruncated: stdout.truncated,
    stderr: stderr.text,
    stderrEncoding: stderr.encoding,
    stderrTruncated: stderr.truncated,
    cpuTimeMs: run.cpuTimeMs,
    wallTimeMs: run.wallTimeMs,
    memoryBytes: run.memoryBytes,
    limitHit: classified.limitHit,
    message: oneLine(message),
    points: roundScore(fraction * tc.points),
    checkerMessage: checkerMessage === null ? null : oneLine(checkerMessage),
    ...fromValidator,
  };
}

/**
 * A run command that cannot be executed. When it is the submission's own artefact (a path in
 * /box such as ./main, missing because of its compiler options, say) that is the program's
 * failure: RE with Judge0 14 (Exec Format Error). When it is the image's interpreter, the image
 * is broken: a retryable ImageError.
 */
function execFailure(err: unknown, language: Language): string | null {
  if (!(err instanceof ChildError) || err.stageName !== 'exec') return null;
  const program = language.run[0] ?? '';
  if (!program.includes('/'))
    throw new ImageError(`the image cannot run ${program} for language ${language.id}: ${err.errnoName}`, { cause: err });
  return `the program ${program} could not be started: ${err.errnoName}`;
}

function notStarted(req: TestRequest, message: string): TestResult {
  return { ...skippedTest(req.index, req.testcase, message), verdict: 'RE', judge0: { ...JUDGE0.execFormatError } };
}
