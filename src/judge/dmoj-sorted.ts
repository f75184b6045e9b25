/**
 * DMOJ's `sorted` checker (and `unordered`, its `split_on: whitespace`): the same units in any
 * order. `lines`: the non-empty line pieces (dmoj-lines.ts), each compared as its tokens (DMOJ
 * sorts lists of `bytes.split()`), so a line's spacing does not matter and a line of spaces is
 * an empty one; `whitespace`: the tokens.
 *
 * DMOJ sorts both lists and compares them; so does this, exactly (no hashing), without a string
 * or object per unit:
 *
 *   1. count the units of both sides; a different count is WA before anything is allocated, so
 *      what follows is sized by the answer (the problem's), never by a submission alone;
 *   2. each side's units as two offset arrays (start, end) into its buffer; a side whose lines
 *      are not all in canonical form (tokens joined by one space) is first copied in that form
 *      (at most its own size), so that a comparison costs at most the shorter unit;
 *   3. unless the units are already in the same order, a bottom-up merge sort of the offsets
 *      (by bytes; any total order will do to compare two multisets), then the two sorted lists
 *      unit by unit.
 *
 * Time O((bytes + units) · log units); memory 8 bytes per unit per side and as much scratch
 * (16 per unit for buffers of 4 GiB or more), plus the canonical copy when one is needed.
 */
import type { CheckOutcome } from './check-outcome';
import { countsDiffer, Pieces, sameBytes, WS } from './dmoj-lines';

type Offsets = Uint32Array | Float64Array;

interface Units {
  buf: Buffer;
  starts: Offsets;
  ends: Offsets;
}

/** Offset arrays of `n` entries able to hold positions up to `length`. */
function offsets(n: number, length: number): Offsets {
  return length < 2 ** 32 ? new Uint32Array(n) : new Float64Array(n);
}

/** Tokens in `b`, up to `limit` + 1 at most. */
function countTokens(b: Buffer, limit = Infinity): number {
  let n = 0;
  for (let i = 0; i < b.length && n <= limit; i++) if (!WS[b[i]!] && (i === 0 || WS[b[i - 1]!])) n++;
  return n;
}

export function dmojSorted(output: Buffer, answer: Buffer, splitOn: 'lines' | 'whitespace'): CheckOutcome {
  const lines = splitOn === 'lines';
  const unit = lines ? 'non-empty lines' : 'tokens';
  const n = lines ? new Pieces(answer).countNonEmpty() : countTokens(answer);
  const m = lines ? new Pieces(output).countNonEmpty(n) : countTokens(output, n);
  if (m !== n) return { accepted: false, message: countsDiffer(m, n, unit) };
  const ok = { accepted: true, message: 'ok' };
  if (output.equals(answer)) return ok;
  const a = lines ? lineUnits(answer, n) : tokenUnits(answer, n);
  const o = lines ? lineUnits(output, n) : tokenUnits(output, n);
  if (sameUnits(o, a)) return ok; // in the same order already
  const length = Math.max(output.length, answer.length);
  const scratch = { starts: offsets(n, length), ends: offsets(n, length) };
  sortUnits(a, scratch);
  sortUnits(o, scratch);
  return sameUnits(o, a) ? ok : { accepted: false, message: `the output's ${unit} are not the answer's in another order` };
}

function sameUnits(o: Units, a: Units): boolean {
  for (let k = 0; k < o.starts.length; k++) if (!sameBytes(o.buf, o.starts[k]!, o.ends[k]!, a.buf, a.starts[k]!, a.ends[k]!)) return false;
  return true;
}

function tokenUnits(b: Buffer, n: number): Units {
  const starts = offsets(n, b.length);
  const ends = offsets(n, b.length);
  let k = 0;
  for (let i = 0; i < b.length;) {
    while (i < b.length && WS[b[i]!]) i++;
    if (i >= b.length) break;
    starts[k] = i;
    while (i < b.length && !WS[b[i]!]) i++;
    ends[k++] = i;
  }
  return { buf: b, starts, ends };
}

