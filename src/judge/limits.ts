/**
 * Limits of each step (compile, test, checker): defaults, configured maxima, and the rule that a
 * submission may lower a limit but never raise it above its maximum (a request above is refused
 * with an InvalidRequestError naming the field, e.g. `limits.memoryBytes`). The language's
 * timeFactor and memoryFactor are applied after that check: the maxima bound what a submission
 * may ask for, the factors are the operator's allowance for slow runtimes.
 *
 * RLIMIT_AS is off (addressSpaceBytes 0) unless the language sets `addressSpaceGraceMiB` (an
 * operator's opt-in: no language of the Debian image does): then it is the memory limit, after
 * the memoryFactor, plus that grace (DMOJ's `address_grace`), so that an allocation the cgroup
 * would never see (a static array, a `new` never touched) fails instead of running to
 * completion. Runtimes that reserve large virtual ranges (sanitizers, Go, the JVM, V8) leave it
 * unset: the cgroup's limit is what counts for them.
 */
import { InvalidRequestError } from '../errors';
import type { RunLimits } from '../sandbox/types';
import { LIMIT_NAMES, limitBoundProblem, type LimitName } from '../limit-bounds';
import type { RequestedLimits } from './schema';

export { LIMIT_BOUNDS, LIMIT_NAMES, limitBoundProblem, type LimitBound, type LimitName } from '../limit-bounds';

const MiB = 2 ** 20;
const KiB = 2 ** 10;

/** Every limit a request may set, all present. */
export type LimitValues = { [K in LimitName]: number };

/** Limits of one kind of step. */
export interface StepLimitsConfig {
  /** Used where the request names no value (clamped to the maxima). */
  defaults: LimitValues;
  /** The largest value a request may ask for. */
  maxima: LimitValues;
  /** Open file descriptors per process. */
  openFiles: number;
  /** Size of the run's writable layer and of its /tmp, in bytes each. */
  diskBytes: number;
}

/** Maxima of a test run unless configured (the same as src/config.ts's CAGED_MAX_* defaults). */
export const DEFAULT_MAXIMA: LimitValues = {
  cpuTimeMs: 10_000,
  wallTimeMs: 30_000,
  memoryBytes: 2048 * MiB,
  outputBytes: 64 * MiB,
  pids: 256,
  fileSizeBytes: 64 * MiB,
};

/**
 * Defaults of a test run. When a request sets cpuTimeMs but not wallTimeMs, the wall limit is
 * max(default wall, 2 × CPU + 1 s), capped at the wall maximum.
 */
export const DEFAULT_TEST_LIMITS: LimitValues = {
  cpuTimeMs: 2_000,
  wallTimeMs: 5_000,
  memoryBytes: 256 * MiB,
  outputBytes: 8 * MiB,
  pids: 64,
  fileSizeBytes: 16 * MiB,
};

/**
 * The compile step: these are both the defaults and the maxima (compileLimits may only lower
 * them). Compiler output is capped at 64 KiB per stream: a compiler spewing gigabytes of
 * diagnostics is stopped there and the step ends as CE with the truncated output.
 */
export const DEFAULT_COMPILE_LIMITS: LimitValues = {
  cpuTimeMs: 10_000,
  wallTimeMs: 20_000,
  memoryBytes: 512 * MiB,
  outputBytes: 64 * KiB,
  pids: 64,
  fileSizeBytes: 64 * MiB,
};

/**
 * The compile step of a problem's own programs (output validators, interactors, static
 * validators, checkers): jury code, compiled once per content and cached. BAPCtools'
 * validate.h, which many contests' validators include, alone takes 8-10 s of CPU at -O2 on a
 * slow host; the package format's default compilation_time is 60 s. Both defaults and maxima,
 * like DEFAULT_COMPILE_LIMITS, which stay the submissions'.
 */
export const DEFAULT_HELPER_COMPILE_LIMITS: LimitValues = {
  ...DEFAULT_COMPILE_LIMITS,
  cpuTimeMs: 60_000,
  wallTimeMs: 120_000,
};

/** A custom checker's run (not settable by the submission). */
export const DEFAULT_CHECKER_LIMITS: LimitValues = {
  cpuTimeMs: 5_000,
  wallTimeMs: 10_000,
  memoryBytes: 512 * MiB,
  outputBytes: 64 * KiB,
  pids: 16,
  fileSizeBytes: 16 * MiB,
};

export function testLimitsConfig(maxima: Partial<LimitValues> = {}): StepLimitsConfig {
  const max = { ...DEFAULT_MAXIMA, ...maxima };
  return { defaults: clamp(DEFAULT_TEST_LIMITS, max), maxima: max, openFiles: 64, diskBytes: 64 * MiB };
}

export function compileLimitsConfig(limits: Partial<LimitValues> = {}): StepLimitsConfig {
  const max = { ...DEFAULT_COMPILE_LIMITS, ...limits };
  return { defaults: max, maxima: max, openFiles: 256, diskBytes: 256 * MiB };
}

export function helperCompileLimitsConfig(limits: Partial<LimitValues> = {}): StepLimitsConfig {
  const max = { ...DEFAULT_HELPER_COMPILE_LIMITS, ...limits };
  return { defaults: max, maxima: max, openFiles: 256, diskBytes: 256 * MiB };
}

