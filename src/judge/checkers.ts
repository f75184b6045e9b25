/**
 * The built-in checkers: pure functions of (program output, expected answer), both raw bytes.
 * Whitespace is ASCII (space, \t, \n, \v, \f, \r); every other byte is part of a token or a
 * line, and nothing is decoded or replaced.
 *
 * - exact:  the bytes are equal.
 * - lines:  equal line by line after removing trailing whitespace of each line and the empty
 *           lines at the end (final newlines); "\r\n" counts as "\n".
 * - tokens: equal as sequences of whitespace-separated tokens (the default).
 * - float:  tokens; where both tokens are decimal numbers (`[+-]?(d+.?d*|.d+)([eE][+-]?d+)?`)
 *           they match when |out − ans| ≤ absolute or |out − ans| ≤ relative × |ans|; other
 *           tokens exactly.
 *
 * The output is the submission's: every checker is a hand-written scanner that looks at each
 * byte a bounded number of times (no regular expression, no split into arrays, no string per
 * token), so checking takes time linear in the sizes of the two buffers whatever they hold.
 * Long checks run off the event loop (check-runner.ts).
 */
export interface CheckOutcome {
  accepted: boolean;
  /** Why not (or "ok"); one line. */
  message: string;
}

export type BuiltinChecker =
  | { type: 'exact' }
  | { type: 'lines' }
  | { type: 'tokens' }
  | { type: 'float'; absolute: number; relative: number };

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
  return JSON.stringify(text.length > SHOWN || bytes > SHOWN_BYTES ? `${text.slice(0, SHOWN)}…` : text);
}

/** Bytes [as, ae) of a equal bytes [bs, be) of b. */
function sameBytes(a: Buffer, as: number, ae: number, b: Buffer, bs: number, be: number): boolean {
  const n = ae - as;
  if (n !== be - bs) return false;
  if (n > 32) return a.compare(b, bs, be, as, ae) === 0; // memcmp, no allocation
  for (let i = 0; i < n; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}

/** Index just past the last non-whitespace byte (0 when all of it is whitespace). */
function significantEnd(b: Buffer): number {
  let end = b.length;
  while (end > 0 && WS[b[end - 1]!]) end--;
  return end;
}

/**
 * A cursor over the pieces (tokens or lines) of a buffer: `next()` moves to the next piece,
 * [start, end); no object per piece, so millions of short pieces cost no garbage.
 */
abstract class Scanner {
  start = 0;
  end = 0;
  protected pos = 0;

  constructor(readonly buf: Buffer) {}

  /** False at the end of the pieces. */
  abstract next(): boolean;

  span(): Span {
    return { buf: this.buf, start: this.start, end: this.end };
  }

  same(o: Scanner): boolean {
    return sameBytes(this.buf, this.start, this.end, o.buf, o.start, o.end);
  }
}

/**
 * Lines without their "\n" and trailing whitespace. The lines end where only whitespace is
 * left (the empty lines at the end do not count).
 */
class LineScanner extends Scanner {
  private readonly last: number;

  constructor(buf: Buffer) {
    super(buf);
    this.last = significantEnd(buf);
  }

  next(): boolean {
    const b = this.buf;
    if (this.pos >= this.last) return false;
    this.start = this.pos;
    let nl = this.start;
    while (nl < b.length && b[nl] !== 0x0a) nl++;
    let end = nl;
    while (end > this.start && WS[b[end - 1]!]) end--;
    this.end = end;
    this.pos = nl + 1;
    return true;
  }
}

/** Whitespace-separated tokens. */
class TokenScanner extends Scanner {
  next(): boolean {
    const b = this.buf;
    const n = b.length;
    let i = this.pos;
    while (i < n && WS[b[i]!]) i++;
    if (i >= n) {
      this.pos = i;
      return false;
    }
    this.start = i;
    while (i < n && !WS[b[i]!]) i++;
    this.end = this.pos = i;
    return true;
  }
}

/** Compares two scanners piece by piece; `what` names a piece in the messages. */
function comparePieces(out: Scanner, ans: Scanner, what: string, same: (o: Scanner, a: Scanner) => boolean): CheckOutcome {
  for (let i = 1; ; i++) {
    const o = out.next();
    const a = ans.next();
    if (!o && !a) return { accepted: true, message: `ok, ${i - 1} ${what}s` };
    if (!o || !a || !same(out, ans)) {
      return { accepted: false, message: `${what} ${i} differs: expected ${show(a ? ans.span() : null)}, got ${show(o ? out.span() : null)}` };
    }
  }
}

const equalPieces = (o: Scanner, a: Scanner): boolean => o.same(a);

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

export function checkLines(output: Buffer, answer: Buffer): CheckOutcome {
  return comparePieces(new LineScanner(output), new LineScanner(answer), 'line', equalPieces);
}

export function checkTokens(output: Buffer, answer: Buffer): CheckOutcome {
  return comparePieces(new TokenScanner(output), new TokenScanner(answer), 'token', equalPieces);
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/**
 * True when bytes [start, end) are a decimal number: `[+-]?(d+.?d*|.d+)([eE][+-]?d+)?`. One
 * pass, each byte looked at once.
 */
export function isDecimalNumber(b: Buffer, start: number, end: number): boolean {
  let i = start;
  if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
  let digits = 0;
  while (i < end && isDigit(b[i])) i++, digits++;
  if (i < end && b[i] === 0x2e) {
    i++;
    while (i < end && isDigit(b[i])) i++, digits++;
  }
  if (digits === 0) return false;
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    const first = i;
    while (i < end && isDigit(b[i])) i++;
    if (i === first) return false;
  }
  return i === end;
}

/** The value of a token already known to be a decimal number (Number() reads it linearly). */
function numberAt(s: Scanner): number {
  return Number(s.buf.toString('latin1', s.start, s.end));
}

export function checkFloat(output: Buffer, answer: Buffer, absolute: number, relative: number): CheckOutcome {
  return comparePieces(new TokenScanner(output), new TokenScanner(answer), 'token', (o, a) => {
    if (o.same(a)) return true;
    if (!isDecimalNumber(o.buf, o.start, o.end) || !isDecimalNumber(a.buf, a.start, a.end)) return false;
    const x = numberAt(o);
    const y = numberAt(a);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
    const diff = Math.abs(x - y);
    // A tiny slack for the decimal → binary conversion of the bounds themselves.
    const slack = 1e-12 * Math.max(1, Math.abs(y));
    return diff <= absolute + slack || diff <= relative * Math.abs(y) + slack;
  });
}

export function runBuiltinChecker(checker: BuiltinChecker, output: Buffer, answer: Buffer): CheckOutcome {
  switch (checker.type) {
    case 'exact': return checkExact(output, answer);
    case 'lines': return checkLines(output, answer);
    case 'tokens': return checkTokens(output, answer);
    case 'float': return checkFloat(output, answer, checker.absolute, checker.relative);
  }
}
