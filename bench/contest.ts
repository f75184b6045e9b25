/**
 * bench/contest: a contest-shaped stream of submissions through Redis to one `caged worker` at
 * its default concurrency, against the same work done with no sandbox at all (the host's own
 * compilers and the programs run directly, as many at once), in the same run.
 *
 * The stream: 60 % C++17 starting with `#include <bits/stdc++.h>`, 25 % Python 3, 15 % C; every
 * source distinct (no compile-cache hits); 20 small A+B tests each; 10 % loop past the 1 s CPU
 * limit, 5 % do not compile; judged ICPC-style (stop at the first failing test).
 *
 * Prints submissions per minute both ways and their ratio (sandboxed ÷ unsandboxed, target
 * ≥ 0.85), and where the sandboxed time went per submission: queue wait (submit → result
 * minus the judge's own time), compile, the programs' wall time, and the judge's overhead around
 * them (containers, checking, bookkeeping); then, per language and kind, compile and tests
 * both ways, which says where the sandbox loses.
 *
 * The same work both ways: the same compiler (the host's g++ 12 is the image's) with the same
 * flags, the unsandboxed C++ compiles with a `bits/stdc++.h` precompiled on the host with those
 * flags (the image's gcc layer carries its own); Python is Debian's /usr/bin/python3 with the
 * language's environment (not whatever shim PATH finds); each test under the CPU and wall limits
 * caged resolves for the language (its time factor included: Python's 1 s is 2 s), tests one
 * after another, stopping at the first failure, as many submissions at once as the worker's
 * concurrency. The two sides take turns on rounds of the stream (default 4), so that the machine's load
 * changing during the run weighs on both alike.
 *
 * Run: `npm run build && node dist/bench/contest.js [--submissions N] [--rounds N] [--main FILE]` (default 100; Redis at CAGED_REDIS_URL).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { CagedClient } from '../src/client';
import { loadConfig } from '../src/config';
import type { JudgeResult, SubmissionInput } from '../src/judge/schema';
import { redisConnection } from '../src/queue/connection';
import { resolveLimits, testLimitsConfig } from '../src/judge/limits';
import { loadManifest } from '../src/rootfs/manifest';
import { BENCH_MANIFEST, percentile } from './common';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--submissions') + 1] ?? 0) || 100;
const TESTS = 20;
/** Rounds the stream is cut into, each judged both ways in turn (`--rounds N`, default 4). */
const ROUNDS = Number(args[args.indexOf('--rounds') + 1] ?? 0) || 4;
const CPU_LIMIT_MS = 1000;
const config = loadConfig(process.env, ['redisUrl', 'concurrency']);
/** `--main FILE`: the worker of another checkout (its dist/src/cli/main.js), to compare before and after a change. */
const WORKER_MAIN = args.includes('--main')
  ? path.resolve(args[args.indexOf('--main') + 1]!)
  : path.join(__dirname, '..', 'src', 'cli', 'main.js');

/** Makes every source of this run new to the worker's (persistent) compile cache. */
const RUN = `${process.pid}-${Date.now()}`;

type Lang = 'cpp17' | 'python3' | 'c';
type Kind = 'AC' | 'TLE' | 'CE';
interface Entry {
  lang: Lang;
  kind: Kind;
  source: string;
}

const SOURCES: Record<Lang, Record<Kind, string>> = {
  cpp17: {
    AC: '#include <bits/stdc++.h>\nusing namespace std;\nint main(){long long a,b;cin>>a>>b;cout<<a+b<<"\\n";}\n',
    TLE: '#include <bits/stdc++.h>\nusing namespace std;\nint main(){long long a,b;cin>>a>>b;volatile long long s=0;for(;;)s+=a;}\n',
    CE: '#include <bits/stdc++.h>\nusing namespace std;\nint main(){long long a,b;cin>>a>>b;cout<<a+b<<"\\n"}\n',
  },
  python3: {
    AC: 'a, b = map(int, input().split())\nprint(a + b)\n',
    TLE: 'a, b = map(int, input().split())\nwhile True:\n    a += b\n',
    CE: 'a, b = map(int, input().split())\nprint(a + b)\n',
  },
  c: {
    AC: '#include <stdio.h>\nint main(void){long long a,b;if(scanf("%lld %lld",&a,&b)!=2)return 1;printf("%lld\\n",a+b);return 0;}\n',
    TLE: '#include <stdio.h>\nint main(void){long long a,b;if(scanf("%lld %lld",&a,&b)!=2)return 1;volatile long long s=0;for(;;)s+=a;}\n',
    CE: '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b)printf("%lld\\n",a+b);}\n',
  },
};

