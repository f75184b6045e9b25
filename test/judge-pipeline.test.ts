/**
 * The pipeline on the real image: one compile for many tests, stopOnFirstFailure, the compile
 * cache across submissions, isolation between tests, compile bombs, and requests refused with
 * the field named (limits above the maxima, bad payloads).
 */
import crypto from 'node:crypto';
import { getEventListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AbortedError, InvalidRequestError } from '../src/errors';
import { Judge, type JudgeProgress } from '../src/judge/judge';
import type { SubmissionInput } from '../src/judge/schema';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';
import { LIMITS } from './helpers/programs';
import { liveJobDirs } from './helpers/job-dirs';

let sandbox: Sandbox;
let judge: Judge;
let cacheDir: string;

beforeAll(async () => {
  if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-pipeline-cache-'));
  sandbox = await Sandbox.create();
  judge = await Judge.create({
    sandbox,
    manifestPath: TEST_MANIFEST,
    compileCacheDir: cacheDir,
    maxima: { cpuTimeMs: 5000 },
    maxSourceBytes: 4096,
  });
}, 120_000);

afterAll(async () => {
  await judge?.close();
  await sandbox?.close();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

/** A C program echoing its one number; `tag` makes the source (and its cache key) unique. */
function echoC(tag = crypto.randomBytes(6).toString('hex')): string {
  return `/* ${tag} */\n#include <stdio.h>\nint main(void){long x; if(scanf("%ld",&x)!=1) return 1; printf("%ld\\n", x); return 0;}\n`;
}

function ownJobDirs(): string[] {
  return liveJobDirs(sandbox.jobsDir);
}

describe('when a submission has 50 tests', () => {
  it('compiles once and runs every test', async () => {
    const before = judge.stats();
    const testcases = Array.from({ length: 50 }, (_, i) => ({ stdin: `${i}\n`, expected: `${i}\n`, points: 2 }));
    const r = await judge.judge({ language: 'c', source: echoC(), testcases });
    const after = judge.stats();
    expect(r.verdict).toBe('AC');
    expect(r.tests).toHaveLength(50);
    expect(r.tests.every((t) => t.verdict === 'AC')).toBe(true);
    expect(r.score).toBe(100);
    expect(r.maxScore).toBe(100);
    expect(after.compiles - before.compiles).toBe(1);
    expect(after.cache!.misses - before.cache!.misses).toBe(1);
    expect(r.compile?.cached).toBe(false);
  }, 60_000);
});

describe('when stopOnFirstFailure is set', () => {
  const testcases = Array.from({ length: 10 }, (_, i) => ({ name: `t${i + 1}`, stdin: `${i}`, expected: i === 3 ? 'nope' : `${i}` }));

  it.each([1, 2])(
    'stops at the first failing test and marks the rest SKIPPED (parallelism %d)',
    async (parallelism) => {
      const j =
        parallelism === 1
          ? judge
          : await Judge.create({ sandbox, manifestPath: TEST_MANIFEST, compileCacheDir: cacheDir, testParallelism: parallelism });
      const progress: JudgeProgress[] = [];
      try {
        const r = await j.judge(
          { language: 'c', source: echoC(), testcases, stopOnFirstFailure: true },
          { onProgress: (p) => progress.push(p) },
        );
        expect(r.verdict).toBe('WA');
        expect(r.message).toContain('test 4 (t4)');
        expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC', 'WA', ...Array<string>(6).fill('SKIPPED')]);
        expect(r.tests[5]!.message).toContain('stopOnFirstFailure');
        expect(r.score).toBe(3);
        if (parallelism === 1) expect(progress.map((p) => p.testIndex)).toEqual([0, 1, 2, 3]);
        expect(progress.every((p) => p.total === 10)).toBe(true);
      } finally {
        if (j !== judge) await j.close();
      }
    },
    60_000,
  );

  it('runs every test without it', async () => {
    const r = await judge.judge({ language: 'c', source: echoC(), testcases });
    expect(r.tests.filter((t) => t.verdict === 'SKIPPED')).toHaveLength(0);
    expect(r.verdict).toBe('WA');
    expect(r.score).toBe(9);
  });
});

describe('when the same source is submitted twice', () => {
  it('hits the compile cache the second time, with compile times 0', async () => {
    const source = echoC();
    const sub: SubmissionInput = { language: 'c', source, testcases: [{ stdin: '7', expected: '7' }] };
    const first = await judge.judge(sub);
    const stats = judge.stats();
    const second = await judge.judge(sub);
    expect(first.compile).toMatchObject({ verdict: 'OK', cached: false });
    expect(first.compile!.cpuTimeMs).toBeGreaterThan(0);
    expect(second.compile).toMatchObject({ verdict: 'OK', cached: true, cpuTimeMs: 0, wallTimeMs: 0, memoryBytes: 0 });
    expect(second.verdict).toBe('AC');
    expect(judge.stats().cache!.hits).toBe(stats.cache!.hits + 1);
    expect(judge.stats().compiles).toBe(stats.compiles);
  });

  it('compiles once when it is submitted three times at once: the others wait and take the artefact', async () => {
    const sub: SubmissionInput = { language: 'c', source: echoC(), testcases: [{ stdin: '5', expected: '5' }] };
    const before = judge.stats();
    const results = await Promise.all([judge.judge(sub), judge.judge(sub), judge.judge(sub)]);
    expect(results.map((r) => r.verdict)).toEqual(['AC', 'AC', 'AC']);
    expect(results.map((r) => r.compile!.cached).sort()).toEqual([false, true, true]);
    expect(judge.stats().compiles - before.compiles).toBe(1);
  });

  it('compiles each of three at once when none compiles: a compile error is not kept', async () => {
    const sub: SubmissionInput = { language: 'c', source: `${echoC()}\nint broken(`, testcases: [{ stdin: '5' }] };
    const before = judge.stats();
    const results = await Promise.all([judge.judge(sub), judge.judge(sub), judge.judge(sub)]);
    expect(results.map((r) => [r.verdict, r.compile!.cached])).toEqual([
      ['CE', false],
      ['CE', false],
      ['CE', false],
    ]);
    expect(judge.stats().compiles - before.compiles).toBe(3);
  });

  it('compiles again when the compiler options differ', async () => {
    const source = '#include <stdio.h>\nint main(void){printf("%d\\n", ANSWER); return 0;}\n';
    const a = await judge.judge({ language: 'c', source, compilerOptions: ['-DANSWER=42'], testcases: [{ expected: '42' }] });
    const b = await judge.judge({ language: 'c', source, compilerOptions: ['-DANSWER=43'], testcases: [{ expected: '43' }] });
    expect([a.verdict, b.verdict]).toEqual(['AC', 'AC']);
    expect(b.compile!.cached).toBe(false);
  });
});

describe('when a cache hit lends its entry as a layer of /box', () => {
  /**
   * The program tries to write into its binary (not its own file: refused, as with a copied
   * one), then removes it and writes a file of that name in its place, and reads that back.
   */
  const vandal = (tag: string) =>
    `/* ${tag} */\n#include <errno.h>\n#include <stdio.h>\n#include <unistd.h>\nint main(void){` +
    `FILE *f = fopen("main", "r+"); int denied = !f && errno == EACCES; if (f) { fputs("GARBAGE", f); fclose(f); }` +
    `if (unlink("main") != 0) { puts("no-unlink"); return 0; }` +
    `f = fopen("main", "w"); fputs("GARBAGE", f); fclose(f);` +
    `f = fopen("main", "r"); char b[8] = {0}; fread(b, 1, 7, f); fclose(f);` +
    `printf("%s %s\\n", denied ? "denied" : "WRITTEN", b); return 0;}\n`;
  const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

  it('copies no binary into the job directory, and the program cannot change the entry', async () => {
    const tag = crypto.randomBytes(6).toString('hex');
    const source = vandal(tag);
    const sub: SubmissionInput = { language: 'c', source, testcases: [{ expected: 'denied GARBAGE' }, { expected: 'denied GARBAGE' }] };
    const first = await judge.judge(sub);
    expect(first.compile).toMatchObject({ cached: false });
    expect(first.tests.map((t) => t.verdict)).toEqual(['AC', 'AC']);
    // Every entry's binary, to compare after the vandal ran on its cache hit.
    const binaries = fs
      .readdirSync(path.join(cacheDir, 'entries'))
      .map((k) => path.join(cacheDir, 'entries', k, 'files', 'main'))
      .filter((f) => fs.existsSync(f));
    const before = new Map(binaries.map((f) => [f, sha(f)]));
    expect(before.size).toBeGreaterThan(0);
    const boxes: string[][] = [];
    const second = await judge.judge(sub, {
      onProgress: () => {
        for (const d of ownJobDirs()) boxes.push(fs.readdirSync(path.join(sandbox.jobsDir, d, 'box')));
      },
    });
    expect(second.compile).toMatchObject({ verdict: 'OK', cached: true });
    expect(second.tests.map((t) => t.verdict)).toEqual(['AC', 'AC']);
    // While the tests ran the job's box held the source alone: the binary came from the entry.
    expect(boxes.length).toBeGreaterThan(0);
    for (const names of boxes) expect(names).toEqual(['main.c']);
    for (const [f, digest] of before) expect(sha(f)).toBe(digest);
    // A third judging runs the intact binary again.
    expect((await judge.judge(sub)).tests.map((t) => t.verdict)).toEqual(['AC', 'AC']);
  });
});

describe('when the sandbox has no overlayfs', () => {
  // Decided, not a silent fallback: an overlay /box is then a per-run copy of the box alone
  // (Sandbox.withRunnableBox), which cannot carry a layer, so a hit is copied into the box.
  it('copies a hit into the box as before, and refuses a layered /box', async () => {
    const plain = await Sandbox.create({ overlay: false });
    const fallback = await Judge.create({ sandbox: plain, manifestPath: TEST_MANIFEST, compileCacheDir: cacheDir });
    try {
      const sub: SubmissionInput = { language: 'c', source: echoC(), testcases: [{ stdin: '5', expected: '5' }] };
      expect((await fallback.judge(sub)).compile).toMatchObject({ cached: false });
      const boxes: string[][] = [];
      const hit = await fallback.judge(sub, {
        onProgress: () => {
          for (const d of liveJobDirs(plain.jobsDir)) boxes.push(fs.readdirSync(path.join(plain.jobsDir, d, 'box')).sort());
        },
      });
      expect(hit.compile).toMatchObject({ cached: true });
      expect(hit.verdict).toBe('AC');
      expect(boxes).toContainEqual(['main', 'main.c']);
      await expect(
        plain.run({
          rootfs: { mode: 'dir', dir: '/nonexistent' },
          box: { hostDir: '/nonexistent/box', mode: 'overlay', lowerDirs: [cacheDir] },
          argv: ['true'],
          env: {},
          limits: LIMITS,
        }),
      ).rejects.toThrow(/needs overlayfs/);
    } finally {
      await fallback.close();
      await plain.close();
    }
  }, 120_000);
});

describe('when the compiler options leave no program to run', () => {
  it('reports RE with Judge0 14 (Exec Format Error), not an internal error', async () => {
    const r = await judge.judge({ language: 'c', source: echoC(), compilerOptions: ['-fsyntax-only'], testcases: [{ stdin: '1' }] });
    expect(r.compile?.verdict).toBe('OK');
    expect(r.verdict).toBe('RE');
    expect(r.judge0).toEqual({ id: 14, description: 'Exec Format Error' });
    expect(r.tests[0]!.message).toContain('ENOENT');
  });
});

describe('when a submission has several files', () => {
  it('writes them all next to the entry point', async () => {
    const r = await judge.judge({
      language: 'cpp17',
      files: [
        { name: 'main.cpp', content: '#include "answer.h"\n#include <cstdio>\nint main(){ std::printf("%d\\n", answer()); }\n' },
        { name: 'answer.h', content: Buffer.from('inline int answer() { return 42; }\n').toString('base64'), encoding: 'base64' },
      ],
      testcases: [{ expected: '42' }],
    });
    expect(r.verdict).toBe('AC');
  });
});

describe('when a test writes into /box', () => {
  it('leaves nothing for the next test', async () => {
    const source = 'import os\nprint("seen" if os.path.exists("state") else "fresh")\nopen("state", "w").write("x")\n';
    const r = await judge.judge({
      language: 'python3',
      source,
      testcases: [{ expected: 'fresh' }, { expected: 'fresh' }, { expected: 'fresh' }],
    });
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC']);
  });
});

describe('when the compiler is attacked', () => {
  const compileLimits = { cpuTimeMs: 3000, wallTimeMs: 6000, memoryBytes: 256 * 2 ** 20 };

  it.each([
    ['#include "/dev/zero"', 'c', '#include "/dev/zero"\nint main(void){return 0;}\n'],
    ['#include "/dev/random"', 'c', '#include "/dev/random"\nint main(void){return 0;}\n'],
    ['an exponential self-include (gigabytes of diagnostics)', 'c', '#include __FILE__\n#include __FILE__\nint main(void){return 0;}\n'],
    [
      'a template instantiation bomb',
      'cpp17',
      'template<int D, int N> struct T { static const int v = T<D-1, 2*N>::v + T<D-1, 2*N+1>::v; };\ntemplate<int N> struct T<0, N> { static const int v = 1; };\nint x = T<30, 0>::v;\nint main(){}\n',
    ],
  ])(
    'ends %s as CE within the compile limits',
    async (_name, language, source) => {
      const started = Date.now();
      const r = await judge.judge({ language, source, testcases: [{}], compileLimits });
      expect(r.verdict).toBe('CE');
      expect(r.judge0.id).toBe(6);
      expect(['CE', 'TLE', 'MLE', 'OLE']).toContain(r.compile!.verdict);
      expect(r.compile!.output.length).toBeLessThanOrEqual(64 * 1024 + 200);
      expect(r.compile!.wallTimeMs).toBeLessThan(compileLimits.wallTimeMs + 1000);
      expect(Date.now() - started).toBeLessThan(15_000);
    },
    30_000,
  );
});

describe('when limits are asked for', () => {
  it('applies lower limits', async () => {
    const r = await judge.judge({ language: 'python3', source: 'while True: pass\n', testcases: [{}], limits: { cpuTimeMs: 300 } });
    expect(r.verdict).toBe('TLE');
    expect(r.tests[0]!.cpuTimeMs).toBeLessThan(1000);
  });

  it.each([
    [{ limits: { cpuTimeMs: 5001 } }, 'limits.cpuTimeMs'],
    [{ limits: { memoryBytes: 2 ** 40 } }, 'limits.memoryBytes'],
    [{ limits: { pids: 100_000 } }, 'limits.pids'],
    [{ compileLimits: { wallTimeMs: 3_600_000 } }, 'compileLimits.wallTimeMs'],
  ])('refuses %j above the maxima, naming %s', async (extra, field) => {
    const err = await judge.judge({ language: 'c', source: echoC(), testcases: [{}], ...extra }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).field).toBe(field);
    expect((err as InvalidRequestError).retryable).toBe(false);
    expect((err as Error).message).toContain('above the maximum');
  });
});

describe('when the payload is bad', () => {
  const ok = { language: 'c', source: 'int main(void){return 0;}', testcases: [{}] };
  it.each(
    [
      [{}, 'language'],
      [{ ...ok, language: 'swift' }, 'language'],
      [{ ...ok, testcases: [] }, 'testcases'],
      [{ language: 'c', testcases: [{}] }, 'source'],
      [{ ...ok, files: [{ name: 'main.c', content: '' }] }, 'source'],
      [{ language: 'c', files: [{ name: '../main.c', content: '' }], testcases: [{}] }, 'files[0].name'],
      // C compiles every source ({sources}): any .c will do, but one there must be; Python runs its entry, main.py.
      [{ language: 'c', files: [{ name: 'notes.txt', content: '' }], testcases: [{}] }, 'files'],
      [{ language: 'python3', files: [{ name: 'other.py', content: '' }], testcases: [{}] }, 'files'],
      [{ ...ok, source: 'x'.repeat(5000) }, 'source'],
      [{ ...ok, compilerOptions: ['O2'] }, 'compilerOptions[0]'],
      // AWK is not compiled; Python's compile (a syntax check) takes no option.
      [{ ...ok, language: 'awk', compilerOptions: ['-O'] }, 'compilerOptions'],
      [{ ...ok, language: 'python3', compilerOptions: ['-O'] }, 'compilerOptions[0]'],
      [{ ...ok, testcases: [{ stdin: '%%%', stdinEncoding: 'base64' }] }, 'testcases[0].stdin'],
      [{ ...ok, testcases: [{ points: -1 }] }, 'testcases[0].points'],
      [{ ...ok, limits: { cpuTimeMs: -5 } }, 'limits.cpuTimeMs'],
      [{ ...ok, limits: { cpuTime: 5 } }, 'limits.cpuTime'],
      [{ ...ok, checker: { type: 'regex' } }, 'checker.type'],
      [{ ...ok, checker: { type: 'custom', language: 'swift', source: 'x' } }, 'checker.language'],
      [{ ...ok, schemaVersion: 2 }, 'schemaVersion'],
      [{ ...ok, surprise: true }, 'surprise'],
      ['not an object', '(submission)'],
    ].map(([payload, field]) => [JSON.stringify(payload).slice(0, 100), payload, field] as const),
  )('refuses %s naming the field, and leaves no job directory', async (_shown, payload, field) => {
    const err = await judge.judge(payload).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).field).toBe(field);
    expect(ownJobDirs()).toEqual([]);
  });
});

