/**
 * The built-in checkers: pure functions of (program output, expected answer), both raw bytes.
 * Whitespace is ASCII (space, \t, \n, \v, \f, \r); every other byte is part of a token or a
 * line, and nothing is decoded or replaced.
 *
 * - exact:  the bytes are equal.
 * - lines:  equal line by line after removing trailing whitespace of each line and the empty
 *           lines at the end (final newlines); "\r\n" counts as "\n".
 * - tokens: equal as sequences of whitespace-separated tokens (the default).
 * - white-diff: CMS's line-by-line comparison of each line's tokens (white-diff.ts).
 * - float:  tokens; where both tokens are decimal numbers (`[+-]?(d+.?d*|.d+)([eE][+-]?d+)?`)
 *           they match when |out − ans| ≤ absolute or |out − ans| ≤ relative × |ans|; other
 *           tokens exactly.
 *
 * The output is the submission's: every checker is a hand-written scanner that looks at each
 * byte a bounded number of times (no regular expression, no split into arrays, no string per
 * token), so checking takes time linear in the sizes of the two buffers whatever they hold.
 * Long checks run off the event loop (check-runner.ts). DMOJ's built-in checkers (`type: "dmoj"`)
 * are in dmoj-checkers.ts.
 */
import type { CheckOutcome } from './check-outcome';
import type { DmojChecker } from './dmoj-checker-schema';
import { dmojCheckCost, runDmojChecker } from './dmoj-checkers';
import { headOf } from './text-head';
import { checkWhiteDiff } from './white-diff';

export type { CheckOutcome } from './check-outcome';

export type BuiltinChecker =
  | { type: 'exact' }
  | { type: 'lines' }
  | { type: 'tokens' }
  | { type: 'white-diff' }
  | { type: 'float'; absolute: number; relative: number }
  | DmojChecker;

/** Characters of a token or line shown in a message. */
const SHOWN = 40;
/** Bytes decoded to show SHOWN characters (at most 3 bytes per UTF-16 unit, plus a cut one). */
const SHOWN_BYTES = 4 * SHOWN;

/** 1 for the ASCII whitespace bytes. */
const WS = new Uint8Array(256);
for (const c of ' \t\n\v\f\r') WS[c.charCodeAt(0)] = 1;

/** A stretch [start, end) of a buffer, or null for "end of output". */
type Span = { buf: Buffer; start: number; end: number } | null;

function show(s: Span): string {
  if (s === null) return 'end of output';
  const bytes = s.end - s.start;
  const text = s.buf.toString('utf8', s.start, s.start + Math.min(bytes, SHOWN_BYTES));
  return JSON.stringify(text.length > SHOWN || bytes > SHOWN_BYTES ? `${headOf(text, SHOWN)}…` : text);
}

/** Index just past the last non-whitespace byte (0 when all of it is whitespace). */
function significantEnd(b: Buffer): number {
  let end = b.length;
  while (end > 0 && WS[b[end - 1]!]) end--;
  return end;
}

export function checkExact(output: Buffer, answer: Buffer): CheckOutcome {
  if (output.equals(answer)) return { accepted: true, message: 'ok' };
  const n = Math.min(output.length, answer.length);
  // Narrow down by blocks with memcmp, then byte by byte inside the first differing block.
  const BLOCK = 4096;
  let i = 0;
  while (i + BLOCK <= n && output.compare(answer, i, i + BLOCK, i, i + BLOCK) === 0) i += BLOCK;
  while (i < n && output[i] === answer[i]) i++;
  return { accepted: false, message: `outputs differ at byte ${i} (output ${output.length} bytes, answer ${answer.length} bytes)` };
}

/** Equal bytes in a row after which the lockstep walks switch to memcmp by blocks. */
const RUN_FOR_BLOCKS = 32;
const BLOCK = 4096;

/**
 * Length of the common prefix of o[i..] and a[j..], found by memcmp over blocks and then byte
 * by byte inside the first block that differs (long equal stretches cost little JavaScript).
 */
