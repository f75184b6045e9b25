/**
 * Problem packages from a directory every worker shares (CAGED_PROBLEMS_DIR): the packed
 * archive saved as `<hex>.tar` (`caged problem pack`), looked up before Redis and checked as
 * Redis packages are (src/problem/package-dir.ts); and a package's output validator compiled
 * once, not per job (caged_problem_validator_compiles_total, `problem validator compiled`).
 * A real `caged worker` process, real Redis, containers and compilers.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CagedClient, JobFailedError } from '../src/client';
import { HostError, InvalidRequestError } from '../src/errors';
import { packageFileName, packToDir, readProblemFromDir } from '../src/problem/package-dir';
import { packProblem } from '../src/problem/package-store';
import { MAIN_JS, REDIS_URL, WorkerProcess, freePort, freshQueueName, obliterate } from './helpers/queue';

jest.setTimeout(300_000);

/** The built CLI, as a person runs it. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    // 'close', not 'exit': the output may still be in the pipes when the process has exited.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const ANYSUM = path.join(__dirname, 'packages', 'anysum');
const read = (rel: string): string => fs.readFileSync(path.join(ANYSUM, 'submissions', rel), 'utf8');

let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-problem-dir-'));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A copy of anysum whose validator no compile cache has seen (a comment naming `tag`). */
function freshAnysum(tag: string): string {
  const dir = path.join(tmp, 'anysum');
  fs.cpSync(ANYSUM, dir, { recursive: true });
  fs.appendFileSync(path.join(dir, 'output_validators/pair/pair.cpp'), `// ${tag}\n`);
  return dir;
}

