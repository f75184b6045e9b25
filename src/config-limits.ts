/**
 * The configuration's limit keys (src/config.ts spreads them into CONFIG_KEYS, in this order):
 * the maxima of a test run (CAGED_MAX_*), the compile limits of a submission
 * (CAGED_COMPILE_*) and of a problem's own programs (CAGED_HELPER_COMPILE_*), a checker's
 * run (CAGED_CHECKER_*); and their reading into a judge's options, once for every front.
 */
import { integer } from './config-keys';
import { LIMIT_BOUNDS } from './limit-bounds';

const MiB = 2 ** 20;
const KiB = 2 ** 10;

/** A time limit's key, in ms within the limits' bounds (src/limit-bounds.ts). */
function timeKey(env: string, def: number, description: string) {
  return integer(env, { def, min: LIMIT_BOUNDS.cpuTimeMs.min, max: LIMIT_BOUNDS.cpuTimeMs.max, unit: 'ms', description });
}

/** A memory limit's key, in MiB within the limits' bounds: below the floor no container starts. */
function memoryKey(env: string, defMiB: number, description: string) {
  const b = LIMIT_BOUNDS.memoryBytes;
  return integer(env, { def: defMiB, min: b.min / MiB, max: b.max / MiB, unit: 'MiB', scale: MiB, description });
}

export const LIMIT_KEYS = {
  maxCpuTimeMs: timeKey('CAGED_MAX_CPU_MS', 10_000, 'Largest CPU time limit a submission may ask for, per test case.'),
  maxWallTimeMs: timeKey('CAGED_MAX_WALL_MS', 30_000, 'Largest wall time limit a submission may ask for, per test case.'),
  maxMemoryBytes: memoryKey(
    'CAGED_MAX_MEMORY_MB',
    2048,
    "Largest memory limit a submission may ask for (2048: the problem package format's default memory limit).",
  ),
  maxOutputBytes: integer('CAGED_MAX_OUTPUT_KB', {
    def: 64 * 1024,
    min: 1,
    unit: 'KiB',
    scale: KiB,
    description: 'Largest output limit (stdout and stderr each) a submission may ask for.',
  }),
  maxPids: integer('CAGED_MAX_PIDS', {
    def: 256,
    min: LIMIT_BOUNDS.pids.min,
    unit: 'processes',
    description: 'Largest process/thread limit a submission may ask for.',
  }),
  maxFileSizeBytes: integer('CAGED_MAX_FILE_SIZE_KB', {
    def: 64 * 1024,
    min: 1,
    unit: 'KiB',
    scale: KiB,
    description: 'Largest file size limit a submission may ask for.',
  }),
  compileCpuTimeMs: timeKey(
    'CAGED_COMPILE_CPU_MS',
    10_000,
    "CPU time of a submission's compile (or syntax check): its limit and the most a request's compileLimits or a package's compilation_time may ask for.",
  ),
  compileWallTimeMs: timeKey(
    'CAGED_COMPILE_WALL_MS',
    20_000,
    "Wall time of a submission's compile: its limit and the most a request's compileLimits may ask for.",
  ),
  compileMemoryBytes: memoryKey(
    'CAGED_COMPILE_MEMORY_MB',
    512,
    "Memory of every compile (a submission's and a problem's own programs'): its limit and the most compileLimits or a package's compilation_memory may ask for.",
  ),
  helperCompileCpuTimeMs: timeKey(
    'CAGED_HELPER_COMPILE_CPU_MS',
    60_000,
    "CPU time of the compile of a problem's own programs (checkers, output validators, interactors, graders: jury code, compiled once per content and cached); caps a package's compilation_time for them.",
  ),
  helperCompileWallTimeMs: timeKey('CAGED_HELPER_COMPILE_WALL_MS', 120_000, "Wall time of the compile of a problem's own programs."),
  checkerCpuTimeMs: timeKey(
    'CAGED_CHECKER_CPU_MS',
    5_000,
    "CPU time of one run of a checker or output validator (an interactor's is at least the tests'): its limit and the most a package's validation_time may ask for.",
  ),
  checkerWallTimeMs: timeKey('CAGED_CHECKER_WALL_MS', 10_000, 'Wall time of one run of a checker or output validator.'),
  checkerMemoryBytes: memoryKey(
    'CAGED_CHECKER_MEMORY_MB',
    512,
    "Memory of one run of a checker, output validator or interactor: its limit and the most a package's validation_memory may ask for.",
  ),
} as const;

type LimitConfig = { readonly [K in keyof typeof LIMIT_KEYS]: number };

/** The keys of a test run's maxima (CAGED_MAX_*): `testMaxima` reads them. */
export const TEST_MAXIMA_KEYS = [
  'maxCpuTimeMs',
  'maxWallTimeMs',
  'maxMemoryBytes',
  'maxOutputBytes',
  'maxPids',
  'maxFileSizeBytes',
] as const;

/** The keys that shape what a judge allows (its maxima and compile limits): `judgingLimits` reads them. */
export const JUDGING_LIMIT_KEYS = [
  ...TEST_MAXIMA_KEYS,
  'compileCpuTimeMs',
  'compileWallTimeMs',
  'compileMemoryBytes',
  'helperCompileCpuTimeMs',
  'helperCompileWallTimeMs',
  'checkerCpuTimeMs',
  'checkerWallTimeMs',
  'checkerMemoryBytes',
] as const;

/** A test run's maxima from the configuration (CAGED_MAX_*), in the limits' internal units. */
export function testMaxima(c: Pick<LimitConfig, (typeof TEST_MAXIMA_KEYS)[number]>) {
  return {
    cpuTimeMs: c.maxCpuTimeMs,
    wallTimeMs: c.maxWallTimeMs,
    memoryBytes: c.maxMemoryBytes,
    outputBytes: c.maxOutputBytes,
    pids: c.maxPids,
    fileSizeBytes: c.maxFileSizeBytes,
  };
}

/**
 * A judge's limits from the configuration, in JudgeOptions' shape: the tests' maxima
 * (CAGED_MAX_*), a submission's compile limits (CAGED_COMPILE_*) and those of a problem's own
 * programs (CAGED_HELPER_COMPILE_*; their memory is CAGED_COMPILE_MEMORY_MB's), and a checker's
 * or validator's run (CAGED_CHECKER_*). One reading for the worker, `caged run`, `caged judge`
 * and `caged grade`.
 */
export function judgingLimits(c: Pick<LimitConfig, (typeof JUDGING_LIMIT_KEYS)[number]>) {
  return {
    maxima: testMaxima(c),
    compileLimits: { cpuTimeMs: c.compileCpuTimeMs, wallTimeMs: c.compileWallTimeMs, memoryBytes: c.compileMemoryBytes },
    helperCompileLimits: { cpuTimeMs: c.helperCompileCpuTimeMs, wallTimeMs: c.helperCompileWallTimeMs, memoryBytes: c.compileMemoryBytes },
    checkerLimits: { cpuTimeMs: c.checkerCpuTimeMs, wallTimeMs: c.checkerWallTimeMs, memoryBytes: c.checkerMemoryBytes },
  };
}
