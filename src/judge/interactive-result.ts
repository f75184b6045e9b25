/**
 * What an interactive test's result takes from the pair's runs beyond the verdict: the CPU time
 * billed to the submission, and the exchange's transcript.
 */
import type { PairResult } from '../sandbox/run-pair';
import type { TestResult } from './schema';

/**
 * The submission's CPU time on a test: on one the interactor rejected while it ran, its CPU time
 * then (PairResult.submissionCpuAtRejectionMs): the verdict was decided, and its grace after is
 * not its answer's time (nor a bound of the problem's time limit, src/problem/time-limit.ts).
 */
export function billedCpuMs(verdict: TestResult['verdict'], pair: PairResult): number {
  const atRejection = pair.submissionCpuAtRejectionMs;
  const used = pair.submission.cpuTimeMs;
  if (verdict !== 'WA' || pair.firstEnded !== 'interactor' || atRejection === null) return used;
  return Math.min(used, Math.round(atRejection * 1000) / 1000);
}

/** The pair's transcript for the result: consecutive chunks of a side joined, UTF-8 as text, anything else base64. */
export function transcriptOf(t: NonNullable<PairResult['transcript']>): NonNullable<TestResult['transcript']> {
  const joined: Array<{ from: 'interactor' | 'submission'; parts: Buffer[] }> = [];
  for (const c of t.chunks) {
    const last = joined[joined.length - 1];
    if (last && last.from === c.from) last.parts.push(c.data);
    else joined.push({ from: c.from, parts: [c.data] });
  }
  return {
    chunks: joined.map(({ from, parts }) => {
      const data = Buffer.concat(parts);
      const text = data.toString('utf8');
      return Buffer.from(text, 'utf8').equals(data)
        ? { from, data: text, encoding: 'utf8' as const }
        : { from, data: data.toString('base64'), encoding: 'base64' as const };
    }),
    truncated: t.truncated,
  };
}
