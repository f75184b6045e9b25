/**
 * The limit flags of the command line (`--time S`, `--wall S`, `--memory MB`, `--output KB`,
 * `--pids N`), converted into the internal units and checked against the one table of bounds
 * (src/limit-bounds.ts) before anything runs: `--memory 0.001` and `--pids 1` are refused
 * naming the flag and the bound (exit 2), `--pids 2.5` because pids are whole numbers.
 */
import { LIMIT_KEYS } from '../config-limits';
import { InvalidRequestError } from '../errors';
import { limitBoundProblem, type LimitName } from '../limit-bounds';
import type { ParsedArgs } from './args';

export interface LimitFlag {
  flag: string;
  key: LimitName;
  /** Internal units per unit of the flag (s → ms: 1000). */
  scale: number;
  /** The flag's unit, for messages. */
  unit: string;
  /** Whole numbers only (pids). */
  integer?: boolean;
  /** The setting that raises a judge's maximum for it (a test's limits: CAGED_MAX_*). */
  maxEnv: string;
}

const MiB = 2 ** 20;

export const LIMIT_FLAGS: readonly LimitFlag[] = [
  { flag: 'time', key: 'cpuTimeMs', scale: 1000, unit: 's', maxEnv: LIMIT_KEYS.maxCpuTimeMs.env },
  { flag: 'wall', key: 'wallTimeMs', scale: 1000, unit: 's', maxEnv: LIMIT_KEYS.maxWallTimeMs.env },
  { flag: 'memory', key: 'memoryBytes', scale: MiB, unit: 'MB', maxEnv: LIMIT_KEYS.maxMemoryBytes.env },
  { flag: 'output', key: 'outputBytes', scale: 1024, unit: 'KB', maxEnv: LIMIT_KEYS.maxOutputBytes.env },
  { flag: 'pids', key: 'pids', scale: 1, unit: 'processes', integer: true, maxEnv: LIMIT_KEYS.maxPids.env },
];

/** The names of the limit flags, for parseArgs. */
export const LIMIT_FLAG_NAMES: readonly string[] = LIMIT_FLAGS.map((f) => f.flag);

/** A value in internal units as the flag writes it (`10 s`, `1024 MB`): every message of these flags says it so. */
function inFlagUnit(f: LimitFlag, v: number): string {
  return `${Number((v / f.scale).toFixed(3))} ${f.unit}`;
}

const decimal = /^\d+(\.\d+)?$/;
const whole = /^\d+$/;

/** One flag's value in its internal unit, or undefined when the flag is absent. */
export function limitFlagValue(args: ParsedArgs, f: LimitFlag): number | undefined {
  const raw = args.flags.get(f.flag);
  if (raw === undefined) return undefined;
  const name = `--${f.flag}`;
  if (typeof raw !== 'string') throw new InvalidRequestError('needs a value', name);
  if (f.integer && !whole.test(raw)) throw new InvalidRequestError(`must be a whole number of ${f.unit} (got ${raw})`, name);
  if (!decimal.test(raw)) throw new InvalidRequestError(`must be a number of ${f.unit}, such as 1 or 0.5 (got ${raw})`, name);
  const value = Math.round(Number(raw) * f.scale);
  const shown = (v: number): string => (v === value ? `${raw} ${f.unit}` : inFlagUnit(f, v));
  const problem = limitBoundProblem(f.key, value, shown);
  if (problem) throw new InvalidRequestError(problem, name);
  return value;
}

/** Every limit flag given, as request limits (`{ cpuTimeMs: 1000, … }`). */
export function limitsFromFlags(args: ParsedArgs, flags: readonly LimitFlag[] = LIMIT_FLAGS): Partial<Record<LimitName, number>> {
  const limits: Partial<Record<LimitName, number>> = {};
  for (const f of flags) {
    const v = limitFlagValue(args, f);
    if (v !== undefined) limits[f.key] = v;
  }
  return limits;
}

/**
 * Refuses a limit flag above a judge's maximum for a test (`maxima`: Judge.stepMaxima.test)
 * before anything runs, naming the flag, in the flag's unit, and the setting that raises it:
 * `--time: 30 s is above this judge's maximum of 10 s (CAGED_MAX_CPU_MS raises it)`.
 */
export function checkFlagMaxima(
  limits: Partial<Record<LimitName, number>>,
  maxima: Readonly<Record<LimitName, number>>,
  flags: readonly LimitFlag[] = LIMIT_FLAGS,
): void {
  for (const f of flags) {
    const v = limits[f.key];
    const max = maxima[f.key];
    if (v === undefined || v <= max) continue;
    throw new InvalidRequestError(
      `${inFlagUnit(f, v)} is above this judge's maximum of ${inFlagUnit(f, max)} (${f.maxEnv} raises it)`,
      `--${f.flag}`,
    );
  }
}
