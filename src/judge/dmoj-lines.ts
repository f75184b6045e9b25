/**
 * How DMOJ's checkers cut their bytes, as hand-written scans (dmoj-checkers.ts):
 *
 * - whitespace is Python's for bytes (`bytes.split()`, `strip()`, the bytes pattern `\s`) and
 *   `_checker.c`'s `iswhite`: space, \t, \n, \v, \f, \r, nothing else;
 * - "lines" are the pieces of `re.split(b'[\r\n]', data)`: every "\r" and every "\n" ends one,
 *   so "\r\n" leaves an empty piece between them, which the checkers that drop empty lines
 *   (`filter(None, …)`) drop. A piece of only spaces is not empty.
 *
 * Nothing is decoded: DMOJ's built-in checkers compare bytes too, so invalid UTF-8 is just bytes
 * (its "invalid unicode" verdict comes from checkers that decode, none of these).
 */

/** 1 for the ASCII whitespace bytes. */
export const WS = new Uint8Array(256);
for (const c of ' \t\n\v\f\r') WS[c.charCodeAt(0)] = 1;

/** 1 for the bytes that end a line piece ("\r", "\n"). */
export const EOL = new Uint8Array(256);
EOL[0x0a] = 1;
EOL[0x0d] = 1;

/** Bytes looked at by hand before a native call (a call costs about as much as 20 to 30 bytes). */
const SHORT_LINE = 24;

/** Position of the next `byte` at or after `from`, else the length. */
function next(b: Buffer, byte: number, from: number): number {
  const i = b.indexOf(byte, from);
  return i < 0 ? b.length : i;
}

/**
 * The ends of a buffer's line pieces, by native searches for "\n" and for "\r", each result
 * kept while it can answer (a buffer with one "\r" at its end is not searched again for every
 * line), so a walk over all the pieces, from the start, searches each byte once per value.
 */
export class Pieces {
  /** The next "\n" at or after lfFrom (the length: none); likewise "\r". */
  private lf = -1;
  private lfFrom = 0;
  private cr = -1;
  private crFrom = 0;

  constructor(readonly buf: Buffer) {}

  /** End of the piece starting at `start` (its "\r" or "\n", or the buffer's end). */
  end(start: number): number {
    // A short line is found sooner by hand than by a native call.
    const b = this.buf;
    const near = Math.min(b.length, start + SHORT_LINE);
    for (let i = start; i < near; i++) if (EOL[b[i]!]) return i;
    if (near === b.length) return near;
    if (start < this.lfFrom || start > this.lf) {
      this.lf = next(this.buf, 0x0a, start);
      this.lfFrom = start;
    }
    if (start < this.crFrom || start > this.cr) {
      this.cr = next(this.buf, 0x0d, start);
      this.crFrom = start;
    }
    return Math.min(this.lf, this.cr);
  }

  /** Start of the first non-empty piece at or after `pos` (past "\r" and "\n" bytes); the length when none is left. */
  skipEmpty(pos: number): number {
    const b = this.buf;
    while (pos < b.length && EOL[b[pos]!]) pos++;
    return pos;
  }

  /**
   * Pieces of `re.split`, empty ones included: one more than the "\r" and "\n" bytes; counted
   * up to `limit` + 1 at most (a submission's output is counted no further than its answer's).
   */
  count(limit = Infinity): number {
    let n = 1;
    for (let p = this.end(0); p < this.buf.length && n <= limit; p = this.end(p + 1)) n++;
    return n;
  }

  /** Non-empty pieces (`filter(None, re.split(…))`), up to `limit` + 1 at most. */
  countNonEmpty(limit = Infinity): number {
    let n = 0;
    for (let p = this.skipEmpty(0); p < this.buf.length && n <= limit; p = this.skipEmpty(this.end(p))) n++;
    return n;
  }
}

/** [start, end) without its leading and trailing whitespace (Python's `strip()`): the new start. */
export function stripStart(b: Buffer, start: number, end: number): number {
  while (start < end && WS[b[start]!]) start++;
  return start;
}

/** The new end of [start, end) without its trailing whitespace (Python's `rstrip()`). */
export function stripEnd(b: Buffer, start: number, end: number): number {
  while (end > start && WS[b[end - 1]!]) end--;
  return end;
}

/** True when a[as, ae) and b[bs, be) hold the same bytes (short ones compared by hand, without a native call). */
export function sameBytes(a: Buffer, as: number, ae: number, b: Buffer, bs: number, be: number): boolean {
  const n = ae - as;
  if (n !== be - bs) return false;
  if (n > SHORT_LINE) return a.compare(b, bs, be, as, ae) === 0;
  for (let k = 0; k < n; k++) if (a[as + k] !== b[bs + k]) return false;
  return true;
}

/** Equal bytes in a row compared in JavaScript before switching to memcmp by blocks. */
const RUN_FOR_BLOCKS = 32;
const BLOCK = 4096;

/**
 * Length of the common prefix of a[i..] and b[j..]: byte by byte at first, then (a long equal
 * stretch) memcmp by blocks and byte by byte inside the first block that differs.
 */
export function equalRun(a: Buffer, i: number, b: Buffer, j: number): number {
  const room = Math.min(a.length - i, b.length - j);
  let k = 0;
  const first = Math.min(room, RUN_FOR_BLOCKS);
  while (k < first && a[i + k] === b[j + k]) k++;
  if (k < first) return k;
  while (k + BLOCK <= room && a.compare(b, j + k, j + k + BLOCK, i + k, i + k + BLOCK) === 0) k += BLOCK;
  while (k < room && a[i + k] === b[j + k]) k++;
  return k;
}

/** Why two counts differ, the output's `m` counted no further than one past the answer's `n`. */
export function countsDiffer(m: number, n: number, unit: string): string {
  return m > n ? `the output has more ${unit} than the answer's ${n}` : `the output has ${m} ${unit}, the answer ${n}`;
}
