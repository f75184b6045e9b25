/**
 * The bounds of every limit a request may set: one table, used by every front that takes a
 * limit (the submission schema, hence the client and the worker; the command line's flags; the
 * worker's CAGED_MAX_* configuration). A value outside is a bad request naming the field and
 * the bound, before anything runs: a run can never fail inside caged because of a limit value.
 *
 * The minima are what a program needs to start at all, measured on the test image:
 * - memory 4 MiB: the container's init is already charged to the job's memory cgroup when the
 *   run's limit is written; a limit below its usage (about 0.3 MiB) makes the kernel refuse the
 *   write (EBUSY on cgroup v1, an OOM kill of the init on v2), and python3 needs 3 MiB to start.
 * - pids 2: the container's init (PID 1) and the program (PID 2); with 1 the init's fork fails.
 * - times, output and file size 1 (ms, byte): the program starts; it may then exceed them.
 * The maxima are sanity bounds of the units (a day, a TiB, the kernel's PID_MAX_LIMIT); the
 * configured maxima (CAGED_MAX_*) are lower and decide what a request may really ask for.
 *
 * This module sits below every layer (like errors.ts and config.ts): it imports nothing.
 */

/** Every limit a request may set, in its internal unit (named in the key). */
export const LIMIT_NAMES = ['cpuTimeMs', 'wallTimeMs', 'memoryBytes', 'outputBytes', 'pids', 'fileSizeBytes'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

export interface LimitBound {
  /** Smallest value accepted, in the internal unit. */
  min: number;
  /** Largest value accepted, in the internal unit (the configured maximum is usually lower). */
  max: number;
  /** The internal unit, for messages: 'ms', 'bytes', 'processes'. */
  unit: string;
  /** Why the minimum is what it is (one line, shown in errors). */
  why: string;
}

const MiB = 2 ** 20;
const DAY_MS = 24 * 3600 * 1000;
const TiB = 2 ** 40;

/** Every value is an integer in its unit; these are the inclusive bounds. */
export const LIMIT_BOUNDS: Readonly<Record<LimitName, LimitBound>> = {
  cpuTimeMs: { min: 1, max: DAY_MS, unit: 'ms', why: 'a limit is at least 1 ms' },
  wallTimeMs: { min: 1, max: DAY_MS, unit: 'ms', why: 'a limit is at least 1 ms' },
  memoryBytes: {
    min: 4 * MiB,
    max: TiB,
    unit: 'bytes',
    why: 'below 4 MiB a container cannot start (its init is already charged to the memory cgroup; python3 needs 3 MiB)',
  },
  outputBytes: { min: 1, max: TiB, unit: 'bytes', why: 'a limit is at least 1 byte' },
  pids: { min: 2, max: 4_194_304, unit: 'processes', why: "the container's init and the program are 2 processes" },
  fileSizeBytes: { min: 1, max: TiB, unit: 'bytes', why: 'a limit is at least 1 byte' },
};

/**
 * The stack limit's bounds (`stackBytes`). It is not one of LIMIT_NAMES: it has no configured
 * maximum or default of its own, the memory limit bounds it (src/judge/limits.ts).
 */
export const STACK_BOUND: LimitBound = {
  min: 64 * 1024,
  max: TiB,
  unit: 'bytes',
  why: "a program needs a stack: the kernel's exec and the loader use a few pages of it",
};

/**
 * Null when `value` is a whole number within the bounds of `name`, else why not (without the
 * field's name). `shown` renders a bound in the caller's unit (the command line's MB, s, KB).
 */
export function limitBoundProblem(name: LimitName, value: number, shown?: (v: number) => string): string | null {
  const b = LIMIT_BOUNDS[name];
  const show = shown ?? ((v: number) => `${v} ${b.unit}`);
  if (!Number.isFinite(value)) return `must be a number (got ${String(value)})`;
  if (!Number.isInteger(value)) return `must be a whole number of ${b.unit} (got ${value})`;
  if (value < b.min) return `${show(value)} is below the minimum of ${show(b.min)}: ${b.why}`;
  if (value > b.max) return `${show(value)} is above the largest accepted value, ${show(b.max)}`;
  return null;
}