describe('a shared directory of packed packages', () => {
  it('gives back the archive `caged problem pack` wrote, verified; null when absent', async () => {
    const shared = path.join(tmp, 'shared');
    fs.mkdirSync(shared);
    const ref = await packToDir(ANYSUM, shared);
    expect(ref.file).toBe(path.join(shared, packageFileName(ref.digest)));
    expect(ref.digest).toBe(packProblem(ANYSUM).digest);
    expect((await readProblemFromDir(shared, ref.digest, 2 ** 30))!.equals(packProblem(ANYSUM).tar)).toBe(true);
    expect(await readProblemFromDir(shared, `sha256:${'0'.repeat(64)}`, 2 ** 30)).toBeNull();
  });

  it('is made when it is not there yet; a file in its place is refused, naming it', async () => {
    const fresh = path.join(tmp, 'not-yet', 'shared');
    const ref = await packToDir(ANYSUM, fresh);
    expect(fs.existsSync(ref.file)).toBe(true);
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    await expect(packToDir(ANYSUM, file)).rejects.toThrow(`OUTDIR: is not a directory: ${file}`);
  });

  it('refuses a file whose bytes do not match its name, one too large, a link, a directory', async () => {
    const shared = path.join(tmp, 'shared');
    fs.mkdirSync(shared);
    const ref = await packToDir(ANYSUM, shared);
    await expect(readProblemFromDir(shared, ref.digest, 1000)).rejects.toThrow(/more than the 1000 allowed/);
    const bytes = fs.readFileSync(ref.file);
    bytes[600] = bytes[600]! ^ 1;
    fs.writeFileSync(ref.file, bytes);
    const bad = await readProblemFromDir(shared, ref.digest, 2 ** 30).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidRequestError);
    expect((bad as Error).message).toMatch(/do not match the digest/);
    fs.rmSync(ref.file);
    fs.symlinkSync('/etc/passwd', ref.file);
    await expect(readProblemFromDir(shared, ref.digest, 2 ** 30)).rejects.toThrow(/symbolic link \(refused/);
    fs.rmSync(ref.file);
    fs.mkdirSync(ref.file);
    await expect(readProblemFromDir(shared, ref.digest, 2 ** 30)).rejects.toThrow(/not a regular file|EISDIR/);
  });

  it('reports an unreadable directory as retryable', async () => {
    const err = await readProblemFromDir('/proc/self/mem/x', `sha256:${'1'.repeat(64)}`, 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
  });
});

describe('a worker with CAGED_PROBLEMS_DIR', () => {
  let queueName: string;
  let client: CagedClient;
  let worker: WorkerProcess | undefined;

  beforeEach(() => {
    queueName = freshQueueName();
    client = new CagedClient({ connection: REDIS_URL, queueName, prefix: `{${queueName}}` });
  });

  afterEach(async () => {
    await client.close();
    await worker?.stop();
    worker = undefined;
    await obliterate(queueName);
  });

  it('judges jobs naming a package found only there, fetching it once and compiling its validator once', async () => {
    const shared = path.join(tmp, 'shared');
    fs.mkdirSync(shared);
    const ref = await packToDir(freshAnysum(queueName), shared);
    const port = await freePort();
    worker = new WorkerProcess('worker-dir', {
      CAGED_QUEUE: queueName,
      CAGED_PREFIX: `{${queueName}}`,
      CAGED_CONCURRENCY: '1',
      CAGED_PROBLEMS_DIR: shared,
      CAGED_METRICS_PORT: String(port),
      CAGED_METRICS_HOST: '127.0.0.1',
    });
    await worker.ready();
    const problem = { id: ref.id, digest: ref.digest };
    const kinds = [
      { want: 'AC', s: { language: 'python3', source: read('accepted/swap.py'), problem } },
      { want: 'AC', s: { language: 'c', source: read('accepted/half.c'), problem } },
      { want: 'WA', s: { language: 'cpp17', source: read('wrong_answer/negative.cpp'), problem } },
    ];
    const jobs = Array.from({ length: 6 }, (_, i) => kinds[i % kinds.length]!);
    const results = await client.submitMany(jobs.map((j, i) => ({ ...j.s, id: `dir-${i}` })));
    expect(results.map((r) => r.verdict)).toEqual(jobs.map((j) => j.want));

    const fetched = worker.lines.filter((l) => l.msg === 'problem package fetched');
    expect(fetched).toHaveLength(1);
    expect(fetched[0]).toMatchObject({ digest: ref.digest, source: 'directory' });
    // Six jobs, each test a Judge call preparing the validator: one compiler run in all.
    const compiled = worker.lines.filter((l) => l.msg === 'problem validator compiled');
    expect(compiled).toHaveLength(1);
    expect(compiled[0]).toMatchObject({ digest: ref.digest, role: 'output validator' });
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toMatch(/^caged_problem_validator_compiles_total\{role="output validator"\} 1$/m);
  });

  it('reports per-test progress with the validated verdicts, and validates output beyond 64 KiB', async () => {
    const shared = path.join(tmp, 'shared');
    fs.mkdirSync(shared);
    const double = await packToDir(path.join(__dirname, 'packages', 'double'), shared);
    // 30 000 lines, about 170 KiB: more than the worker keeps of a test's output in a result.
    const big = path.join(tmp, 'big');
    fs.mkdirSync(path.join(big, 'data/secret'), { recursive: true });
    fs.writeFileSync(path.join(big, 'problem.yaml'), 'name: Count up\nlimits:\n  time_limit: 2\n  memory: 256\n');
    fs.writeFileSync(path.join(big, 'data/secret/1.in'), '30000\n');
    fs.writeFileSync(path.join(big, 'data/secret/1.ans'), Array.from({ length: 30000 }, (_, i) => i + 1).join('\n') + '\n');
    const bigRef = await packToDir(big, shared);
    worker = new WorkerProcess('worker-dir', { CAGED_QUEUE: queueName, CAGED_PREFIX: `{${queueName}}`, CAGED_PROBLEMS_DIR: shared });
    await worker.ready();

    const progress: Array<{ testIndex: number; total: number; verdict: string }> = [];
    const r = await client.submit(
      {
        id: 'progress',
        language: 'python3',
        source: fs.readFileSync(path.join(__dirname, 'packages/double/submissions/wrong_answer/plus3.py'), 'utf8'),
        problem: { id: double.id, digest: double.digest },
      },
      { onProgress: (p) => progress.push(p) },
    );
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'SKIPPED']);
    // The WA comes from the package's validator, after the run ended normally: progress says WA, not AC.
    expect(progress).toEqual([
      { testIndex: 0, total: 3, verdict: 'AC' },
      { testIndex: 1, total: 3, verdict: 'WA' },
    ]);

    const count = await client.submit({
      id: 'big-output',
      language: 'python3',
      source: 'n = int(input())\nprint("\\n".join(map(str, range(1, n + 1))))\n',
      problem: { id: bigRef.id, digest: bigRef.digest },
    });
    expect(count.verdict).toBe('AC');
    expect(count.tests[0]!.stdoutTruncated).toBe(true); // the result keeps 64 KiB of it; the validator saw it all
    const wrong = await client.submit({
      id: 'big-output-wrong',
      language: 'python3',
      source: 'n = int(input())\nprint("\\n".join(map(str, range(1, n))), 7)\n',
      problem: { id: bigRef.id, digest: bigRef.digest },
    });
    expect(wrong.verdict).toBe('WA');
  });

  it('fails a job naming a package without a time limit at once, saying what the worker needs', async () => {
    const shared = path.join(tmp, 'shared');
    fs.mkdirSync(shared);
    const ref = await packToDir(path.join(__dirname, 'packages', 'timed'), shared);
    worker = new WorkerProcess('worker-dir', { CAGED_QUEUE: queueName, CAGED_PREFIX: `{${queueName}}`, CAGED_PROBLEMS_DIR: shared });
    await worker.ready();
    const err = await client
      .submit({ id: 'untimed', language: 'python3', source: 'print(1)', problem: { id: ref.id, digest: ref.digest } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as Error).message).toMatch(
      /gives no time limit: the worker needs limits\.time_limit in problem\.yaml, a \.timelimit file or a domjudge-problem\.ini timelimit \(caged problem push --time S or --derive-time adds one\)/,
    );
  });

  it('`caged problem pack` refuses such a package, and with --derive-time or --time stores it with a .timelimit the worker uses', async () => {
    const shared = path.join(tmp, 'shared');
    fs.mkdirSync(shared);
    const timed = path.join(__dirname, 'packages', 'timed');
    const refused = await cli(['problem', 'pack', timed, shared, '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/"invalid_request".*gives no time limit .*give --time S, or --derive-time/);
    expect(fs.readdirSync(shared)).toEqual([]);

    // Derived here as `caged judge` derives it: spin.c's slowest test × 2, up to a multiple of 0.25 s (problem.yaml).
    const derived = await cli(['problem', 'pack', timed, shared, '--derive-time', '--json']);
    expect(derived.code).toBe(0);
    const d = JSON.parse(derived.stdout) as {
      id: string;
      digest: string;
      timeLimit: { seconds: number; from: string; added: boolean; notes: string[] };
    };
    expect(d.timeLimit).toMatchObject({ seconds: 0.75, from: 'submissions', added: true });
    expect(d.timeLimit.notes[0]).toMatch(/^time limit 0\.75 s from the submissions: slowest accepted/);
    const given = await cli(['problem', 'pack', timed, shared, '--time', '2', '--json']);
    expect(given.code).toBe(0);
    const g = JSON.parse(given.stdout) as { digest: string; timeLimit: { seconds: number; from: string } };
    expect(g.timeLimit).toMatchObject({ seconds: 2, from: '--time' });
    expect(g.digest).not.toBe(d.digest);

    worker = new WorkerProcess('worker-dir', { CAGED_QUEUE: queueName, CAGED_PREFIX: `{${queueName}}`, CAGED_PROBLEMS_DIR: shared });
    await worker.ready();
    const source = fs.readFileSync(path.join(timed, 'submissions', 'accepted', 'fast.py'), 'utf8');
    for (const [ref, ms] of [
      [d, 750],
      [g, 2000],
    ] as const) {
      const r = await client.submit({ id: `timed-${ms}`, language: 'python3', source, problem: { id: 'timed', digest: ref.digest } });
      expect(r.verdict).toBe('AC');
      expect(r.problem).toMatchObject({ timeLimitMs: ms, timeLimitFrom: '.timelimit' });
    }
  });

  it('fails a job at once, unretried, when the shared file does not match its digest', async () => {
    const shared = path.join(tmp, 'shared');
    fs.mkdirSync(shared);
    const ref = await packToDir(ANYSUM, shared);
    const bytes = fs.readFileSync(ref.file);
    bytes[700] = bytes[700]! ^ 1;
    fs.writeFileSync(ref.file, bytes);
    worker = new WorkerProcess('worker-dir', { CAGED_QUEUE: queueName, CAGED_PREFIX: `{${queueName}}`, CAGED_PROBLEMS_DIR: shared });
    await worker.ready();
    const err = await client
      .submit({ id: 'tampered', language: 'python3', source: 'print(1)', problem: { id: ref.id, digest: ref.digest } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as Error).message).toMatch(/problem\.digest: problem package .*\.tar: its bytes do not match the digest/);
  });
});
