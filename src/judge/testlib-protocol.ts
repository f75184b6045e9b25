/**
 * testlib's exit codes and its partial-points line, read the same way for the two programs of a
 * problem that speak it: a custom checker (custom-checker.ts) and an interactor with `protocol:
 * "testlib"` (interactive-verdict.ts).
 *
 *   0 `_ok`                accepted
 *   1 `_wa`                wrong answer
 *   2 `_pe`                presentation error            → wrong answer
 *   3 `_fail`              the checker (interactor) failed → IE
 *   4 `_dirt`              extra data after the answer   → wrong answer (a presentation error)
 *   7 `_points`            partial points, on the first non-blank line (parsePoints)
 *   8 `_unexpected_eof`    the output ended too early    → wrong answer
 *
 * Any other code is no testlib code (IE for the caller).
 */
import { isDecimalNumber } from './checkers';
import { isSpace } from './result';

export const TESTLIB_OK = 0;
export const TESTLIB_FAIL = 3;
export const TESTLIB_POINTS = 7;

/** What a testlib exit code says. `rejected` carries the prefix of the message (null: none). */
export type TestlibExit =
  { kind: 'ok' } | { kind: 'rejected'; prefix: string | null } | { kind: 'fail' } | { kind: 'points' } | { kind: 'unknown' };

export function testlibExit(code: number): TestlibExit {
  switch (code) {
    case TESTLIB_OK:
      return { kind: 'ok' };
    case 1:
      return { kind: 'rejected', prefix: null };
    case 2:
      return { kind: 'rejected', prefix: 'presentation error' };
    case TESTLIB_FAIL:
      return { kind: 'fail' };
    case 4:
      return { kind: 'rejected', prefix: 'presentation error (extra data)' };
    case TESTLIB_POINTS:
      return { kind: 'points' };
    case 8:
      return { kind: 'rejected', prefix: 'unexpected end of file' };
    default:
      return { kind: 'unknown' };
  }
}

/** Why a partial-points line is none caged reads (testlib's quitpi, points_info), for the IE message; null otherwise. */
export function unreadPoints(text: Buffer): string | null {
  const line = text.toString('utf8', 0, Math.min(text.length, 4096)).trimStart();
  return /^points\s+points_info=/.test(line) ? "testlib's quitpi (points_info) gives no points, which caged does not read" : null;
}

/** What a program said it earned: absolute points (`points N`) or a share of the test's (`F`). */
export type PartialPoints = { kind: 'absolute'; value: number } | { kind: 'fraction'; value: number };

/**
 * The share of the test's points: absolute points are capped at the test's points. On a test
 * worth nothing, partial points earn nothing and are no pass (a Polygon package's samples group,
 * worth 0, must not be passed by a partial answer).
 */
export function pointsToFraction(points: PartialPoints, testPoints: number): number {
  if (points.kind === 'fraction') return points.value;
  if (testPoints <= 0) return 0;
  return Math.min(points.value, testPoints) / testPoints;
}

/**
 * `points <N>` (N ≥ 0, absolute) or a bare `<F>` (0..1, a fraction) on the first non-blank line;
 * null otherwise. A hand-written scan (the text is as long as the program made it).
 */
export function parsePoints(text: Buffer): PartialPoints | null {
  // Only the first non-blank line is decoded: the rest may be as long as the output cap.
  let from = 0;
  let s = '';
  for (;;) {
    while (from < text.length && (text[from] === 0x20 || (text[from]! >= 0x09 && text[from]! <= 0x0d))) from++;
    if (from >= text.length) return null;
    let nl = text.indexOf(0x0a, from);
    if (nl < 0) nl = text.length;
    s = text.toString('utf8', from, nl);
    from = nl + 1;
    let blank = true;
    for (let k = 0; k < s.length && blank; k++) if (!isSpace(s.charCodeAt(k))) blank = false;
    if (!blank) break;
  }
  let i = 0;
  const end = s.length;
  const token = (): string | undefined => {
    while (i < end && isSpace(s.charCodeAt(i))) i++;
    const start = i;
    while (i < end && !isSpace(s.charCodeAt(i))) i++;
    return i > start ? s.slice(start, i) : undefined;
  };
  const first = token();
  const absolute = first?.toLowerCase() === 'points';
  const raw = absolute ? token() : first;
  if (raw === undefined || !isAsciiDecimal(raw)) return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) return null;
  if (absolute) return { kind: 'absolute', value: n };
  return n <= 1 ? { kind: 'fraction', value: n } : null;
}

function isAsciiDecimal(raw: string): boolean {
  for (let k = 0; k < raw.length; k++) if (raw.charCodeAt(k) > 0x7f) return false;
  return isDecimalNumber(Buffer.from(raw, 'latin1'), 0, raw.length);
}
