/**
 * DMOJ's `floats` checker (and `floatsabs`, `floatsrel`: its error modes), on the raw bytes:
 *
 *   non-empty line pieces (dmoj-lines.ts; a line of spaces counts) as many on both sides; line
 *   by line as many tokens; token by token, where the answer's token is a number to Python's
 *   `float()` (pythonFloat), the output's must be one too, within ε = 10^−precision:
 *     absolute  |out − ans| ≤ ε
 *     relative  out between ans·(1 − ε) and ans·(1 + ε)
 *     default   absolute, or |ans| ≥ ε and |1 − out/ans| ≤ ε;
 *   any other answer token must be identical.
 *
 * As in DMOJ, NaN matches nothing (not even NaN); an infinite answer is matched only in
 * relative mode, by the same infinity. One walk over both buffers, no token copied except a
 * long number's digits for its value; a line the same on both sides (stripped) passes without
 * reading its numbers when none can be infinite or NaN (passesAsItself).
 */
import type { CheckOutcome } from './check-outcome';
import { countsDiffer, Pieces, sameBytes, stripEnd, stripStart, WS } from './dmoj-lines';

export type FloatsMode = 'default' | 'relative' | 'absolute';

const DIGIT = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) DIGIT[c] = 1;

/** `inf`, `infinity`, `nan` in any letter case, from `i` to `end` exactly. */
function specialValue(b: Buffer, i: number, end: number): number | null {
  const n = end - i;
  if (n !== 3 && n !== 8) return null;
  const word = b.toString('latin1', i, end).toLowerCase();
  return word === 'inf' || word === 'infinity' ? Infinity : word === 'nan' ? NaN : null;
}

/** 10^k for k ≤ 22, each exactly a double. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * Python's `float()` of the bytes [start, end) (CPython's float_from_string: an optional sign,
 * then `inf`, `infinity` or `nan` in any case, or digits with an optional point and exponent,
 * `_` allowed only between two digits), or null where Python raises ValueError. The value is
 * the correctly rounded double, as Python's: at most 15 digits without exponent are an exact
 * integer divided by an exact power of ten (one correctly rounded division); anything else,
 * `_` removed, goes to Number.
 */
export function pythonFloat(b: Buffer, start: number, end: number): number | null {
  let i = start;
  let negative = false;
  if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) negative = b[i++] === 0x2d;
  if (i < end && !DIGIT[b[i]!] && b[i] !== 0x2e) {
    const v = specialValue(b, i, end);
    return v === null ? null : negative ? -v : v;
  }
  let underscores = false;
  let mantissa = 0;
  let value = 0;
  /** Digits from `i` (with `_` between two of them), added to `value`; how many. */
  const digits = (): number => {
    let n = 0;
    while (i < end) {
      const c = b[i]!;
      if (DIGIT[c]) {
        n++;
        value = value * 10 + (c - 0x30);
      } else if (c === 0x5f && n > 0 && i + 1 < end && DIGIT[b[i + 1]!]) underscores = true;
      else break;
      i++;
    }
    return n;
  };
  mantissa = digits();
  let scale = 0;
  if (i < end && b[i] === 0x2e) {
    i++;
    scale = digits();
    mantissa += scale;
  }
  if (mantissa === 0) return null;
  let exponent = false;
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    exponent = true;
    i++;
    if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    if (digits() === 0) return null;
  }
  if (i !== end) return null;
  if (!exponent && mantissa <= 15) {
    const v = scale === 0 ? value : value / POW10[scale]!;
    return negative ? -v : v;
  }
  const text = b.toString('latin1', start, end);
  return Number(underscores ? text.replaceAll('_', '') : text);
}

/**
 * True when b[start, end), the same on both sides, passes whatever its tokens: none holds an
 * `e`, `i` or `n` (either case) or is longer than 300 bytes, so none is a Python float that is
 * infinite or NaN, and a finite number is within any ε of itself in every mode.
 */
function passesAsItself(b: Buffer, start: number, end: number): boolean {
  let run = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (WS[c]) run = 0;
    else if (LETTER_OF_SPECIAL[c] || ++run > 300) return false;
  }
  return true;
}

const LETTER_OF_SPECIAL = new Uint8Array(256);
for (const c of 'eEiInN') LETTER_OF_SPECIAL[c.charCodeAt(0)] = 1;

/** Python's min and max of two floats: the first unless the second is smaller (larger), so a NaN first stays. */
const pyMin = (x: number, y: number): number => (y < x ? y : x);
const pyMax = (x: number, y: number): number => (y > x ? y : x);

/**
 * Within ε, as DMOJ's verify_* (NaN out fails every comparison). Where DMOJ's default mode
 * divides by a zero answer (ε = 0 only) Python raises and the whole check fails; here the
 * quotient is infinite or NaN and the token fails: the same WA.
 */
function within(mode: FloatsMode, out: number, ans: number, eps: number): boolean {
  switch (mode) {
    case 'absolute':
      return Math.abs(out - ans) <= eps;
    case 'relative': {
      const lo = ans * (1 - eps);
      const hi = ans * (1 + eps);
      return pyMin(lo, hi) <= out && out <= pyMax(lo, hi);
    }
    case 'default':
      return Math.abs(out - ans) <= eps || (Math.abs(ans) >= eps && Math.abs(1.0 - out / ans) <= eps);
  }
}

/** ε = 10^−precision, the double nearest it (as Python's `10 ** -precision`; JavaScript's `**` is not correctly rounded). */
export function floatsEpsilon(precision: number): number {
  return Number(`1e${-precision}`);
}

export function dmojFloats(output: Buffer, answer: Buffer, precision: number, mode: FloatsMode): CheckOutcome {
  const po = new Pieces(output);
  const pa = new Pieces(answer);
  const n = pa.countNonEmpty();
  const m = po.countNonEmpty(n);
  if (m !== n) return { accepted: false, message: countsDiffer(m, n, 'non-empty lines') };
  const eps = floatsEpsilon(precision);
  let i = po.skipEmpty(0);
  let j = pa.skipEmpty(0);
  for (let line = 1; line <= n; line++) {
    const ie = po.end(i);
    const je = pa.end(j);
    const os = stripStart(output, i, ie);
    const as = stripStart(answer, j, je);
    const oe = stripEnd(output, os, ie);
    const ae = stripEnd(answer, as, je);
    if (sameBytes(output, os, oe, answer, as, ae) && passesAsItself(answer, as, ae)) {
      i = po.skipEmpty(ie);
      j = pa.skipEmpty(je);
      continue;
    }
    // Token by token through the two lines.
    for (let token = 1; ; token++) {
      while (i < ie && WS[output[i]!]) i++;
      while (j < je && WS[answer[j]!]) j++;
      if (i === ie || j === je) {
        if (i === ie && j === je) break;
        return { accepted: false, message: `non-empty line ${line} has ${i === ie ? 'fewer' : 'more'} tokens than the answer's` };
      }
      const is = i;
      const js = j;
      while (i < ie && !WS[output[i]!]) i++;
      while (j < je && !WS[answer[j]!]) j++;
      const ans = pythonFloat(answer, js, j);
      const ok = ans === null ? sameBytes(output, is, i, answer, js, j) : within(mode, pythonFloat(output, is, i) ?? NaN, ans, eps);
      if (!ok) return { accepted: false, message: `token ${token} of non-empty line ${line} differs` };
    }
    i = po.skipEmpty(ie);
    j = pa.skipEmpty(je);
  }
  return { accepted: true, message: 'ok' };
}
