/**
 * DMOJ's built-in checkers (`checker: {type: "dmoj", name, args}`; args: dmoj-checker-schema.ts),
 * with DMOJ's semantics (judge-server's dmoj/checkers/*.py and _checker.c), written anew as
 * hand-written scans over the raw bytes (dmoj-lines.ts: DMOJ's whitespace and line pieces):
 * linear in the sizes of output and answer, no regular expression, no array of lines or tokens
 * (only `sorted` keeps offsets, to sort: dmoj-sorted.ts). They run where the other built-in
 * checkers run (check-runner.ts: a checking thread for large outputs).
 *
 * - standard:    the same tokens line by line, lines without tokens discarded: between two
 *                tokens both sides must have a line break, or both only spaces (_checker.c).
 * - identical:   the same bytes; else, with `pe_allowed` and `standard` passing, the feedback
 *                "Presentation Error, check your whitespace" (still WA).
 * - floats (floatsabs, floatsrel): dmoj-floats.ts.
 * - sorted (unordered): dmoj-sorted.ts.
 * - easy:        the same count of each byte, whitespace removed, ASCII letters lowercased.
 * - linecount:   non-empty line i of the output against non-empty line i of the answer, both
 *                stripped; more lines than the answer: WA; else the share of the answer's lines
 *                matched, AC when all are (an empty answer: AC). Feedback "Case Feedback:" and
 *                a ✓ or ✗ per answer line (DMOJ's line break after the colon is a space here,
 *                the message being one line). DMOJ also runs it on the output of a failed run
 *                (`run_on_error`): dmojRunsOnError.
 * - rstripped:   line pieces equal after `rstrip()`, as many on both sides (empty ones count,
 *                unless `filter_new_line`).
 * - linematches: non-empty line i equal as bytes earns point_distribution[i]; AC when anything
 *                is earned (DMOJ's `points > 0`), with that share of the test's points; with
 *                `filler_lines_required`, a different count of lines is WA; a distribution
 *                whose length is not the answer's count of lines is IE (DMOJ's InternalError).
 *
 * The message is DMOJ's feedback where DMOJ gives one (identical's, linecount's); otherwise
 * DMOJ says nothing, and the message is caged's: where the outputs differ, never their content.
 */
import type { CheckOutcome } from './check-outcome';
import type { DmojChecker } from './dmoj-checker-schema';
import { dmojFloats } from './dmoj-floats';
import { countsDiffer, EOL, equalRun, Pieces, sameBytes, stripEnd, stripStart, WS } from './dmoj-lines';
import { dmojSorted } from './dmoj-sorted';

const OK: CheckOutcome = { accepted: true, message: 'ok' };

export function runDmojChecker(checker: DmojChecker, output: Buffer, answer: Buffer): CheckOutcome {
  switch (checker.name) {
    case 'standard':
      return standard(output, answer);
    case 'identical':
      return identical(output, answer, checker.args.pe_allowed);
    case 'floats':
      return dmojFloats(output, answer, checker.args.precision, checker.args.error_mode);
    case 'floatsabs':
      return dmojFloats(output, answer, checker.args.precision, 'absolute');
    case 'floatsrel':
      return dmojFloats(output, answer, checker.args.precision, 'relative');
    case 'sorted':
      return dmojSorted(output, answer, checker.args.split_on);
    case 'unordered':
      return dmojSorted(output, answer, 'whitespace');
    case 'easy':
      return easy(output, answer);
    case 'linecount':
      return linecount(output, answer, checker.args.feedback);
    case 'rstripped':
      return rstripped(output, answer, checker.args.filter_new_line);
    case 'linematches':
      return linematches(output, answer, checker.args.point_distribution, checker.args.filler_lines_required);
  }
}

/**
 * DMOJ's `run_on_error`: the checker also judges the output of a run that failed (time, memory,
 * output limit, runtime error, forbidden system call); only `linecount` has it. The test keeps
 * the run's verdict and earns the checker's share of its points.
 */
export function dmojRunsOnError(checker: DmojChecker): boolean {
  return checker.name === 'linecount';
}

