/**
 * Nothing a submission prints may stall the worker: the built-in checkers and the processing of
 * compiler and checker output take time linear in the text, large checks run off the event loop
 * (which enforces every box's limits), and a box's CPU limit holds while the worst checking job
 * runs beside it in the same Judge.
 *
 * "Reading" an output is what the judge already does with it before any check: the same
 * program's bytes received from its pipe, measured as the wall time of the same program run by
 * the same Judge with no expected answer (program start to exit; the program cannot finish
 * before the worker has taken all but the last pipe buffer). Beside it the test prints a plain
 * pass over the buffer in this process, for scale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkFloat, checkLines, checkTokens } from '../src/judge/checkers';
import { CheckRunner } from '../src/judge/check-runner';
import { parsePoints } from '../src/judge/custom-checker';
import { Judge, type TextWork } from '../src/judge/judge';
import { oneLine } from '../src/judge/result';
import type { SubmissionInput } from '../src/judge/schema';
import { EventLoopWatchdog } from '../src/queue/event-loop-watchdog';
import { Sandbox } from '../src/sandbox/sandbox';
import { TEST_MANIFEST } from './helpers/image';

const MiB = 2 ** 20;
const OUTPUT = 8 * MiB;

const ms = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e6;

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = process.hrtime.bigint();
  const value = f();
  return { value, ms: ms(t0) };
}

/** Least of `n` timings: the one least disturbed by the other engineers' load on the machine. */
function best(n: number, f: () => unknown): number {
  let least = Infinity;
  for (let i = 0; i < n; i++) least = Math.min(least, timed(f).ms);
  return least;
}

/** A plain pass over the buffer: every byte looked at once. */
function plainPass(b: Buffer): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += b[i]!;
  return s;
}

function digitsThenX(n: number): Buffer {
  const b = Buffer.alloc(n, 0x31);
  b[n - 1] = 0x78;
  return b;
}

describe('the built-in checkers on adversarial output', () => {
  // The old float checker's regex took time quadratic in a token's length (120 000 digits and
  // an "x": 16 s). Four times the size must cost about four times as much, not sixteen.
  it('take linear time in the length of one huge token', () => {
    const small = digitsThenX(2 * MiB);
    const large = digitsThenX(8 * MiB);
    const answer = Buffer.from('1\n');
    checkFloat(small, answer, 1e-6, 1e-6); // warm up
    const tSmall = best(3, () => checkFloat(small, answer, 1e-6, 1e-6));
    const tLarge = best(3, () => checkFloat(large, answer, 1e-6, 1e-6));
    const pass = best(3, () => plainPass(large));
    console.log(`float checker: 2 MiB token ${tSmall.toFixed(1)} ms, 8 MiB token ${tLarge.toFixed(1)} ms; plain pass over 8 MiB ${pass.toFixed(1)} ms`);
    expect(tLarge).toBeLessThan(8 * tSmall + 5);
    expect(checkFloat(large, answer, 1e-6, 1e-6).message).toMatch(/^token 1 differs: expected "1", got "1{40}…"$/);
  });

  it('accept the same number notation as before', () => {
    const ok = (o: string, a: string) => checkFloat(Buffer.from(o), Buffer.from(a), 1e-6, 0).accepted;
    expect(ok('+.5', '0.5')).toBe(true);
    expect(ok('1.', '1')).toBe(true);
    expect(ok('1.e0', '1')).toBe(true);
    expect(ok('-2.5E+3', '-2500')).toBe(true);
    expect(ok('.', '0')).toBe(false);
    expect(ok('1e', '1')).toBe(false);
    expect(ok('1e+', '1')).toBe(false);
    expect(ok('0x1', '1')).toBe(false);
    expect(ok('Infinity', 'Infinity')).toBe(true); // equal tokens
    expect(ok('Infinity', '1e400')).toBe(false);
    expect(ok('١', '1')).toBe(false); // only ASCII digits
  });

  it('keep lines and tokens linear on millions of tiny pieces and on one line of spaces', () => {
    const lines = Buffer.alloc(OUTPUT, 0x0a);
    for (let i = 0; i < OUTPUT; i += 2) lines[i] = 0x31;
    const spaces = Buffer.alloc(OUTPUT, 0x20);
    spaces[0] = 0x31;
    expect(checkLines(lines, lines).message).toBe(`ok, ${OUTPUT / 2} lines`);
    expect(checkTokens(lines, lines).message).toBe(`ok, ${OUTPUT / 2} tokens`);
    expect(checkLines(spaces, Buffer.from('1')).accepted).toBe(true);
  });
});

