/**
 * The Judge: turns a submission and its tests into a JudgeResult. One Judge serves `caged run`,
 * the queue worker and the tests, and may judge several submissions at once.
 *
 *   validate → language → limits → job directory → sources written (O_EXCL) into the box
 *   → compile once (or the compile cache's artefact) → custom checker compiled, if any
 *   → tests (sequential by default, up to `testParallelism` at once), each checked
 *   → aggregate: first non-accepted test in test order, score = sum of points
 *   → the job directory removed, whatever happened.
 *
 * "The program failed" (CE, RE, TLE, …) is a JudgeResult. "caged failed" is an exception:
 * InvalidRequestError (bad payload; never retried) or HostError/ImageError (retryable).
 */
import path from 'node:path';
import { AbortedError, HostError, InvalidRequestError } from '../errors';
import { chooseRootfsMode, type RootfsMode } from '../rootfs/job-rootfs';
import type { ImageStore } from '../rootfs/store';
import { JobDirs, type JobDir } from '../rootfs/job-dirs';
import { followingSignal } from '../sandbox/run-control';
import { CheckRunner } from './check-runner';
import { runAll } from './cleanups';
import { gradeInlineGroups } from './inline-groups';
import { CompileCache } from './compile-cache';
import { jobRuns } from './job-runs';
import { compileInBox, refusedCompile, writeSources, type JobContext } from './compile-step';
import { CustomChecker } from './custom-checker';
import { prepareInteractor, type Interactor } from './interactive';
import { OutputValidator } from './output-validator';
import { validateStatically } from './static-validator';
import { jobRoots, languageChains, registerImage, type JudgeImage, type LanguageChain } from './judge-image';
import { defaultLanguagesDir, languageTableIds } from './language-table';
import { LanguageRegistry, type Language, type LanguageInfo } from './languages';
import { judgeLimitConfigs, resolveLimits, type JudgeLimitConfigs, type LimitValues } from './limits';
import { parseSubmission, planSubmission, type JobPlan, type PlanConfig } from './plan';
import { aggregateTests, firstLines, oneLine, reportBytesPerTest, skippedTest } from './result';
import {
  DEFAULT_MAX_SOURCE_BYTES,
  makeSubmissionSchema,
  RESULT_SCHEMA_VERSION,
  type CompileResult,
  type JudgeResult,
  type Submission,
  type TestResult,
} from './schema';
import { checkerDiskBytes, jobDiskBytes } from './job-disk';
import { runTest, type TestRequest } from './test-step';
import { TestSkips } from './test-skips';
import { judge0Of, VERDICT_NAMES } from './verdict';

export type { JudgeImage, JudgeLayer } from './judge-image';

export const DEFAULT_MANIFEST = '/var/cache/caged/images/debian/manifest.json';
const MiB = 2 ** 20;

import type { JudgeHooks, JudgeOptions, JudgeStats } from './judge-options';
export type { JudgeHooks, JudgeOptions, JudgeProgress, JudgeStats, TextWork } from './judge-options';

export class Judge {
  private readonly counters = { judged: 0, compiles: 0 };
  private closed = false;
  /** Starts no thread until a large output is checked. */
  private readonly checks: CheckRunner;
  /** Where each job gets its directory (the sandbox's jobs directory). */
  private readonly jobDirs: JobDirs;

  private constructor(
    private readonly opts: JudgeOptions,
    private readonly imageInfo: JudgeImage,
    /** Each language's chain, by language id. */
    private readonly chains: ReadonlyMap<string, LanguageChain>,
    private readonly registry: LanguageRegistry,
    private readonly cache: CompileCache | null,
    /** Its limit configs, the validator's included (judgeLimitConfigs): made once, at create. */
    private readonly planConfig: PlanConfig & JudgeLimitConfigs,
    /** The image store this judge registered its image with (null when given an image). */
    private readonly store: ImageStore | null,
    /** The per-job rootfs mode in use, and why it was chosen. */
    readonly rootfs: { mode: RootfsMode; reason: string },
  ) {
    this.checks = new CheckRunner({ inlineBytes: opts.inlineCheckBytes, threads: opts.checkThreads });
    this.jobDirs = JobDirs.of(opts.sandbox);
  }

