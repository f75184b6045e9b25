/**
 * Judges a submission against a loaded problem package through the existing Judge, in one job
 * (Judge.openJob) opened at the first test: the submission compiles once (or comes from the
 * compile cache) and the package's validator or interactor is prepared once, as for a job of
 * many tests; then each test case is run in it (each a fresh container, as always), one at a
 * time in the test tree's order (grading.ts decides what runs and what is SKIPPED), with its
 * group's flags. A compile failure ends the judging as CE. A 2025-09 static validation test is
 * a Judge call of its own.
 *
 * Each test runs with no expected output (the Judge then reports AC when the program ended
 * normally, or its RE/TLE/MLE/OLE/SE); its stdout, kept whole (the Judge is asked to report up
 * to the package's output limit: JudgeHooks.reportOutputBytes), is
 * then checked with the package's default output validator and its group's flags, in slices
 * that yield to the event loop (default-validator.ts), so a long check holds it for well under
 * a millisecond at a time.
 *
 * A package with its own output validator (custom, interactive) gives it to the Judge as the
 * submission's `checker: {type: "validator"}` or `interactor`, with the test's answer as
 * `expected`; the Judge's compile cache keeps it compiled across judgings. Multi-pass: after a pass
 * the validator accepted, its nextpass.in (read without following links, at most
 * validation_output bytes) becomes the next pass's input, another run in the same job; a nextpass.in at
 * the last of `validation_passes` passes, or one refused or too large, is IE. A Polygon package's
 * testlib checker and interactor go as `checker: {type: "custom"}` and a `testlib` interactor
 * (testlib-programs.ts), with the answer as `expected`; a DMOJ problem's as dmoj-programs.ts
 * gives them, each test with its points.
 *
 * The result is a JudgeResult (schema version 1) with `groups` and `problem` added; stdout and
 * stderr in it are cut to REPORT_BYTES each.
 */
import { InvalidRequestError } from '../errors';
import type { Judge, JudgeHooks, OpenJob, TestBounds } from '../judge/judge';
import type { LimitValues } from '../judge/limits';
import type { CarriedFile, CarriedFiles, FeedbackFile } from '../judge/output-validator-feedback';
import { oneLine, reportBytesPerTest, skippedTest } from '../judge/result';
import {
  DEFAULT_MAX_PROGRAM_BYTES,
  DEFAULT_MAX_SOURCE_BYTES,
  DEFAULT_MAX_SOURCE_FILES,
  makeSubmissionSchema,
  RESULT_SCHEMA_VERSION,
  type CompileResult,
  type JudgeResult,
  type Testcase,
  type TestResult,
} from '../judge/schema';
import { parseSubmission, parseTestcase } from '../judge/plan';
import { judge0Of, testDetail, VERDICT_NAMES } from '../judge/verdict';
import { defaultValidateSliced, parseValidatorFlags } from './default-validator';
import { gradeTree } from '../judge/group-grading';
import { outsideLanguages, packageLanguageCode } from './extensions';
import type { PackageSubmission } from './package-submission';
import { configFile, type ProblemPackage } from './problem-package';
import { programOf } from './package-validator';
import { packageLimitsFor, type PackageLimitOptions } from './package-limits';
import { overCodeLimit, sourceBytes } from './package-sources';
import { caseScoreFailure, packagePoints, rejectedScoreFailure } from './case-scores';
import { checkerScaleOf, polygonTestScore, testlibWire } from './testlib-programs';
import { asFormatBuilds } from './format-builds';
import { dmojWire } from './dmoj-programs';
import { withDmojData } from './dmoj-generate-run';
import { compilerFirstError, newerPythonError } from './compile-failures';
import { customGrader } from './custom-grader';
import { countTests, type TestCase } from './test-data';
import { cut, field, staticHook, testBounds } from './package-tests';
import { splitSubmission } from './cms-batch-output';
import { thresholdVerdict } from '../judge/cms-checker';

const MiB = 2 ** 20;
/** stdout and stderr kept per test in the result, in bytes. */
export const REPORT_BYTES = 64 * 1024;

/**
 * The Judge's `reportOutputBytes` for judging `pkg`: the whole output comes back to be validated,
 * up to the package's output limit (or caged's maximum, when larger).
 */