describe('the scanners against the definitions they replace', () => {
  // The definitions as they were written before (split, trim, regular expressions): fine on
  // the few bytes used here, quadratic on a submission's megabytes.
  const WSC = ' \t\n\v\f\r';
  const show = (s: string | undefined) => (s === undefined ? 'end of output' : JSON.stringify(Buffer.from(s, 'latin1').toString('utf8').length > 40 ? `${Buffer.from(s, 'latin1').toString('utf8').slice(0, 40)}…` : Buffer.from(s, 'latin1').toString('utf8')));
  const trimEnd = (l: string) => {
    let e = l.length;
    while (e > 0 && WSC.includes(l[e - 1]!)) e--;
    return l.slice(0, e);
  };
  const refLines = (o: string, a: string) => {
    const sig = (t: string) => {
      const ls = t.split('\n').map(trimEnd);
      while (ls.length && ls[ls.length - 1] === '') ls.pop();
      return ls;
    };
    const out = sig(o);
    const ans = sig(a);
    for (let i = 0; i < Math.max(out.length, ans.length); i++) {
      if (out[i] !== ans[i]) return { accepted: false, message: `line ${i + 1} differs: expected ${show(ans[i])}, got ${show(out[i])}` };
    }
    return { accepted: true, message: `ok, ${ans.length} lines` };
  };
  const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
  const refTokens = (o: string, a: string, float: boolean) => {
    const out = o.match(/[^ \t\n\v\f\r]+/g) ?? [];
    const ans = a.match(/[^ \t\n\v\f\r]+/g) ?? [];
    const same = (x: string, y: string) => {
      if (x === y) return true;
      if (!float || !NUMBER.test(x) || !NUMBER.test(y)) return false;
      const d = Math.abs(Number(x) - Number(y));
      const slack = 1e-12 * Math.max(1, Math.abs(Number(y)));
      return Number.isFinite(Number(x)) && Number.isFinite(Number(y)) && (d <= 1e-6 + slack || d <= 1e-6 * Math.abs(Number(y)) + slack);
    };
    for (let i = 0; ; i++) {
      if (i >= out.length && i >= ans.length) return { accepted: true, message: `ok, ${i} tokens` };
      if (i >= out.length || i >= ans.length || !same(out[i]!, ans[i]!)) return { accepted: false, message: `token ${i + 1} differs: expected ${show(ans[i])}, got ${show(out[i])}` };
    }
  };

  it('agree on 20 000 random outputs and answers, long equal stretches included', () => {
    const alphabet = ['1', '2', '0', '5', ' ', '\n', '\r', '\t', '\v', '.', 'e', 'E', '-', '+', 'x', 'é'];
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const text = (max: number) => Array.from({ length: rand(max) }, () => alphabet[rand(alphabet.length)]).join('');
    const differing: unknown[] = [];
    for (let k = 0; k < 20_000; k++) {
      const a = text(k % 10 === 0 ? 300 : 14);
      const o = k % 3 === 0 ? a.replace(/[ \n]/g, (c) => (rand(2) ? c : c === ' ' ? '\n' : ' \r\n')) : k % 3 === 1 ? a + text(4) : text(14);
      const [ob, ab] = [Buffer.from(o, 'latin1'), Buffer.from(a, 'latin1')];
      const pairs: Array<[string, unknown, unknown]> = [
        ['lines', checkLines(ob, ab), refLines(o, a)],
        ['tokens', checkTokens(ob, ab), refTokens(o, a, false)],
        ['float', checkFloat(ob, ab, 1e-6, 1e-6), refTokens(o, a, true)],
      ];
      for (const [name, got, want] of pairs) if (JSON.stringify(got) !== JSON.stringify(want)) differing.push({ name, o, a, got, want });
    }
    expect(differing.slice(0, 5)).toEqual([]);
  });
});

