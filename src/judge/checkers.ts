/**
 * The built-in checkers: pure functions of (program output, expected answer), both raw bytes.
 * Text is handled as latin1 so that every byte maps to one character and nothing is lost or
 * replaced; whitespace is ASCII (space, \t, \n, \v, \f, \r).
 *
 * - exact:  the bytes are equal.
 * - lines:  equal line by line after removing trailing whitespace of each line and the empty
 *           lines at the end (final newlines); "\r\n" counts as "\n".
 * - tokens: equal as sequences of whitespace-separated tokens (the default).
 * - float:  tokens; where both tokens are decimal numbers they match when
 *           |out − ans| ≤ absolute or |out − ans| ≤ relative × |ans|; other tokens exactly.
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

const WS = ' \t\n\v\f\r';
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SHOWN = 40;

function show(s: string | undefined): string {
  if (s === undefined) return 'end of output';
  const text = Buffer.from(s, 'latin1').toString('utf8');
  return JSON.stringify(text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text);
}

export function checkExact(output: Buffer, answer: Buffer): CheckOutcome {
  if (output.equals(answer)) return { accepted: true, message: 'ok' };
  const n = Math.min(output.length, answer.length);
  let i = 0;
  while (i < n && output[i] === answer[i]) i++;
  return { accepted: false, message: `outputs differ at byte ${i} (output ${output.length} bytes, answer ${answer.length} bytes)` };
}

function significantLines(b: Buffer): string[] {
  const lines = b.toString('latin1').split('\n').map((l) => trimEnd(l));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function trimEnd(s: string): string {
  let end = s.length;
  while (end > 0 && WS.includes(s[end - 1]!)) end--;
  return s.slice(0, end);
}

export function checkLines(output: Buffer, answer: Buffer): CheckOutcome {
  const out = significantLines(output);
  const ans = significantLines(answer);
  const n = Math.max(out.length, ans.length);
  for (let i = 0; i < n; i++) {
    if (out[i] !== ans[i]) {
      return { accepted: false, message: `line ${i + 1} differs: expected ${show(ans[i])}, got ${show(out[i])}` };
    }
  }
  return { accepted: true, message: `ok, ${ans.length} lines` };
}

/** Whitespace-separated tokens, scanned lazily (large outputs are not split into arrays). */
function* tokensOf(b: Buffer): Generator<string> {
  const re = /[^ \t\n\v\f\r]+/g;
  const s = b.toString('latin1');
  for (let m = re.exec(s); m; m = re.exec(s)) yield m[0];
}

function compareTokens(output: Buffer, answer: Buffer, same: (out: string, ans: string) => boolean): CheckOutcome {
  const out = tokensOf(output);
  const ans = tokensOf(answer);
  for (let i = 1; ; i++) {
    const o = out.next();
    const a = ans.next();
    if (o.done && a.done) return { accepted: true, message: `ok, ${i - 1} tokens` };
    if (o.done || a.done || !same(o.value, a.value)) {
      return { accepted: false, message: `token ${i} differs: expected ${show(a.done ? undefined : a.value)}, got ${show(o.done ? undefined : o.value)}` };
    }
  }
}

export function checkTokens(output: Buffer, answer: Buffer): CheckOutcome {
  return compareTokens(output, answer, (o, a) => o === a);
}

export function checkFloat(output: Buffer, answer: Buffer, absolute: number, relative: number): CheckOutcome {
  return compareTokens(output, answer, (o, a) => {
    if (o === a) return true;
    if (!NUMBER.test(o) || !NUMBER.test(a)) return false;
    const x = Number(o);
    const y = Number(a);
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