export function packageReportBytes(pkg: Pick<ProblemPackage, 'config'>, maxima?: Partial<LimitValues>): number {
  return Math.max(REPORT_BYTES, maxima?.outputBytes ?? 0, Math.ceil(pkg.config.limits.outputMiB * MiB));
}

export interface JudgePackageOptions extends PackageLimitOptions {
  hooks?: JudgeHooks;
  /** Interactive packages: keep each test's exchange in its result, up to this many bytes (≤ 64 KiB). */
  transcriptBytes?: number;
  /** Each test that ran, with its final verdict (after the package's validation), in test order: per-test progress. */
  onTest?: (t: TestResult, total: number) => void;
  /**
   * The submission is one of the package's own examples (below its submissions/): problem.yaml's
   * `languages` binds the contestants' submissions, not the jury's, which are judged in any
   * language caged has, with a note (problemtools judges them all, and the format's own example
   * package keeps accepted PHP under `languages: [python3, cpp]`). They run without the
   * language's factors (`languageFactors: false`): the package's limits are the ones its
   * expectations and the derived time limit speak of (problemtools, Polygon and CMS have none).
   */
  ownSubmission?: boolean;
}

export async function judgePackage(
  judge: Judge,
  pkg: ProblemPackage,
  submission: PackageSubmission,
  opts: JudgePackageOptions = {},
): Promise<JudgeResult> {
  // A DMOJ problem's generators make their cases' data first, removed with the judging (their failure: every test IE).
  return withDmojData(judge, pkg, opts, async (opts) => {
    const r = await judgePackageAs(judge, pkg, submission, opts);
    // A jury's Python file that the image's PyPy cannot run for want of a newer Python (Debian
    // 12's PyPy is Python 3.9: no `match`, no itertools.pairwise, no `int | None` at run time) is
    // judged with CPython, said in a note: the package's tools run a newer PyPy, and its authors
    // wrote for that. PyPy's CE, or a run error that Python raises for a missing name, module,
    // attribute or argument form; CPython's verdict is taken unless it fails the same way.
    if (!opts.ownSubmission || submission.language !== 'pypy3') return r;
    const why = r.verdict === 'CE' ? `it does not compile (${compilerFirstError(r)})` : newerPythonError(r);
    if (why === null || !judge.languages().some((l) => l.id === 'python3')) return r;
    // CPython stands in for a newer PyPy, and much slower: it keeps its time factor (caged's allowance for it).
    const cpython = await judgePackageAs(judge, pkg, { ...submission, language: 'python3' }, opts, true);
    if (cpython.verdict === 'CE' || cpython.tests.some((t) => t.verdict === 'RE') || !cpython.problem) return r;
    const note = `PyPy (pypy3, Python 3.9) fails where CPython (python3) does not: ${why}; judged with CPython (under its time factor)`;
    return { ...cpython, problem: { ...cpython.problem, notes: [...cpython.problem.notes, note] } };
  });
}

