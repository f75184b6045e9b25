/**
 * The problem package format's default output validator: a pure function of (program output,
 * judge answer, flags), both raw bytes, in one linear pass over each (no regular expression,
 * no split, no string per token but the numbers a tolerance asks to read).
 *
 * - Tokens are runs of bytes other than ASCII whitespace (space, \t, \n, \v, \f, \r).
 * - Without `space_change_sensitive`, any run of whitespace equals any other, and whitespace at
 *   the start and end is ignored. With it, each whitespace run (leading and trailing included)
 *   must be byte-for-byte the same as the answer's.
 * - Without `case_sensitive`, tokens compare with ASCII letters folded (non-ASCII bytes exactly).
 * - With a tolerance (`float_tolerance E` sets both, `float_absolute_tolerance E`,
 *   `float_relative_tolerance E`): where the answer's token is a number, the output's token must
 *   be a number too, in any notation (`1e5`, `1E+05`, `.5`, `5.`, `-0.0`, `+3`), and it passes
 *   when |out − ans| ≤ absolute or |out − ans| ≤ relative × |ans|. `inf`, `infinity` and `nan`
 *   (any case, with a sign for the infinities) are numbers: an infinite answer accepts only the
 *   same infinity, `nan` accepts only `nan`. Hexadecimal floats are not numbers here. Without a
 *   tolerance, numbers are tokens like any other.
 */
import { InvalidRequestError } from '../errors';
import { headOf } from '../judge/text-head';

export interface DefaultValidatorFlags {
  caseSensitive: boolean;
  spaceChangeSensitive: boolean;
  /** null: not set. */
  absoluteTolerance: number | null;
  relativeTolerance: number | null;
}

export interface ValidatorOutcome {
  accepted: boolean;
  /** Why not (or "ok"); one line. */
  message: string;
}

export const DEFAULT_FLAGS: DefaultValidatorFlags = {
  caseSensitive: false,
  spaceChangeSensitive: false,
  absoluteTolerance: null,
  relativeTolerance: null,
};

/**
 * Reads the flags (words of `validator_flags` / `output_validator_flags`); an unknown one is
 * refused, naming it and `where`. `strict` (2025-09, whose text makes it an error, and whose
 * groups replace the flags they inherit): a tolerance given twice, or `float_tolerance` beside one
 * of the other two, is refused too; elsewhere (flags appended group by group) the last one counts.
 */
export function parseValidatorFlags(words: readonly string[], where: string, strict = false): DefaultValidatorFlags {
  const flags = { ...DEFAULT_FLAGS };
  const seen = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'case_sensitive') flags.caseSensitive = true;
    else if (w === 'space_change_sensitive') flags.spaceChangeSensitive = true;
    else if (w === 'float_tolerance' || w === 'float_absolute_tolerance' || w === 'float_relative_tolerance') {
      const clash = seen.has(w) ? w : w === 'float_tolerance' ? [...seen][0] : seen.has('float_tolerance') ? 'float_tolerance' : undefined;
      if (strict && clash !== undefined)
        throw new InvalidRequestError(
          clash === w ? `${w} is given more than once` : `${w} and ${clash} are given together (float_tolerance sets both tolerances)`,
          where,
        );
      seen.add(w);
      const v = words[++i];
      const e = v === undefined ? NaN : Number(v);
      if (!Number.isFinite(e) || e < 0)
        throw new InvalidRequestError(`${w} needs a non-negative number (got ${v === undefined ? 'nothing' : JSON.stringify(v)})`, where);
      if (w !== 'float_relative_tolerance') flags.absoluteTolerance = e;
      if (w !== 'float_absolute_tolerance') flags.relativeTolerance = e;
    } else {
      throw new InvalidRequestError(
        `unknown default validator flag ${JSON.stringify(w)} (known: case_sensitive, space_change_sensitive, float_tolerance E, float_absolute_tolerance E, float_relative_tolerance E)`,
        where,
      );
    }
  }
  return flags;
}

/** Splits a flags string at whitespace (package text, not submission text). */
export function flagWords(text: string): string[] {
  return text.split(/[ \t\n\r]+/).filter((w) => w.length > 0);
}

const WS = new Uint8Array(256);
for (const c of ' \t\n\v\f\r') WS[c.charCodeAt(0)] = 1;
/** ASCII letters folded to lower case; every other byte to itself. */
const FOLD = new Uint8Array(256);
for (let c = 0; c < 256; c++) FOLD[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
const DIGIT = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) DIGIT[c] = 1;

const SHOWN = 40;

function show(b: Buffer, start: number, end: number): string {
  if (start >= end) return 'end of output';
  const text = b.toString('utf8', start, Math.min(end, start + 4 * SHOWN));
  return JSON.stringify(text.length > SHOWN || end - start > 4 * SHOWN ? `${headOf(text, SHOWN)}…` : text);
}

function wsEnd(b: Buffer, i: number): number {
  while (i < b.length && WS[b[i]!]) i++;
  return i;
}

function tokenEnd(b: Buffer, i: number): number {
  while (i < b.length && !WS[b[i]!]) i++;
  return i;
}