/** The i-th submission of the stream: the mix of the issue, deterministic, every source distinct. */
function entry(i: number): Entry {
  const slot = i % 20;
  const lang: Lang = slot < 12 ? 'cpp17' : slot < 17 ? 'python3' : 'c';
  // 10 % TLE (slots 3 and 13: C++ and Python... spread over languages), 5 % CE (slot 7, C++).
  const kind: Kind = slot === 3 || slot === 14 ? 'TLE' : slot === 7 ? 'CE' : 'AC';
  const tag = `${lang === 'python3' ? '#' : '//'} submission ${i} of run ${RUN}\n`;
  return { lang, kind, source: tag + SOURCES[lang][kind] };
}

const TESTCASES = Array.from({ length: TESTS }, (_, t) => {
  const a = 1000 * t + 7;
  const b = 31 * t - 5;
  return { stdin: `${a} ${b}\n`, expected: `${a + b}\n` };
});

function submission(e: Entry): SubmissionInput {
  return { language: e.lang, source: e.source, testcases: TESTCASES, limits: { cpuTimeMs: CPU_LIMIT_MS }, stopOnFirstFailure: true };
}

const expectedVerdict = (e: Entry): string => (e.kind === 'CE' && e.lang !== 'python3' ? 'CE' : e.kind === 'TLE' ? 'TLE' : 'AC');

// ---- through Redis ----------------------------------------------------------------------------