describe('processing compiler and checker messages', () => {
  it('makes one line of a 60 000-space line quickly, as the old regular expression did slowly', () => {
    // As gcc shows it: the source line, then the caret line, each with the spaces inside.
    const text = `main.c:1:60030: error: expected ';'\n    1 | int main(void){ return 0${' '.repeat(60_000)}x; }\n      |${' '.repeat(60_024)}^\n`;
    const { value, ms: t } = timed(() => oneLine(`Compilation Error: ${text}`));
    expect(t).toBeLessThan(50);
    expect(value.length).toBe(500);
    expect(value.startsWith("Compilation Error: main.c:1:60030: error: expected ';' 1 | int main(void){ return 0   ")).toBe(true);
    expect(oneLine('  a \n\t b  c\u00a0\n ')).toBe('a b  c');
    expect(oneLine('x'.repeat(600))).toBe(`${'x'.repeat(499)}…`);
  });

  it('reads partial points linearly from a checker that prints a huge number', () => {
    const huge = (n: number) => Buffer.concat([Buffer.from('points 0.'), Buffer.alloc(n, 0x35), Buffer.from('x\n')]);
    parsePoints(huge(MiB)); // warm up
    const t1 = best(3, () => parsePoints(huge(MiB)));
    const t4 = best(3, () => parsePoints(huge(4 * MiB)));
    expect(parsePoints(huge(4 * MiB))).toBeNull();
    expect(t4).toBeLessThan(8 * t1 + 5); // linear: four times the text, about four times the time
    expect(parsePoints(Buffer.from('\n  points 0.25 rest\nmore'))).toBe(0.25);
  });
});

describe('the check runner', () => {
  it('checks small outputs inline and large ones in a thread, with the same outcome', async () => {
    const runner = new CheckRunner();
    try {
      const small = await runner.check({ type: 'tokens' }, Buffer.from('1 2'), Buffer.from('1 2'));
      expect(small).toMatchObject({ where: 'inline', outcome: { accepted: true, message: 'ok, 2 tokens' } });
      expect(runner.threadCount).toBe(0);
      const big = digitsThenX(OUTPUT);
      const large = await runner.check({ type: 'float', absolute: 1e-6, relative: 1e-6 }, big, Buffer.from('1'));
      expect(large.where).toBe('thread');
      expect(large.outcome).toEqual(checkFloat(big, Buffer.from('1'), 1e-6, 1e-6));
      expect(runner.threadCount).toBe(1);
      // Handed over: transferred to the thread, not copied; the caller's buffers are empty.
      const out = digitsThenX(OUTPUT);
      const ans = Buffer.from(`${'1'.repeat(OUTPUT - 1)}x`);
      const handed = await runner.check({ type: 'tokens' }, out, ans, { handOver: true });
      expect(handed.outcome).toEqual({ accepted: true, message: 'ok, 1 tokens' });
      expect(out.length + ans.length).toBe(0);
    } finally {
      await runner.close();
    }
    await expect(runner.check({ type: 'exact' }, Buffer.alloc(0), Buffer.alloc(0))).rejects.toThrow(/closed/);
  });
});

