/**
 * `caged grade --local`: the batch judged in this process (as `caged judge` and `caged run`
 * judge), `concurrency` submissions at a time, with the same plan, job ids and rows as through
 * the queue (src/client/grade.ts, src/wire/batch.ts). Resumable: each finished result is kept
 * as `<stateDir>/<job id>.json` (written to a temporary name, then renamed) with what it was
 * judged with (`judgedWith`: the image's layers and the judge's maxima, which the job id does
 * not hold), and a later run with the same reuses it instead of judging again; `rejudge` ignores them. Interrupted (`signal`), it starts
 * no new submission, lets the running ones finish (and keeps their results), and throws
 * GradeInterruptedError.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  GradeInterruptedError,
  planBatch,
  type GradeEntry,
  type GradeOptions,
  type GradeProblem,
  type GradeResult,
} from '../client/grade-plan';
import { JudgeResultSchema, type JudgeResult, type SubmissionInput } from '../judge/schema';
import { rowOf, summarize, type ChildOutcome } from '../wire/batch';

export interface LocalGradeOptions extends GradeOptions {
  /** Judges one submission (the problem's tests or package already in it). */
  judgeOne: (s: SubmissionInput) => Promise<JudgeResult>;
  concurrency: number;
  /** Where finished results are kept between runs. */
  stateDir: string;
  maxSourceBytes: number;
  /** The `worker` of each row. */
  workerName: string;
  /**
   * What else decides a result beyond the job id (the image, the judge's maxima): a result kept
   * under another value is judged again.
   */
  judgedWith: string;
}

/** A kept result file: the result and what it was judged with. */
interface Kept {
  judgedWith: string;
  result: unknown;
}

/** A kept result judged with `judgedWith`, or null when there is none (or it does not parse, or was judged with something else: judged again). */
function readKept(file: string, judgedWith: string): JudgeResult | null {
  try {
    const kept = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Kept> | null;
    if (kept?.judgedWith !== judgedWith) return null;
    const parsed = JudgeResultSchema.safeParse(kept.result);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function gradeLocally(problem: GradeProblem, entries: readonly GradeEntry[], opts: LocalGradeOptions): Promise<GradeResult> {
  const plan = planBatch(problem, entries, opts.maxSourceBytes);
  fs.mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  const total = plan.data.entries.length;
  const outcomes = new Map<string, ChildOutcome>();
  const results = new Map<string, JudgeResult>();
  const reusedIds = new Set<string>();
  let done = 0;
  const emit = (id: string | null, index?: number): void => {
    plan.data.entries.forEach((e, i) => {
      if ((id === null && i !== index) || (id !== null && e.jobId !== id)) return;
      done++;
      opts.onProgress?.({
        row: rowOf(e, id === null ? undefined : outcomes.get(id)),
        index: i,
        done,
        total,
        reused: id !== null && reusedIds.has(id),
      });
    });
  };
  plan.data.entries.forEach((e, i) => e.jobId === null && emit(null, i));
  const todo: string[] = [];
  for (const id of plan.children.keys()) {
    const kept = opts.rejudge ? null : readKept(path.join(opts.stateDir, `${id}.json`), opts.judgedWith);
    if (kept) {
      reusedIds.add(id);
      outcomes.set(id, { result: kept, worker: opts.workerName });
      results.set(id, kept);
      emit(id);
    } else {
      todo.push(id);
    }
  }
  let next = 0;
  const one = async (id: string): Promise<void> => {
    let outcome: ChildOutcome;
    try {
      const result = await opts.judgeOne(plan.children.get(id)!);
      const file = path.join(opts.stateDir, `${id}.json`);
      fs.writeFileSync(`${file}.tmp`, JSON.stringify({ judgedWith: opts.judgedWith, result } satisfies Kept));
      fs.renameSync(`${file}.tmp`, file);
      results.set(id, result);
      outcome = { result, worker: opts.workerName };
    } catch (err) {
      outcome = { failed: err instanceof Error ? err.message : String(err), worker: opts.workerName };
    }
    outcomes.set(id, outcome);
    emit(id);
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.concurrency, todo.length)) }, async () => {
      while (next < todo.length && !opts.signal?.aborted) await one(todo[next++]!);
    }),
  );
  if (opts.signal?.aborted && next < todo.length) throw new GradeInterruptedError(done, total, 0);
  const summary = summarize(`local-${plan.batchId.slice('batch-'.length)}`, plan.data, outcomes);
  return {
    summary,
    results: plan.data.entries.map((e) => (e.jobId === null ? null : (results.get(e.jobId) ?? null))),
    reused: plan.data.entries.filter((e) => e.jobId !== null && reusedIds.has(e.jobId)).length,
    judged: plan.data.entries.filter((e) => e.jobId !== null && !reusedIds.has(e.jobId)).length,
  };
}
