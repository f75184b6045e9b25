/**
 * A batch's reports (`caged grade --out FILE`, written by write-reports.ts): `.csv` (one row
 * per submission, one column per test), `.json` (the summary and every full result) and `.html`
 * (report-html.ts). Submission names, messages and test names are untrusted: the CSV quotes
 * every field that needs it and defuses spreadsheet formulas (a cell starting with = + - @ or a
 * control character gets a leading `'`), the JSON is JSON.stringify's, the HTML escapes all.
 */
import type { JudgeResult } from '../judge/schema';
import type { BatchRow, BatchSummary } from '../wire/batch';

export interface GradeReport {
  summary: BatchSummary;
  /** Each row's full result (null: refused, failed, or not kept). */
  results: Array<JudgeResult | null>;
  /** ISO 8601. */
  generatedAt: string;
  /** Seconds the batch took (this run). */
  seconds: number;
  reused: number;
  judged: number;
}

/** A row's test column: its name, else `test N` (1-based). */
export function testColumn(t: { name: string | null }, index: number): string {
  return t.name ?? `test ${index + 1}`;
}

/** Every test column of the batch, in order of first appearance. */
export function testColumns(rows: readonly BatchRow[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) r.tests.forEach((t, i) => seen.add(testColumn(t, i)));
  return [...seen];
}

/** One CSV field: quoted when needed, a formula defused. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  // eslint-disable-next-line no-control-regex
  if (typeof value === 'string' && /^[=+\-@\x00-\x1f]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = ['name', 'language', 'verdict', 'score', 'max_score', 'time_ms', 'memory_bytes', 'worker', 'message'];

/**
 * Whether the batch holds a package's own submission checked against what the package expects
 * of it (`problem.expectations`, cli/grade.ts checkOwnRows): the reports then have an
 * `expected` column, empty for the other rows.
 */
export function hasExpectations(r: GradeReport): boolean {
  return r.results.some((x) => x?.problem?.expectations !== undefined);
}

/** A row's `expected` cell: `met`, `unverified`, `failed: why; why`, or null (nothing expected of it). */
export function expectedCell(result: JudgeResult | null | undefined): string | null {
  const e = result?.problem?.expectations;
  if (!e) return null;
  return e.status === 'failed' ? `failed: ${e.failed.join('; ')}` : e.status;
}

export function csvReport(r: GradeReport): string {
  const tests = testColumns(r.summary.rows);
  const expected = hasExpectations(r);
  const lines = [[...CSV_COLUMNS, ...(expected ? ['expected'] : []), ...tests].map(csvField).join(',')];
  r.summary.rows.forEach((row, i) => {
    const byTest = new Map(row.tests.map((t, i) => [testColumn(t, i), t.verdict]));
    const cells = [
      row.name,
      row.language,
      row.verdict,
      row.score,
      row.maxScore,
      row.cpuTimeMs === null ? null : Math.round(row.cpuTimeMs),
      row.memoryBytes,
      row.worker,
      row.message,
      ...(expected ? [expectedCell(r.results[i])] : []),
      ...tests.map((t) => byTest.get(t) ?? null),
    ];
    lines.push(cells.map(csvField).join(','));
  });
  return `${lines.join('\r\n')}\r\n`;
}

export function jsonReport(r: GradeReport): string {
  const rows = r.summary.rows.map((row, i) => ({ ...row, result: r.results[i] ?? null }));
  return `${JSON.stringify(
    {
      batchId: r.summary.batchId,
      problem: { name: r.summary.problemName, key: r.summary.problemKey },
      generatedAt: r.generatedAt,
      seconds: r.seconds,
      reused: r.reused,
      judged: r.judged,
      counts: r.summary.counts,
      rows,
    },
    null,
    2,
  )}\n`;
}
