/**
 * How a configuration key is declared (src/config.ts declares them all): its environment
 * variable, a zod schema with its default, a unit and a one-line description. Absent and empty
 * both mean "use the default".
 */
import { z } from 'zod';
import { parseCpuList } from './cpu-list';

export interface Key<T> {
  env: string;
  unit: string;
  /** The default as documented (computed defaults say how they are computed). */
  defaultText: string;
  description: string;
  /** Built when first read: a command reads a few of the keys (`caged run` its judging ones). */
  readonly schema: z.ZodType<T>;
}

/** A key whose schema is made by `build` on first use. */
function key<T>(fields: Omit<Key<T>, 'schema'>, build: () => z.ZodType<T>): Key<T> {
  let schema: z.ZodType<T> | undefined;
  return Object.defineProperty(fields, 'schema', { get: () => (schema ??= build()), enumerable: true }) as Key<T>;
}

/** Absent and empty both mean "use the default". */
const raw = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim()));

export function integer(
  env: string,
  o: { def: number | (() => number); defaultText?: string; min: number; max?: number; unit: string; scale?: number; description: string },
): Key<number> {
  const max = o.max ?? Number.MAX_SAFE_INTEGER;
  const schema = () =>
    raw
      .pipe(
        z
          .string()
          .regex(/^\d+$/, { message: 'must be a whole number' })
          .transform(Number)
          .pipe(
            z
              .number()
              .int()
              .min(o.min, { message: `must be at least ${o.min}` })
              .max(max, { message: `must be at most ${max}` }),
          )
          .optional(),
      )
      .transform((v) => (v ?? (typeof o.def === 'function' ? o.def() : o.def)) * (o.scale ?? 1));
  return key({ env, unit: o.unit, defaultText: o.defaultText ?? String(o.def), description: o.description }, schema);
}

export function text(
  env: string,
  o: { def: string | (() => string); defaultText?: string; unit?: string; pattern?: RegExp; patternText?: string; description: string },
): Key<string> {
  const schema = () => {
    const inner = o.pattern ? z.string().regex(o.pattern, { message: o.patternText ?? `must match ${o.pattern}` }) : z.string();
    return raw.pipe(inner.optional()).transform((v) => v ?? (typeof o.def === 'function' ? o.def() : o.def));
  };
  return key({ env, unit: o.unit ?? '', defaultText: o.defaultText ?? String(o.def), description: o.description }, schema);
}

/** A CPU list in the kernel's syntax (`0-3,6`), read into its CPUs (ascending, each once); default none. */
export function cpuList(env: string, o: { description: string }): Key<number[]> {
  const schema = () =>
    raw.transform((v, ctx) => {
      if (v === undefined) return [];
      try {
        return parseCpuList(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message, input: v });
        return z.NEVER;
      }
    });
  return key({ env, unit: 'CPU list', defaultText: '', description: o.description }, schema);
}

export function oneOf<const T extends readonly [string, ...string[]]>(
  env: string,
  values: T,
  def: T[number],
  description: string,
): Key<T[number]> {
  const schema = () => raw.pipe(z.enum(values, { message: `must be one of ${values.join(', ')}` }).optional()).transform((v) => v ?? def);
  return key({ env, unit: values.join(' \\| '), defaultText: def, description }, schema);
}
