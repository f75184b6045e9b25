/**
 * The progress line of `caged run`, `caged judge` and `caged submit` on a terminal (stderr):
 * `[#####-----] 5/10 AC`, redrawn in place after each test and cleared before the result is
 * printed. Nothing is drawn when stderr is not a terminal.
 */
import type { JudgeProgress } from '../wire/contract';
import { terminalSafe } from './terminal-safe';

export class ProgressLine {
  private drawn = false;

  private constructor(private readonly tty: NodeJS.WriteStream) {}

  /** A progress line on `stream` when it is a terminal, else undefined. */
  static on(stream: NodeJS.WriteStream = process.stderr): ProgressLine | undefined {
    return stream.isTTY ? new ProgressLine(stream) : undefined;
  }

  test(p: JudgeProgress): void {
    const done = p.testIndex + 1;
    const width = 30;
    const filled = Math.round((done / Math.max(1, p.total)) * width);
    this.draw(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${p.total} ${p.verdict}`);
  }

  draw(text: string): void {
    this.drawn = true;
    this.tty.write(`\r\x1b[2K${terminalSafe(text)}`);
  }

  clear(): void {
    if (this.drawn) this.tty.write('\r\x1b[2K');
    this.drawn = false;
  }
}