describe('through the real judge', () => {
  let judge: Judge;
  let cacheDir: string;

  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST)) throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-untrusted-'));
    judge = await Judge.create({ sandbox: await Sandbox.create(), closeSandbox: true, manifestPath: TEST_MANIFEST, compileCacheDir: cacheDir });
  }, 120_000);

  afterAll(async () => {
    await judge?.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  /** Prints, by its stdin "MODE N": d = N−1 digits then "x"; t = "1 " × N/2; l = "1\n" × N/2. */
  const PRINTER = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void){
  char mode; size_t n;
  if (scanf(" %c %zu", &mode, &n) != 2) return 2;
  char *b = malloc(n);
  if (!b) return 3;
  if (mode == 'd') { memset(b, '1', n - 1); b[n - 1] = 'x'; }
  else for (size_t i = 0; i < n; i += 2) { b[i] = '1'; b[i + 1] = mode == 't' ? ' ' : '\\n'; }
  fwrite(b, 1, n, stdout);
  return 0;
}
`;

  const work = (s: SubmissionInput) => {
    const seen: TextWork[] = [];
    return { seen, run: () => judge.judge(s, { onTextWork: (w) => seen.push(w) }) };
  };

  // The adversarial output of the issue: one 8 MiB token of digits ending in "x". The float
  // checker must find it is not a number (its old regex: quadratic, hours at this size); the
  // tokens and lines checkers compare it in full with an answer that differs in its last byte.
  it.each([
    ['float', { type: 'float' as const, absolute: 1e-6, relative: 1e-6 }, '1\n'],
    ['tokens', { type: 'tokens' as const }, `${'1'.repeat(OUTPUT - 1)}y\n`],
    ['lines', { type: 'lines' as const }, `${'1'.repeat(OUTPUT - 1)}y\n`],
  ])('checks 8 MiB of adversarial output with the %s checker within twice the time of reading it', async (name, checker, expected) => {
    const stdin = `d ${OUTPUT}\n`;
    const reads: number[] = [];
    const checks: number[] = [];
    // Interleaved, so that both see the same load on a shared machine; the least of each.
    for (let i = 0; i < 3; i++) {
      // Reading: the same output received by the same judge, nothing to check.
      const r = await judge.judge({ language: 'c', source: PRINTER, testcases: [{ stdin }] });
      expect(r.verdict).toBe('AC');
      reads.push(r.tests[0]!.wallTimeMs);
      const { seen, run } = work({ language: 'c', source: PRINTER, checker, testcases: [{ stdin, expected }] });
      const c = await run();
      expect(c.verdict).toBe('WA');
      expect(c.tests[0]!.checkerMessage).toMatch(/^(token|line) 1 differs: expected "1+…", got "1{40}…"$|^token 1 differs: expected "1", got "1{40}…"$/);
      const check = seen.find((w) => w.step === 'check');
      expect(check?.bytes).toBe(OUTPUT + Buffer.byteLength(expected));
      checks.push(check!.ms);
    }
    const read = Math.min(...reads);
    const checked = Math.min(...checks);
    const buffer = digitsThenX(OUTPUT);
    const pass = best(3, () => plainPass(buffer));
    console.log(`${name}: checking 8 MiB ${checked.toFixed(1)} ms (runs ${checks.map((c) => c.toFixed(1)).join(', ')}), reading it ${read.toFixed(1)} ms (runs ${reads.join(', ')}), plain pass ${pass.toFixed(1)} ms`);
    expect(checked).toBeLessThan(2 * read);
  }, 180_000);

  // The worst case per piece: 4 Mi one-byte tokens or lines, the answer's whitespace different
  // from the output's in every separator (no identical-bytes shortcut). Linear and off the
  // event loop; its cost per byte is several times a plain pass (figures in the log).
  it.each([
    ['tokens', 't', { type: 'tokens' as const }, '1\n'],
    ['lines', 'l', { type: 'lines' as const }, '1\r\n'],
  ])('checks 4 Mi one-byte %s off the event loop, in time linear in their number', async (name, mode, checker, piece) => {
    const times: number[] = [];
    for (const size of [OUTPUT / 4, OUTPUT]) {
      let least = Infinity;
      for (let i = 0; i < 3; i++) {
        const { seen, run } = work({ language: 'c', source: PRINTER, checker, testcases: [{ stdin: `${mode} ${size}\n`, expected: piece.repeat(size / 2) }] });
        const r = await run();
        expect(r.verdict).toBe('AC');
        least = Math.min(least, seen.find((w) => w.step === 'check')!.ms);
      }
      times.push(least);
    }
    console.log(`${name}: ${OUTPUT / 8} pieces checked in ${times[0]!.toFixed(1)} ms, ${OUTPUT / 2} in ${times[1]!.toFixed(1)} ms`);
    expect(times[1]!).toBeLessThan(8 * times[0]! + 20);
  }, 180_000);

  it('spends under 50 ms on the output of a compiler that echoes a 60 000-space line', async () => {
    const { seen, run } = work({ language: 'c', source: `int main(void){ return 0 ${' '.repeat(60_000)}x; }\n`, testcases: [{ stdin: '' }] });
    const r = await run();
    expect(r.verdict).toBe('CE');
    expect(r.compile?.output).toContain('error');
    const post = seen.filter((w) => w.step === 'compiler-output');
    expect(post).toHaveLength(1);
    console.log(`compiler output: ${post[0]!.bytes} bytes processed in ${post[0]!.ms.toFixed(2)} ms`);
    expect(post[0]!.bytes).toBeGreaterThan(60_000);
    expect(post[0]!.ms).toBeLessThan(50);
  }, 60_000);

  it('stops a CPU-bound box at its limit while the worst checking job runs beside it', async () => {
    const busy = '#include <stdio.h>\nint main(void){ volatile unsigned long i = 0; for (;;) i++; }\n';
    const float = { type: 'float' as const, absolute: 1e-6, relative: 1e-6 };
    // The observed case first (120 000 digits and an "x": 16 s of blocked loop before), then
    // the same at the full 8 MiB, enough tests to cover the busy box's whole second.
    const testcases = [{ stdin: 'd 120001\n', expected: '1\n' }, ...Array.from({ length: 8 }, () => ({ stdin: `d ${OUTPUT}\n`, expected: '1\n' }))];
    // Both compiled first, so that the two jobs start their runs at once.
    await judge.judge({ language: 'c', source: busy, limits: { cpuTimeMs: 100 }, testcases: [{ stdin: '' }] });
    await judge.judge({ language: 'c', source: PRINTER, testcases: [{ stdin: 'd 2\n' }] });
    const watchdog = new EventLoopWatchdog({ resolutionMs: 5 }).start();
    try {
      // A generous wall limit: on a loaded machine the box may wait for a core; its CPU is what counts.
      const box = judge.judge({ language: 'c', source: busy, limits: { cpuTimeMs: 1000, wallTimeMs: 20_000 }, testcases: [{ stdin: '' }] });
      await new Promise((r) => setTimeout(r, 150)); // the busy box is running
      const checking = judge.judge({ language: 'c', source: PRINTER, checker: float, testcases, stopOnFirstFailure: false });
      const [b, c] = await Promise.all([box, checking]);
      const delay = watchdog.snapshot();
      console.log(`busy box: ${b.tests[0]!.cpuTimeMs} ms CPU, ${b.tests[0]!.wallTimeMs} ms wall; event loop delay max ${(delay.maxSeconds * 1000).toFixed(1)} ms, p99 ${(delay.p99Seconds * 1000).toFixed(1)} ms`);
      expect(c.tests.every((t) => t.verdict === 'WA')).toBe(true);
      expect(b.verdict).toBe('TLE');
      expect(b.tests[0]!.limitHit).toBe('cpu');
      expect(b.tests[0]!.cpuTimeMs).toBeGreaterThanOrEqual(1000);
      expect(b.tests[0]!.cpuTimeMs).toBeLessThan(1100);
    } finally {
      watchdog.stop();
    }
  }, 180_000);
});