  static async create(opts: JudgeOptions): Promise<Judge> {
    const limits = judgeLimitConfigs(opts);
    const rootfs = chooseRootfsMode(opts.rootfsMode ?? 'auto', opts.sandbox.hasOverlay);
    // What workers that died mid-job left in the jobs directory (their cgroups are the sandbox's).
    JobDirs.of(opts.sandbox).cleanupStale();
    let image: JudgeImage;
    let store: ImageStore | null = null;
    if (opts.image) {
      image = opts.image;
    } else {
      ({ image, store } = await registerImage(opts.manifestPath ?? process.env.CAGED_IMAGE ?? DEFAULT_MANIFEST));
    }
    try {
      const chains = languageChains(image);
      const known = opts.knownLanguages ?? languageTableIds(defaultLanguagesDir());
      const registry = LanguageRegistry.fromManifest(image.manifest, known, opts.sandbox.cgroups.kind === 'rlimits');
      const cacheBytes = opts.compileCacheBytes ?? 512 * MiB;
      const cache = cacheBytes > 0 ? CompileCache.open({ dir: opts.compileCacheDir, maxBytes: cacheBytes }) : null;
      const planConfig: PlanConfig & JudgeLimitConfigs = {
        schema: makeSubmissionSchema({ maxSourceBytes: opts.maxSourceBytes ?? DEFAULT_MAX_SOURCE_BYTES }),
        languages: registry,
        ...limits,
      };
      return new Judge(opts, image, chains, registry, cache, planConfig, store, rootfs);
    } catch (err) {
      await store?.close();
      throw err;
    }
  }

  /** The image the jobs run in: its name and layers, parents first. */
  get image(): { name: string; layers: Array<{ id: string; parent: string | null; digest: string }> } {
    return {
      name: this.imageInfo.manifest.name,
      layers: this.imageInfo.layers.map((l) => ({ id: l.id, parent: l.parent, digest: l.digest })),
    };
  }

  /** The maxima this judge allows a request's limits per step: a problem package's limits are capped by them (judge-package.ts). */
  get stepMaxima(): { test: LimitValues; compile: LimitValues; checker: LimitValues; helperCompile: LimitValues } {
    const { test, compile, validator } = this.planConfig;
    return { test: test.maxima, compile: compile.maxima, checker: validator.run.maxima, helperCompile: validator.compile.maxima };
  }

  /** Each language's chain of layers, top first. */
  languageLayers(): Array<{ id: string; layers: string[] }> {
    return [...this.chains].map(([id, c]) => ({ id, layers: c.layers.map((l) => l.id) }));
  }

  /** What a result says of the image a language ran in: its name and the digest of its chain. */
  imageOf(languageId: string): { name: string; digest: string } {
    return { name: this.imageInfo.manifest.name, digest: this.chainOf(languageId).digest };
  }

  private chainOf(languageId: string): LanguageChain {
    const chain = this.chains.get(languageId);
    if (!chain) throw new InvalidRequestError(`language "${languageId}" is not installed on this worker`, 'language');
    return chain;
  }

  /** The language id a file name selects by its extension (the manifest's `extensions`); unknown: InvalidRequestError on `field`. */
  languageOfFile(file: string, field = 'file'): string {
    return this.registry.ofFile(file, field).id;
  }

  /** The image's language `id` (unknown: InvalidRequestError listing the known ids). */
  language(id: string, field = 'language'): Language {
    return this.registry.get(id, field);
  }

  languages(): LanguageInfo[] {
    return this.registry.list();
  }

  stats(): JudgeStats {
    return { ...this.counters, cache: this.cache?.stats() ?? null };
  }