async function startWorker(queue: string): Promise<{ stop: () => Promise<void> }> {
  const env: NodeJS.ProcessEnv = { ...process.env, CAGED_REDIS_URL: config.redisUrl, CAGED_QUEUE: queue, CAGED_LOG_LEVEL: 'info' };
  delete env.CAGED_CONCURRENCY; // the default concurrency is the figure
  const child = spawn(process.execPath, [WORKER_MAIN, 'worker'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (seen.includes('"worker ready"')) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve();
      }
    };
    child.stdout.on('data', onData);
    void exited.then(() => reject(new Error('the worker exited before it was ready')));
  });
  return {
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface Sandboxed {
  seconds: number;
  results: JudgeResult[];
  latencyMs: number[];
}

/** A worker on a fresh queue and a client, warmed up; `run` judges a chunk of the stream through them. */
async function sandboxed(): Promise<{ run: (entries: Entry[]) => Promise<Sandboxed>; close: () => Promise<void> }> {
  const queue = `caged-bench-contest-${process.pid}`;
  const worker = await startWorker(queue);
  const client = new CagedClient({ connection: config.redisUrl, queueName: queue });
  const close = async (): Promise<void> => {
    await client.close();
    await worker.stop();
    const conn = redisConnection(config.redisUrl);
    const q = new Queue(queue, { connection: conn.options });
    await q.obliterate({ force: true });
    await q.close();
  };
  try {
    // Warm-up outside the figure: the worker's first compile of each language.
    await Promise.all(
      (['cpp17', 'python3', 'c'] as const).map((lang) => client.submit(submission({ lang, kind: 'AC', source: SOURCES[lang].AC }))),
    );
  } catch (err) {
    await close();
    throw err;
  }
  return {
    close,
    run: async (entries) => {
      const latencyMs: number[] = [];
      const t0 = performance.now();
      const results = await Promise.all(
        entries.map(async (e, k) => {
          const t = performance.now();
          const r = await client.submit(submission(e));
          latencyMs[k] = performance.now() - t;
          return r;
        }),
      );
      return { seconds: (performance.now() - t0) / 1000, results, latencyMs };
    },
  };
}

// ---- with no sandbox ---------------------------------------------------------------------------

interface Proc {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  timedOut: boolean;
}

function exec(argv: readonly string[], cwd: string, stdin: string, timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['pipe', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    let stdout = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

/**
 * Host commands with the image's flags (C and C++ static, -O2, -DONLINE_JUDGE), and Python as
 * the image runs it: Debian's /usr/bin/python3 (not a version manager's shim on PATH), with
 * the language's environment and its syntax check (py_compile) as its compile.
 */
function hostCommands(lang: Lang, pchDir: string): { file: string; compile: string[] | null; run: string[]; env?: NodeJS.ProcessEnv } {
  if (lang === 'cpp17')
    return {
      file: 'main.cpp',
      compile: ['g++', '-O2', '-std=gnu++17', '-DONLINE_JUDGE', '-I', pchDir, '-pipe', '-static', '-o', 'main', 'main.cpp'],
      run: ['./main'],
    };
  if (lang === 'c')
    return {
      file: 'main.c',
      compile: ['gcc', '-O2', '-std=gnu17', '-DONLINE_JUDGE', '-pipe', '-static', '-o', 'main', 'main.c', '-lm'],
      run: ['./main'],
    };
  return {
    file: 'main.py',
    compile: ['/usr/bin/python3', '-m', 'py_compile', 'main.py'],
    run: ['/usr/bin/python3', 'main.py'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  };
}

/**
 * Each language's test limits exactly as caged resolves them (src/judge/limits.ts: the image's
 * time factor, the wall limit derived from the CPU limit): the host enforces the same CPU limit
 * (RLIMIT_CPU, whole seconds) and the same wall limit.
 */
let hostLimits: Record<Lang, { cpuS: number; wallMs: number }> | undefined;

async function loadHostLimits(): Promise<Record<Lang, { cpuS: number; wallMs: number }>> {
  const manifest = await loadManifest(BENCH_MANIFEST);
  const of = (lang: Lang): { cpuS: number; wallMs: number } => {
    const l = manifest.languages.find((x) => x.id === lang);
    if (!l) throw new Error(`the image has no language ${lang}`);
    const r = resolveLimits({ cpuTimeMs: CPU_LIMIT_MS }, testLimitsConfig(), 'limits', {
      timeFactor: l.timeFactor,
      memoryFactor: l.memoryFactor,
    });
    return { cpuS: Math.ceil(r.cpuTimeMs / 1000), wallMs: r.wallTimeMs };
  };
  return { cpp17: of('cpp17'), python3: of('python3'), c: of('c') };
}

/** A submission judged on the host: its verdict and the time of its compile and of its tests, ms. */
interface HostJudgement {
  verdict: string;
  compileMs: number;
  testsMs: number;
}

async function judgeOnHost(e: Entry, dir: string, pchDir: string): Promise<HostJudgement> {
  fs.mkdirSync(dir, { recursive: true });
  const cmd = hostCommands(e.lang, pchDir);
  fs.writeFileSync(path.join(dir, cmd.file), e.source);
  const t0 = performance.now();
  if (cmd.compile) {
    const c = await exec(cmd.compile, dir, '', 30_000);
    if (c.code !== 0) return { verdict: 'CE', compileMs: performance.now() - t0, testsMs: 0 };
  }
  const t1 = performance.now();
  const done = (verdict: string): HostJudgement => ({ verdict, compileMs: t1 - t0, testsMs: performance.now() - t1 });
  hostLimits ??= await loadHostLimits();
  const limits = hostLimits[e.lang];
  for (const t of TESTCASES) {
    // caged's CPU limit as RLIMIT_CPU (whole seconds, as the limits are), and its wall limit.
    const r = await exec(['prlimit', `--cpu=${limits.cpuS}`, '--', ...cmd.run], dir, t.stdin, limits.wallMs, cmd.env);
    if (r.timedOut || r.signal === 'SIGXCPU' || r.signal === 'SIGKILL') return done('TLE');
    if (r.code !== 0) return done('RE');
    if (r.stdout.trim() !== t.expected.trim()) return done('WA');
  }
  return done('AC');
}

/** The host's own compilers, warmed up (the PCH built); `run` judges a chunk of the stream on `lanes` lanes. */
async function unsandboxed(
  lanes: number,
): Promise<{ run: (entries: Entry[]) => Promise<{ seconds: number; judged: HostJudgement[] }>; close: () => void }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-contest-'));
  const close = (): void => fs.rmSync(root, { recursive: true, force: true });
  const pchDir = path.join(root, 'pch');
  try {
    const header = fs.readdirSync('/usr/include/c++').sort().reverse()[0];
    fs.mkdirSync(path.join(pchDir, 'bits'), { recursive: true });
    const arch = `/usr/include/${os.arch() === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/c++/${header}/bits/stdc++.h`;
    const pch = await exec(
      ['g++', '-O2', '-std=gnu++17', '-DONLINE_JUDGE', '-x', 'c++-header', arch, '-o', path.join(pchDir, 'bits', 'stdc++.h.gch')],
      root,
      '',
      120_000,
    );
    if (pch.code !== 0) throw new Error(`precompiling ${arch} on the host failed`);
    await judgeOnHost(entry(0), path.join(root, 'warm'), pchDir);
  } catch (err) {
    close();
    throw err;
  }
  let dirs = 0;
  return {
    close,
    run: async (entries) => {
      const judged = new Array<HostJudgement>(entries.length);
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          for (let i = next++; i < entries.length; i = next++)
            judged[i] = await judgeOnHost(entries[i]!, path.join(root, String(dirs++)), pchDir);
        }),
      );
      return { seconds: (performance.now() - t0) / 1000, judged };
    },
  };
}

