/**
 * The limits a request may set for one step (a submission's `limits` and `compileLimits`, a
 * checker's, an interactor's), part of the submission contract (schema.ts re-exports them).
 */
import { z } from 'zod';
import { LIMIT_BOUNDS, STACK_BOUND, type LimitBound, type LimitName } from '../limit-bounds';

/** A limit: a whole number within its bounds (src/limit-bounds.ts), the bound named in the message. */
function boundedLimit(b: LimitBound) {
  return z
    .number()
    .int({ message: `must be a whole number of ${b.unit}` })
    .min(b.min, { message: `must be at least ${b.min} ${b.unit}: ${b.why}` })
    .max(b.max, { message: `must be at most ${b.max} ${b.unit}` })
    .optional();
}

/** Requested limits of one step; every key optional (absent = the configured default). */
export const LimitsSchema = z.strictObject({
  /** CPU time of all the program's processes and threads, in ms. */
  cpuTimeMs: boundedLimit(LIMIT_BOUNDS.cpuTimeMs),
  /** Wall-clock time, in ms. */
  wallTimeMs: boundedLimit(LIMIT_BOUNDS.wallTimeMs),
  /** Memory of the whole container (peak), in bytes; at least 4 MiB. */
  memoryBytes: boundedLimit(LIMIT_BOUNDS.memoryBytes),
  /** Cap on stdout and, separately, on stderr, in bytes. */
  outputBytes: boundedLimit(LIMIT_BOUNDS.outputBytes),
  /** Processes and threads alive at once; at least 2 (the container's init and the program). */
  pids: boundedLimit(LIMIT_BOUNDS.pids),
  /** Largest file the program may write, in bytes. */
  fileSizeBytes: boundedLimit(LIMIT_BOUNDS.fileSizeBytes),
  /**
   * Stack of each process (RLIMIT_STACK; glibc also takes it as a thread's default stack), in
   * bytes. Absent: no limit of its own, the memory limit bounds the stack (and a thread gets
   * glibc's 2 MiB default); a value above the memory limit comes to the memory limit.
   */
  stackBytes: boundedLimit(STACK_BOUND),
});

export type RequestedLimits = z.output<typeof LimitsSchema>;
export type { LimitName };
