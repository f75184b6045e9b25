/**
 * `caged grade`'s progress, three ways:
 * - on a terminal (stderr), a live bar redrawn at most 10 times a second: done/total, the
 *   verdicts so far, the rate and the time left (`[######------] 23/60  AC 12 WA 6 TLE 5  4.1/s  ETA 9s`);
 * - otherwise one line per finished submission on `out` (`23/60 WA alice.c (c, 12 ms, 3.1 MiB, worker-a)`);
 * - with --json, one JSON object per line on `out`: `{"event":"row",...}` per submission, then
 *   `{"event":"done",...}` (or `"interrupted"`).
 * Human text goes through terminalSafe: submission names and messages are untrusted.
 */
import type { GradeProgress } from '../client/grade';
import type { BatchRow } from '../wire/batch';
import { terminalSafe } from './terminal-safe';

export type ProgressMode = 'bar' | 'lines' | 'json';

function mib(bytes: number | null): string {
  return bytes === null ? '-' : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One line about a finished submission. */
export function rowLine(p: GradeProgress): string {
  const r: BatchRow = p.row;
  const parts = [r.language ?? '?'];
  if (r.score !== null) parts.push(`score ${r.score}/${r.maxScore ?? '?'}`);
  if (r.cpuTimeMs !== null) parts.push(`${Math.round(r.cpuTimeMs)} ms`, mib(r.memoryBytes));
  if (r.worker) parts.push(r.worker);
  if (p.reused) parts.push('reused');
  const why = r.verdict === 'REFUSED' || r.verdict === 'FAILED' ? `: ${r.message}` : '';
  return `${p.done}/${p.total} ${r.verdict} ${r.name} (${parts.join(', ')})${why}`;
}

export class GradeProgressView {
  private readonly counts = new Map<string, number>();
  private readonly started = Date.now();
  /** Submissions finished by judging in this run (the rate counts only these). */
  private judged = 0;
  private left = 0;
  private lastDraw = 0;
  private last: GradeProgress | undefined;
  private drawn = false;

  constructor(
    private readonly mode: ProgressMode,
    private readonly out: NodeJS.WritableStream,
    private readonly tty: NodeJS.WritableStream,
  ) {}

  update(p: GradeProgress): void {
    this.counts.set(p.row.verdict, (this.counts.get(p.row.verdict) ?? 0) + 1);
    if (!p.reused && p.row.verdict !== 'REFUSED') this.judged++;
    this.left = p.total - p.done;
    this.last = p;
    if (this.mode === 'json')
      this.out.write(`${JSON.stringify({ event: 'row', index: p.index, done: p.done, total: p.total, reused: p.reused, row: p.row })}\n`);
    else if (this.mode === 'lines') this.out.write(terminalSafe(`${rowLine(p)}\n`));
    else this.draw(false);
  }

  /** The bar's text now. */
  barText(): string {
    const p = this.last;
    if (!p) return '';
    const width = 24;
    const filled = Math.round((p.done / Math.max(1, p.total)) * width);
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.judged / elapsed : 0;
    const eta = rate > 0 ? this.left / rate : Infinity;
    const verdicts = [...this.counts].map(([v, n]) => `${v} ${n}`).join(' ');
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total}  ${verdicts}  ${rate.toFixed(1)}/s  ETA ${this.left ? seconds(eta) : '0s'}`;
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100 && this.left > 0) return;
    this.lastDraw = now;
    this.drawn = true;
    this.tty.write(`\r\x1b[2K${terminalSafe(this.barText())}`);
  }

  /** Ends the bar's line (the terminal keeps its last state). */
  finish(): void {
    if (this.mode === 'bar' && this.drawn) {
      this.draw(true);
      this.tty.write('\n');
    }
  }

  /** The verdicts so far, `AC 12, WA 6`. */
  countsText(): string {
    return [...this.counts].map(([v, n]) => `${v} ${n}`).join(', ');
  }
}