function commonPrefix(o: Buffer, i: number, a: Buffer, j: number): number {
  let k = 0;
  const room = Math.min(o.length - i, a.length - j);
  while (k + BLOCK <= room && o.compare(a, j + k, j + k + BLOCK, i + k, i + k + BLOCK) === 0) k += BLOCK;
  while (k < room && o[i + k] === a[j + k]) k++;
  return k;
}

/** "\n" bytes in [start, end). */
function countNewlines(b: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (b[i] === 0x0a) n++;
  return n;
}

/** Start of the line holding position `pos`; past the length, `pos` itself (no line). */
function lineStart(b: Buffer, pos: number): number {
  if (pos > b.length) return pos;
  return pos === 0 ? 0 : b.lastIndexOf(0x0a, pos - 1) + 1;
}

/** The line starting at `start`, without its trailing whitespace; null past `last` (only whitespace left). */
function lineAt(buf: Buffer, start: number, last: number): Span {
  if (start >= last) return null;
  let nl = buf.indexOf(0x0a, start);
  if (nl < 0) nl = buf.length;
  while (nl > start && WS[buf[nl - 1]!]) nl--;
  return { buf, start, end: nl };
}

/**
 * Lines in one lockstep walk over both buffers: equal bytes advance both sides (across any
 * number of lines); where they differ, what is left of the line on each side must be
 * whitespace for the lines to be equal. A side whose current line starts where only whitespace
 * is left has no more lines. Every byte is looked at a bounded number of times.
 */
export function checkLines(output: Buffer, answer: Buffer): CheckOutcome {
  const o = output;
  const a = answer;
  const ol = o.length;
  const al = a.length;
  const oLast = significantEnd(o);
  const aLast = significantEnd(a);
  let i = 0;
  let j = 0;
  for (;;) {
    for (let run = 0; i < ol && j < al && o[i] === a[j]; i++, j++) {
      if (++run === RUN_FOR_BLOCKS) {
        const k = commonPrefix(o, i, a, j);
        i += k;
        j += k;
        break;
      }
    }
    // Is either side out of lines? (Only possible once past its last significant byte.)
    const oOut = i >= oLast && lineStart(o, i) >= oLast;
    const aOut = j >= aLast && lineStart(a, j) >= aLast;
    if (oOut && aOut) return { accepted: true, message: `ok, ${lineCount(a, aLast)} lines` };
    if (!oOut && !aOut) {
      while (i < ol && o[i] !== 0x0a && WS[o[i]!]) i++;
      while (j < al && a[j] !== 0x0a && WS[a[j]!]) j++;
      const oEol = i >= ol || o[i] === 0x0a;
      const aEol = j >= al || a[j] === 0x0a;
      if (oEol && aEol) {
        // The same line on both sides: on past the "\n"s (at a buffer's end, to length + 1,
        // the start of no line).
        i++;
        j++;
        continue;
      }
    }
    if (oOut || aOut) {
      // The first line that one side lacks: after all of its lines, which matched.
      const line = lineCount(oOut ? o : a, oOut ? oLast : aLast) + 1;
      return differs(line, oOut ? null : lineAt(o, nthLineStart(o, line), oLast), aOut ? null : lineAt(a, nthLineStart(a, line), aLast));
    }
    const os = lineStart(o, i);
    const as = lineStart(a, j);
    return differs(countNewlines(a, 0, as) + 1, lineAt(o, os, oLast), lineAt(a, as, aLast));
  }
}

function differs(line: number, got: Span, expected: Span): CheckOutcome {
  return { accepted: false, message: `line ${line} differs: expected ${show(expected)}, got ${show(got)}` };
}

/** Lines up to `last` (the end of the significant bytes). */
function lineCount(b: Buffer, last: number): number {
  return last === 0 ? 0 : countNewlines(b, 0, last) + 1;
}

/** Start of line `n` (1-based); past the length when there is no such line. */
function nthLineStart(b: Buffer, n: number): number {
  let pos = 0;
  for (let k = 1; k < n; k++) {
    const nl = b.indexOf(0x0a, pos);
    if (nl < 0) return b.length + 1;
    pos = nl + 1;
  }
  return pos;
}

/** End of the token starting at `start`, looking no further than `limit`. */
function tokenEnd(b: Buffer, start: number, limit = b.length): number {
  let i = start;
  while (i < limit && !WS[b[i]!]) i++;
  return i;
}