function sameBytes(a: Buffer, as: number, ae: number, b: Buffer, bs: number, be: number, fold: boolean): boolean {
  if (ae - as !== be - bs) return false;
  if (!fold) return a.compare(b, bs, be, as, ae) === 0;
  for (let k = 0; k < ae - as; k++) if (FOLD[a[as + k]!] !== FOLD[b[bs + k]!]) return false;
  return true;
}

/** Is [s, e) the word `w` (lower case ASCII), in any case? */
function isWord(b: Buffer, s: number, e: number, w: string): boolean {
  if (e - s !== w.length) return false;
  for (let k = 0; k < w.length; k++) if (FOLD[b[s + k]!] !== w.charCodeAt(k)) return false;
  return true;
}

/** The token [s, e) as a number in any float notation; null when it is not one. */
export function parseNumberToken(b: Buffer, s: number, e: number): number | null {
  let i = s;
  let sign = 1;
  if (i < e && (b[i] === 0x2b || b[i] === 0x2d)) {
    if (b[i] === 0x2d) sign = -1;
    i++;
  }
  if (isWord(b, i, e, 'inf') || isWord(b, i, e, 'infinity')) return sign * Infinity;
  if (isWord(b, i, e, 'nan')) return NaN;
  let digits = 0;
  for (; i < e && DIGIT[b[i]!]; i++) digits++;
  if (i < e && b[i] === 0x2e) {
    i++;
    for (; i < e && DIGIT[b[i]!]; i++) digits++;
  }
  if (digits === 0) return null;
  if (i < e && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < e && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    const first = i;
    while (i < e && DIGIT[b[i]!]) i++;
    if (i === first) return null;
  }
  if (i !== e) return null;
  return Number(b.toString('latin1', s, e));
}

function numbersMatch(x: number, y: number, flags: DefaultValidatorFlags): boolean {
  if (Number.isNaN(y)) return Number.isNaN(x);
  if (!Number.isFinite(y) || !Number.isFinite(x)) return x === y;
  const diff = Math.abs(x - y);
  // A tiny slack for the decimal → binary conversion of the bounds themselves.
  const slack = 1e-12 * Math.max(1, Math.abs(y));
  if (flags.absoluteTolerance !== null && diff <= flags.absoluteTolerance + slack) return true;
  return flags.relativeTolerance !== null && diff <= flags.relativeTolerance * Math.abs(y) + slack;
}

/** Output bytes checked between two yields of `validateSteps` (about 0.1 to 0.5 ms of work). */
export const SLICE_BYTES = 64 * 1024;

/** Runs the default output validator at once: `output` is the program's, `answer` the package's `.ans`. */
export function defaultValidate(output: Buffer, answer: Buffer, flags: DefaultValidatorFlags): ValidatorOutcome {
  const steps = validateSteps(output, answer, flags);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same, yielding to the event loop (setImmediate) after every SLICE_BYTES of output, so that
 * checking megabytes never holds the loop that enforces running boxes' limits for long.
 */
export async function defaultValidateSliced(output: Buffer, answer: Buffer, flags: DefaultValidatorFlags): Promise<ValidatorOutcome> {
  const steps = validateSteps(output, answer, flags);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The validator's one pass, as a generator that yields after every SLICE_BYTES of the output or the answer. */
function* validateSteps(output: Buffer, answer: Buffer, flags: DefaultValidatorFlags): Generator<void, ValidatorOutcome> {
  const fold = !flags.caseSensitive;
  const tolerance = flags.absoluteTolerance !== null || flags.relativeTolerance !== null;
  let i = 0;
  let j = 0;
  let token = 0;
  let sliceEnd = SLICE_BYTES;
  for (;;) {
    if (i + j >= sliceEnd) {
      sliceEnd = i + j + SLICE_BYTES;
      yield;
    }
    const i2 = wsEnd(output, i);
    const j2 = wsEnd(answer, j);
    if (flags.spaceChangeSensitive && !sameBytes(output, i, i2, answer, j, j2, false)) {
      return { accepted: false, message: `whitespace differs after token ${token} (space_change_sensitive)` };
    }
    i = i2;
    j = j2;
    if (i >= output.length && j >= answer.length) return { accepted: true, message: `ok, ${token} tokens` };
    token++;
    const ie = tokenEnd(output, i);
    const je = tokenEnd(answer, j);
    if (j >= answer.length) return { accepted: false, message: `trailing output: token ${token} is ${show(output, i, ie)}` };
    if (i >= output.length) return { accepted: false, message: `output ends early: expected token ${token} ${show(answer, j, je)}` };
    if (!sameBytes(output, i, ie, answer, j, je, fold)) {
      const y = tolerance ? parseNumberToken(answer, j, je) : null;
      if (y === null) {
        return { accepted: false, message: `token ${token} differs: expected ${show(answer, j, je)}, got ${show(output, i, ie)}` };
      }
      const x = parseNumberToken(output, i, ie);
      if (x === null)
        return { accepted: false, message: `token ${token}: expected the number ${show(answer, j, je)}, got ${show(output, i, ie)}` };
      if (!numbersMatch(x, y, flags))
        return {
          accepted: false,
          message: `token ${token}: ${show(output, i, ie)} is not within the tolerance of ${show(answer, j, je)}`,
        };
    }
    i = ie;
    j = je;
  }
}
