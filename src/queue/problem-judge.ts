/**
 * The worker's judge for submissions that name a problem package (`problem: { id, digest }`)
 * instead of carrying test cases: the package comes from this worker's PackageCache (fetched
 * from Redis once per digest, verified, unpacked with the image store's tarball rules), is
 * loaded with src/problem's loader and judged by the same `judgePackage` as `caged judge`.
 * Every other submission goes to the Judge unchanged.
 *
 * The package's output validator or interactor is compiled once per content, which the package
 * digest fixes: the Judge's compile cache (keyed by the sources, src/judge/compile-cache.ts)
 * serves every later test and job of the same package, on this worker and on every worker
 * sharing the cache directory. Each real compile is counted
 * (`caged_problem_validator_compiles_total`) and logged (`problem validator compiled`).
 */
import { InvalidRequestError } from '../errors';
import type { Judge, JudgeHooks } from '../judge/judge';
import type { JudgeResult, Submission } from '../judge/schema';
import type { LimitValues } from '../judge/limits';
import { judgePackage } from '../problem/judge-package';
import { packageSubmissionOf } from '../problem/package-submission';
import type { PackageCache } from '../problem/package-cache';
import { loadPackage } from '../problem/problem-package';
import { runningEveryTest } from '../problem/test-data';
import type { JudgeService } from './worker';

export class ProblemJudge implements JudgeService {
  constructor(
    private readonly judge: Judge,
    private readonly cache: PackageCache,
    private readonly opts: {
      maxima?: Partial<LimitValues>;
      maxPackageBytes: number;
      /** A package's validator or interactor was compiled (a compiler ran) for a job: the metric and log line. */
      onValidatorCompiled?: (info: { digest: string; role: string }) => void;
      /** Run at close after the judge's own close (the cache, the Redis client), each even if one fails. */
      alsoClose?: Array<() => Promise<void>>;
    },
  ) {}

  async judgeSubmission(submission: Submission, hooks: JudgeHooks): Promise<JudgeResult> {
    const ref = submission.problem;
    if (!ref) return this.judge.judgeSubmission(submission, hooks);
    const held = await this.cache.acquire(ref.digest);
    try {
      const loaded = loadPackage(held.dir, { maxBytes: this.opts.maxPackageBytes, deferTimeLimit: true });
      // allTests: every test judged, none skipped after a rejection (caged judge --all-tests).
      const pkg = submission.allTests ? { ...loaded, data: runningEveryTest(loaded.data) } : loaded;
      // Deriving it would judge every submission of the package for every job (caged judge does it once).
      if (!pkg.timeLimit)
        throw new InvalidRequestError(
          `problem package ${ref.digest} gives no time limit: the worker needs limits.time_limit in problem.yaml, a .timelimit file or a domjudge-problem.ini timelimit (caged problem push --time S or --derive-time adds one)`,
          'problem.digest',
        );
      const result = await judgePackage(
        this.judge,
        pkg,
        packageSubmissionOf(submission),
        // Per-test progress from judgePackage, once the package's validation decided the test's
        // verdict (the Judge's own report would give the run's: an AC that is then WA).
        {
          maxima: this.opts.maxima,
          onTest: (t, total) => hooks.onProgress?.({ testIndex: t.index, total, verdict: t.verdict }),
          hooks: {
            signal: hooks.signal,
            onTextWork: hooks.onTextWork,
            onHelperReady: (h) => {
              if (h.compiled) this.opts.onValidatorCompiled?.({ digest: ref.digest, role: h.role });
            },
          },
        },
      );
      return { ...result, submissionId: submission.id ?? null };
    } finally {
      held.release();
    }
  }

  /** Closes the judge, then the rest; every step runs; the first failure is thrown at the end. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of [() => this.judge.close(), ...(this.opts.alsoClose ?? [])]) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  }
}
