/**
 * What a Judge is made with (JudgeOptions), what a caller may hook into one judgement
 * (JudgeHooks, TextWork) and what it counts (JudgeStats): the Judge's own types, apart from
 * judge.ts, which re-exports them.
 */
import type { RootfsMode } from '../rootfs/job-rootfs';
import type { Sandbox } from '../sandbox/sandbox';
import type { JudgeProgress } from '../wire/contract';
import type { CompileCacheStats } from './compile-cache';
import type { JudgeImage } from './judge-image';
import type { LimitValues } from './limits';
import type { NextPassHook } from './output-validator-feedback';
import type { StaticValidationHook } from './static-validator';

export interface JudgeOptions {
  sandbox: Sandbox;
  /** Close the sandbox (its prepared containers) when the judge closes; default false. */
  closeSandbox?: boolean;
  /** Image manifest; default $CAGED_IMAGE or /var/cache/caged/images/debian/manifest.json. */
  manifestPath?: string;
  /** An image registered by the caller (then manifestPath is not read). */
  image?: JudgeImage;
  /**
   * Per-job root filesystem. Default `auto`: overlay where the sandbox has overlayfs, else
   * extract; an explicit `overlay` without overlayfs is an error, never a silent fallback.
   */
  rootfsMode?: RootfsMode | 'auto';
  /** Largest per-test limits a submission may ask for (defaults: src/judge/limits.ts). */
  maxima?: Partial<LimitValues>;
  /** Compile-step limits: defaults and maxima at once (compileLimits may only lower them). */
  compileLimits?: Partial<LimitValues>;
  /** The compile step of a problem's own programs (checker, output validator, interactor): defaults and maxima at once. */
  helperCompileLimits?: Partial<LimitValues>;
  /** Limits of a custom checker's run. */
  checkerLimits?: Partial<LimitValues>;
  /** Default /var/lib/caged/compile-cache. */
  compileCacheDir?: string;
  /** Bound on the compile cache in bytes; default 512 MiB; 0 turns the cache off. */
  compileCacheBytes?: number;
  /** Cap on a submission's source (all files), in bytes; default 256 KiB. */
  maxSourceBytes?: number;
  /** Tests of one submission run at once; default 1 (sequential). */
  testParallelism?: number;
  /** Cap on each test's stdout and stderr in the result, in bytes; default 64 KiB. */
  reportOutputBytes?: number;
  /**
   * Built-in checks of more than this many bytes (output + answer) run in a checking thread,
   * off the event loop; default 64 KiB (src/judge/check-runner.ts).
   */
  inlineCheckBytes?: number;
  /** Checking threads at most, started when first needed; default 1. */
  checkThreads?: number;
  /**
   * The ids of caged's language table (images/languages/<id>/); a request for one that the image
   * does not carry is "not installed on this worker", any other unknown id an unknown language.
   * Default: the ids of the table next to this caged (src/judge/language-table.ts).
   */
  knownLanguages?: readonly string[];
}

/** The progress value after each test case: declared once, in the wire contract. */
export type { JudgeProgress };

/**
 * Time the judge itself spent on a submission's text: checking a test's output with a built-in
 * checker (`check`), or turning the compiler's output into the result (`compiler-output`).
 */
export interface TextWork {
  step: 'check' | 'compiler-output';
  /** 0-based test index for `check`, else null. */
  testIndex: number | null;
  ms: number;
  /** Bytes looked at (output + answer, or the compiler's two streams). */
  bytes: number;
}

export interface JudgeHooks {
  onProgress?: (p: JudgeProgress) => void;
  onTextWork?: (w: TextWork) => void;
  /** Aborting stops before the next step and throws a (retryable) HostError. */
  signal?: AbortSignal;
  /** Multi-pass problems: each test's validator's (or interactor's) nextpass.in, capped (test-step.ts). */
  nextPass?: NextPassHook;
  /**
   * Keep this much of each test's stdout and stderr in the result instead of the Judge's
   * `reportOutputBytes` (a trusted caller that checks the whole output itself: problem packages).
   */
  reportOutputBytes?: number;
  /** The problem's own program (checker, output validator, interactor) is ready: `compiled` when a compiler ran (not the compile cache). */
  onHelperReady?: (h: { role: 'checker' | 'output validator' | 'interactor' | 'static validator'; compiled: boolean }) => void;
  /**
   * A problem package's static validation test case (judge-package.ts): after the submission
   * compiled, its static validator judges the compiled box and is the one test's result; the
   * submission's tests do not run (static-validator.ts).
   */
  staticValidation?: StaticValidationHook;
  /**
   * The problem cannot be judged (a DMOJ generator failed): once the submission compiled, no test
   * runs and each is IE with this message, as DMOJ's InternalError ends a judging.
   */
  problemFailure?: { why: string; message: string };
  /**
   * The submission is a problem's own program judged as one (a legacy package's custom grader,
   * custom-grader.ts): it compiles under the helpers' compile limits (`helperCompileLimits`),
   * as the package's other programs do, not a contestant's.
   */
  problemProgram?: boolean;
}

export interface JudgeStats {
  /** Submissions judged (with a result). */
  judged: number;
  /** Compiler runs (submissions and checkers; cache hits are not counted). */
  compiles: number;
  cache: CompileCacheStats | null;
}