/** A line piece in canonical form: tokens joined by single spaces, nothing around them. */
function isCanonical(b: Buffer, start: number, end: number): boolean {
  if (WS[b[start]!] || WS[b[end - 1]!]) return false;
  for (let i = start + 1; i < end - 1; i++) if (WS[b[i]!] && (b[i] !== 0x20 || WS[b[i + 1]!])) return false;
  return true;
}

/** Tokens of the line b[start, end) joined by one space into `to` from `w`; the end written. */
function writeCanonical(b: Buffer, start: number, end: number, to: Buffer, w: number): number {
  let first = true;
  for (let i = start; ;) {
    while (i < end && WS[b[i]!]) i++;
    if (i >= end) return w;
    const t = i;
    while (i < end && !WS[b[i]!]) i++;
    if (!first) to[w++] = 0x20;
    first = false;
    if (i - t > 16) w += b.copy(to, w, t, i);
    else for (let c = t; c < i; c++) to[w++] = b[c]!;
  }
}

function lineUnits(b: Buffer, n: number): Units {
  const pieces = new Pieces(b);
  const starts = offsets(n, b.length);
  const ends = offsets(n, b.length);
  let canonical = true;
  let k = 0;
  for (let p = pieces.skipEmpty(0); p < b.length;) {
    const e = pieces.end(p);
    starts[k] = p;
    ends[k++] = e;
    if (canonical) canonical = isCanonical(b, p, e);
    p = pieces.skipEmpty(e);
  }
  if (canonical) return { buf: b, starts, ends };
  const copy = Buffer.allocUnsafe(b.length);
  let w = 0;
  for (k = 0; k < n; k++) {
    const s = starts[k]!;
    starts[k] = w;
    w = writeCanonical(b, s, ends[k]!, copy, w);
    ends[k] = w;
  }
  return { buf: copy, starts, ends };
}

/** Sign of b[s1, e1) − b[s2, e2) by bytes, a prefix first; costs at most the shorter one. */
function compareUnits(b: Buffer, s1: number, e1: number, s2: number, e2: number): number {
  const n1 = e1 - s1;
  const n2 = e2 - s2;
  const n = Math.min(n1, n2);
  const quick = Math.min(n, 16);
  let k = 0;
  while (k < quick && b[s1 + k] === b[s2 + k]) k++;
  if (k < quick) return b[s1 + k]! - b[s2 + k]!;
  if (k < n) {
    const c = b.compare(b, s2 + k, s2 + n, s1 + k, s1 + n);
    if (c !== 0) return c;
  }
  return n1 - n2;
}

/**
 * Bottom-up merge sort of the (start, end) pairs, ping-ponging with `scratch`. A merge costs
 * at most the length of each unit it moves (a comparison costs at most the shorter unit), so a
 * pass over the list is linear in the bytes, and there are log2(units) passes.
 */
function sortUnits(u: Units, scratch: { starts: Offsets; ends: Offsets }): void {
  const n = u.starts.length;
  const b = u.buf;
  let fromS = u.starts;
  let fromE = u.ends;
  let toS = scratch.starts;
  let toE = scratch.ends;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let x = lo;
      let y = mid;
      let k = lo;
      while (x < mid && y < hi) {
        if (compareUnits(b, fromS[y]!, fromE[y]!, fromS[x]!, fromE[x]!) < 0) {
          toS[k] = fromS[y]!;
          toE[k++] = fromE[y++]!;
        } else {
          toS[k] = fromS[x]!;
          toE[k++] = fromE[x++]!;
        }
      }
      for (; x < mid; x++, k++) {
        toS[k] = fromS[x]!;
        toE[k] = fromE[x]!;
      }
      for (; y < hi; y++, k++) {
        toS[k] = fromS[y]!;
        toE[k] = fromE[y]!;
      }
    }
    [fromS, toS] = [toS, fromS];
    [fromE, toE] = [toE, fromE];
  }
  if (fromS !== u.starts) {
    u.starts.set(fromS);
    u.ends.set(fromE);
  }
}
