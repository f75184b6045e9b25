/**
 * Nothing a submission prints may stall the worker, through the real judge: checking 8 MiB of
 * adversarial output costs no more than reading it, and a box's CPU limit holds while the worst
 * checking job runs beside it in the same Judge. The checkers and text processing alone, without
 * root or the image: test/unit/judge-untrusted-text.test.ts.
 *
 * "Reading" an output is what the judge already does with it before any check: the same
 * program's bytes received from its pipe, measured as the wall time of the same program run by
 * the same Judge with no expected answer (program start to exit; the program cannot finish
 * before the worker has taken all but the last pipe buffer). Beside it the test prints a plain
 * pass over the buffer in this process, for scale.
 */
import type { Judge, TextWork } from '../src/judge/judge';
import type { SubmissionInput } from '../src/judge/schema';
import { EventLoopWatchdog } from '../src/queue/event-loop-watchdog';
import { useTestJudge } from './helpers/judge-fixture';
import { OUTPUT, best, digitsThenX, plainPass } from './helpers/text';

describe('through the real judge', () => {
  let judge: Judge;
  useTestJudge('caged-untrusted-', (j) => (judge = j));

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
  ])(
    'checks 8 MiB of adversarial output with the %s checker within twice the time of reading it',
    async (name, checker, expected) => {
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
        expect(c.tests[0]!.checkerMessage).toMatch(
          /^(token|line) 1 differs: expected "1+…", got "1{40}…"$|^token 1 differs: expected "1", got "1{40}…"$/,
        );
        const check = seen.find((w) => w.step === 'check');
        expect(check?.bytes).toBe(OUTPUT + Buffer.byteLength(expected));
        checks.push(check!.ms);
      }
      const read = Math.min(...reads);
      const checked = Math.min(...checks);
      const buffer = digitsThenX(OUTPUT);
      const pass = best(3, () => plainPass(buffer));
      console.log(
        `${name}: checking 8 MiB ${checked.toFixed(1)} ms (runs ${checks.map((c) => c.toFixed(1)).join(', ')}), reading it ${read.toFixed(1)} ms (runs ${reads.join(', ')}), plain pass ${pass.toFixed(1)} ms`,
      );
      expect(checked).toBeLessThan(2 * read);
    },
    180_000,
  );

  // The worst case per piece: 4 Mi one-byte tokens or lines, the answer's whitespace different
  // from the output's in every separator (no identical-bytes shortcut). Linear and off the
  // event loop; its cost per byte is several times a plain pass (figures in the log).
  it.each([
    ['tokens', 't', { type: 'tokens' as const }, '1\n'],
    ['lines', 'l', { type: 'lines' as const }, '1\r\n'],
  ])(
    'checks 4 Mi one-byte %s off the event loop, in time linear in their number',
    async (name, mode, checker, piece) => {
      // The two sizes interleaved, five rounds, the least of each: a change of load on a shared
      // machine between the sizes would otherwise read as a change of slope (a CI run once saw
      // 10× for 4× the pieces with three rounds of one size, then three of the other).
      const sizes = [OUTPUT / 4, OUTPUT];
      const runs: number[][] = sizes.map(() => []);
      for (let i = 0; i < 5; i++) {
        for (const [k, size] of sizes.entries()) {
          const { seen, run } = work({
            language: 'c',
            source: PRINTER,
            checker,
            testcases: [{ stdin: `${mode} ${size}\n`, expected: piece.repeat(size / 2) }],
          });
          const r = await run();
          expect(r.verdict).toBe('AC');
          runs[k]!.push(seen.find((w) => w.step === 'check')!.ms);
        }
      }
      const times = runs.map((r) => Math.min(...r));
      console.log(
        `${name}: ${OUTPUT / 8} pieces checked in ${times[0]!.toFixed(1)} ms (runs ${runs[0]!.map((t) => t.toFixed(1)).join(', ')}), ` +
          `${OUTPUT / 2} in ${times[1]!.toFixed(1)} ms (runs ${runs[1]!.map((t) => t.toFixed(1)).join(', ')})`,
      );
      expect(times[1]!).toBeLessThan(8 * times[0]! + 20);
    },
    180_000,
  );

  it('spends under 50 ms on the output of a compiler that echoes a 60 000-space line', async () => {
    const { seen, run } = work({
      language: 'c',
      source: `int main(void){ return 0 ${' '.repeat(60_000)}x; }\n`,
      testcases: [{ stdin: '' }],
    });
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
    const testcases = [
      { stdin: 'd 120001\n', expected: '1\n' },
      ...Array.from({ length: 8 }, () => ({ stdin: `d ${OUTPUT}\n`, expected: '1\n' })),
    ];
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
      console.log(
        `busy box: ${b.tests[0]!.cpuTimeMs} ms CPU, ${b.tests[0]!.wallTimeMs} ms wall; event loop delay max ${(delay.maxSeconds * 1000).toFixed(1)} ms, p99 ${(delay.p99Seconds * 1000).toFixed(1)} ms`,
      );
      expect(c.tests.every((t) => t.verdict === 'WA')).toBe(true);
      expect(b.verdict).toBe('TLE');
      expect(b.tests[0]!.limitHit).toBe('cpu');
      expect(b.tests[0]!.cpuTimeMs).toBeGreaterThanOrEqual(1000);
      // A checking job on the event loop held it for seconds (16 s in the observed case); on a
      // 2-core machine running other test suites, the loop's delay alone reaches 100-200 ms at
      // times (six CI runs: 1001-1022 ms, once 1107 ms with a 116 ms delay), so the CPU watchdog
      // can look that much late.
      expect(b.tests[0]!.cpuTimeMs).toBeLessThan(1250);
    } finally {
      watchdog.stop();
    }
  }, 180_000);
});
