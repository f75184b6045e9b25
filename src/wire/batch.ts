/**
 * The batch contract (`caged grade`, `client.grade`): a batch is one BullMQ flow, a parent job
 * on the batch queue (`batchQueueName`) whose children are ordinary submission jobs on the
 * judge queue. The worker's batch processor (src/queue/batch-worker.ts) runs the parent once
 * every child has finished (a failed child is ignored as a dependency, its reason kept) and
 * returns a BatchSummary: one row per submission, in the batch's order, bad input included.
 *
 * Rows hold what a report needs (verdict, score, peaks, each test's verdict), never the
 * programs' output: a contest's 3 000 results stay small in the parent's return value. The full
 * JudgeResult of a child is its own job's return value.
 *
 * Ids: a submission's job id comes from what it is judged against (`problemKey`: the package's
 * digest, or the hash of the tests and their limits) and its content (language and files), never
 * its name: the same submission against the same problem is one job, whoever sends it, so a
 * rerun finds the results it already has. A batch's id comes from the problem and its set of
 * submissions.
 *
 * Nothing of caged's at run time, like contract.ts: every layer may import this module.
 */
import { createHash } from 'node:crypto';
import type { JudgeResult, SubmissionInput } from '../judge/schema';

/** Name of a batch's parent job. */
export const BATCH_JOB_NAME = 'grade';

/** The queue of the batch parents of judge queue `queue` (a BullMQ name: no ':'). */
export function batchQueueName(queue: string): string {
  return `${queue}-batches`;
}

/** A row's verdict: a judged submission's, REFUSED (bad input, never judged) or FAILED (its job failed). */
export type RowVerdict = JudgeResult['verdict'] | 'REFUSED' | 'FAILED';

/** One submission of a batch, as the parent job's data lists it. */
export interface BatchEntry {
  /** The submission's name (its file or directory name): untrusted text. */
  name: string;
  /** Its child job's id; null for bad input (no job). */
  jobId: string | null;
  language: string | null;
  /** Why the submission was refused before any job (unreadable, unknown extension, …). */
  refused?: string;
}

/** The parent job's data. */
export interface BatchData {
  /** What the batch is judged against: a problem package's digest or the tests' hash. */
  problemKey: string;
  /** A problem package's name, or the tests directory's. */
  problemName: string;
  entries: BatchEntry[];
}

export interface TestSummary {
  name: string | null;
  verdict: string;
  cpuTimeMs: number;
  memoryBytes: number;
}

export interface BatchRow {
  name: string;
  jobId: string | null;
  language: string | null;
  verdict: RowVerdict;
  score: number | null;
  maxScore: number | null;
  /** Peak CPU time over the tests, in ms (null: nothing ran). */
  cpuTimeMs: number | null;
  /** Peak memory over the tests, in bytes (null: nothing ran). */
  memoryBytes: number | null;
  tests: TestSummary[];
  /** The result's message, or why the submission was refused or its job failed. */
  message: string;
  /** The worker that judged it (BullMQ's `processedBy`, field `pb` of the job's hash); null if unknown or not judged. */
  worker: string | null;
}

export interface BatchSummary {
  batchId: string;
  problemKey: string;
  problemName: string;
  rows: BatchRow[];
  /** Rows per verdict. */
  counts: Partial<Record<RowVerdict, number>>;
}

/** What a child ended with: its result, or its job's failedReason. */
export type ChildOutcome = { result: JudgeResult; worker: string | null } | { failed: string; worker: string | null };

/** The row of a judged (or failed) entry. */
export function rowOf(entry: BatchEntry, outcome: ChildOutcome | undefined): BatchRow {
  const base = { name: entry.name, jobId: entry.jobId, language: entry.language };
  const empty = { score: null, maxScore: null, cpuTimeMs: null, memoryBytes: null, tests: [] };
  if (entry.refused !== undefined || entry.jobId === null)
    return { ...base, ...empty, verdict: 'REFUSED', message: entry.refused ?? 'refused', worker: null };
  if (!outcome)
    return { ...base, ...empty, verdict: 'FAILED', message: 'no result (the job was removed before the batch ended)', worker: null };
  if ('failed' in outcome) return { ...base, ...empty, verdict: 'FAILED', message: outcome.failed, worker: outcome.worker };
  const r = outcome.result;
  const ran = r.tests.filter((t) => t.verdict !== 'SKIPPED');
  return {
    ...base,
    language: r.language.id || entry.language,
    verdict: r.verdict,
    score: r.score,
    maxScore: r.maxScore,
    cpuTimeMs: ran.length ? Math.max(...ran.map((t) => t.cpuTimeMs)) : null,
    memoryBytes: ran.length ? Math.max(...ran.map((t) => t.memoryBytes)) : null,
    tests: r.tests.map((t) => ({ name: t.name, verdict: t.verdict, cpuTimeMs: t.cpuTimeMs, memoryBytes: t.memoryBytes })),
    message: r.message,
    worker: outcome.worker,
  };
}

/** The summary of a batch from its data and its children's outcomes (by job id). */
export function summarize(batchId: string, data: BatchData, outcomes: ReadonlyMap<string, ChildOutcome>): BatchSummary {
  const rows = data.entries.map((e) => rowOf(e, e.jobId === null ? undefined : outcomes.get(e.jobId)));
  const counts: Partial<Record<RowVerdict, number>> = {};
  for (const r of rows) counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
  return { batchId, problemKey: data.problemKey, problemName: data.problemName, rows, counts };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The key of a problem given as test cases (and the limits and checker they are judged with). */
export function testsProblemKey(spec: Pick<SubmissionInput, 'testcases' | 'limits' | 'checker'>): string {
  return `tests:sha256:${sha256(JSON.stringify([spec.testcases ?? [], spec.limits ?? null, spec.checker ?? null]))}`;
}

/** A submission's job id: `g-` and 40 hex digits of the problem key and the submission's content. */
export function gradeJobId(
  problemKey: string,
  s: Pick<SubmissionInput, 'language' | 'source' | 'files' | 'entry' | 'compilerOptions' | 'allTests' | 'languageFactors'>,
): string {
  // The entry, allTests and languageFactors join the key only when given, so that the ids of submissions without them stay what they were.
  const content = JSON.stringify([
    s.language,
    s.source ?? null,
    s.files ?? null,
    s.compilerOptions ?? null,
    ...(s.entry !== undefined ? [s.entry] : []),
    ...(s.allTests ? ['all tests'] : []),
    ...(s.languageFactors === false ? ['no language factors'] : []),
  ]);
  return `g-${sha256(`${problemKey}\n${content}`).slice(0, 40)}`;
}

/** A batch's parent job id: `batch-` and 40 hex digits of the problem key and its submissions' job ids. */
export function batchIdOf(problemKey: string, jobIds: Iterable<string>): string {
  return `batch-${sha256(`${problemKey}\n${[...new Set(jobIds)].sort().join('\n')}`).slice(0, 40)}`;
}
