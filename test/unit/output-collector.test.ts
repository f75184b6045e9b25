/**
 * OutputCollector on real pipes: drained at the end without a stream when every writer is gone,
 * handed to a stream when one is still alive, and capped either way.
 */
import fs from 'node:fs';
import { OutputCollector } from '../../src/sandbox/output-collector';
import { realPipe } from './helpers/fake-native';

function collector(cap: number, nonBlocking = true): { c: OutputCollector; w: number; overflows: () => number } {
  const [r, w] = realPipe(nonBlocking);
  let overflows = 0;
  const c = new OutputCollector(r, cap, () => overflows++);
  return { c, w, overflows: () => overflows };
}

describe('OutputCollector', () => {
  it('drains what the dead writer left at once, without a stream', async () => {
    const { c, w, overflows } = collector(1024);
    fs.writeSync(w, 'hello ');
    fs.writeSync(w, 'world\n');
    fs.closeSync(w);
    await c.finish();
    expect(c.streaming).toBe(false);
    expect(c.take().toString()).toBe('hello world\n');
    expect(c.truncated).toBe(false);
    expect(overflows()).toBe(0);
    c.destroy();
  });

  it('keeps exactly the cap, and past it truncates and tells once', async () => {
    const exact = collector(8);
    fs.writeSync(exact.w, 'x'.repeat(8));
    fs.closeSync(exact.w);
    await exact.c.finish();
    expect([exact.c.take().length, exact.c.truncated, exact.overflows()]).toEqual([8, false, 0]);
    const over = collector(8);
    fs.writeSync(over.w, 'x'.repeat(9));
    fs.closeSync(over.w);
    await over.c.finish();
    expect([over.c.take().length, over.c.truncated, over.overflows()]).toEqual([8, true, 1]);
    over.c.destroy(); // idempotent after finish closed it
  });

  it('hands the rest to a stream when a writer is still alive, and ends at its EOF', async () => {
    const { c, w } = collector(1024);
    fs.writeSync(w, 'early ');
    const done = c.finish();
    expect(c.streaming).toBe(true);
    fs.writeSync(w, 'late');
    fs.closeSync(w);
    await done;
    expect(c.take().toString()).toBe('early late');
    c.destroy();
  });

  it('keeps a dribble of tiny writes as a few buffers, read a batch at a time, every byte in order', async () => {
    const { c, w } = collector(1 << 20);
    c.attach();
    // Every read is stored once (copied into the tail or kept whole).
    const stores = jest.spyOn(OutputCollector.prototype as unknown as { store: (b: Buffer) => void }, 'store');
    let expected = '';
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 400; i++) {
      const b = String.fromCharCode(97 + (i % 26));
      fs.writeSync(w, b);
      expected += b;
      if (i === 200) {
        // A large write in the middle is kept as it is, in its place.
        const big = 'Z'.repeat(20_000);
        fs.writeSync(w, big);
        expected += big;
      }
      await new Promise((r) => setImmediate(r));
    }
    const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
    fs.closeSync(w);
    await c.finish();
    expect(c.take().toString()).toBe(expected);
    // Without the pause after a small read, one read per write (400); with it, one per pause at most.
    const reads = stores.mock.calls.length;
    stores.mockRestore();
    expect(reads).toBeGreaterThan(1);
    expect(reads).toBeLessThanOrEqual(Math.min(399, Math.ceil(elapsedMs) + 5));
    expect((c as unknown as { chunks: Buffer[] }).chunks.length).toBeLessThan(12);
    c.destroy();
  });

  it('reads what is left at once when finished during a pause', async () => {
    const { c, w } = collector(1024);
    c.attach();
    fs.writeSync(w, 'a');
    await new Promise((r) => setImmediate(r)); // the stream reads it and pauses
    fs.writeSync(w, 'bc');
    fs.closeSync(w);
    const t0 = process.hrtime.bigint();
    await c.finish();
    expect(c.take().toString()).toBe('abc');
    expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(50);
    c.destroy();
  });

  it('reads through a stream once attached, enforcing the cap while the writer lives', async () => {
    const { c, w, overflows } = collector(4);
    c.attach();
    fs.writeSync(w, 'abcdefgh');
    const done = c.finish();
    await done;
    expect(c.take().toString()).toBe('abcd');
    expect(overflows()).toBe(1);
    fs.closeSync(w);
    c.destroy();
  });
});
