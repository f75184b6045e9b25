/**
 * The built-in checkers as functions on bytes, and the custom checker's protocol (testlib's exit
 * codes, partial points). The same checkers on real runs: test/judge-checkers.test.ts.
 */
import { checkExact, checkFloat, checkLines, checkTokens, isDecimalNumber } from '../../src/judge/checkers';
import { interpretExit } from '../../src/judge/custom-checker';
import { parsePoints } from '../../src/judge/testlib-protocol';

const b = (s: string) => Buffer.from(s);

describe('the exact checker', () => {
  it('accepts identical bytes only', () => {
    expect(checkExact(b('1 2\n'), b('1 2\n')).accepted).toBe(true);
    expect(checkExact(b('1 2'), b('1 2\n')).accepted).toBe(false);
    expect(checkExact(b('1 2\n'), b('1 3\n')).message).toContain('byte 2');
    expect(checkExact(Buffer.from([0, 255]), Buffer.from([0, 255])).accepted).toBe(true);
  });
});

describe('the lines checker', () => {
  it('ignores trailing whitespace of each line and final newlines', () => {
    expect(checkLines(b('a  \nb\t\n\n\n'), b('a\nb')).accepted).toBe(true);
    expect(checkLines(b('a\r\nb\r\n'), b('a\nb\n')).accepted).toBe(true);
    expect(checkLines(b(''), b('\n\n')).accepted).toBe(true);
  });

  it('keeps inner and leading whitespace and empty lines in between', () => {
    expect(checkLines(b('a  b'), b('a b')).accepted).toBe(false);
    expect(checkLines(b(' a'), b('a')).accepted).toBe(false);
    const r = checkLines(b('a\n\nb'), b('a\nb'));
    expect(r.accepted).toBe(false);
    expect(r.message).toContain('line 2 differs');
  });
});

describe('the tokens checker', () => {
  it('ignores all whitespace between tokens', () => {
    expect(checkTokens(b('1   2\n\n3\t'), b('1 2 3')).accepted).toBe(true);
    expect(checkTokens(b(''), b(' \n')).accepted).toBe(true);
  });

  it('says which token differs', () => {
    expect(checkTokens(b('1 2'), b('1 2 3')).message).toBe('token 3 differs: expected "3", got end of output');
    expect(checkTokens(b('1 2 4'), b('1 2 3')).message).toBe('token 3 differs: expected "3", got "4"');
    expect(checkTokens(b('12'), b('1 2')).accepted).toBe(false);
  });

  it("cuts a long token it shows at a character's end, never within an emoji", () => {
    const message = checkTokens(b(`x${'🚀'.repeat(40)}`), b('y')).message;
    expect(message).toMatch(/^token 1 differs: expected "y", got "x🚀+…"$/u);
    expect(message).not.toMatch(/\\ud83d/);
  });
});

describe('the float checker', () => {
  it('accepts numbers within the absolute or the relative error', () => {
    expect(checkFloat(b('0.3333333'), b('0.333333333'), 1e-6, 0).accepted).toBe(true);
    expect(checkFloat(b('1000000.5'), b('1000000'), 0, 1e-6).accepted).toBe(true);
    expect(checkFloat(b('1.000001'), b('1'), 1e-6, 0).accepted).toBe(true);
    expect(checkFloat(b('1e-9'), b('0'), 1e-6, 1e-6).accepted).toBe(true);
    expect(checkFloat(b('-2.5E+3'), b('-2500'), 1e-9, 0).accepted).toBe(true);
  });

  it('refuses numbers outside both', () => {
    expect(checkFloat(b('1.1'), b('1.0'), 1e-6, 1e-6).accepted).toBe(false);
    expect(checkFloat(b('1.00001'), b('1'), 1e-6, 1e-6).accepted).toBe(false);
  });

  it('compares non-numeric tokens exactly', () => {
    expect(checkFloat(b('case 1: 1.0000001'), b('case 1: 1'), 1e-6, 1e-6).accepted).toBe(true);
    expect(checkFloat(b('Case 1: 1'), b('case 1: 1'), 1e-6, 1e-6).accepted).toBe(false);
    expect(checkFloat(b('1.0x'), b('1.0'), 1e-6, 1e-6).accepted).toBe(false);
    expect(checkFloat(b('nan'), b('nan'), 1e-6, 1e-6).accepted).toBe(true);
    expect(checkFloat(b('1 2'), b('1 2 3'), 1e-6, 1e-6).accepted).toBe(false);
  });
});