  /** Releases the image (the store's in-use mark), the spare job directories, and the sandbox if `closeSandbox`. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.jobDirs.close();
      await this.checks.close();
      await this.store?.close();
    } finally {
      if (this.opts.closeSandbox) await this.opts.sandbox.close();
    }
  }

  /**
   * Judges raw input (`caged run`, tests, any caller holding a payload): parses it with this
   * judge's schema (InvalidRequestError naming the field), then `judgeSubmission`.
   */
  async judge(raw: unknown, hooks: JudgeHooks = {}): Promise<JudgeResult> {
    if (this.closed) throw new HostError('the judge is closed');
    return this.judgeSubmission(parseSubmission(raw, this.planConfig.schema), hooks);
  }

  /** Judges a submission already parsed with the submission schema (the worker's gate parses each job once). */
  async judgeSubmission(submission: Submission, hooks: JudgeHooks = {}): Promise<JudgeResult> {
    if (this.closed) throw new HostError('the judge is closed');
    if (submission.problem)
      throw new InvalidRequestError('a problem package is judged through the queue worker (src/queue/problem-judge.ts)', 'problem');
    const started = process.hrtime.bigint();
    const cfg = this.planConfig;
    const plan = planSubmission(submission, hooks.problemProgram ? { ...cfg, compile: cfg.validator.compile } : cfg);
    const aborted = () => {
      if (hooks.signal?.aborted) throw new AbortedError('judging', hooks.signal);
    };
    aborted();
    const job = this.jobDirs.create({
      diskBytes: jobDiskBytes(plan, hooks, this.chains, this.rootfs.mode, this.opts.testParallelism ?? 1),
    });
    // Undone in reverse order, every step even when one fails; the job directory goes last, its
    // unmount off the event loop (job-dirs.ts) so that other jobs go on meanwhile.
    const cleanups: Array<() => void> = [];
    const cleanUp = async (): Promise<Error | null> => {
      const first = runAll(cleanups);
      try {
        await job.removeAsync();
      } catch (err) {
        return first ?? (err instanceof Error ? err : new Error(String(err)));
      }
      return first;
    };
    let result: JudgeResult;
    try {
      result = await this.judgeInJob(plan, job, cleanups, started, hooks, aborted);
    } catch (err) {
      await cleanUp();
      throw err;
    }
    const failure = await cleanUp();
    // A host left unclean must not pass for a clean judgement.
    if (failure) throw new HostError(`cleaning up after the job: ${failure.message}`, { cause: failure });
    return result;
  }

