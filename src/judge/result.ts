/**
 * Pieces of the JudgeResult: program output as it is reported (UTF-8 text when it is valid
 * UTF-8, base64 otherwise, so binary output arrives intact), and the overall verdict, score and
 * message aggregated from the tests.
 */
import { isUtf8 } from 'node:buffer';
import type { Judge0Status, TestResult, Verdict } from './schema';
import { judge0Of, VERDICT_NAMES } from './verdict';

export interface EncodedOutput {
  text: string;
  encoding: 'utf8' | 'base64';
  /** The run's output was capped by its limit, or the report by `capBytes`. */
  truncated: boolean;
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
  const both = Buffer.concat([stdout, stdout.length && stderr.length && stdout[stdout.length - 1] !== 0x0a ? Buffer.from('\n') : Buffer.alloc(0), stderr]);
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
    return { verdict: 'AC', judge0: judge0Of('AC'), score, maxScore, message: `${VERDICT_NAMES.AC}: ${run} of ${tests.length} tests passed` };
  }
  const verdict = failed.verdict as Verdict;
  const label = failed.name ? `test ${failed.index + 1} (${failed.name})` : `test ${failed.index + 1}`;
  const detail = failed.checkerMessage ?? failed.message;
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

/** One line of at most `max` characters. */
export function oneLine(s: string, max = 500): string {
  const line = s.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