/** A judge's step configs from its options' limits (each checked): tests, compiles, a problem's own programs. */
export interface JudgeLimitConfigs {
  test: StepLimitsConfig;
  compile: StepLimitsConfig;
  /** A problem's own programs: their compile, and each of their runs. */
  validator: { compile: StepLimitsConfig; run: StepLimitsConfig };
}

export function judgeLimitConfigs(o: {
  maxima?: Partial<LimitValues>;
  compileLimits?: Partial<LimitValues>;
  helperCompileLimits?: Partial<LimitValues>;
  checkerLimits?: Partial<LimitValues>;
}): JudgeLimitConfigs {
  for (const k of ['maxima', 'compileLimits', 'helperCompileLimits', 'checkerLimits'] as const) checkLimitValues(o[k] ?? {}, k);
  return {
    test: testLimitsConfig(o.maxima),
    compile: compileLimitsConfig(o.compileLimits),
    validator: { compile: helperCompileLimitsConfig(o.helperCompileLimits), run: checkerLimitsConfig(o.checkerLimits) },
  };
}

export function checkerLimitsConfig(limits: Partial<LimitValues> = {}): StepLimitsConfig {
  const max = { ...DEFAULT_CHECKER_LIMITS, ...limits };
  return { defaults: max, maxima: max, openFiles: 64, diskBytes: 64 * MiB };
}

/** Checks configured limit values (operator input): whole numbers within the bounds of src/limit-bounds.ts. */
export function checkLimitValues(values: Partial<LimitValues>, field: string): void {
  for (const [k, v] of Object.entries(values) as Array<[LimitName, number | undefined]>) {
    if (v === undefined) continue;
    const problem = limitBoundProblem(k, v);
    if (problem) throw new InvalidRequestError(problem, `${field}.${k}`);
  }
}

function clamp(values: LimitValues, maxima: LimitValues): LimitValues {
  const out = { ...values };
  for (const k of Object.keys(out) as LimitName[]) out[k] = Math.min(out[k], maxima[k]);
  return out;
}

const UNITS: Record<LimitName, string> = {
  cpuTimeMs: 'ms',
  wallTimeMs: 'ms',
  memoryBytes: 'bytes',
  outputBytes: 'bytes',
  pids: 'processes',
  fileSizeBytes: 'bytes',
};

export interface Factors {
  timeFactor: number;
  memoryFactor: number;
  /** The language's floor on open files per process (R needs about 170 at start). */
  openFiles?: number;
  /** MiB of address space above the memory limit; absent: no RLIMIT_AS. */
  addressSpaceGraceMiB?: number;
}

/**
 * A language's factors for the judge's own programs in it (output validators, interactors):
 * without the address-space grace. RLIMIT_AS is a verdict rule for submissions (MLE for a program
 * whose image does not fit); the judge's programs run under the cgroup's memory limit alone, so
 * that running out of it is reported as the memory limit, not as their own failed allocation.
 */
export function helperFactors(l: Factors): Factors {
  return { timeFactor: l.timeFactor, memoryFactor: l.memoryFactor, ...(l.openFiles !== undefined ? { openFiles: l.openFiles } : {}) };
}

/**
 * The limits of one step: the request (validated against the maxima; `field` names it in
 * errors, e.g. "limits"), the defaults for what it leaves out, then the language's factors.
 */
export function resolveLimits(
  requested: RequestedLimits | undefined,
  config: StepLimitsConfig,
  field: string,
  factors: Factors = { timeFactor: 1, memoryFactor: 1 },
): RunLimits {
  const req = requested ?? {};
  // The stack has no configured maximum: the memory limit bounds it (below).
  for (const k of LIMIT_NAMES) {
    const v = req[k];
    if (v !== undefined && v > config.maxima[k]) {
      throw new InvalidRequestError(`${v} ${UNITS[k]} is above the maximum of ${config.maxima[k]} ${UNITS[k]}`, `${field}.${k}`);
    }
  }
  const cpuTimeMs = req.cpuTimeMs ?? config.defaults.cpuTimeMs;
  const wallTimeMs =
    req.wallTimeMs ??
    (req.cpuTimeMs !== undefined
      ? Math.min(config.maxima.wallTimeMs, Math.max(config.defaults.wallTimeMs, 2 * cpuTimeMs + 1000))
      : config.defaults.wallTimeMs);
  const memoryBytes = Math.round((req.memoryBytes ?? config.defaults.memoryBytes) * factors.memoryFactor);
  const grace = factors.addressSpaceGraceMiB;
  return {
    cpuTimeMs: Math.round(cpuTimeMs * factors.timeFactor),
    wallTimeMs: Math.round(wallTimeMs * factors.timeFactor),
    memoryBytes,
    addressSpaceBytes: grace === undefined ? 0 : memoryBytes + grace * MiB,
    pids: req.pids ?? config.defaults.pids,
    outputBytes: req.outputBytes ?? config.defaults.outputBytes,
    fileSizeBytes: req.fileSizeBytes ?? config.defaults.fileSizeBytes,
    openFiles: Math.max(config.openFiles, factors.openFiles ?? 0),
    stackBytes: req.stackBytes === undefined ? 0 : Math.min(req.stackBytes, memoryBytes),
    diskBytes: config.diskBytes,
  };
}