  private async judgeInJob(
    plan: JobPlan,
    job: JobDir,
    cleanups: Array<() => void>,
    started: bigint,
    hooks: JudgeHooks,
    aborted: () => void,
  ): Promise<JudgeResult> {
    const ctx: JobContext = {
      runs: jobRuns(this.opts.sandbox, hooks.signal ? followingSignal(hooks.signal) : undefined),
      jobDirs: this.jobDirs,
      ...jobRoots((id) => this.chainOf(id), this.rootfs.mode, job.path),
      cache: this.cache,
      label: `job ${plan.submission.id ?? path.basename(job.path)}`,
    };
    writeSources(job.box, plan.files);
    const reportBytes = hooks.reportOutputBytes ?? this.opts.reportOutputBytes ?? 64 * 1024;
    let compile: CompileResult | undefined;
    let compileMs = 0;
    let boxLayers: string[] | undefined;
    if (plan.compileError) {
      // The plan found it (Java's main class): the compiler is not run.
      const message = oneLine(`Compilation Error: ${plan.compileError}`);
      const skipped = this.skipAll(plan, 'not run: compilation failed');
      return this.finish(plan, started, refusedCompile(plan.compileError), 0, skipped, { verdict: 'CE', message });
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
      if (outcome.ran) this.counters.compiles++;
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
          return this.finish(plan, started, compile, compileMs, this.skipAll(plan, `not run: ${why}`), { verdict: 'CE', message });
        }
      } finally {
        if (outcome.ran) hooks.onTextWork?.({ step: 'compiler-output', testIndex: null, ms: textMs, bytes: outcome.outputBytes });
      }
    }
    // The submission as the validators working in its directory see it (a 2025-09 package's).
    const submission = { box: job.box, boxLayers };
    const helperOpts = { diskBytes: checkerDiskBytes(plan), reportBytes };
    if (hooks.staticValidation) {
      aborted();
      const cfg = { registry: this.registry, limits: this.planConfig.validator, ...helperOpts };
      const out = await validateStatically(ctx, hooks.staticValidation, plan, submission, cfg);
      if (out.compiled) this.counters.compiles++;
      hooks.onHelperReady?.({ role: 'static validator', compiled: out.compiled });
      if (out.ok) return this.finish(plan, started, compile, compileMs, [out.test], null);
      const why = 'not run: the static validator did not compile';
      return this.finish(plan, started, compile, compileMs, this.skipAll(plan, why), { verdict: 'IE', message: out.message });
    }
    let testChecker: TestRequest['checker'];
    if (plan.checker.kind === 'custom') {
      aborted();
      const helper = this.planConfig.validator;
      const prepared = await CustomChecker.prepare(ctx, {
        language: plan.checker.language,
        source: plan.checker.source,
        // A problem's own program: the helpers' compile limits, not the submission's.
        compileLimits: resolveLimits(undefined, helper.compile, 'checker.compileLimits'),
        runLimits: resolveLimits(undefined, helper.run, 'checkerLimits'),
        ...helperOpts,
      });
      if (prepared.compile?.ran) this.counters.compiles++;
      hooks.onHelperReady?.({ role: 'checker', compiled: prepared.compile?.ran ?? false });
      if (!prepared.ok) {
        return this.finish(plan, started, compile, compileMs, this.skipAll(plan, 'not run: the checker did not compile'), {
          verdict: 'IE',
          message: prepared.message,
        });
      }
      const checker = prepared.checker;
      cleanups.unshift(() => checker.remove());
      testChecker = { kind: 'custom', checker };
    } else if (plan.checker.kind === 'validator') {
      aborted();
      const prepared = await OutputValidator.prepare(ctx, plan.checker.spec, { ...helperOpts, submission });
      if (prepared.compile?.ran) this.counters.compiles++;
      hooks.onHelperReady?.({ role: 'output validator', compiled: prepared.compile?.ran ?? false });
      if (!prepared.ok) {
        const why = 'not run: the output validator did not compile';
        return this.finish(plan, started, compile, compileMs, this.skipAll(plan, why), { verdict: 'IE', message: prepared.message });
      }
      const validator = prepared.validator;
      cleanups.unshift(() => validator.remove());
      testChecker = { kind: 'validator', validator };
    } else {
      testChecker = plan.checker;
    }
    let interactor: Interactor | undefined;
    if (plan.submission.interactor) {
      aborted();
      const prepared = await prepareInteractor(ctx, plan, this.registry, this.planConfig.validator, helperOpts, submission);
      if (prepared.compile?.ran) this.counters.compiles++;
      hooks.onHelperReady?.({ role: 'interactor', compiled: prepared.compile?.ran ?? false });
      if (!prepared.ok) {
        const why = 'not run: the interactor did not compile';
        return this.finish(plan, started, compile, compileMs, this.skipAll(plan, why), { verdict: 'IE', message: prepared.message });
      }
      const it = prepared.interactor;
      cleanups.unshift(() => it.remove());
      interactor = it;
    }
    // A trusted caller's own cap (a package's validation needs each test's whole output) is kept as it is.
    const testReportBytes =
      hooks.reportOutputBytes !== undefined ? reportBytes : reportBytesPerTest(reportBytes, plan.submission.testcases.length);
    const tests = await this.runTests(ctx, plan, job.box, boxLayers, testChecker, testReportBytes, hooks, aborted, interactor);
    return this.finish(plan, started, compile, compileMs, tests, null);
  }

  /** Runs the tests, at most `testParallelism` at once, in test order; stops early if asked. */
  private async runTests(
    ctx: JobContext,
    plan: JobPlan,
    box: string,
    boxLayers: readonly string[] | undefined,
    checker: TestRequest['checker'],
    reportBytes: number,
    hooks: JudgeHooks,
    aborted: () => void,
    interactor?: Interactor,
  ): Promise<TestResult[]> {
    const cases = plan.submission.testcases;
    const results = new Array<TestResult | undefined>(cases.length);
    // Who is not run after a rejection (stopOnFirstFailure, a group's onReject: break).
    const skips = (): TestSkips => new TestSkips(cases.length, plan.submission.groups ?? [], plan.submission.stopOnFirstFailure);
    const running = skips();
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      for (;;) {
        const index = next++;
        if (failed || index >= cases.length) return;
        if (running.skipReason(index) !== null) continue;
        aborted();
        const r = await runTest(ctx, {
          index,
          testcase: cases[index]!,
          language: plan.language,
          box,
          ...(boxLayers ? { boxLayers } : {}),
          readOnlyBox: plan.submission.allowFileWriting === false,
          stderrToStdout: plan.submission.stderrToStdout === true,
          limits: plan.testLimits,
          checker,
          reportBytes,
          checks: this.checks,
          onChecked: (ms, bytes) => hooks.onTextWork?.({ step: 'check', testIndex: index, ms, bytes }),
          interactor,
          ...(hooks.nextPass ? { nextPass: hooks.nextPass } : {}),
        });
        results[index] = r;
        running.record(index, r.verdict);
        hooks.onProgress?.({ testIndex: index, total: cases.length, verdict: r.verdict });
      }
    };
    const width = Math.max(1, Math.min(this.opts.testParallelism ?? 1, cases.length));
    // Every worker settles before the job directory can go: no run may outlive its box.
    const settled = await Promise.allSettled(
      Array.from({ length: width }, () =>
        worker().catch((err: unknown) => {
          failed = true;
          throw err;
        }),
      ),
    );
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    // With parallel tests a later test may have run before an earlier one failed: it is
    // reported as skipped all the same, so the result does not depend on timing (test-skips.ts).
    const reported = skips();
    return cases.map((tc, i) => {
      const why = reported.skipReason(i);
      if (why !== null) return skippedTest(i, tc, why);
      const r = results[i];
      if (!r) throw new Error(`test ${i + 1} was neither run nor skipped`);
      reported.record(i, r.verdict);
      return r;
    });
  }

  private skipAll(plan: JobPlan, why: string): TestResult[] {
    return plan.submission.testcases.map((tc, i) => skippedTest(i, tc, why));
  }

  private async finish(
    plan: JobPlan,
    started: bigint,
    compile: CompileResult | undefined,
    compileMs: number,
    tests: TestResult[],
    override: { verdict: 'CE' | 'IE'; message: string } | null,
  ): Promise<JudgeResult> {
    const agg = aggregateTests(tests, plan.maxScore);
    // With groups, the score is theirs (the verdict stays the first failed test's).
    const grouped = plan.submission.groups ? await gradeInlineGroups(plan.submission.groups, plan.submission.testcases, tests) : null;
    this.counters.judged++;
    const lang = plan.language;
    return {
      schemaVersion: RESULT_SCHEMA_VERSION,
      submissionId: plan.submission.id ?? null,
      verdict: override?.verdict ?? agg.verdict,
      judge0: override ? judge0Of(override.verdict) : agg.judge0,
      message: override?.message ?? agg.message,
      score: override ? 0 : (grouped?.score ?? agg.score),
      maxScore: plan.maxScore,
      language: { id: lang.id, name: lang.name, version: lang.version },
      image: this.imageOf(lang.id),
      ...(compile ? { compile } : {}),
      tests,
      ...(grouped ? { groups: grouped.groups } : {}),
      limits: { cpuTimeMs: plan.testLimits.cpuTimeMs, wallTimeMs: plan.testLimits.wallTimeMs, memoryBytes: plan.testLimits.memoryBytes },
      timing: { totalMs: round3(Number(process.hrtime.bigint() - started) / 1e6), compileMs: round3(compileMs) },
      ...(this.opts.sandbox.enforcement ? { enforcement: this.opts.sandbox.enforcement } : {}),
    };
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
