/**
 * For the `caged grade` tests: the compiled CLI as a child process (exactly what a teacher runs),
 * a CSV parser for its report, and a fresh queue pair (judge queue and batch queue) removed after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { batchQueueName } from '../../src/wire/batch';
import { MAIN_JS, REDIS_URL, obliterate } from './queue';

export interface GradeRun {
  child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `caged grade ARGS` on queue `queue`; stdout is a pipe, so progress comes one line per submission. */
export function startGrade(queue: string, args: readonly string[], env: Record<string, string> = {}): GradeRun {
  const child = spawn(process.execPath, [MAIN_JS, 'grade', ...args], {
    env: { ...process.env, CAGED_REDIS_URL: REDIS_URL, CAGED_QUEUE: queue, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs `caged grade` to its end. */
export async function runGrade(
  queue: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startGrade(queue, args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

/** Removes a judge queue and its batch queue. */
export async function obliterateBoth(queue: string): Promise<void> {
  await obliterate(queue);
  await obliterate(batchQueueName(queue));
}
