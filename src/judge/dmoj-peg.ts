/**
 * DMOJ's `peg` contrib module (dmoj/contrib/peg.py, WCIPEG's checkers), for the wire's custom
 * checker `protocol: "dmoj-peg"`: run as `answer output input`; exit 0 passed, 1 failed, and
 * on either the first two consecutive lines of its stdout that Python's `float()` reads as X
 * and Y with X / Y > 0 make it pass with that share of the test's points (held to at most all
 * of them here; DMOJ bounds it nowhere). DMOJ blanks the stdout first when `feedback` is off,
 * so no share is found then. Any other exit is IE. DMOJ shows no feedback of a peg checker.
 */
import { isUtf8 } from 'node:buffer';
import type { CheckerVerdict } from './checker-verdict';

/** A peg checker that exited with `exitCode`, its stdout `stdout`; `showFeedback` DMOJ's `feedback`. */
export function pegVerdict(exitCode: number, stdout: Buffer, showFeedback: boolean): CheckerVerdict {
  if (exitCode !== 0 && exitCode !== 1) return { verdict: 'IE', fraction: 0, message: `checker exited with nonzero code ${exitCode}` };
  if (!isUtf8(stdout)) return { verdict: 'WA', fraction: 0, message: 'invalid unicode' };
  if (showFeedback) {
    const share = pegShare(stdout.toString('utf8'));
    if (share !== null) return { verdict: 'AC', fraction: Math.min(share, 1), message: '' };
  }
  return exitCode === 0 ? { verdict: 'AC', fraction: 1, message: '' } : { verdict: 'WA', fraction: 0, message: '' };
}

/** The first X / Y > 0 of two consecutive lines (split at "\n" only, as Python's str.split('\n')), or null. */
export function pegShare(feedback: string): number | null {
  let prev: number | null = null;
  let start = 0;
  for (;;) {
    const end = feedback.indexOf('\n', start);
    const line = feedback.slice(start, end < 0 ? feedback.length : end);
    const value = pythonFloat(line);
    if (prev !== null && value !== null && value !== 0) {
      const share = prev / value;
      if (share > 0) return share;
    }
    prev = value;
    if (end < 0) return null;
    start = end + 1;
  }
}

const FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/** Python's float() of a string, or null where it raises ValueError (surrounding whitespace allowed, `_` between digits). */
export function pythonFloat(text: string): number | null {
  const s = text.trim();
  if (SPECIAL.test(s)) {
    const negative = s.startsWith('-');
    return /nan/i.test(s) ? NaN : negative ? -Infinity : Infinity;
  }
  if (!FLOAT.test(s)) return null;
  return Number(s.replace(/_/g, ''));
}