const WS_BYTES = [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d];

/** Start of the token that position `pos` is inside of (or just after). */
function tokenStart(b: Buffer, pos: number): number {
  // A few bytes back by hand (short tokens); for a long one, the last whitespace byte before
  // it by native backward searches, one per whitespace byte.
  const near = Math.max(0, pos - 64);
  let i = pos;
  while (i > near && !WS[b[i - 1]!]) i--;
  if (i > near || i === 0) return i;
  let last = -1;
  for (const w of WS_BYTES) last = Math.max(last, b.lastIndexOf(w, i - 1));
  return last + 1;
}

function countTokens(b: Buffer, start: number, end: number): number {
  let n = 0;
  let inToken = false;
  for (let i = start; i < end; i++) {
    const ws = WS[b[i]!] === 1;
    if (!ws && !inToken) n++;
    inToken = !ws;
  }
  return n;
}

/** Decides whether two different tokens match after all; returns their ends, or null. */
type Differ = (o: Buffer, os: number, a: Buffer, as: number) => [number, number] | null;

/**
 * Tokens in one lockstep walk over both buffers: a step advances both sides when the bytes
 * are equal or both are whitespace, so tokens separated alike cost one comparison per byte.
 * Where the walk stops, either the separators differ in length (skip them) or a token differs:
 * then `differ` (the float checker's numbers) may still match it, from both tokens' starts.
 */
function compareTokens(o: Buffer, a: Buffer, differ: Differ | null): CheckOutcome {
  const ol = o.length;
  const al = a.length;
  let i = 0;
  let j = 0;
  for (;;) {
    for (let run = 0; i < ol && j < al; i++, j++) {
      const x = o[i]!;
      const y = a[j]!;
      if (x === y) {
        if (++run === RUN_FOR_BLOCKS) {
          const k = commonPrefix(o, i, a, j);
          i += k;
          j += k;
          run = 0;
          if (k > 0) {
            i--; // the loop's own step follows
            j--;
          }
        }
      } else if ((WS[x]! & WS[y]!) === 0) {
        break;
      } else {
        run = 0;
      }
    }
    const oMid = i < ol && i > 0 && !WS[o[i]!] && !WS[o[i - 1]!];
    const aMid = j < al && j > 0 && !WS[a[j]!] && !WS[a[j - 1]!];
    let os = i;
    let as = j;
    if (oMid || aMid) {
      // Inside a token on one side: both current tokens began at the same step.
      os = tokenStart(o, i);
      as = tokenStart(a, j);
    } else {
      while (i < ol && WS[o[i]!]) i++;
      while (j < al && WS[a[j]!]) j++;
      if (i >= ol && j >= al) return { accepted: true, message: `ok, ${countTokens(a, 0, al)} tokens` };
      if (i < ol && j < al && o[i] === a[j]) continue;
      os = i;
      as = j;
    }
    const ends = differ && os < ol && as < al ? differ(o, os, a, as) : null;
    if (ends) {
      [i, j] = ends;
      continue;
    }
    // Enough of each token for the message (show() cuts longer ones).
    const cut = (b: Buffer, s: number): Span =>
      s >= b.length ? null : { buf: b, start: s, end: tokenEnd(b, s, Math.min(b.length, s + SHOWN_BYTES + 1)) };
    return {
      accepted: false,
      message: `token ${countTokens(a, 0, as) + 1} differs: expected ${show(cut(a, as))}, got ${show(cut(o, os))}`,
    };
  }
}

export function checkTokens(output: Buffer, answer: Buffer): CheckOutcome {
  return compareTokens(output, answer, null);
}

/** 1 for the ASCII digits. */
const DIGIT = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) DIGIT[c] = 1;

/** Words below this many bytes are scanned byte by byte. */
const WORD_SCAN_BYTES = 64;

/**
 * Where the run of ASCII digits starting at `i` ends (no further than `limit`). Long runs are
 * read four bytes at a time: a word is all digits when every high nibble is 3 and every low
 * nibble is at most 9 (adding 6 to a nibble of at most 9 carries nothing into the next one).
 * A submission's 8 MiB digit token costs a quarter of the byte loop.
 */