// ---- report ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const entries = Array.from({ length: N }, (_, i) => entry(i));
  // The two sides alternate in rounds of the stream (which goes first alternates too), so that a
  // change in the machine's load during the run weighs on both alike.
  const rounds = Math.max(1, Math.min(ROUNDS, N));
  const boxSide = await sandboxed();
  const box: Sandboxed = { seconds: 0, results: [], latencyMs: [] };
  const host = { seconds: 0, judged: [] as HostJudgement[] };
  try {
    const hostSide = await unsandboxed(config.concurrency);
    try {
      for (let r = 0; r < rounds; r++) {
        const chunk = entries.slice(Math.floor((r * N) / rounds), Math.floor(((r + 1) * N) / rounds));
        const sides = [
          async () => {
            const b = await boxSide.run(chunk);
            box.seconds += b.seconds;
            box.results.push(...b.results);
            box.latencyMs.push(...b.latencyMs);
          },
          async () => {
            const h = await hostSide.run(chunk);
            host.seconds += h.seconds;
            host.judged.push(...h.judged);
          },
        ];
        if (r % 2 === 1) sides.reverse();
        for (const side of sides) await side();
      }
    } finally {
      hostSide.close();
    }
  } finally {
    await boxSide.close();
  }

  const wrong = entries.flatMap((e, i) => {
    const got = box.results[i]!.verdict;
    const onHost = host.judged[i]!.verdict;
    return got === expectedVerdict(e) && onHost === got ? [] : [`#${i} ${e.lang} ${e.kind}: sandboxed ${got}, host ${onHost}`];
  });
  if (wrong.length) throw new Error(`verdicts differ from the stream's design:\n${wrong.join('\n')}`);

  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const judgeMs = box.results.map((r) => r.timing.totalMs);
  const compileMs = box.results.map((r) => r.timing.compileMs);
  const programMs = box.results.map((r) => r.tests.reduce((s, t) => s + t.wallTimeMs, 0));
  const overheadMs = box.results.map((r, i) => r.timing.totalMs - compileMs[i]! - programMs[i]!);
  const waitMs = box.latencyMs.map((l, i) => Math.max(0, l - judgeMs[i]!));
  const perMin = (s: number): number => (N / s) * 60;
  console.log(
    `bench/contest: ${N} submissions (60% C++17 bits/stdc++.h, 25% Python 3, 15% C; ${TESTS} tests; 10% TLE at 1 s, 5% CE), worker concurrency ${config.concurrency}`,
  );
  console.log(`sandboxed, through Redis:  ${perMin(box.seconds).toFixed(1)} submissions/min  (${box.seconds.toFixed(1)} s)`);
  console.log(`no sandbox, on the host:   ${perMin(host.seconds).toFixed(1)} submissions/min  (${host.seconds.toFixed(1)} s)`);
  console.log(`ratio sandboxed / no sandbox: ${(host.seconds / box.seconds).toFixed(3)}x (target >= 0.85x)`);
  console.log(
    `per submission, mean (p50): queue wait ${mean(waitMs).toFixed(0)} (${percentile(waitMs, 50).toFixed(0)}) ms, ` +
      `compile ${mean(compileMs).toFixed(0)} (${percentile(compileMs, 50).toFixed(0)}) ms, ` +
      `programs ${mean(programMs).toFixed(0)} (${percentile(programMs, 50).toFixed(0)}) ms, ` +
      `judge overhead ${mean(overheadMs).toFixed(0)} (${percentile(overheadMs, 50).toFixed(0)}) ms`,
  );
  // Where the sandboxed side loses, by language and kind: compile and tests (with their
  // containers), caged's against the host's, means in ms.
  for (const lang of ['cpp17', 'python3', 'c'] as const) {
    for (const kind of ['AC', 'TLE', 'CE'] as const) {
      const idx = entries.flatMap((e, i) => (e.lang === lang && e.kind === kind ? [i] : []));
      if (!idx.length) continue;
      const m = (f: (i: number) => number): string => mean(idx.map(f)).toFixed(0).padStart(5);
      console.log(
        `  ${`${lang} ${kind}`.padEnd(12)} x${String(idx.length).padEnd(3)} compile caged ${m((i) => compileMs[i]!)} host ${m((i) => host.judged[i]!.compileMs)}   ` +
          `tests caged ${m((i) => judgeMs[i]! - compileMs[i]!)} (programs ${m((i) => programMs[i]!)}) host ${m((i) => host.judged[i]!.testsMs)}`,
      );
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
