/**
 * A problem package's limits (problem.yaml's `limits`, its time limit, `--memory`) as the Judge's
 * step limits, each capped to caged's maxima and the judge's own, with a note per cap.
 */
import { InvalidRequestError } from '../errors';
import {
  DEFAULT_CHECKER_LIMITS,
  DEFAULT_COMPILE_LIMITS,
  DEFAULT_HELPER_COMPILE_LIMITS,
  DEFAULT_MAXIMA,
  type LimitValues,
} from '../judge/limits';
import { configFile, NO_TIME_LIMIT, type ProblemPackage } from './problem-package';

const MiB = 2 ** 20;

export interface PackageLimitOptions {
  /** caged's maxima for a test (the Judge's `maxima`); default src/judge/limits.ts's. */
  maxima?: Partial<LimitValues>;
  /** Overrides problem.yaml's memory limit, in MiB (`--memory`). */
  memoryMiB?: number;
  /** The Judge's configured checker limits (its `checkerLimits`): caps of validation_time and validation_memory. */
  checkerLimits?: Partial<LimitValues>;
  /** The Judge's configured compile limits (its `compileLimits`): caps of compilation_time and compilation_memory. */
  compileLimits?: Partial<LimitValues>;
  /** The Judge's configured compile limits of a problem's own programs (its `helperCompileLimits`): their caps. */
  helperCompileLimits?: Partial<LimitValues>;
}

/** The judge's maxima per step (Judge.stepMaxima). */
export interface JudgeMaxima {
  test: LimitValues;
  compile: LimitValues;
  checker: LimitValues;
  helperCompile: LimitValues;
}