async function judgePackageAs(
  judge: Judge,
  pkg: ProblemPackage,
  submission: PackageSubmission,
  opts: JudgePackageOptions,
  /** An own submission keeps its language's factors (CPython standing in for PyPy). */
  ownFactors = false,
): Promise<JudgeResult> {
  const started = process.hrtime.bigint();
  const unsupported = pkg.config.unsupported;
  if (unsupported.length) throw new InvalidRequestError(`caged judge does not support ${unsupported.join(', ')} yet`, configFile(pkg));
  const validation = pkg.config.validation;
  // The package's programs in the image's languages; one it has no language for is refused before anything runs.
  const validator = pkg.validator ? programOf(pkg.validator, judge) : null;
  const staticProgram = pkg.staticValidator ? programOf(pkg.staticValidator, judge) : null;
  const grader = pkg.grader ? programOf(pkg.grader, judge) : null;
  const multiPass = validation.kind === 'multi-pass';
  const passes = pkg.config.limits.validationPasses;
  const nextPassBytes = Math.round(pkg.config.limits.validationOutputMiB * MiB);
  if (validation.kind !== 'default' && !validator && !pkg.testlib && !pkg.dmoj && !pkg.cms)
    throw new InvalidRequestError('the package has no output validator', 'problem.yaml');
  const code = packageLanguageCode(submission.language);
  const outside = outsideLanguages(submission.language, pkg.config.languages);
  if (outside && !opts.ownSubmission) throw new InvalidRequestError(outside, 'SUBMISSION');
  // A contestant's submission over the code limit is refused; the package's own is judged, with a note.
  const tooLarge = overCodeLimit(pkg, sourceBytes(submission));
  if (tooLarge && !opts.ownSubmission) throw new InvalidRequestError(tooLarge, 'SUBMISSION');
  // Included files (a DMOJ signature grader's entry and header, its unbuffering source, a CMS grader) are added after the code limit is checked (the formats' order).
  // A CMS BatchAndOutput task: its answers judged as an output-only task's, its program as a Batch one's (cms-batch-output.ts).
  const split = pkg.cms?.answers ? splitSubmission(pkg.cms.answers, submission) : null;
  if (split) submission = split.program ?? split.answers!;
  const language = judge.language(submission.language, 'language');
  if (!split || split.program) submission = asFormatBuilds(pkg, submission, language, code);
  const { limits, compileLimits, helperCompileLimits, validatorLimits, helperLimits, notes } = packageLimitsFor(
    pkg,
    judge.stepMaxima,
    opts,
  );
  // A Polygon package's testlib checker and interactor (a DMOJ problem's checker or interactor, a
  // CMS task's checker), and the scale of their partial points in a scoring problem (checkerScaleOf).
  const testlib =
    testlibWire(pkg, judge, validatorLimits, helperCompileLimits, opts.transcriptBytes) ??
    dmojWire(pkg, judge, validatorLimits, helperCompileLimits, opts.transcriptBytes);
  const checkerScale = checkerScaleOf(pkg);
  // A CMS task's own checker or manager (not its white diff): told a BatchAndOutput test's kind, a GroupThreshold test's threshold.
  const cmsCustom = !!(pkg.cms?.checker || pkg.cms?.manager);
  // The submission with the package's included files is bounded by the package (its code limit,
  // checked above, and its size cap), not by the judge's cap on a contestant's source.
  // So is its own validator (or interactor): the package's size cap bounds it, not the wire's default.
  const schema = makeSubmissionSchema({
    maxSourceBytes: Math.max(DEFAULT_MAX_SOURCE_BYTES, sourceBytes(submission)),
    maxSourceFiles: Math.max(DEFAULT_MAX_SOURCE_FILES, submission.files?.length ?? 1),
    maxProgramBytes: Math.max(DEFAULT_MAX_PROGRAM_BYTES, ...[validator, ...(testlib?.programs ?? [])].map((p) => (p ? sourceBytes(p) : 0))),
  });
  if (opts.ownSubmission && submission.language === 'pypy3')
    notes.push(
      "Python runs with PyPy (pypy3) for the package's own submissions, as problemtools and BAPCtools run them (--lang python3: CPython)",
    );
  if (tooLarge) notes.push(`the submission ${tooLarge}: judged as one of the package's own submissions`);
  notes.push(...(pkg.dataNotes ?? []));
  if (outside)
    notes.push(
      `${code} is not one of the problem's languages (${(pkg.config.languages ?? []).join(', ')}): judged as one of the package's own submissions`,
    );
  let first: JudgeResult | null = null;
  let compile: CompileResult | undefined;
  let compileFailed: string | null = null;
  /** The validator (or interactor) did not compile: the judging is IE with the compiler's output, not retried. */
  let validatorFailed: string | null = null;
  let compileMs = 0;

  const skipOne = (test: TestCase, index: number, why: string): TestResult => skippedTest(index, test, why);
  const total = countTests(pkg.data);
  // Every test (and pass) runs in one job, opened at the first: the submission compiled and its
  // validator prepared once, as for a job of many tests. A static validation test is a job of its own.
  // A BatchAndOutput task's answers are a job of their own.
  const jobs: Partial<Record<'program' | 'answers', OpenJob>> = {};
  let firstAnswer: JudgeResult | null = null;
  let bounds: TestBounds | null = null;

  /** A test case in several groups (a CMS task's overlapping subtasks) is run once: its result there, with its points there. */
  const ran = new Map<string, (again: TestCase, index: number) => TestResult>();
  const runOne = async (test: TestCase, groupFlags: string[], index: number): Promise<TestResult> => {
    // A GroupThreshold test case is judged again in a subtask of another threshold.
    const once = `${test.inPath}\0${test.cmsThreshold ?? ''}`;
    const repeated = ran.get(once)?.(test, index);
    if (repeated) {
      opts.onTest?.(repeated, total);
      return repeated;
    }
    const flagWords = test.validatorFlags ?? groupFlags;
    if (compileFailed) return skipOne(test, index, compileFailed);
    if (validatorFailed) return skipOne(test, index, validatorFailed);
    const route = split?.route(test.name) ?? null;
    if (route?.kind === 'not-submitted') {
      const none: TestResult = { ...skipOne(test, index, route.why), verdict: 'WA', judge0: judge0Of('WA'), points: 0 };
      opts.onTest?.(none, total);
      return none;
    }
    let kind: 'program' | 'answers' = route?.kind === 'answer' ? 'answers' : 'program';
    const statically = test.staticValidation;
    const answer = statically ? Buffer.alloc(0) : pkg.files.read(test.ansPath);
    // The package's compilation limits apply to its validator's compile, under the helpers' maxima.
    const custom =
      validator && validatorLimits && !statically
        ? {
            ...validator,
            flags: flagWords,
            limits: validatorLimits,
            compileLimits: helperCompileLimits,
            // 2025-09: an output validator works in the submission's directory (the format's "Working directory").
            ...(pkg.config.format === '2025-09' ? { workingDir: 'submission' as const } : {}),
          }
        : null;
    // A Polygon package's testlib checker (on the output, or on its interactor's) is given the answer too.
    const testlibFields = testlib && !statically ? testlib.fields : null;
    const judgedByPackage = custom !== null || (testlibFields !== null && Object.keys(testlibFields).length > 0);
    const expected = judgedByPackage ? { expected: answer.toString('base64'), expectedEncoding: 'base64' as const } : {};
    // Multi-pass: the validator's nextpass.in is the next pass's input (see the file's comment).
    let stdin = statically ? Buffer.alloc(0) : pkg.files.read(test.inPath);
    // Its input files (2025-09 `.files`), read once for every pass.
    const files = test.files?.map((f) => ({
      path: f.path,
      content: pkg.files.read(f.rel).toString('base64'),
      encoding: 'base64' as const,
    }));
    let passFailure: string | null = null;
    let r: JudgeResult;
    // The feedback directory's other files persist between passes (the format): each pass's are the next one's.
    let carried: readonly CarriedFile[] = [];
    for (let pass = 1; ; pass++) {
      const got: { next: FeedbackFile | null; kept: CarriedFiles | null } = { next: null, kept: null };
      // The whole output comes back to be validated: the report cap is the package's output limit.
      const base: JudgeHooks = { ...opts.hooks, reportOutputBytes: Math.max(REPORT_BYTES, limits.outputBytes) };
      const hooks: JudgeHooks = statically
        ? { ...base, staticValidation: staticHook(staticProgram, code, statically.args, helperLimits, helperCompileLimits) }
        : multiPass
          ? {
              ...base,
              nextPass: {
                bytes: nextPassBytes,
                carried,
                onNextPass: (_i, f, kept) => {
                  got.next = f;
                  got.kept = kept;
                },
              },
            }
          : base;
      const input = field(stdin);
      const testcase = {
        name: test.name,
        stdin: input.text,
        stdinEncoding: input.encoding,
        ...expected,
        ...(route?.kind === 'answer' ? { args: [route.file] } : test.args ? { args: test.args } : {}),
        ...(files ? { files } : {}),
        ...(checkerScale ? { points: checkerScale(test) } : {}),
      };
      // The whole submission is checked once, with the job's first test (or a static test's own
      // job); the tests after it alone: the sources and the validator's files are the same.
      const whole = (k = kind) =>
        parseSubmission(
          {
            ...(k === 'answers' ? split!.answers! : submission),
            // The package's own examples run under the package's limits alone, as its format's tools run them.
            ...(opts.ownSubmission && !ownFactors ? { languageFactors: false } : {}),
            testcases: [testcase],
            limits,
            compileLimits,
            allowFileWriting: pkg.config.allowFileWriting,
            ...(pkg.config.fileIo && k === 'program' ? { fileIo: pkg.config.fileIo } : {}),
            ...(custom
              ? validation.interactive
                ? { interactor: { ...custom, ...(opts.transcriptBytes ? { transcriptBytes: opts.transcriptBytes } : {}) } }
                : { checker: { type: 'validator' as const, ...custom } }
              : (testlibFields ?? {})),
          },
          schema,
        );
      if (statically) r = await judge.judgeSubmission(whole(), hooks);
      else {
        bounds ??= testBounds(pkg, multiPass ? nextPassBytes : 0);
        // A BatchAndOutput program is compiled before any answer is judged: one that does not compile fails them all, as in CMS.
        if (kind === 'answers' && split?.program && !jobs.program) {
          jobs.program = await judge.openJob(whole('program'), base, bounds);
          if (jobs.program.ended) kind = 'program';
        }
        let tc: Testcase;
        let job = jobs[kind];
        if (job) tc = parseTestcase(testcase);
        else {
          const parsed = whole();
          job = jobs[kind] = await judge.openJob(parsed, base, bounds);
          tc = parsed.testcases[0]!;
        }
        // A BatchAndOutput comparator is told the test case's kind (cms-batch-output.ts).
        const told = split && cmsCustom ? [split.checkerKind(test.name)] : null;
        r = await job.judgeTest(tc, {
          ...(custom ? { validatorFlags: flagWords } : told ? { validatorFlags: told } : {}),
          ...(test.cmsThreshold !== undefined ? { cmsThreshold: test.cmsThreshold } : {}),
          ...(hooks.nextPass ? { nextPass: hooks.nextPass } : {}),
        });
      }
      const next = got.next;
      if (!multiPass || r.tests[0]?.verdict !== 'AC' || !next || next.kind === 'absent') break;
      if (next.kind === 'refused') passFailure = `the validator's nextpass.in was refused (${next.why})`;
      else if (next.truncated) passFailure = `the validator's nextpass.in is larger than validation_output (${nextPassBytes} bytes)`;
      else if (pass >= passes) passFailure = `the validator wrote nextpass.in at the last pass (validation_passes ${passes})`;
      else if (got.kept && 'refused' in got.kept)
        passFailure = `the validator's feedback directory cannot be kept for the next pass (${got.kept.refused})`;
      if (passFailure || next.kind !== 'read') break;
      stdin = next.data;
      carried = got.kept && 'files' in got.kept ? got.kept.files : [];
    }
    // The judging's compilation is its program's; answers alone, theirs.
    if (kind === 'program' || !split?.program) {
      first ??= r;
      compile ??= r.compile;
    } else firstAnswer ??= r;
    compileMs += r.timing.compileMs;
    if (r.compile && r.compile.verdict !== 'OK') {
      compile = r.compile;
      compileFailed = `not run: ${r.message}`;
      return skipOne(test, index, compileFailed);
    }
    const t = r.tests[0];
    if (!t) throw new InvalidRequestError('the judge returned no test result', test.name);
    if (r.verdict === 'IE' && t.verdict === 'SKIPPED') {
      validatorFailed = r.message;
      return { ...t, index, name: test.name, verdict: 'IE', judge0: judge0Of('IE'), message: oneLine(r.message) };
    }
    let verdict = t.verdict;
    let message = t.message;
    let checkerMessage = t.checkerMessage;
    if (verdict === 'AC' && !judgedByPackage && !statically) {
      if (t.stdoutTruncated) {
        verdict = 'IE';
        message = "Internal Error: the output is larger than the judge keeps (raise the Judge's reportOutputBytes)";
      } else {
        const out = Buffer.from(t.stdout, t.stdoutEncoding === 'base64' ? 'base64' : 'utf8');
        const v = await defaultValidateSliced(out, answer, parseValidatorFlags(flagWords, `${test.name} validator flags`));
        verdict = v.accepted ? 'AC' : 'WA';
        checkerMessage = v.message;
        message = v.accepted ? 'Accepted' : `Wrong Answer: ${v.message}`;
      }
    }
    // GroupThreshold with CMS's white diff: a correct output's outcome is 1, correct only within the threshold.
    if (test.cmsThreshold !== undefined && !cmsCustom && verdict === 'AC') {
      const v = thresholdVerdict(1, test.cmsThreshold);
      [verdict, checkerMessage] = [v.verdict, v.message];
      if (verdict !== 'AC') message = `Wrong Answer: ${v.message}`;
    }
    if (passFailure) {
      verdict = 'IE';
      message = `Internal Error: ${passFailure}`;
    }
    const scoreFailure =
      verdict === 'AC'
        ? caseScoreFailure(pkg, test, t.validatorScore, t.validatorScoreMultiplier)
        : verdict === 'WA' && t.validatorRejectedWithScoreFile
          ? rejectedScoreFailure(pkg, test, t.validatorRejectedWithScoreFile)
          : null;
    if (scoreFailure) {
      verdict = 'IE';
      message = `Internal Error: ${scoreFailure}`;
    }
    const shown = reportBytesPerTest(REPORT_BYTES, total);
    const stdout = cut(t.stdout, t.stdoutEncoding, t.stdoutTruncated, shown);
    const stderr = cut(t.stderr, t.stderrEncoding, t.stderrTruncated, shown);
    const final: TestResult = {
      ...t,
      index,
      name: test.name,
      verdict,
      judge0: verdict === t.verdict ? t.judge0 : judge0Of(verdict),
      message: oneLine(message),
      checkerMessage,
      points: packagePoints(pkg, checkerScale, test, verdict, t),
      stdout: stdout.text,
      stdoutTruncated: stdout.truncated,
      stderr: stderr.text,
      stderrTruncated: stderr.truncated,
    };
    if (pkg.cms) ran.set(once, (tc, i) => ({ ...final, index: i, points: packagePoints(pkg, checkerScale, tc, verdict, t) }));
    opts.onTest?.(final, total);
    return final;
  };

  const graderFailures: string[] = [];
  const grade =
    grader && helperLimits
      ? customGrader(judge, grader, { limits: helperLimits, compileLimits: helperCompileLimits }, opts.hooks, graderFailures)
      : undefined;
  let graded: Awaited<ReturnType<typeof gradeTree<TestCase>>>;
  try {
    graded = await gradeTree(pkg.data, pkg.config.scoring, runOne, skipOne, checkerScale ? polygonTestScore : undefined, grade);
  } catch (err) {
    for (const job of Object.values(jobs)) await job.close().catch(() => undefined);
    throw err;
  }
  for (const job of Object.values(jobs)) await job.close();
  const base = (first ?? firstAnswer) as JudgeResult | null;
  if (!base) throw new InvalidRequestError('no test ran', 'data');
  let verdict: JudgeResult['verdict'] = graded.verdict === 'SKIPPED' ? 'IE' : graded.verdict;
  // The test the message names: the first with the judging's verdict (worst_error and graders
  // may pick another than the first rejection's), else the first rejection.
  const rejected = graded.tests.filter((t) => t.verdict !== 'AC' && t.verdict !== 'SKIPPED');
  const failing = rejected.find((t) => t.verdict === verdict) ?? rejected[0];
  let message =
    verdict === 'AC'
      ? `Accepted (${graded.tests.length} tests)`
      : failing
        ? `${VERDICT_NAMES[verdict]} on ${failing.name ?? ''}: ${testDetail(failing)}`
        : '';
  const graderFailure = graderFailures[0];
  if (verdict === 'IE' && graderFailure) message = `Internal Error: ${graderFailure}`;
  let score = Math.max(0, round(graded.score));
  if (compileFailed) {
    verdict = 'CE';
    message = base.message;
    score = 0;
  } else if (validatorFailed) {
    verdict = 'IE';
    message = validatorFailed;
    score = 0;
  }
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    submissionId: null,
    verdict,
    judge0: compileFailed ? base.judge0 : judge0Of(verdict),
    message: oneLine(message),
    score,
    maxScore: Math.max(0, round(graded.maxScore)),
    language: base.language,
    image: base.image,
    ...(compile ? { compile } : {}),
    tests: graded.tests,
    groups: graded.groups.map((g) => ({ ...g, score: round(g.score), maxScore: round(g.maxScore) })),
    problem: {
      name: pkg.config.name,
      format: pkg.config.format,
      type: pkg.config.scoring ? 'scoring' : 'pass-fail',
      timeLimitMs: limits.cpuTimeMs,
      timeLimitFrom: pkg.timeLimit?.from ?? 'none',
      notes,
    },
    ...(base.limits ? { limits: base.limits } : {}),
    timing: { totalMs: round(Number(process.hrtime.bigint() - started) / 1e6), compileMs: round(compileMs) },
    ...(base.enforcement ? { enforcement: base.enforcement } : {}),
  };
}

function round(n: number): number {
  return Number.isFinite(n) ? Math.round(n * 1e6) / 1e6 : 0;
}
