/**
 * Everything of a job before its tests (Judge): the sources written into its box, the
 * compilation (or the compile cache's artefact), and the checker, output validator, interactor
 * or static validator prepared, each undone by the job's cleanups.
 */
import path from 'node:path';
import type { JobDir, JobDirs } from '../rootfs/job-dirs';
import type { RootfsMode } from '../rootfs/job-rootfs';
import type { Sandbox } from '../sandbox/sandbox';
import { followingSignal } from '../sandbox/run-control';
import type { CompileCache } from './compile-cache';
import { compileInBox, refusedCompile, writeSources, type JobContext } from './compile-step';
import { CustomChecker } from './custom-checker';
import { prepareInteractor, type Interactor } from './interactive';
import { jobRoots, type LanguageChain } from './judge-image';
import type { JudgeHooks } from './judge-options';
import { jobRuns } from './job-runs';
import type { LanguageRegistry } from './languages';
import { resolveLimits, type JudgeLimitConfigs } from './limits';
import { OutputValidator } from './output-validator';
import { submissionSource, type JobPlan } from './plan';
import { firstLines, oneLine } from './result';
import type { CompileResult, TestResult } from './schema';
import { validateStatically } from './static-validator';
import type { TestRequest } from './test-step';
import { VERDICT_NAMES } from './verdict';

/** What preparing a job needs of its Judge. */
export interface PrepareDeps {
  sandbox: Sandbox;
  jobDirs: JobDirs;
  chainOf: (languageId: string) => LanguageChain;
  rootfsMode: RootfsMode;
  cache: CompileCache | null;
  registry: LanguageRegistry;
  /** The limits of a problem's own programs (JudgeLimitConfigs.validator). */
  helperLimits: JudgeLimitConfigs['validator'];
  /** The Judge's cap on each test's stdout and stderr in the result (JudgeOptions.reportOutputBytes). */
  reportOutputBytes: number | undefined;
  /** Compiler runs so far (JudgeStats.compiles), counted up here. */
  counters: { compiles: number };
}

/** A job after its preparation (prepareJob). */
export type PreparedJob =
  | ReadyJob
  | {
      kind: 'ended';
      compile: CompileResult | undefined;
      compileMs: number;
      /** Why its tests are not run, and what the judgement is instead. */
      why: string;
      ended: { verdict: 'CE' | 'IE'; message: string };
    }
  | { kind: 'static'; compile: CompileResult | undefined; compileMs: number; test: TestResult };

export interface ReadyJob {
  kind: 'ready';
  ctx: JobContext;
  compile: CompileResult | undefined;
  compileMs: number;
  box: string;
  boxLayers: string[] | undefined;
  checker: TestRequest['checker'];
  interactor: Interactor | undefined;
  reportBytes: number;
}

/**
 * Everything of a job before its tests: the sources written, the compilation, the checker,
 * output validator or interactor prepared (each undone by `cleanups`). Ends early with what
 * the tests' results then are (`ended`: CE, a helper that did not compile; `static`: the
 * static validator's judgement, JudgeHooks.staticValidation).
 */