function digitRunEnd(b: Buffer, i: number, limit: number): number {
  while (i < limit && ((b.byteOffset + i) & 3) !== 0) {
    if (DIGIT[b[i]!] !== 1) return i;
    i++;
  }
  if (limit - i >= WORD_SCAN_BYTES) {
    const words = new Uint32Array(b.buffer, b.byteOffset + i, (limit - i) >>> 2);
    let w = 0;
    for (; w < words.length; w++) {
      const x = words[w]!;
      if (((x & 0xf0f0f0f0) ^ 0x30303030) !== 0 || (((x & 0x0f0f0f0f) + 0x06060606) & 0xf0f0f0f0) !== 0) break;
    }
    i += w * 4;
  }
  while (i < limit && DIGIT[b[i]!] === 1) i++;
  return i;
}

/**
 * Where the decimal number `[+-]?(d+.?d*|.d+)([eE][+-]?d+)?` starting at `start` ends, reading
 * no further than `limit`; -1 when the bytes from `start` do not begin with one. One pass.
 */
function decimalEnd(b: Buffer, start: number, limit: number): number {
  let i = start;
  if (i < limit && (b[i] === 0x2b || b[i] === 0x2d)) i++;
  let end = digitRunEnd(b, i, limit);
  let digits = end - i;
  i = end;
  if (i < limit && b[i] === 0x2e) {
    i++;
    end = digitRunEnd(b, i, limit);
    digits += end - i;
    i = end;
  }
  if (digits === 0) return -1;
  if (i < limit && (b[i] === 0x65 || b[i] === 0x45)) {
    const e = i;
    i++;
    if (i < limit && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    const first = i;
    i = digitRunEnd(b, i, limit);
    if (i === first) return e; // "1e" is "1" then "e": not a number token, the caller sees
  }
  return i;
}

/** True when bytes [start, end) are exactly one decimal number. */
export function isDecimalNumber(b: Buffer, start: number, end: number): boolean {
  return end > start && decimalEnd(b, start, end) === end;
}

/**
 * The token at `start` as a number, and its end: one pass over it (the number's grammar, then,
 * if the token goes on, the rest of it). NaN when the token is not a decimal number.
 */
function numberToken(b: Buffer, start: number): { value: number; end: number } {
  const numEnd = decimalEnd(b, start, b.length);
  if (numEnd > start && (numEnd >= b.length || WS[b[numEnd]!])) {
    return { value: Number(b.toString('latin1', start, numEnd)), end: numEnd };
  }
  return { value: NaN, end: tokenEnd(b, Math.max(start, numEnd)) };
}

export function checkFloat(output: Buffer, answer: Buffer, absolute: number, relative: number): CheckOutcome {
  return compareTokens(output, answer, (o, os, a, as) => {
    const y = numberToken(a, as); // the answer first: the judge's own, short, usually a number
    if (!Number.isFinite(y.value)) return null;
    const x = numberToken(o, os);
    if (!Number.isFinite(x.value)) return null;
    const diff = Math.abs(x.value - y.value);
    // A tiny slack for the decimal → binary conversion of the bounds themselves.
    const slack = 1e-12 * Math.max(1, Math.abs(y.value));
    return diff <= absolute + slack || diff <= relative * Math.abs(y.value) + slack ? [x.end, y.end] : null;
  });
}

export function runBuiltinChecker(checker: BuiltinChecker, output: Buffer, answer: Buffer): CheckOutcome {
  switch (checker.type) {
    case 'exact':
      return checkExact(output, answer);
    case 'lines':
      return checkLines(output, answer);
    case 'tokens':
      return checkTokens(output, answer);
    case 'white-diff':
      return checkWhiteDiff(output, answer);
    case 'float':
      return checkFloat(output, answer, checker.absolute, checker.relative);
    case 'dmoj':
      return runDmojChecker(checker, output, answer);
  }
}

/** How much a byte costs `checker` relative to the linear checkers above (check-runner.ts keeps fewer bytes inline). */
export function checkCost(checker: BuiltinChecker): number {
  return checker.type === 'dmoj' ? dmojCheckCost(checker) : 1;
}
