/** Writes `caged grade`'s --out files, each report chosen by the file's extension (report.ts, report-html.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidRequestError } from '../errors';
import { csvReport, jsonReport, type GradeReport } from './report';
import { htmlReport } from './report-html';

export const REPORT_KINDS = ['.csv', '.json', '.html'] as const;

/** The report kind of an --out file; InvalidRequestError for another extension. */
export function reportKind(file: string): (typeof REPORT_KINDS)[number] {
  const ext = path.extname(file).toLowerCase();
  const kind = REPORT_KINDS.find((k) => k === ext);
  if (!kind) throw new InvalidRequestError(`must end in ${REPORT_KINDS.join(', ')} (got ${JSON.stringify(file)})`, '--out');
  return kind;
}

/** Writes each report (to a temporary name, then renamed: a reader never sees half a report). */
export function writeReports(files: readonly string[], r: GradeReport): void {
  for (const file of files) {
    const kind = reportKind(file);
    const text = kind === '.csv' ? csvReport(r) : kind === '.json' ? jsonReport(r) : htmlReport(r);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
}
