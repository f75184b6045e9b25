/** Adversarial text and timing for the tests of untrusted-text processing. */

export const MiB = 2 ** 20;
/** The size of the adversarial outputs: 8 MiB. */
export const OUTPUT = 8 * MiB;

const ms = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e6;

export function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = process.hrtime.bigint();
  const value = f();
  return { value, ms: ms(t0) };
}

/** Least of `n` timings: the one least disturbed by the other engineers' load on the machine. */
export function best(n: number, f: () => unknown): number {
  let least = Infinity;
  for (let i = 0; i < n; i++) least = Math.min(least, timed(f).ms);
  return least;
}

/**
 * Least of `n` timings of each of `small` and `large`, taken in turn (small, large, small, …),
 * so that a change of load on a shared machine between them does not read as a change of slope.
 */
export function bestOfEach(n: number, small: () => unknown, large: () => unknown): [number, number] {
  let s = Infinity;
  let l = Infinity;
  for (let i = 0; i < n; i++) {
    s = Math.min(s, timed(small).ms);
    l = Math.min(l, timed(large).ms);
  }
  return [s, l];
}

/** A plain pass over the buffer: every byte looked at once. */
export function plainPass(b: Buffer): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += b[i]!;
  return s;
}

/** `n` bytes: digits, then an "x" that makes the whole one token and no number. */
export function digitsThenX(n: number): Buffer {
  const b = Buffer.alloc(n, 0x31);
  b[n - 1] = 0x78;
  return b;
}
