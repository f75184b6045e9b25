/**
 * The wire form of DMOJ's built-in checkers, what a DMOJ package's init.yml `checker: {name,
 * args}` becomes: `{type: "dmoj", name, args}`, each name with its own strict `args` (default
 * `{}`; an unknown arg or a wrong type is refused, naming it). The semantics are in
 * dmoj-checkers.ts. DMOJ's check functions also take keyword arguments that only DMOJ itself
 * passes (`point_value`, `submission_source`, `case_position`, …) or that are its internals
 * (easy's `Counter` and `regex`); those are no args here.
 */
import { z } from 'zod';

/** `{type: "dmoj", name, args}` with this name and these args. */
function named<N extends string, A extends z.ZodType>(name: N, args: A) {
  return z.strictObject({ type: z.literal('dmoj'), name: z.literal(name), args });
}

const NO_ARGS = z.strictObject({}).default({});

/**
 * ε = 10^−precision. DMOJ takes `int(precision)`; above 0 its ε is the double nearest
 * 10^−precision, at 0 and below an exact Python integer, which a double holds exactly down to
 * −22 (10^22), hence the bound.
 */
const PRECISION = z.number().int().min(-22).default(6);

const FLOATS_MODES = ['default', 'relative', 'absolute'] as const;

/** Longest `point_distribution`: one entry per non-empty line of the answer. */
export const MAX_POINT_DISTRIBUTION = 100_000;

/** DMOJ's built-in checkers' names (dmoj/checkers), the schema's. */
export const DMOJ_CHECKER_NAMES = [
  'standard',
  'identical',
  'floats',
  'floatsabs',
  'floatsrel',
  'sorted',
  'unordered',
  'easy',
  'linecount',
  'rstripped',
  'linematches',
] as const;

export const DmojCheckerSchema = z.discriminatedUnion('name', [
  /** Tokens line by line; lines without tokens do not count. */
  named('standard', NO_ARGS),
  /** Identical bytes; `pe_allowed`: a mismatch only in whitespace says "Presentation Error, check your whitespace". */
  named('identical', z.strictObject({ pe_allowed: z.boolean().default(true) }).default({ pe_allowed: true })),
  /** Tokens line by line; numbers within ε = 10^−precision by `error_mode`, other tokens identical. */
  named(
    'floats',
    z
      .strictObject({ precision: PRECISION, error_mode: z.enum(FLOATS_MODES).default('default') })
      .default({ precision: 6, error_mode: 'default' }),
  ),
  /** `floats` with `error_mode: absolute`. */
  named('floatsabs', z.strictObject({ precision: PRECISION }).default({ precision: 6 })),
  /** `floats` with `error_mode: relative`. */
  named('floatsrel', z.strictObject({ precision: PRECISION }).default({ precision: 6 })),
  /** The same lines (each as its tokens), or with `split_on: whitespace` the same tokens, in any order. */
  named('sorted', z.strictObject({ split_on: z.enum(['lines', 'whitespace']).default('lines') }).default({ split_on: 'lines' })),
  /** `sorted` with `split_on: whitespace` (DMOJ passes it no args). */
  named('unordered', NO_ARGS),
  /** The same multiset of non-whitespace bytes, ASCII letters case-folded. */
  named('easy', NO_ARGS),
  /** Partial points: the share of the answer's lines matched; `feedback`: a ✓/✗ per line in the message. */
  named('linecount', z.strictObject({ feedback: z.boolean().default(true) }).default({ feedback: true })),
  /** Line by line after stripping each line's trailing whitespace; `filter_new_line`: empty lines do not count. */
  named('rstripped', z.strictObject({ filter_new_line: z.boolean().default(false) }).default({ filter_new_line: false })),
  /**
   * Partial points: line i of the answer, when the output's line i equals it, earns
   * `point_distribution[i]` of their sum; `filler_lines_required`: the output must have as many lines.
   */
  named(
    'linematches',
    z
      .strictObject({
        point_distribution: z
          .array(z.number().int().min(0))
          .min(1)
          .max(MAX_POINT_DISTRIBUTION)
          .refine((d) => d.some((p) => p > 0), 'the sum of the point distribution must be positive')
          .default([1]),
        filler_lines_required: z.boolean().default(true),
      })
      .default({ point_distribution: [1], filler_lines_required: true }),
  ),
]);

export type DmojChecker = z.output<typeof DmojCheckerSchema>;
export type DmojCheckerName = DmojChecker['name'];
