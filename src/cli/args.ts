/** A small, strict argument parser: unknown flags and missing values are errors, never ignored. */
import { InvalidRequestError } from '../errors';

export interface ParsedArgs {
  flags: Map<string, string | true>;
  positional: string[];
  /** Everything after `--`. */
  rest: string[];
}

export function parseArgs(argv: readonly string[], valued: readonly string[], boolean: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (boolean.includes(name)) {
        if (eq > 0) throw new InvalidRequestError(`takes no value`, `--${name}`);
        flags.set(name, true);
      } else if (valued.includes(name)) {
        const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new InvalidRequestError('needs a value', `--${name}`);
        flags.set(name, value);
      } else {
        throw new InvalidRequestError('unknown option', `--${name}`);
      }
    } else if (a.startsWith('-') && a.length > 1) {
      // No short options besides -h (main.ts): `-x` is a typo, not a file name.
      throw new InvalidRequestError('unknown option', a);
    } else {
      positional.push(a);
    }
  }
  return { flags, positional, rest };
}

/** A positive number flag, scaled into the internal unit (e.g. seconds → ms). */
export function numberFlag(args: ParsedArgs, name: string, scale: number, fallback: number): number {
  const v = args.flags.get(name);
  if (v === undefined) return fallback;
  const n = typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new InvalidRequestError(`must be a positive number (got ${String(v)})`, `--${name}`);
  return Math.round(n * scale);
}

/** A flag's positive number as given (not rounded: `--time 0.75`); undefined when absent. */
export function positiveNumber(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidRequestError(`must be a positive number (got ${v})`, flag);
  return n;
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}