/**
 * How much more a byte costs this checker than the linear built-in checkers, at worst: the
 * check runner keeps a check inline only up to its inline size divided by this (64 KiB of
 * shuffled one-byte tokens take `sorted` about 6 ms, 20 times `tokens`' worst; `floats`
 * parses numbers, `linecount` and `rstripped` step line by line: about twice).
 */
export function dmojCheckCost(checker: DmojChecker): number {
  switch (checker.name) {
    case 'sorted':
    case 'unordered':
      return 32;
    case 'floats':
    case 'floatsabs':
    case 'floatsrel':
    case 'linecount':
    case 'rstripped':
    case 'linematches':
      return 2;
    case 'standard':
    case 'identical':
    case 'easy':
      return 1;
  }
}

function rejected(message: string): CheckOutcome {
  return { accepted: false, message };
}

/** Tokens in b[start, end). */
function countTokens(b: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (!WS[b[i]!] && (i === start || WS[b[i - 1]!])) n++;
  return n;
}

/** End of the whitespace from `i`. */
function skipWs(b: Buffer, i: number): number {
  while (i < b.length && WS[b[i]!]) i++;
  return i;
}

/**
 * `standard` (_checker.c's check_standard): null when equal, else why not. One lockstep walk:
 * equal bytes advance both sides at once (memcmp over long equal stretches: equalRun); where
 * they stop inside whitespace both share, both step back to its start, after a token that
 * ended alike, and the separators are read from there: each byte is looked at a bounded number
 * of times.
 */
function standardMismatch(output: Buffer, answer: Buffer): string | null {
  if (output.equals(answer)) return null;
  const a = answer;
  const o = output;
  const al = a.length;
  const ol = o.length;
  let j = skipWs(a, 0);
  let p = skipWs(o, 0);
  for (;;) {
    if (j === al || p === ol) {
      if (j === al && p === ol) return null;
      return j === al
        ? `the output has more than the answer's ${countTokens(a, 0, al)} tokens`
        : `the output ends before token ${countTokens(a, 0, j) + 1}`;
    }
    // Both at the start of a token.
    const k = equalRun(a, j, o, p);
    j += k;
    p += k;
    if (k > 0 && WS[a[j - 1]!]) {
      // Stopped inside whitespace both sides share (the token before it is at or after where
      // this walk began, so the step back stops there).
      let r = j - 1;
      while (WS[a[r - 1]!]) r--;
      p -= j - r;
      j = r;
    } else if (!(j === al || WS[a[j]!]) || !(p === ol || WS[o[p]!])) {
      return `token ${countTokens(a, 0, j) + (j > 0 && !WS[a[j - 1]!] ? 0 : 1)} differs`;
    }
    // Both just after a token: the separators, a line break in both or in neither.
    let aLine = false;
    for (; j < al && WS[a[j]!]; j++) if (EOL[a[j]!]) aLine = true;
    let oLine = false;
    for (; p < ol && WS[o[p]!]; p++) if (EOL[o[p]!]) oLine = true;
    if (j < al && p < ol && aLine !== oLine) {
      return `${aLine ? 'a line break' : 'no line break'} expected before token ${countTokens(a, 0, j) + 1}`;
    }
  }
}

function standard(output: Buffer, answer: Buffer): CheckOutcome {
  const why = standardMismatch(output, answer);
  return why === null ? OK : rejected(why);
}

function identical(output: Buffer, answer: Buffer, peAllowed: boolean): CheckOutcome {
  if (output.equals(answer)) return OK;
  if (peAllowed && standardMismatch(output, answer) === null) return rejected('Presentation Error, check your whitespace');
  const at = equalRun(output, 0, answer, 0);
  return rejected(`the output differs from the answer at byte ${at}`);
}

/** How often each byte occurs in `b`, added to `counts` with `sign`. */
function countBytes(b: Buffer, counts: Float64Array, sign: number): void {
  for (let i = 0; i < b.length; i++) counts[b[i]!]! += sign;
}

function easy(output: Buffer, answer: Buffer): CheckOutcome {
  const counts = new Float64Array(256);
  countBytes(output, counts, 1);
  countBytes(answer, counts, -1);
  // Whitespace removed; ASCII letters lowercased (Python's `bytes.lower()`), no other byte.
  for (let c = 0; c < 256; c++) if (WS[c]) counts[c] = 0;
  for (let c = 0x41; c <= 0x5a; c++) counts[c + 0x20]! += counts[c]!;
  for (let c = 0x41; c <= 0x5a; c++) counts[c] = 0;
  return counts.every((n) => n === 0) ? OK : rejected('the output has other characters than the answer (whitespace and letter case aside)');
}

