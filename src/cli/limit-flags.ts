/**
 * The limit flags of the command line (`--time S`, `--wall S`, `--memory MB`, `--output KB`,
 * `--pids N`), converted into the internal units and checked against the one table of bounds
 * (src/limit-bounds.ts) before anything runs: `--memory 0.001` and `--pids 1` are refused
 * naming the flag and the bound (exit 2), `--pids 2.5` because pids are whole numbers.
 */
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
}

const MiB = 2 ** 20;

export const LIMIT_FLAGS: readonly LimitFlag[] = [
  { flag: 'time', key: 'cpuTimeMs', scale: 1000, unit: 's' },
  { flag: 'wall', key: 'wallTimeMs', scale: 1000, unit: 's' },
  { flag: 'memory', key: 'memoryBytes', scale: MiB, unit: 'MB' },
  { flag: 'output', key: 'outputBytes', scale: 1024, unit: 'KB' },
  { flag: 'pids', key: 'pids', scale: 1, unit: 'processes', integer: true },
];

/** The names of the limit flags, for parseArgs. */
export const LIMIT_FLAG_NAMES: readonly string[] = LIMIT_FLAGS.map((f) => f.flag);

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
  const shown = (v: number): string => (v === value ? `${raw} ${f.unit}` : `${Number((v / f.scale).toPrecision(6))} ${f.unit}`);
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