describe('when judging is aborted', () => {
  it('throws a retryable error and removes the job directory', async () => {
    const controller = new AbortController();
    controller.abort(new Error('worker shutting down'));
    const err = await judge
      .judge({ language: 'c', source: echoC(), testcases: [{}] }, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as AbortedError).retryable).toBe(true);
    expect((err as Error).message).toBe('judging was aborted (worker shutting down)');
    expect(ownJobDirs()).toEqual([]);
  });

  it("puts one listener at most on the caller's signal however many runs are under way at once (no leak warning)", async () => {
    const j = await Judge.create({ sandbox, manifestPath: TEST_MANIFEST, compileCacheDir: cacheDir, testParallelism: 12 });
    try {
      const controller = new AbortController();
      const testcases = Array.from({ length: 24 }, (_, i) => ({ stdin: `${i}`, expected: `${i}` }));
      // Counted as each test ends, while the others are still running.
      let most = 0;
      const onProgress = (): void => {
        most = Math.max(most, getEventListeners(controller.signal, 'abort').length);
      };
      const r = await j.judge({ language: 'c', source: echoC(), testcases }, { signal: controller.signal, onProgress });
      expect(r.verdict).toBe('AC');
      expect(most).toBeLessThanOrEqual(1);
    } finally {
      await j.close();
    }
  }, 120_000);

  it('kills the test running when it aborts, instead of waiting for it, and keeps nothing of it', async () => {
    const controller = new AbortController();
    const sleepy = '#include <unistd.h>\nint main(void){sleep(20);return 0;}\n';
    const started = Date.now();
    const judged = judge
      .judge(
        { language: 'c', source: sleepy, testcases: [{}, {}], limits: { wallTimeMs: 30_000 } },
        { signal: controller.signal, onProgress: () => undefined },
      )
      .catch((e: unknown) => e);
    // Aborted once the first test is under way (the compile takes ~0.2 s).
    setTimeout(() => controller.abort('worker shutting down'), 2_000);
    const err = await judged;
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as Error).message).toMatch(/^(the run|judging) was aborted \(worker shutting down\)$/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ownJobDirs()).toEqual([]);
  }, 60_000);
});

describe('after all of the above', () => {
  it('left no job directory behind', () => {
    expect(ownJobDirs()).toEqual([]);
  });
});