export async function prepareJob(
  deps: PrepareDeps,
  plan: JobPlan,
  job: JobDir,
  cleanups: Array<() => void>,
  hooks: JudgeHooks,
  aborted: () => void,
  helperDiskBytes: number,
): Promise<PreparedJob> {
  const ctx: JobContext = {
    runs: jobRuns(deps.sandbox, hooks.signal ? followingSignal(hooks.signal) : undefined),
    jobDirs: deps.jobDirs,
    ...jobRoots(deps.chainOf, deps.rootfsMode, job.path),
    cache: deps.cache,
    label: `job ${plan.submission.id ?? path.basename(job.path)}`,
  };
  writeSources(job.box, plan.files);
  const reportBytes = hooks.reportOutputBytes ?? deps.reportOutputBytes ?? 64 * 1024;
  let compile: CompileResult | undefined;
  let compileMs = 0;
  let boxLayers: string[] | undefined;
  if (plan.compileError) {
    // The plan found it (Java's main class): the compiler is not run.
    const message = oneLine(`Compilation Error: ${plan.compileError}`);
    return {
      kind: 'ended',
      compile: refusedCompile(plan.compileError),
      compileMs: 0,
      why: 'not run: compilation failed',
      ended: { verdict: 'CE', message },
    };
  }
  if (plan.language.compile) {
    aborted();
    const outcome = await compileInBox(ctx, {
      language: plan.language,
      box: job.box,
      files: plan.files,
      compilerOptions: plan.compilerOptions,
      limits: plan.compileLimits,
      reportBytes,
      // The box is then only the tests' overlay /box: a hit is lent as a layer, nothing copied.
      // An interactive job's submission runs beside its interactor (interactive.ts), which
      // takes the box alone: there the hit is copied in as before.
      hitAsLayer: !plan.submission.interactor,
    });
    if (outcome.layer) {
      const layer = outcome.layer;
      cleanups.unshift(() => layer.release());
      boxLayers = [layer.dir];
    }
    if (outcome.ran) deps.counters.compiles++;
    compile = outcome.result;
    compileMs = outcome.stepMs;
    let textMs = outcome.outputMs;
    try {
      if (compile.verdict !== 'OK') {
        const why = compile.verdict === 'CE' ? 'compilation failed' : `compilation stopped by a limit (${compile.verdict})`;
        const t0 = process.hrtime.bigint();
        const message = oneLine(
          `Compilation Error: ${compile.verdict === 'CE' ? firstLines(compile.output, 3) || 'the compiler failed' : `${VERDICT_NAMES[compile.verdict]} while compiling`}`,
        );
        textMs += Number(process.hrtime.bigint() - t0) / 1e6;
        return { kind: 'ended', compile, compileMs, why: `not run: ${why}`, ended: { verdict: 'CE', message } };
      }
    } finally {
      if (outcome.ran) hooks.onTextWork?.({ step: 'compiler-output', testIndex: null, ms: textMs, bytes: outcome.outputBytes });
    }
  }
  const ended = (why: string, message: string): PreparedJob => ({
    kind: 'ended',
    compile,
    compileMs,
    why,
    ended: { verdict: 'IE', message },
  });
  if (hooks.problemFailure) return ended(hooks.problemFailure.why, hooks.problemFailure.message);
  // The submission as the validators working in its directory see it (a 2025-09 package's).
  const submission = { box: job.box, boxLayers };
  const helperOpts = { diskBytes: helperDiskBytes, reportBytes };
  if (hooks.staticValidation) {
    aborted();
    const cfg = { registry: deps.registry, limits: deps.helperLimits, ...helperOpts };
    const out = await validateStatically(ctx, hooks.staticValidation, plan, submission, cfg);
    if (out.compiled) deps.counters.compiles++;
    hooks.onHelperReady?.({ role: 'static validator', compiled: out.compiled });
    if (out.ok) return { kind: 'static', compile, compileMs, test: out.test };
    return ended('not run: the static validator did not compile', out.message);
  }
  let checker: TestRequest['checker'];
  if (plan.checker.kind === 'custom') {
    aborted();
    const helper = deps.helperLimits;
    const prepared = await CustomChecker.prepare(ctx, {
      language: plan.checker.language,
      files: plan.checker.files,
      // A problem's own program: the helpers' compile limits, not the submission's.
      compileLimits: resolveLimits(undefined, helper.compile, 'checker.compileLimits'),
      runLimits: resolveLimits(undefined, helper.run, 'checkerLimits'),
      ...helperOpts,
      protocol: plan.checker.protocol,
      ...(plan.checker.feedback !== undefined ? { feedback: plan.checker.feedback } : {}),
      ...(plan.checker.compilerOptions ? { compilerOptions: plan.checker.compilerOptions } : {}),
      ...(plan.checker.args ? { args: plan.checker.args } : {}),
      ...(plan.checker.protocol === 'dmoj-python' ? { submission: { language: plan.language.id, source: submissionSource(plan) } } : {}),
    });
    if (prepared.compile?.ran) deps.counters.compiles++;
    hooks.onHelperReady?.({ role: 'checker', compiled: prepared.compile?.ran ?? false });
    if (!prepared.ok) return ended('not run: the checker did not compile', prepared.message);
    const custom = prepared.checker;
    cleanups.unshift(() => custom.remove());
    checker = { kind: 'custom', checker: custom };
  } else if (plan.checker.kind === 'validator') {
    aborted();
    const prepared = await OutputValidator.prepare(ctx, plan.checker.spec, { ...helperOpts, submission });
    if (prepared.compile?.ran) deps.counters.compiles++;
    hooks.onHelperReady?.({ role: 'output validator', compiled: prepared.compile?.ran ?? false });
    if (!prepared.ok) return ended('not run: the output validator did not compile', prepared.message);
    const validator = prepared.validator;
    cleanups.unshift(() => validator.remove());
    checker = { kind: 'validator', validator };
  } else {
    checker = plan.checker;
  }
  let interactor: Interactor | undefined;
  if (plan.submission.interactor) {
    aborted();
    const prepared = await prepareInteractor(ctx, plan, deps.registry, deps.helperLimits, helperOpts, submission);
    if (prepared.compile?.ran) deps.counters.compiles++;
    hooks.onHelperReady?.({ role: 'interactor', compiled: prepared.compile?.ran ?? false });
    if (!prepared.ok) return ended('not run: the interactor did not compile', prepared.message);
    const it = prepared.interactor;
    cleanups.unshift(() => it.remove());
    interactor = it;
  }
  return { kind: 'ready', ctx, compile, compileMs, box: job.box, boxLayers, checker, interactor, reportBytes };
}
