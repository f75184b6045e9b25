/**
 * CMS's white diff (its cms/grading/steps/whitediff.py), the built-in checker
 * `{type: "white-diff"}`: what a CMS task without a checker judges by. The output and the answer
 * are cut into lines at "\n"; line i of one must equal line i of the other once each is
 * canonicalised (ASCII whitespace, \t \n \v \f \r and space, stripped at both ends and every run
 * of it counted as one); where one side has no line i, every line left on the other must be
 * blank. So line breaks matter (`1 2` is not `1\n2`), a blank line in the middle matters, and
 * spaces, tabs, carriage returns and blank lines at the end do not. Case matters.
 *
 * One walk over each buffer, token by token, with native comparisons of the tokens: linear in
 * the sizes of the two buffers whatever they hold.
 */
import type { CheckOutcome } from './check-outcome';
import { headOf } from './text-head';

const WS = new Uint8Array(256);
for (const c of ' \t\n\v\f\r') WS[c.charCodeAt(0)] = 1;

/** A line [start, end) of a buffer (end at its "\n" or the buffer's end). */
interface Line {
  start: number;
  end: number;
}

function lineFrom(b: Buffer, start: number): Line {
  const nl = b.indexOf(0x0a, start);
  return { start, end: nl < 0 ? b.length : nl };
}

/** Start of the next token at or after `i` in the line ending at `end` (end: none). */
function skipWhite(b: Buffer, i: number, end: number): number {
  while (i < end && WS[b[i]!]) i++;
  return i;
}

function tokenEnd(b: Buffer, i: number, end: number): number {
  while (i < end && !WS[b[i]!]) i++;
  return i;
}

/** Whether two lines hold the same tokens. */
function sameLine(o: Buffer, ol: Line, a: Buffer, al: Line): boolean {
  let i = skipWhite(o, ol.start, ol.end);
  let j = skipWhite(a, al.start, al.end);
  while (i < ol.end && j < al.end) {
    const ie = tokenEnd(o, i, ol.end);
    const je = tokenEnd(a, j, al.end);
    if (ie - i !== je - j || o.compare(a, j, je, i, ie) !== 0) return false;
    i = skipWhite(o, ie, ol.end);
    j = skipWhite(a, je, al.end);
  }
  return i >= ol.end && j >= al.end;
}

/** The index just past the last line holding a token (0 when there is none): what is after it is blank. */
function significantEnd(b: Buffer): number {
  let end = b.length;
  while (end > 0 && WS[b[end - 1]!]) end--;
  return end;
}

function shown(b: Buffer, l: Line | null): string {
  if (!l) return 'end of output';
  const s = skipWhite(b, l.start, l.end);
  let e = l.end;
  while (e > s && WS[b[e - 1]!]) e--;
  const text = b.toString('utf8', s, Math.min(e, s + 160));
  return JSON.stringify(text.length > 40 || e - s > 160 ? `${headOf(text, 40)}…` : text);
}

export function checkWhiteDiff(output: Buffer, answer: Buffer): CheckOutcome {
  const oLast = significantEnd(output);
  const aLast = significantEnd(answer);
  let i = 0;
  let j = 0;
  for (let line = 1; ; line++) {
    // A side past its last token has only blank lines left.
    const oOut = i >= oLast;
    const aOut = j >= aLast;
    if (oOut && aOut) return { accepted: true, message: `ok, ${line - 1} lines` };
    const ol = oOut ? null : lineFrom(output, i);
    const al = aOut ? null : lineFrom(answer, j);
    if (!ol || !al || !sameLine(output, ol, answer, al))
      return {
        accepted: false,
        message: `line ${line} differs: expected ${shown(answer, al)}, got ${shown(output, ol)}${!ol ? ' (output too short)' : !al ? ' (output too long)' : ''}`,
      };
    i = ol.end + 1;
    j = al.end + 1;
  }
}
