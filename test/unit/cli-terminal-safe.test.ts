/**
 * The command line's human output is terminal-safe: escape sequences in a result's free text
 * are shown as visible escapes, never written raw, in time linear in the text. The same on real
 * runs and through the built CLI: test/cli-terminal-safe.test.ts.
 */
import { summary } from '../../src/cli/run';
import { terminalSafe } from '../../src/cli/terminal-safe';
import type { JudgeResult } from '../../src/judge/schema';
import { ACTIVE, BEL, ESC, HOSTILE } from '../helpers/terminal';
import { bestOfEach } from '../helpers/text';

describe('terminalSafe', () => {
  it('shows C0 controls, DEL, C1 controls and bidi overrides as visible escapes', () => {
    expect(terminalSafe(`a${ESC}[2Jb${BEL}c\rd\0e\x7ff\u009bg\u202eh\u2066i`)).toBe(
      'a\\x1b[2Jb\\x07c\\rd\\0e\\x7ff\\u009bg\\u202eh\\u2066i',
    );
  });

  it('keeps newlines, tabs and ordinary Unicode as they are', () => {
    const text = 'line 1\n\tcafé 日本 🙂 ±½\n';
    expect(terminalSafe(text)).toBe(text);
  });

  it('takes linear time: 64 times the escapes cost about 64 times as much, not 4096 times', () => {
    const escapes = (bytes: number): string => `${ESC}${BEL}\u202e`.repeat(bytes / 3);
    // A wide factor, so that the bound sits far from both: 8x the text once measured 12x alone and
    // 24x on a loaded machine (the large text's collections), where quadratic would be 64x.
    const small = escapes(3 * 2 ** 14);
    const large = escapes(3 * 2 ** 20);
    for (const text of [small, large]) expect(terminalSafe(text).length).toBe(((4 + 4 + 6) * text.length) / 3); // and warm-up
    // Seven rounds: the root tier runs this file in a process with a large heap, where a round of
    // the large text can pay for a collection (28x in one CI run, against about 12x on its own).
    const [tSmall, tLarge] = bestOfEach(
      7,
      () => terminalSafe(small),
      () => terminalSafe(large),
    );
    expect(tLarge / tSmall).toBeLessThan(512);
  });
});

/** A result as a worker would return it, with hostile text in every free-text field. */
function hostileResult(): JudgeResult {
  return {
    schemaVersion: 1,
    submissionId: null,
    verdict: 'WA',
    judge0: { id: 4, description: 'Wrong Answer' },
    message: `test 1: ${HOSTILE}`,
    score: 0,
    maxScore: 1,
    language: { id: 'c', name: `C${ESC}[2J`, version: '12' },
    image: { name: 'debian', digest: 'x' },
    compile: {
      verdict: 'CE',
      exitCode: 1,
      output: HOSTILE,
      outputTruncated: false,
      cpuTimeMs: 1,
      wallTimeMs: 1,
      memoryBytes: 1,
      cached: false,
    },
    tests: [
      {
        index: 0,
        name: `t${ESC}]0;title${BEL}`,
        verdict: 'WA',
        judge0: { id: 4, description: 'Wrong Answer' },
        exitCode: 0,
        signal: null,
        stdout: HOSTILE,
        stdoutEncoding: 'utf8',
        stdoutTruncated: false,
        stderr: HOSTILE,
        stderrEncoding: 'utf8',
        stderrTruncated: false,
        cpuTimeMs: 1,
        wallTimeMs: 1,
        memoryBytes: 1,
        limitHit: null,
        message: HOSTILE,
        points: 0,
        checkerMessage: HOSTILE,
      },
    ],
    timing: { totalMs: 1, compileMs: 1 },
  };
}

describe('the compile line', () => {
  it("shows a compile's figures, and for a cached one that nothing ran now (no zero figures)", () => {
    const r = hostileResult();
    const line = (x: JudgeResult) =>
      summary(x)
        .split('\n')
        .find((l) => l.startsWith('compile:'));
    expect(line(r)).toBe('compile: CE cpu 1 ms, wall 1 ms, memory 0.0 MiB');
    const cached = { ...r, compile: { ...r.compile!, verdict: 'OK' as const, cached: true, cpuTimeMs: 0, wallTimeMs: 0, memoryBytes: 0 } };
    expect(line(cached)).toBe('compile: OK (cached: compiled by an earlier job)');
  });
});

describe('when a result holds escape sequences', () => {
  // caged run, caged judge and caged submit print results through the one summary().
  it('the result summary prints none of them raw', () => {
    const text = summary(hostileResult());
    expect(text).not.toMatch(ACTIVE);
    expect(text.split('\n')[0]).toMatch(/^WA\b/);
    expect(text).toContain('\\x1b]52;c;cm0gLXJmIH4=\\x07\\rAC');
  });
});
