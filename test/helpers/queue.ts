/**
 * Shared by the queue tests: fresh queue names, worker processes (the compiled CLI, exactly
 * what an operator runs), and the submissions of the mixed workload with their verdicts.
 * Everything runs against the real Redis (CAGED_TEST_REDIS_URL, default redis://127.0.0.1:6379).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { SubmissionInput } from '../../src/judge/schema';
import { CagedClient } from '../../src/client';
import { redisOptionsFromUrl } from '../../src/queue/connection';

export const REDIS_URL = process.env.CAGED_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The checkout: the nearest directory upwards holding package.json (from test/ or dist/test/). */
export const ROOT = ((): string => {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir))
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  throw new Error(`no package.json above ${__dirname}`);
})();
export const MAIN_JS = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

let counter = 0;
/** A queue name no other test (or test run) uses. */
export function freshQueueName(): string {
  return `caged-test-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

export async function obliterate(name: string, redisUrl = REDIS_URL): Promise<void> {
  const queue = new Queue(name, { connection: redisOptionsFromUrl(redisUrl) });
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
}

export interface LogLine {
  msg: string;
  job?: string;
  [key: string]: unknown;
}

/** `node dist/src/cli/main.js worker` with CAGED_* variables; its JSON log lines are kept. */
export class WorkerProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    env: Record<string, string>,
  ) {
    if (!fs.existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`npm run build\` first (npm test does it in pretest)`);
    this.child = spawn(process.execPath, [MAIN_JS, 'worker'], {
      env: { ...process.env, CAGED_REDIS_URL: REDIS_URL, CAGED_LOG_LEVEL: 'info', CAGED_WORKER_NAME: name, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) this.lines.push(JSON.parse(p) as LogLine);
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first log line matching, failing after `timeoutMs` or if the process exits. */
  async waitFor(pred: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void this.exited.then(() => (gone = true));
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit) return hit;
      if (gone) throw new Error(`worker ${this.name} exited before the expected log line; stderr: ${this.stderr}`);
      if (Date.now() > deadline)
        throw new Error(`worker ${this.name}: no matching log line within ${timeoutMs} ms; last: ${JSON.stringify(this.lines.slice(-3))}`);
      await sleep(25);
    }
  }

  ready(): Promise<LogLine> {
    return this.waitFor((l) => l.msg === 'worker ready');
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Stops it (SIGTERM, then SIGKILL after 20 s) unless it already exited. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Ids of the jobs this worker completed, from its log. */
  completedJobs(): string[] {
    return this.lines.filter((l) => l.msg === 'job completed').map((l) => String(l.job));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function until(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

// --- The workload: one submission per kind, with the verdict it must get --------------------

const AB_TESTS = [
  { stdin: '1 2\n', expected: '3\n' },
  { stdin: '2000000000 2000000000\n', expected: '4000000000\n' },
];

export type Kind = 'AC' | 'WA' | 'TLE' | 'CE' | 'MLE' | 'FORKBOMB' | 'PY_AC' | 'SLEEP';

export const SUBMISSIONS: Record<Kind, SubmissionInput> = {
  AC: {
    language: 'c',
    source: '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);return 0;}\n',
    testcases: AB_TESTS,
  },
  WA: {
    language: 'cpp17',
    source: '#include <iostream>\nint main(){int a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
    testcases: AB_TESTS,
  },
  TLE: {
    language: 'c',
    source: 'int main(void){volatile unsigned long n=0;for(;;)n++;}\n',
    testcases: [{ stdin: '' }],
    limits: { cpuTimeMs: 300, wallTimeMs: 3000 },
  },
  CE: { language: 'c', source: 'int main(void){ return missing; }\n', testcases: [{ stdin: '' }] },
  MLE: {
    language: 'c',
    source:
      '#include <stdlib.h>\n#include <string.h>\nint main(void){for(int i=0;i<64;i++){char*p=malloc(16<<20);if(!p)return 3;memset(p,1,16<<20);}return 0;}\n',
    testcases: [{ stdin: '' }],
    limits: { memoryBytes: 64 << 20 },
  },
  FORKBOMB: {
    language: 'c',
    source: '#include <unistd.h>\nint main(void){for(;;)fork();}\n',
    testcases: [{ stdin: '' }],
    limits: { cpuTimeMs: 300, wallTimeMs: 2000, pids: 16 },
  },
  PY_AC: { language: 'python3', source: 'a, b = map(int, input().split())\nprint(a + b)\n', testcases: AB_TESTS },
  /** Runs `ms` of wall time per test, using no CPU: for jobs that must still be running when something happens. */
  SLEEP: {
    language: 'c',
    source: '#include <unistd.h>\nint main(void){usleep(MS*1000);return 0;}\n',
    testcases: [{ stdin: '' }],
    limits: { wallTimeMs: 20_000 },
  },
};

/** The verdicts a kind may get (a fork bomb ends by CPU time or by a refused fork). */
export const EXPECTED: Record<Kind, readonly string[]> = {
  AC: ['AC'],
  WA: ['WA'],
  TLE: ['TLE'],
  CE: ['CE'],
  MLE: ['MLE'],
  FORKBOMB: ['TLE', 'RE'],
  PY_AC: ['AC'],
  SLEEP: ['AC'],
};

/** A submission that sleeps `ms` per test case, `tests` times. */
export function sleeper(ms: number, tests = 1, id?: string): SubmissionInput {
  const base = SUBMISSIONS.SLEEP;
  return {
    ...base,
    source: (base.source as string).replace('MS', String(ms)),
    testcases: Array.from({ length: tests }, () => ({ stdin: '' })),
    ...(id ? { id } : {}),
  };
}

/** Per test: a fresh queue and a client on it; afterwards the workers stopped and the queue obliterated. */
export interface QueueFixture {
  queueName: string;
  client: CagedClient;
  /** Worker processes the test started; stopped after it. */
  workers: WorkerProcess[];
}

/** Registers the beforeEach/afterEach hooks of a QueueFixture in the calling describe block. */
export function queueFixture(): QueueFixture {
  const fx = { queueName: '', client: undefined as unknown as CagedClient, workers: [] as WorkerProcess[] };
  beforeEach(() => {
    fx.queueName = freshQueueName();
    fx.client = new CagedClient({ connection: REDIS_URL, queueName: fx.queueName });
  });
  afterEach(async () => {
    await fx.client.close();
    await Promise.all(fx.workers.map((w) => w.stop()));
    fx.workers = [];
    await obliterate(fx.queueName);
  });
  return fx;
}

/**
 * How many 'completed' events each job has on a queue's event stream (`PREFIX:QUEUE:events`),
 * read through any ioredis client (a Redis or a Cluster).
 */
export async function completedEvents(
  redis: { xrange(key: string, start: string, end: string): Promise<Array<[string, string[]]>> },
  prefix: string,
  queue: string,
): Promise<Map<string, number>> {
  const completed = new Map<string, number>();
  for (const [, fields] of await redis.xrange(`${prefix}:${queue}:events`, '-', '+')) {
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
    if (f.get('event') === 'completed') completed.set(f.get('jobId')!, (completed.get(f.get('jobId')!) ?? 0) + 1);
  }
  return completed;
}
