/**
 * Nothing a submission prints may stall the worker: the built-in checkers and the processing of
 * compiler and checker output take time linear in the text, and large checks run off the event
 * loop. The same through the real judge, beside a busy box: test/judge-untrusted-text.test.ts.
 */
import { checkFloat, checkLines, checkTokens } from '../../src/judge/checkers';
import { CheckRunner } from '../../src/judge/check-runner';
import { parsePoints } from '../../src/judge/testlib-protocol';
import { oneLine } from '../../src/judge/result';
import { MiB, OUTPUT, best, bestOfEach, digitsThenX, plainPass, timed } from '../helpers/text';

describe('the built-in checkers on adversarial output', () => {
  // The old float checker's regex took time quadratic in a token's length (120 000 digits and
  // an "x": 16 s). Sixteen times the size must cost about sixteen times as much, not 256: the
  // bound (48x, best of 5) leaves room for a loaded machine and still fails a quadratic scan.
  it('take linear time in the length of one huge token', () => {
    const small = digitsThenX(1 * MiB);
    const large = digitsThenX(16 * MiB);
    const answer = Buffer.from('1\n');
    checkFloat(small, answer, 1e-6, 1e-6); // warm up
    const [tSmall, tLarge] = bestOfEach(
      5,
      () => checkFloat(small, answer, 1e-6, 1e-6),
      () => checkFloat(large, answer, 1e-6, 1e-6),
    );
    const pass = best(3, () => plainPass(large));
    console.log(
      `float checker: 1 MiB token ${tSmall.toFixed(1)} ms, 16 MiB token ${tLarge.toFixed(1)} ms; plain pass over 16 MiB ${pass.toFixed(1)} ms`,
    );
    expect(tLarge).toBeLessThan(48 * tSmall + 25);
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
  const show = (s: string | undefined) =>
    s === undefined
      ? 'end of output'
      : JSON.stringify(
          Buffer.from(s, 'latin1').toString('utf8').length > 40
            ? `${Buffer.from(s, 'latin1').toString('utf8').slice(0, 40)}…`
            : Buffer.from(s, 'latin1').toString('utf8'),
        );
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
      if (i >= out.length || i >= ans.length || !same(out[i]!, ans[i]!))
        return { accepted: false, message: `token ${i + 1} differs: expected ${show(ans[i])}, got ${show(out[i])}` };
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
  it('makes one line of a 60 000-space line in linear time, where the old regular expression was quadratic', () => {
    // As gcc shows it: the source line, then the caret line, each with the spaces inside.
    const gcc = (n: number): string =>
      `main.c:1:${n + 30}: error: expected ';'\n    1 | int main(void){ return 0${' '.repeat(n)}x; }\n      |${' '.repeat(n + 24)}^\n`;
    const text = gcc(60_000);
    const { value } = timed(() => oneLine(`Compilation Error: ${text}`));
    // Sixteen times the spaces: about sixteen times the time, far from the 256 of a quadratic
    // scan (best of 5, the bound leaves room for a loaded machine), not an absolute time.
    const small = gcc(3_750);
    const [tSmall, tLarge] = bestOfEach(
      5,
      () => oneLine(`Compilation Error: ${small}`),
      () => oneLine(`Compilation Error: ${text}`),
    );
    expect(tLarge).toBeLessThan(64 * tSmall + 5);
    expect(value.length).toBe(500);
    expect(value.startsWith("Compilation Error: main.c:1:60030: error: expected ';' 1 | int main(void){ return 0   ")).toBe(true);
    expect(oneLine('  a \n\t b  c\u00a0\n ')).toBe('a b  c');
    expect(oneLine('x'.repeat(600))).toBe(`${'x'.repeat(499)}…`);
  });

  it('reads partial points linearly from a checker that prints a huge number', () => {
    const huge = (n: number) => Buffer.concat([Buffer.from('points 0.'), Buffer.alloc(n, 0x35), Buffer.from('x\n')]);
    parsePoints(huge(MiB)); // warm up
    const [t1, t4] = bestOfEach(
      3,
      () => parsePoints(huge(MiB)),
      () => parsePoints(huge(4 * MiB)),
    );
    expect(parsePoints(huge(4 * MiB))).toBeNull();
    expect(t4).toBeLessThan(8 * t1 + 5); // linear: four times the text, about four times the time
    expect(parsePoints(Buffer.from('\n  points 0.25 rest\nmore'))).toEqual({ kind: 'absolute', value: 0.25 });
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
