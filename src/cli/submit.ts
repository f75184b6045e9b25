/**
 * `caged submit FILE --lang LANG [--tests DIR] [--stdin FILE] [--expected FILE] [--time S]
 *  [--memory MB] [--id ID] [--priority N] [--timeout S] [--json]`: enqueues one submission on
 * the queue (CAGED_REDIS_URL, CAGED_QUEUE, CAGED_PREFIX), waits for a worker to judge it, prints
 * the result. `--tests DIR` takes every `NAME.in` there with its `NAME.out` (or `.ans`) as the
 * expected output. A progress bar goes to stderr when it is a terminal.
 *
 * Exit status: 0 judged (whatever the verdict), 2 the submission was refused, 1 caged failed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CagedClient } from '../client/client';
import { JobFailedError } from '../client/errors';
import { loadConfig } from '../config';
import { InvalidRequestError } from '../errors';
import type { JudgeResult, SubmissionInput } from '../judge/schema';
import { checkRedisReachable, redisConnection } from '../queue/connection';
import type { JudgeProgress } from '../queue/worker';
import { numberFlag, parseArgs, stringFlag } from './args';
import { terminalSafe } from './terminal-safe';

export const SUBMIT_USAGE =
  'caged submit FILE --lang LANG [--tests DIR] [--stdin FILE] [--expected FILE] [--time S] [--memory MB] [--id ID] [--priority N] [--timeout S] [--json]';

type Testcases = NonNullable<SubmissionInput['testcases']>;

export async function submitCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['lang', 'tests', 'stdin', 'expected', 'time', 'memory', 'id', 'priority', 'timeout'], ['json']);
  const [file, ...extra] = args.positional;
  if (!file || extra.length) throw new InvalidRequestError(`expects exactly one source FILE (${SUBMIT_USAGE})`, 'FILE');
  const language = stringFlag(args, 'lang');
  if (!language) throw new InvalidRequestError(`is required (${SUBMIT_USAGE})`, '--lang');
  const testsDir = stringFlag(args, 'tests');
  if (testsDir && (args.flags.has('stdin') || args.flags.has('expected')))
    throw new InvalidRequestError('give either --tests or --stdin/--expected', '--tests');
  const limits: NonNullable<SubmissionInput['limits']> = {};
  if (args.flags.has('time')) limits.cpuTimeMs = numberFlag(args, 'time', 1000, 0);
  if (args.flags.has('memory')) limits.memoryBytes = numberFlag(args, 'memory', 2 ** 20, 0);
  const submission: SubmissionInput = {
    language,
    source: fs.readFileSync(file, 'utf8'),
    testcases: testsDir ? testsFromDir(testsDir) : [singleTest(stringFlag(args, 'stdin'), stringFlag(args, 'expected'))],
    ...(Object.keys(limits).length ? { limits } : {}),
    ...(stringFlag(args, 'id') ? { id: stringFlag(args, 'id') } : {}),
  };
  const priority = args.flags.has('priority') ? numberFlag(args, 'priority', 1, 0) : undefined;
  const timeoutMs = args.flags.has('timeout') ? numberFlag(args, 'timeout', 1000, 0) : undefined;

  const config = loadConfig(process.env, ['redisUrl', 'redisCluster', 'queue', 'prefix']);
  await checkRedisReachable(config.redisUrl);
  const connection = redisConnection(config.redisUrl, { cluster: config.redisCluster === 'yes' });
  const client = new CagedClient({ connection: connection.options, queueName: config.queue, prefix: config.prefix });
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : undefined;
  try {
    const jobId = await client.enqueue(submission, { priority });
    bar?.draw(`job ${jobId} queued`);
    const result = await client.wait(jobId, { timeoutMs, onProgress: (p) => bar?.test(p) });
    bar?.clear();
    out.write(args.flags.has('json') ? `${JSON.stringify(result, null, 2)}\n` : describe(result));
    return 0;
  } catch (err) {
    bar?.clear();
    if (err instanceof JobFailedError && err.invalid) throw new InvalidRequestError(err.reason);
    throw err;
  } finally {
    await client.close().catch(() => undefined);
    await connection.close();
  }
}

function singleTest(stdinFile: string | undefined, expectedFile: string | undefined): Testcases[number] {
  return {
    stdin: stdinFile ? fs.readFileSync(stdinFile, 'utf8') : '',
    ...(expectedFile ? { expected: fs.readFileSync(expectedFile, 'utf8') } : {}),
  };
}

/** `NAME.in` (+ `NAME.out` or `NAME.ans`) in natural order: 2.in before 10.in. */
export function testsFromDir(dir: string): Testcases {
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.in'));
  if (names.length === 0) throw new InvalidRequestError(`no NAME.in files in ${dir}`, '--tests');
  names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return names.map((n) => {
    const stem = n.slice(0, -3);
    const answer = ['.out', '.ans'].map((ext) => path.join(dir, stem + ext)).find((p) => fs.existsSync(p));
    return {
      name: stem,
      stdin: fs.readFileSync(path.join(dir, n), 'utf8'),
      ...(answer ? { expected: fs.readFileSync(answer, 'utf8') } : {}),
    };
  });
}

/** The human-readable result, terminal-safe (terminal-safe.ts). */
export function describe(r: JudgeResult): string {
  const lines = [
    `${r.verdict}  ${r.judge0.description}  score ${r.score}/${r.maxScore}  (${r.language.id}, ${r.tests.length} tests, ${Math.round(r.timing.totalMs)} ms)`,
  ];
  if (r.message) lines.push(`  ${r.message}`);
  if (r.compile && r.compile.verdict !== 'OK') lines.push(r.compile.output.trimEnd());
  for (const t of r.tests) {
    const mem = (t.memoryBytes / 2 ** 20).toFixed(1);
    lines.push(
      `  test ${t.index + 1}${t.name ? ` (${t.name})` : ''}  ${t.verdict.padEnd(7)} cpu ${t.cpuTimeMs.toFixed(1)} ms  wall ${t.wallTimeMs.toFixed(1)} ms  mem ${mem} MiB${t.message ? `  ${t.message}` : ''}`,
    );
  }
  return terminalSafe(`${lines.join('\n')}\n`);
}

/** `[#####-----] 5/10 AC` on one terminal line. */
class ProgressBar {
  private done = 0;
  private last = '';
  constructor(private readonly tty: NodeJS.WriteStream) {}

  test(p: JudgeProgress): void {
    this.done = p.testIndex + 1;
    this.last = p.verdict;
    const width = 30;
    const filled = Math.round((this.done / Math.max(1, p.total)) * width);
    this.draw(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.done}/${p.total} ${this.last}`);
  }

  draw(text: string): void {
    this.tty.write(`\r\x1b[2K${terminalSafe(text)}`);
  }

  clear(): void {
    this.tty.write('\r\x1b[2K');
  }
}