/** `base` with the values `o` gives (an absent or undefined one keeps base's). */
function over(base: LimitValues, o: Partial<LimitValues> | undefined): LimitValues {
  const out = { ...base };
  for (const [k, v] of Object.entries(o ?? {}) as Array<[keyof LimitValues, number | undefined]>) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Limits for the package, capped to caged's maxima; each cap is a note. The compile and
 * validation limits problem.yaml does not set (the format's defaults, 60 s and 2048 MiB) are
 * said in one note together, and a cap of the package's programs' compile limits only where it
 * differs from the submission's.
 */
export function packageLimits(pkg: ProblemPackage, opts: PackageLimitOptions) {
  const max = { ...DEFAULT_MAXIMA, ...opts.maxima };
  const l = pkg.config.limits;
  const notes: string[] = [];
  /** Format defaults lowered ("compilation_time 60 s to 10 s"), and the settings that raise them. */
  const lowered: string[] = [];
  const raising: string[] = [];
  const ms = (n: number) => `${n / 1000} s`;
  const mib = (n: number) => `${Math.round((n / MiB) * 100) / 100} MiB`;
  const cap = (what: string, wanted: number, maximum: number, unit: (n: number) => string, setting: string, key?: string): number => {
    if (wanted <= maximum) return wanted;
    if (key !== undefined && !l.given.includes(key)) {
      lowered.push(`${what} ${unit(wanted)} to ${unit(maximum)}`);
      if (!raising.includes(setting)) raising.push(setting);
    } else {
      notes.push(`${what} ${unit(wanted)} lowered to caged's maximum of ${unit(maximum)} (${setting} raises it)`);
    }
    return maximum;
  };
  if (!pkg.timeLimit) throw new InvalidRequestError(NO_TIME_LIMIT, 'PROBLEM_DIR');
  const limits = {
    cpuTimeMs: cap('time limit', Math.max(1, Math.round(pkg.timeLimit.seconds * 1000)), max.cpuTimeMs, ms, 'CAGED_MAX_CPU_MS'),
    memoryBytes: cap('memory limit', Math.round((opts.memoryMiB ?? l.memoryMiB) * MiB), max.memoryBytes, mib, 'CAGED_MAX_MEMORY_MB'),
    outputBytes: cap('output limit', Math.round(l.outputMiB * MiB), max.outputBytes, mib, 'CAGED_MAX_OUTPUT_KB'),
  };
  // The package's own programs (validators, interactor, grader) compile under the same keys,
  // capped by the helpers' maxima: jury code, compiled once per package and cached. Their cap
  // is said apart only where it is not the submission's.
  const wantedCompile = { cpuTimeMs: Math.round(l.compilationTimeS * 1000), memoryBytes: Math.round(l.compilationMemoryMiB * MiB) };
  const compileMax = { ...DEFAULT_COMPILE_LIMITS, ...opts.compileLimits };
  const compileLimits = {
    cpuTimeMs: cap('compilation_time', wantedCompile.cpuTimeMs, compileMax.cpuTimeMs, ms, 'CAGED_COMPILE_CPU_MS', 'compilation_time'),
    memoryBytes: cap(
      'compilation_memory',
      wantedCompile.memoryBytes,
      compileMax.memoryBytes,
      mib,
      'CAGED_COMPILE_MEMORY_MB',
      'compilation_memory',
    ),
  };
  const helperMax = { ...DEFAULT_HELPER_COMPILE_LIMITS, ...opts.helperCompileLimits };
  const helperCompile = (k: 'cpuTimeMs' | 'memoryBytes', key: string, unit: (n: number) => string, setting: string): number => {
    const value = Math.min(wantedCompile[k], helperMax[k]);
    return value === compileLimits[k] ? value : cap(`the package's programs' ${key}`, wantedCompile[k], helperMax[k], unit, setting, key);
  };
  const helperCompileLimits = {
    cpuTimeMs: helperCompile('cpuTimeMs', 'compilation_time', ms, 'CAGED_HELPER_COMPILE_CPU_MS'),
    memoryBytes: helperCompile('memoryBytes', 'compilation_memory', mib, 'CAGED_COMPILE_MEMORY_MB'),
  };
  // The output validator's (or interactor's) runs: validation_time is CPU time (an interactor's
  // time spent waiting for the submission does not count, as the format says; its wall time
  // is raised to outlive the submission: src/judge/interactive.ts).
  const checkerMax = { ...DEFAULT_CHECKER_LIMITS, ...opts.checkerLimits };
  const validation = pkg.config.validation.kind !== 'default';
  // The static validator's run has the output validator's limits (the format gives it none of its own).
  const helperLimits =
    validation || pkg.staticValidator || pkg.grader
      ? {
          cpuTimeMs: cap(
            'validation_time',
            Math.round(l.validationTimeS * 1000),
            checkerMax.cpuTimeMs,
            ms,
            'CAGED_CHECKER_CPU_MS',
            'validation_time',
          ),
          memoryBytes: cap(
            'validation_memory',
            Math.round(l.validationMemoryMiB * MiB),
            checkerMax.memoryBytes,
            mib,
            'CAGED_CHECKER_MEMORY_MB',
            'validation_memory',
          ),
        }
      : null;
  if (lowered.length)
    notes.push(
      `the format's defaults that ${configFile(pkg)} does not set, lowered to caged's maxima: ${lowered.join(', ')} (${raising.join(', ')} raise them)`,
    );
  return { limits, compileLimits, helperCompileLimits, validatorLimits: validation ? helperLimits : null, helperLimits, notes };
}

/** packageLimits capped by the judge's own maxima as well as the caller's (a judge made with lower compile limits refuses more). */
export function packageLimitsFor(pkg: ProblemPackage, caps: JudgeMaxima, opts: PackageLimitOptions) {
  return packageLimits(pkg, {
    ...opts,
    maxima: over(caps.test, opts.maxima),
    compileLimits: over(caps.compile, opts.compileLimits),
    checkerLimits: over(caps.checker, opts.checkerLimits),
    helperCompileLimits: over(caps.helperCompile, opts.helperCompileLimits),
  });
}
