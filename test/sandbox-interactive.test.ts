/**
 * Two sandboxes, one run (Sandbox.runPair): an interactor and a submission at once, their stdio
 * crossed by pipes, each in its own container with its own limits; every way the pair can end
 * ends it without deadlock, and leaves no process, cgroup or host id behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AbortedError } from '../src/errors';
import { JobDirs, type JobDir } from '../src/rootfs/job-dirs';
import type { PairOptions, PairResult } from '../src/sandbox/run-pair';
import { Sandbox } from '../src/sandbox/sandbox';
import type { RunLimits } from '../src/sandbox/types';
import { testRootfs } from './helpers/image';
import { GUESS_INTERACTOR_C, guessSubmissionC } from './helpers/interactive-programs';
import { ENV, LIMITS } from './helpers/programs';
import { ownDir } from './helpers/mode';

let sandbox: Sandbox;
let rootfs: string[];
let job: JobDir;
let io: string;

const ISOLATED = {
  hostIdBase: 31_000_000,
  hostIds: 32,
  runtimeDir: ownDir('/run/caged-interactive-test'),
  jobsDir: ownDir('/var/lib/caged/jobs-interactive-test'),
};

beforeAll(async () => {
  sandbox = await Sandbox.create(ISOLATED);
  rootfs = await testRootfs();
  job = JobDirs.of(sandbox).create();
  fs.writeFileSync(path.join(job.box, 'int.c'), GUESS_INTERACTOR_C);
  const modes = [0, 1, 2, 3, 4, 6, 7, 10];
  for (const m of modes) fs.writeFileSync(path.join(job.box, `sub${m}.c`), guessSubmissionC(m));
  const script = ['gcc -O1 -o int int.c', ...modes.map((m) => `gcc -O1 -o sub${m} sub${m}.c`)].join(' && ');
  const built = await sandbox.run({
    rootfs: { mode: 'overlay', lowerDirs: rootfs },
    box: { hostDir: job.box, mode: 'rw' },
    argv: ['/bin/sh', '-c', script],
    env: ENV,
    limits: { ...LIMITS, cpuTimeMs: 60_000, wallTimeMs: 120_000, memoryBytes: 1024 * 2 ** 20 },
  });
  if (built.exitCode !== 0) throw new Error(`compiling failed: ${built.stderr.toString()}`);
  io = path.join(job.path, 'io');
  fs.mkdirSync(io);
  fs.writeFileSync(path.join(io, 'input'), '737\n');
  fs.writeFileSync(path.join(io, 'answer'), '');
}, 120_000);

afterAll(async () => {
  job?.remove();
  await sandbox?.close();
});

const mine = () => sandbox.cgroups.list().filter((n) => n.startsWith(`caged-${process.pid}-`));

function boxProcesses(): number[] {
  const found: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      if (sandbox.ids.includes(uid)) found.push(Number(pid));
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

async function pair(
  interactorMode: number,
  submissionMode: number,
  limits: Partial<RunLimits> = {},
  opts: PairOptions = {},
  signal?: AbortSignal,
): Promise<PairResult> {
  const feedback = path.join(job.path, `fb-${interactorMode}-${submissionMode}-${Date.now()}`);
  fs.mkdirSync(feedback);
  try {
    return await sandbox.runPair(
      {
        rootfs: { mode: 'overlay', lowerDirs: rootfs },
        box: { hostDir: job.box, mode: 'overlay' },
        binds: [
          { hostPath: io, target: '/interactor', kind: 'dir' },
          { hostPath: feedback, target: '/feedback', kind: 'dir', writable: true },
        ],
        argv: ['./int', '/interactor/input', '/interactor/answer', '/feedback/', String(interactorMode)],
        env: ENV,
        limits: { ...LIMITS, wallTimeMs: 10_000 },
        ...(signal ? { signal } : {}),
      },
      {
        rootfs: { mode: 'overlay', lowerDirs: rootfs },
        box: { hostDir: job.box, mode: 'overlay' },
        argv: [`./sub${submissionMode}`],
        env: ENV,
        limits: { ...LIMITS, ...limits },
        ...(signal ? { signal } : {}),
      },
      opts,
    );
  } finally {
    fs.rmSync(feedback, { recursive: true, force: true });
  }
}

describe('when both sides play by the rules', () => {
  it('lets them talk to the end: the interactor accepts', async () => {
    const r = await pair(0, 0);
    expect(r.interactor.exitCode).toBe(42);
    expect(r.submission.exitCode).toBe(0);
    expect(r.submissionKilledAfterGrace).toBe(false);
  });
});

describe('when the submission reopens its pipes as /dev/stdin and /dev/stdout', () => {
  it('plays through them as through fds 0 and 1', async () => {
    const r = await sandbox.runPair(
      {
        rootfs: { mode: 'overlay', lowerDirs: rootfs },
        box: { hostDir: job.box, mode: 'overlay' },
        binds: [{ hostPath: io, target: '/interactor', kind: 'dir' }],
        argv: ['./int', '/interactor/input', '/interactor/answer', '/tmp/', '0'],
        env: ENV,
        limits: { ...LIMITS, wallTimeMs: 10_000 },
      },
      {
        rootfs: { mode: 'overlay', lowerDirs: rootfs },
        box: { hostDir: job.box, mode: 'overlay' },
        argv: ['/bin/sh', '-c', 'exec ./sub0 < /dev/stdin > /dev/stdout'],
        env: ENV,
        limits: LIMITS,
      },
    );
    expect([r.interactor.exitCode, r.submission.exitCode, r.submission.stderr.toString()]).toEqual([42, 0, '']);
  });
});

describe('when the interactor rejects and the submission keeps writing', () => {
  it('ends the interactor first (43) and the submission by SIGPIPE', async () => {
    const r = await pair(0, 1);
    expect(r.interactor.exitCode).toBe(43);
    expect(r.submission.signal).toBe('SIGPIPE');
    expect(r.firstEnded).toBe('interactor');
  });
});

describe('when the submission quits before the interactor answers', () => {
  it.each<[string, PairOptions]>([
    ['directly', {}],
    ['through the transcript tee', { transcriptBytes: 4096 }],
  ])('%s: its answers (more than a pipe holds) go nowhere, it is not killed by SIGPIPE, and it decides on EOF', async (_how, opts) => {
    const r = await pair(4, 6, {}, opts);
    expect(r.submission).toMatchObject({ exitCode: 0, signal: null });
    expect(r.interactor).toMatchObject({ exitCode: 43, signal: null, limitHit: null });
    expect(r.firstEnded).toBe('submission');
  });
});

describe('when the submission never flushes', () => {
  it('ends by the submission wall limit, the interactor then reading EOF, with both trees gone', async () => {
    const r = await pair(0, 2, { wallTimeMs: 1500 });
    expect(r.submission.limitHit).toBe('wall');
    expect(r.firstEnded).toBe('submission');
    expect(r.interactor.exitCode).toBe(43);
    expect(boxProcesses()).toEqual([]);
    expect(sandbox.running).toBe(0);
    expect(sandbox.ids.held()).toEqual([]);
    await sandbox.whenPrepared();
    expect(mine().length).toBe(sandbox.prepared + (sandbox.cgroups.pooled ?? 0));
  });
});

describe("when the pair's caller aborts it mid-game (RunPlan.signal)", () => {
  it('kills both containers at once and rejects with AbortedError, not a failed launch, leaving nothing behind', async () => {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort('the worker hands its job back'), 500);
    // The submission never flushes: without the abort the pair would run to its 8 s wall limit.
    const err: unknown = await pair(0, 2, { wallTimeMs: 8_000 }, {}, abort.signal).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as Error).message).toBe('the run was aborted (the worker hands its job back)');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(boxProcesses()).toEqual([]);
    expect(sandbox.running).toBe(0);
    expect(sandbox.ids.held()).toEqual([]);
  });
});

describe('when the submission crashes mid-game', () => {
  it('ends the submission first, by its signal', async () => {
    const r = await pair(0, 3);
    expect(r.submission.signal).toBe('SIGABRT');
    expect(r.firstEnded).toBe('submission');
  });
});

describe('when the submission exits non-zero after an exchange, the interactor waiting for its next guess', () => {
  it.each<[string, PairOptions]>([
    ['directly', {}],
    ['through the transcript tee', { transcriptBytes: 4096 }],
  ])('%s: ends the submission first, however soon the interactor reads the EOF and rejects', async (_how, opts) => {
    // The two ends fall within one moment (SIMULTANEOUS_MS): only the interactor's stdout, still
    // open when the submission's run ended, tells that it had not decided.
    for (let i = 0; i < 3; i++) {
      const r = await pair(0, 10, {}, opts);
      expect(r.submission).toMatchObject({ exitCode: 3, signal: null });
      expect(r.interactor.exitCode).toBe(43);
      expect(r.firstEnded).toBe('submission');
    }
  });
});

describe('when the interactor exits at once', () => {
  it('does not deadlock: the submission reads EOF or dies of the closed pipe', async () => {
    const t = Date.now();
    const r = await pair(1, 0);
    expect(r.interactor.exitCode).toBe(43);
    expect(r.firstEnded).toBe('interactor');
    expect(Date.now() - t).toBeLessThan(3000);
  });
});

describe('when the interactor crashes', () => {
  it('reports its signal', async () => {
    const r = await pair(2, 0);
    expect(r.interactor.signal).toBe('SIGABRT');
  });
});

describe('when the submission lingers after the interactor accepted', () => {
  it('kills it after the grace', async () => {
    const r = await pair(0, 4);
    expect(r.interactor.exitCode).toBe(42);
    expect(r.submissionKilledAfterGrace).toBe(true);
    expect(r.submission.signal).toBe('SIGKILL');
    expect(r.submission.wallTimeMs).toBeLessThan(LIMITS.wallTimeMs);
  });
});

describe('when the submission floods its output after the interactor accepted', () => {
  it.each<[string, PairOptions]>([
    ['directly', {}],
    ['through the transcript tee', { transcriptBytes: 4096 }],
  ])('%s: kills it once the worker has dropped its output limit, well before the grace', async (_how, opts) => {
    const r = await pair(0, 7, { outputBytes: 1024 * 1024 }, { ...opts, graceMs: 30_000, acceptExitCodes: [42] });
    expect(r.interactor.exitCode).toBe(42);
    expect(r.submissionFloodedAfterAccept).toBe(true);
    expect(r.submissionKilledAfterGrace).toBe(false);
    expect(r.submission.signal).toBe('SIGKILL');
    expect(r.firstEnded).toBe('interactor');
    expect(r.submissionEndMs - r.interactorEndMs).toBeLessThan(5000);
  });

  it('counts nothing against a submission that writes nothing after "="', async () => {
    const r = await pair(0, 0, { outputBytes: 1024 * 1024 }, { dropBytes: 0, acceptExitCodes: [42] });
    expect(r.submissionFloodedAfterAccept).toBe(false);
    expect(r.submission.exitCode).toBe(0);
  });
});

describe('when the interactor burns CPU', () => {
  it('bills it to the interactor, not to the submission', async () => {
    const r = await pair(3, 0);
    expect(r.interactor.exitCode).toBe(42);
    expect(r.interactor.cpuTimeMs).toBeGreaterThanOrEqual(550);
    expect(r.submission.cpuTimeMs).toBeLessThan(100);
  });

  it('ends the interactor by its own CPU limit, not the submission', async () => {
    const feedback = path.join(job.path, 'fb-cpu');
    fs.mkdirSync(feedback);
    const r = await sandbox.runPair(
      {
        rootfs: { mode: 'overlay', lowerDirs: rootfs },
        box: { hostDir: job.box, mode: 'overlay' },
        binds: [
          { hostPath: io, target: '/interactor', kind: 'dir' },
          { hostPath: feedback, target: '/feedback', kind: 'dir', writable: true },
        ],
        argv: ['./int', '/interactor/input', '/interactor/answer', '/feedback/', '3'],
        env: ENV,
        limits: { ...LIMITS, cpuTimeMs: 200 },
      },
      {
        rootfs: { mode: 'overlay', lowerDirs: rootfs },
        box: { hostDir: job.box, mode: 'overlay' },
        argv: ['./sub0'],
        env: ENV,
        limits: LIMITS,
      },
    );
    expect(r.interactor.limitHit).toBe('cpu');
    expect(r.submission.limitHit).toBeNull();
    expect(r.firstEnded).toBe('interactor');
  });
});

describe('when a transcript is asked for', () => {
  it('keeps the exchange in order, by side', async () => {
    const r = await pair(0, 0, {}, { transcriptBytes: 4096 });
    expect(r.interactor.exitCode).toBe(42);
    expect(r.submission.exitCode).toBe(0);
    const text = r.transcript!.chunks.map((c) => `${c.from === 'submission' ? '>' : '<'} ${c.data.toString()}`).join('');
    expect(text.startsWith('> 500\n< <\n> 750\n< >\n')).toBe(true);
    expect(text.endsWith('> 737\n< =\n')).toBe(true);
    expect(r.transcript!.truncated).toBe(false);
  });

  it('caps it, and still ends the submission by SIGPIPE after the interactor rejected', async () => {
    const r = await pair(0, 1, {}, { transcriptBytes: 16 });
    expect(r.interactor.exitCode).toBe(43);
    expect(r.submission.signal).toBe('SIGPIPE');
    expect(r.transcript!.truncated).toBe(true);
    expect(r.transcript!.chunks.reduce((n, c) => n + c.data.length, 0)).toBe(16);
  });

  it("leaves none of the worker's pipe ends open", async () => {
    // The pipes and sockets open (the lease lock files stay open for the sandbox's life).
    const pipes = () =>
      fs.readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return /^(pipe|socket):/.test(fs.readlinkSync(`/proc/self/fd/${fd}`));
        } catch {
          return false; // the fd of the directory listing itself, closed by now
        }
      }).length;
    await sandbox.whenPrepared();
    const fds = pipes();
    await pair(0, 1, {}, { transcriptBytes: 64 });
    await pair(0, 0, {}, { transcriptBytes: 64 });
    await pair(4, 6, {}, { transcriptBytes: 64 });
    await pair(4, 6); // the worker's own reader of the interactor's answers, without the tee
    await pair(0, 0);
    await sandbox.whenPrepared();
    expect(pipes()).toBe(fds);
  });

  it('still ends a submission that never flushes by its wall limit', async () => {
    const r = await pair(0, 2, { wallTimeMs: 1000 }, { transcriptBytes: 4096 });
    expect(r.submission.limitHit).toBe('wall');
    expect(r.firstEnded).toBe('submission');
  });
});

describe('while a pair runs', () => {
  it('prepares no container beside it (that work would slow the exchange), and refills the pool after', async () => {
    await sandbox.whenPrepared();
    const before = sandbox.prepared;
    expect(before).toBeGreaterThanOrEqual(2);
    // Submission mode 4 lingers after "=" until the grace (1 s) ends it.
    const running = pair(0, 4);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sandbox.running).toBe(1); // the submission, lingering
    expect(sandbox.prepared).toBe(before - 2);
    expect((await running).submissionKilledAfterGrace).toBe(true);
    await sandbox.whenPrepared();
    expect(sandbox.prepared).toBe(before);
  });
});

describe('after every pair', () => {
  it('leaves no box process, no run cgroup, no host id', async () => {
    await sandbox.whenPrepared();
    expect(boxProcesses()).toEqual([]);
    expect(sandbox.ids.held()).toEqual([]);
    expect(sandbox.running).toBe(0);
    expect(mine().length).toBe(sandbox.prepared + (sandbox.cgroups.pooled ?? 0));
  });
});
