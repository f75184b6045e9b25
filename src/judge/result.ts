/**
 * Pieces of the JudgeResult: program output as it is reported (UTF-8 text when it is valid
 * UTF-8, base64 otherwise, so binary output arrives intact), and the overall verdict, score and
 * message aggregated from the tests.
 */
import { isUtf8 } from 'node:buffer';
import type { Judge0Status, Testcase, TestResult, Verdict } from './schema';
import { headOf } from './text-head';
import { judge0Of, testDetail, VERDICT_NAMES } from './verdict';

export interface EncodedOutput {
  text: string;
  encoding: 'utf8' | 'base64';
  /** The run's output was capped by its limit, or the report by `capBytes`. */
  truncated: boolean;
}

/**
 * What all the tests of one job report of their output together (stdout and stderr, before
 * base64): a job of many tests that each print the per-stream cap must not make a result of
 * hundreds of megabytes for the worker to hold and Redis to keep.
 */
export const JOB_REPORT_BYTES = 8 * 2 ** 20;

/** Each stream's share of a job's report: the per-stream cap, or less when `tests` tests would pass JOB_REPORT_BYTES. */
export function reportBytesPerTest(perStream: number, tests: number): number {
  return Math.min(perStream, Math.floor(JOB_REPORT_BYTES / (2 * Math.max(1, tests))));
}

/**
 * Reports at most `capBytes` of `data`. When the cap cuts a UTF-8 character, the partial
 * character is dropped rather than turning the whole report into base64.
 */
export function encodeOutput(data: Buffer, capBytes: number, truncatedByRun: boolean): EncodedOutput {
  const cut = data.length > capBytes;
  let shown = cut ? data.subarray(0, capBytes) : data;
  if (cut && !isUtf8(shown)) {
    for (let drop = 1; drop <= 3 && drop <= shown.length; drop++) {
      const candidate = shown.subarray(0, shown.length - drop);
      if (isUtf8(candidate)) {
        shown = candidate;
        break;
      }
    }
  }
  const truncated = truncatedByRun || cut;
  if (isUtf8(shown)) return { text: shown.toString('utf8'), encoding: 'utf8', truncated };
  return { text: (cut ? data.subarray(0, capBytes) : data).toString('base64'), encoding: 'base64', truncated };
}

/** Text of the compiler's two streams, capped at `capBytes` (UTF-8, invalid bytes replaced). */
export function compilerText(stdout: Buffer, stderr: Buffer, capBytes: number): { text: string; truncated: boolean } {
  const both = Buffer.concat([
    stdout,
    stdout.length && stderr.length && stdout[stdout.length - 1] !== 0x0a ? Buffer.from('\n') : Buffer.alloc(0),
    stderr,
  ]);
  const enc = encodeOutput(both, capBytes, false);
  const text = enc.encoding === 'utf8' ? enc.text : both.subarray(0, capBytes).toString('utf8');
  return { text, truncated: enc.truncated };
}

export interface Aggregate {
  verdict: Verdict;
  judge0: Judge0Status;
  score: number;
  maxScore: number;
  message: string;
}

/** Overall verdict = the first test (in test order) that was not accepted; AC when none. */
export function aggregateTests(tests: readonly TestResult[], maxScore: number): Aggregate {
  const score = roundScore(tests.reduce((s, t) => s + t.points, 0));
  const failed = tests.find((t) => t.verdict !== 'AC' && t.verdict !== 'SKIPPED');
  if (!failed) {
    const run = tests.filter((t) => t.verdict === 'AC').length;
    return {
      verdict: 'AC',
      judge0: judge0Of('AC'),
      score,
      maxScore,
      message: `${VERDICT_NAMES.AC}: ${run} of ${tests.length} tests passed`,
    };
  }
  const verdict = failed.verdict as Verdict;
  const label = failed.name ? `test ${failed.index + 1} (${failed.name})` : `test ${failed.index + 1}`;
  const detail = testDetail(failed);
  return {
    verdict,
    judge0: failed.judge0,
    score,
    maxScore,
    message: oneLine(`${VERDICT_NAMES[verdict]} on ${label}: ${detail}`),
  };
}

export function roundScore(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

/**
 * JavaScript's `\s`: the characters String.prototype.trim removes and the regular expression
 * class matches (ASCII whitespace, NBSP, the Unicode space separators, line/paragraph
 * separators, BOM).
 */
export function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * One line of at most `max` characters: every run of whitespace that holds a line break
 * becomes one space, other whitespace stays, the ends are trimmed; a longer line is cut with
 * "…". One pass over the text, which stops once the line is known to be too long, so a huge
 * or hostile message (a compiler's echo of a 60 000-space source line) costs little.
 */
export function oneLine(s: string, max = 500): string {
  let out = '';
  let i = 0;
  const n = s.length;
  while (i < n && isSpace(s.charCodeAt(i))) i++; // leading whitespace goes
  while (i < n) {
    let j = i;
    const stop = Math.min(n, i + max + 1 - out.length); // enough to know the line is too long
    while (j < stop && !isSpace(s.charCodeAt(j))) j++;
    out += s.slice(i, j);
    if (out.length > max || j >= n) break;
    let k = j;
    let lineBreak = false;
    while (k < n && isSpace(s.charCodeAt(k))) {
      if (s.charCodeAt(k) === 0x0a) lineBreak = true;
      k++;
    }
    if (k >= n) break; // trailing whitespace goes
    out += lineBreak ? ' ' : s.slice(j, Math.min(k, j + max + 1));
    if (out.length > max) break;
    i = k;
  }
  return out.length > max ? `${headOf(out, max - 1)}…` : out;
}

/** The first `count` lines of `text` that are not blank, joined by spaces, each at most `max` characters. */
export function firstLines(text: string, count: number, max = 500): string {
  const lines: string[] = [];
  let start = 0;
  while (lines.length < count && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let blank = true;
    for (let i = start; i < end && blank; i++) if (!isSpace(text.charCodeAt(i))) blank = false;
    if (!blank) lines.push(text.slice(start, Math.min(end, start + max + 1)));
    start = end + 1;
  }
  return lines.join(' ');
}

/** The entry of a test that was not run (stopOnFirstFailure, a group's onReject: break, or the job ended before tests). */
export function skippedTest(index: number, tc: Pick<Testcase, 'name'> | { name: string | null }, why: string): TestResult {
  return {
    index,
    name: tc.name ?? null,
    verdict: 'SKIPPED',
    judge0: judge0Of('SKIPPED'),
    exitCode: null,
    signal: null,
    stdout: '',
    stdoutEncoding: 'utf8',
    stdoutTruncated: false,
    stderr: '',
    stderrEncoding: 'utf8',
    stderrTruncated: false,
    cpuTimeMs: 0,
    wallTimeMs: 0,
    memoryBytes: 0,
    limitHit: null,
    message: why,
    points: 0,
    checkerMessage: null,
  };
}