describe('reading long digit runs four bytes at a time', () => {
  // The word scan must agree with the grammar at every alignment and for the bytes on each side
  // of the digit range; the short (byte-loop) cases are covered by the fuzz in
  // judge-untrusted-text. Reference: the grammar as a regular expression, on short inputs only.
  const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
  const odd = [0x2f, 0x3a, 0x40, 0x20, 0x00, 0xb0, 0xb9, 0x3f, 0x7f, 0x2e, 0x65];
  it('agrees with the grammar for one odd byte at every position of 64-80 digits, at every offset', () => {
    const pool = Buffer.alloc(4096);
    for (let len = 64; len <= 80; len++) {
      for (let offset = 0; offset < 4; offset++) {
        for (let at = -1; at < len; at++) {
          for (const bad of at < 0 ? [0x31] : odd) {
            const b = pool.subarray(offset, offset + len);
            b.fill(0x37);
            if (at >= 0) b[at] = bad;
            const expected = NUMBER.test(b.toString('latin1'));
            if (isDecimalNumber(b, 0, len) !== expected) throw new Error(`len ${len} offset ${offset} byte ${bad} at ${at}`);
          }
        }
      }
    }
    expect(isDecimalNumber(Buffer.from('7'.repeat(100) + '.' + '3'.repeat(100) + 'e+' + '1'.repeat(70)), 0, 273)).toBe(true);
  });
});

describe('the custom checker protocol', () => {
  it('reads "points N" as absolute points and a bare number as a fraction', () => {
    expect(parsePoints(b('points 0.5\n'))).toEqual({ kind: 'absolute', value: 0.5 });
    expect(parsePoints(b('points 5 well done'))).toEqual({ kind: 'absolute', value: 5 });
    expect(parsePoints(b('0.25 well done'))).toEqual({ kind: 'fraction', value: 0.25 });
    expect(parsePoints(b('1.5'))).toBeNull();
    expect(parsePoints(b('points -1'))).toBeNull();
    expect(parsePoints(b('points'))).toBeNull();
    expect(parsePoints(b('half'))).toBeNull();
  });

  it('maps testlib exit codes', () => {
    const none = Buffer.alloc(0);
    expect(interpretExit(0, none, b('ok'), 1)).toMatchObject({ verdict: 'AC', fraction: 1, message: 'ok' });
    expect(interpretExit(1, none, b('wrong'), 1)).toMatchObject({ verdict: 'WA', fraction: 0 });
    expect(interpretExit(2, none, b('format'), 1)).toMatchObject({ verdict: 'WA', message: 'presentation error: format' });
    expect(interpretExit(3, none, b('bad answer file'), 1)).toMatchObject({
      verdict: 'IE',
      message: 'the checker failed: bad answer file',
    });
    expect(interpretExit(7, b('0.5'), none, 4)).toMatchObject({ verdict: 'WA', fraction: 0.5 });
    expect(interpretExit(7, b('1'), none, 4)).toMatchObject({ verdict: 'AC', fraction: 1 });
    expect(interpretExit(7, none, b('points 1 partial'), 4)).toMatchObject({ verdict: 'WA', fraction: 0.25 });
    expect(interpretExit(7, b('lots'), none, 1).verdict).toBe('IE');
    expect(interpretExit(42, none, none, 1).verdict).toBe('IE');
  });

  it("caps absolute points at the test's points (quitp(5) on a 3-point test is AC)", () => {
    const none = Buffer.alloc(0);
    expect(interpretExit(7, none, b('points 5'), 10)).toMatchObject({ verdict: 'WA', fraction: 0.5 });
    expect(interpretExit(7, none, b('points 5'), 3)).toMatchObject({ verdict: 'AC', fraction: 1 });
    // On a test worth nothing, partial points are no pass (a sample worth 0 is not passed by a partial answer).
    expect(interpretExit(7, none, b('points 0'), 0)).toMatchObject({ verdict: 'WA', fraction: 0 });
  });
});
