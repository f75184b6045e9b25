/**
 * The doctor's report as plain text: one block per capability (status, what the host offers,
 * the fix), then the mode. The worker logs the same report at start as one structured line
 * plus a warning per finding that is not ok (src/queue/runtime.ts).
 */
import type { DoctorReport } from './doctor';
import type { Finding } from './finding';

const LABEL: Record<Finding['status'], string> = { ok: 'ok', warn: 'warn', missing: 'MISSING', skipped: '-' };

export function renderReport(report: DoctorReport): string {
  const width = Math.max(...report.findings.map((f) => f.title.length));
  const lines = [`caged doctor: user ${report.user.name} (uid ${report.user.uid})`, ''];
  for (const f of report.findings) {
    lines.push(`  ${LABEL[f.status].padEnd(7)}  ${f.title.padEnd(width)}  ${f.detail}`);
    if (f.fix !== undefined && f.status !== 'ok' && f.status !== 'skipped') {
      lines.push(`  ${''.padEnd(7)}  ${''.padEnd(width)}  fix${f.blocking ? '' : ' (optional)'}: ${f.fix}`);
    }
  }
  lines.push('', report.summary);
  return `${lines.join('\n')}\n`;
}

/** The report as log fields: the mode, and each finding's status by key. */
export function reportLogFields(report: DoctorReport): Record<string, unknown> {
  return {
    mode: report.mode,
    limits: report.limits,
    runnable: report.runnable,
    host: Object.fromEntries(report.findings.map((f) => [f.key, f.status])),
  };
}