/** linecount's marks, shown at most (the message is cut at 500 characters: result.ts oneLine). */
const MAX_MARKS = 480;

function linecount(output: Buffer, answer: Buffer, feedback: boolean): CheckOutcome {
  const po = new Pieces(output);
  const pa = new Pieces(answer);
  const n = pa.countNonEmpty();
  const m = po.countNonEmpty(n);
  if (m > n) return rejected(countsDiffer(m, n, 'non-empty lines'));
  if (n === 0) return OK;
  let marks = '';
  let correct = 0;
  let i = po.skipEmpty(0);
  let j = pa.skipEmpty(0);
  for (let line = 0; line < n; line++) {
    let ok = false;
    const je = pa.end(j);
    if (line < m) {
      const ie = po.end(i);
      const os = stripStart(output, i, ie);
      const as = stripStart(answer, j, je);
      ok = sameBytes(output, os, stripEnd(output, os, ie), answer, as, stripEnd(answer, as, je));
      i = po.skipEmpty(ie);
    }
    if (ok) correct++;
    if (line < MAX_MARKS) marks += ok ? '\u2713' : '\u2717';
    j = pa.skipEmpty(je);
  }
  if (n > MAX_MARKS) marks += '…';
  return {
    accepted: correct === n,
    fraction: correct / n,
    message: feedback ? `Case Feedback: ${marks}` : `${correct} of ${n} lines correct`,
  };
}

function rstripped(output: Buffer, answer: Buffer, filterNewLine: boolean): CheckOutcome {
  const po = new Pieces(output);
  const pa = new Pieces(answer);
  const n = filterNewLine ? pa.countNonEmpty() : pa.count();
  const m = filterNewLine ? po.countNonEmpty(n) : po.count(n);
  if (m !== n) return rejected(countsDiffer(m, n, filterNewLine ? 'non-empty lines' : 'lines (each "\\r" and "\\n" ends one)'));
  let i = filterNewLine ? po.skipEmpty(0) : 0;
  let j = filterNewLine ? pa.skipEmpty(0) : 0;
  for (let line = 1; line <= n; line++) {
    const ie = po.end(i);
    const je = pa.end(j);
    if (!sameBytes(output, i, stripEnd(output, i, ie), answer, j, stripEnd(answer, j, je))) {
      return rejected(`${filterNewLine ? 'non-empty ' : ''}line ${line} differs`);
    }
    i = filterNewLine ? po.skipEmpty(ie) : ie + 1;
    j = filterNewLine ? pa.skipEmpty(je) : je + 1;
  }
  return OK;
}

function linematches(output: Buffer, answer: Buffer, distribution: readonly number[], fillerLinesRequired: boolean): CheckOutcome {
  const po = new Pieces(output);
  const pa = new Pieces(answer);
  const n = pa.countNonEmpty();
  if (n !== distribution.length) {
    return {
      accepted: false,
      internalError: true,
      message: `point distribution length must equal to judge output length (${distribution.length} points, ${n} non-empty lines)`,
    };
  }
  const total = distribution.reduce((s, d) => s + d, 0);
  if (total <= 0) return { accepted: false, internalError: true, message: 'sum of point distribution must be positive' };
  const m = po.countNonEmpty(n);
  if (fillerLinesRequired && m !== n) return rejected(countsDiffer(m, n, 'non-empty lines'));
  let points = 0;
  let matched = 0;
  let i = po.skipEmpty(0);
  let j = pa.skipEmpty(0);
  for (let line = 0; line < Math.min(m, n); line++) {
    const ie = po.end(i);
    const je = pa.end(j);
    if (sameBytes(output, i, ie, answer, j, je)) {
      points += distribution[line]!;
      matched++;
    }
    i = po.skipEmpty(ie);
    j = pa.skipEmpty(je);
  }
  return {
    accepted: points > 0,
    fraction: points / total,
    message: `${matched} of ${n} lines match, ${points} of ${total} points`,
  };
}
