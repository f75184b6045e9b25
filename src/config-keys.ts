/**
 * How a configuration key is declared (src/config.ts declares them all): its environment
 * variable, a zod schema with its default, a unit and a one-line description. Absent and empty
 * both mean "use the default".
 */
import { z } from 'zod';

export interface Key<T> {
  env: string;
  unit: string;
  /** The default as documented (computed defaults say how they are computed). */
  defaultText: string;
  description: string;
  schema: z.ZodType<T>;
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
  const schema = raw
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
  return { env, unit: o.unit, defaultText: o.defaultText ?? String(o.def), description: o.description, schema };
}

export function text(
  env: string,
  o: { def: string | (() => string); defaultText?: string; unit?: string; pattern?: RegExp; patternText?: string; description: string },
): Key<string> {
  const inner = o.pattern ? z.string().regex(o.pattern, { message: o.patternText ?? `must match ${o.pattern}` }) : z.string();
  const schema = raw.pipe(inner.optional()).transform((v) => v ?? (typeof o.def === 'function' ? o.def() : o.def));
  return { env, unit: o.unit ?? '', defaultText: o.defaultText ?? String(o.def), description: o.description, schema };
}

export function oneOf<const T extends readonly [string, ...string[]]>(
  env: string,
  values: T,
  def: T[number],
  description: string,
): Key<T[number]> {
  const schema = raw.pipe(z.enum(values, { message: `must be one of ${values.join(', ')}` }).optional()).transform((v) => v ?? def);
  return { env, unit: values.join(' \\| '), defaultText: def, description, schema };
}
