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
 * `openJob` does the same for tests given one at a time (a problem package's: judge-package.ts),
 * the job's preparation in job-prepare.ts shared with `judgeSubmission`.
 *
 * "The program failed" (CE, RE, TLE, …) is a JudgeResult. "caged failed" is an exception:
 * InvalidRequestError (bad payload; never retried) or HostError/ImageError (retryable).
 */
import { AbortedError, HostError, InvalidRequestError } from '../errors';
import { chooseRootfsMode, type RootfsMode } from '../rootfs/job-rootfs';
import type { ImageStore } from '../rootfs/store';
import { JobDirs, type JobDir } from '../rootfs/job-dirs';
import { CheckRunner } from './check-runner';
import { runAll } from './cleanups';
import { gradeInlineGroups } from './inline-groups';
import { CompileCache } from './compile-cache';
import { languageChains, registerImage, type JudgeImage, type LanguageChain } from './judge-image';
import { defaultLanguagesDir, languageTableIds } from './language-table';
import { LanguageRegistry, type Language, type LanguageInfo } from './languages';
import { judgeLimitConfigs, type JudgeLimitConfigs, type LimitValues } from './limits';
import { parseSubmission, planSubmission, type JobPlan, type PlanConfig } from './plan';
import { aggregateTests, reportBytesPerTest, skippedTest } from './result';
import {
  DEFAULT_MAX_SOURCE_BYTES,
  makeSubmissionSchema,
  RESULT_SCHEMA_VERSION,
  type CompileResult,
  type JudgeResult,
  type Submission,
  type Testcase,
  type TestResult,
} from './schema';
import { checkerDiskBytes, checkerDiskBytesOf, jobDiskBytes } from './job-disk';
import { prepareJob, type PrepareDeps, type PreparedJob, type ReadyJob } from './job-prepare';
import type { NextPassHook } from './output-validator-feedback';
import { boxFilesBytes } from './test-files';
import { runTest, type TestRequest } from './test-step';
import { TestSkips } from './test-skips';
import { judge0Of } from './verdict';

export type { JudgeImage, JudgeLayer } from './judge-image';

export const DEFAULT_MANIFEST = '/var/cache/caged/images/debian/manifest.json';
const MiB = 2 ** 20;

import type { JudgeHooks, JudgeOptions, JudgeStats } from './judge-options';
export type { JudgeHooks, JudgeOptions, JudgeProgress, JudgeStats, TextWork } from './judge-options';

/** The largest test a job opened with `Judge.openJob` will be given: what its directories are sized by. */
export interface TestBounds {
  /** The largest test's input and answer together (a multi-pass test's next input included), in bytes. */
  testBytes: number;
  /** The largest test's own files (Testcase.files), in bytes, 4 KiB counted per file. */
  filesBytes: number;
}

/** A job opened for tests given one at a time (Judge.openJob). */
export interface OpenJob {
  /**
   * Runs one more test in the job: the result judgeSubmission gives for a submission of that one
   * test, its compilation's time counted in the first result only. `validatorFlags`: the output
   * validator's or interactor's flags for this test instead of the submission's; `cmsThreshold`:
   * a CMS checker's GroupThreshold threshold for this test (cms-checker.ts).
   */
  judgeTest(
    testcase: Testcase,
    opts?: { validatorFlags?: readonly string[]; nextPass?: NextPassHook; cmsThreshold?: number },
  ): Promise<JudgeResult>;
  /** Removes the job (idempotent); rejects when it could not be cleaned up. */
  close(): Promise<void>;
  /** The job ended as it was opened (the submission did not compile, or its checker): each test then gives that result. */
  readonly ended: boolean;
}

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
    this.prepareDeps = {
      sandbox: opts.sandbox,
      jobDirs: this.jobDirs,
      chainOf: (id) => this.chainOf(id),
      rootfsMode: rootfs.mode,
      cache,
      registry,
      helperLimits: planConfig.validator,
      reportOutputBytes: opts.reportOutputBytes,
      counters: this.counters,
    };
  }

  /** What preparing a job needs of this judge (job-prepare.ts). */
  private readonly prepareDeps: PrepareDeps;

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
    const { plan, aborted, job } = this.beginJob(submission, hooks, this.opts.testParallelism ?? 1);
    // Undone in reverse order, every step even when one fails; the job directory goes last, its
    // unmount off the event loop (job-dirs.ts) so that other jobs go on meanwhile.
    const cleanups: Array<() => void> = [];
    const cleanUp = () => undoJob(cleanups, job);
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

  /**
   * A job's start: its plan, the check of its abort signal, and its directory, sized for
   * `parallelism` tests at once (and for test files of `filesBytes` when its tests come later).
   */
  private beginJob(
    submission: Submission,
    hooks: JudgeHooks,
    parallelism: number,
    filesBytes?: number,
  ): { plan: JobPlan; aborted: () => void; job: JobDir } {
    const cfg = this.planConfig;
    const plan = planSubmission(submission, hooks.problemProgram ? { ...cfg, compile: cfg.validator.compile } : cfg);
    const aborted = () => {
      if (hooks.signal?.aborted) throw new AbortedError('judging', hooks.signal);
    };
    aborted();
    const job = this.jobDirs.create({ diskBytes: jobDiskBytes(plan, hooks, this.chains, this.rootfs.mode, parallelism, filesBytes) });
    return { plan, aborted, job };
  }

  private async judgeInJob(
    plan: JobPlan,
    job: JobDir,
    cleanups: Array<() => void>,
    started: bigint,
    hooks: JudgeHooks,
    aborted: () => void,
  ): Promise<JudgeResult> {
    const ready = await prepareJob(this.prepareDeps, plan, job, cleanups, hooks, aborted, checkerDiskBytes(plan));
    if (ready.kind === 'ended')
      return this.finish(plan, started, ready.compile, ready.compileMs, this.skipAll(plan, ready.why), ready.ended);
    if (ready.kind === 'static') return this.finish(plan, started, ready.compile, ready.compileMs, [ready.test], null);
    // A trusted caller's own cap (a package's validation needs each test's whole output) is kept as it is.
    const testReportBytes =
      hooks.reportOutputBytes !== undefined ? ready.reportBytes : reportBytesPerTest(ready.reportBytes, plan.submission.testcases.length);
    const tests = await this.runTests(ready, plan, testReportBytes, hooks, aborted);
    return this.finish(plan, started, ready.compile, ready.compileMs, tests, null);
  }

  /**
   * Opens a job for tests given one at a time (a problem package's, src/problem/judge-package.ts,
   * whose tests, flags and passes are decided as it goes): the job directory is made, the
   * submission compiled (or taken from the compile cache) and its checker, output validator or
   * interactor prepared once, as for a job of many tests; each `judgeTest` then runs one test in
   * it and gives what `judgeSubmission` gives for a submission of that one test. `submission`'s
   * own tests are not run; `bounds` sizes the job's directories for the largest test to come.
   * A compilation that failed (or a helper that did not compile) makes every test's result that
   * failure, as judgeSubmission's. `close()` removes the job; it must be called whatever happens.
   */
  async openJob(submission: Submission, hooks: JudgeHooks, bounds: TestBounds): Promise<OpenJob> {
    if (this.closed) throw new HostError('the judge is closed');
    if (submission.problem) throw new InvalidRequestError('a problem package is judged through its own tests', 'problem');
    if (hooks.staticValidation) throw new TypeError('internal: a static validation test is judged as a submission of its own');
    const { plan, aborted, job } = this.beginJob(submission, hooks, 1, bounds.filesBytes);
    const cleanups: Array<() => void> = [];
    let removed = false;
    const close = async (): Promise<void> => {
      if (removed) return;
      removed = true;
      const failure = await undoJob(cleanups, job);
      if (failure) throw new HostError(`cleaning up after the job: ${failure.message}`, { cause: failure });
    };
    let ready: PreparedJob;
    try {
      ready = await prepareJob(this.prepareDeps, plan, job, cleanups, hooks, aborted, checkerDiskBytesOf(bounds.testBytes, plan));
    } catch (err) {
      await close().catch(() => undefined);
      throw err;
    }
    if (ready.kind === 'static') throw new TypeError('internal: no static validation in an open job');
    let compileMs = ready.compileMs;
    let runs = 0;
    return {
      ended: ready.kind === 'ended',
      judgeTest: async (testcase, opts = {}) => {
        if (removed) throw new HostError('the job is closed');
        // Its directories were sized for the bounds: a larger test would fill them mid-run.
        const bytes = testcase.stdin.length + (testcase.expected?.length ?? 0);
        const files = boxFilesBytes(testcase, plan.submission.fileIo?.input !== undefined);
        if (bytes > bounds.testBytes || files > bounds.filesBytes)
          throw new HostError(
            `a test larger than the job was opened for (${bytes} bytes of input and answer, ${files} of files; bounds ${bounds.testBytes} and ${bounds.filesBytes})`,
          );
        const started = process.hrtime.bigint();
        const one: JobPlan = { ...plan, submission: { ...plan.submission, testcases: [testcase] }, maxScore: testcase.points };
        // The compilation is counted once, in the first test's result.
        const ms = compileMs;
        compileMs = 0;
        if (ready.kind === 'ended') return this.finish(one, started, ready.compile, ms, this.skipAll(one, ready.why), ready.ended);
        aborted();
        const r = await runTest(ready.ctx, {
          ...this.testRequest(ready, one, ready.reportBytes, hooks.onTextWork, runs++, testcase),
          ...(opts.nextPass ? { nextPass: opts.nextPass } : {}),
          ...(opts.validatorFlags ? { validatorFlags: opts.validatorFlags } : {}),
          ...(opts.cmsThreshold !== undefined ? { cmsThreshold: opts.cmsThreshold } : {}),
        });
        return this.finish(one, started, ready.compile, ms, [{ ...r, index: 0 }], null);
      },
      close,
    };
  }

  /** The request to run test `index` of `plan` in a prepared job. */
  private testRequest(
    ready: ReadyJob,
    plan: JobPlan,
    reportBytes: number,
    onTextWork: JudgeHooks['onTextWork'],
    index: number,
    testcase: Submission['testcases'][number],
  ): TestRequest {
    return {
      index,
      testcase,
      language: plan.language,
      box: ready.box,
      ...(ready.boxLayers ? { boxLayers: ready.boxLayers } : {}),
      readOnlyBox: plan.submission.allowFileWriting === false,
      stderrToStdout: plan.submission.stderrToStdout === true,
      ...(plan.submission.fileIo ? { fileIo: plan.submission.fileIo } : {}),
      limits: plan.testLimits,
      checker: ready.checker,
      reportBytes,
      checks: this.checks,
      onChecked: (ms, bytes) => onTextWork?.({ step: 'check', testIndex: index, ms, bytes }),
      ...(ready.interactor ? { interactor: ready.interactor } : {}),
    };
  }

  /** Runs the tests, at most `testParallelism` at once, in test order; stops early if asked. */
  private async runTests(
    ready: ReadyJob,
    plan: JobPlan,
    reportBytes: number,
    hooks: JudgeHooks,
    aborted: () => void,
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
        const r = await runTest(ready.ctx, {
          ...this.testRequest(ready, plan, reportBytes, hooks.onTextWork, index, cases[index]!),
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

/**
 * Undoes a job: its cleanups in order, every one even when one fails, then its directory (the
 * unmount off the event loop, job-dirs.ts). Returns the first failure.
 */
async function undoJob(cleanups: Array<() => void>, job: JobDir): Promise<Error | null> {
  const first = runAll(cleanups);
  try {
    await job.removeAsync();
  } catch (err) {
    return first ?? (err instanceof Error ? err : new Error(String(err)));
  }
  return first;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
