/**
 * The bound on the queue's backlog (src/api/backlog.ts), its arithmetic alone: the count a
 * Redis read would give is a number the test sets, the clock one it moves. The same bound
 * through a real `caged api` and the real Redis: test/api-backlog.test.ts.
 */
import { Backlog } from '../../src/api/backlog';

/** A queue whose count the test sets, counting the reads it is asked for. */
function countSource(initial: number): { count: () => Promise<number>; waiting: number; reads: number } {
  const q = {
    waiting: initial,
    reads: 0,
    count: async (): Promise<number> => {
      q.reads++;
      await new Promise((r) => setImmediate(r));
      return q.waiting;
    },
  };
  return q;
}

describe('Backlog', () => {
  let now = 0;
  const clock = (): number => now;
  beforeEach(() => (now = 1000));

  it('admits up to the bound, counting what it admitted since its read, and refuses beyond', async () => {
    const q = countSource(7);
    const b = new Backlog(q, 10, 50, clock);
    expect(await b.admit(2)).toBe(true); // 7 + 2
    expect(await b.admit(1)).toBe(true); // 10
    expect(await b.admit(1)).toBe(false);
    expect(q.reads).toBe(1);
  });

  it('refuses a batch that does not fit whole, and admits a smaller one after it', async () => {
    const b = new Backlog(countSource(5), 10, 50, clock);
    expect(await b.admit(6)).toBe(false);
    expect(await b.admit(5)).toBe(true);
  });

  it('serves requests that arrive together from one read, and admits exactly up to the bound', async () => {
    const q = countSource(0);
    const b = new Backlog(q, 3, 50, clock);
    const answers = await Promise.all(Array.from({ length: 10 }, () => b.admit(1)));
    expect(answers.filter(Boolean)).toHaveLength(3);
    expect(q.reads).toBe(1);
  });

  it('reads again once its read is older than freshMs, and then sees workers having taken jobs', async () => {
    const q = countSource(10);
    const b = new Backlog(q, 10, 50, clock);
    expect(await b.admit(1)).toBe(false);
    q.waiting = 4; // workers took six
    now += 50;
    expect(await b.admit(1)).toBe(false); // still the read of 50 ms ago
    now += 1;
    expect(await b.admit(6)).toBe(true);
    expect(q.reads).toBe(2);
  });

  it('counts a submission admitted while a read was under way on top of that read (errs towards refusing)', async () => {
    const q = countSource(0);
    const b = new Backlog(q, 2, 50, clock);
    expect(await b.admit(1)).toBe(true);
    b.settle(1);
    now += 100;
    // The next read begins; the admission made before it began is in Redis by now.
    q.waiting = 1;
    expect(await b.admit(1)).toBe(true); // 1 + 1
    expect(await b.admit(1)).toBe(false);
  });

  it('counts admitted submissions still on their way to Redis on top of a read that began before they arrived', async () => {
    // A burst under load: the first read is old before the admitted adds have reached Redis,
    // so the next read does not see them.
    const q = countSource(0);
    const b = new Backlog(q, 3, 50, clock);
    const first = await Promise.all([b.admit(1), b.admit(1), b.admit(1)]);
    expect(first).toEqual([true, true, true]);
    now += 100;
    expect(await b.admit(1)).toBe(false); // Redis says 0, but 3 are in flight
    b.settle(3); // their adds are over: the next read sees them in Redis
    q.waiting = 3;
    now += 100;
    expect(await b.admit(1)).toBe(false);
    q.waiting = 2; // a worker took one
    now += 100;
    expect(await b.admit(1)).toBe(true);
    expect(q.reads).toBe(4);
  });

  it('counts an admitted submission whose add failed as no longer waiting once settled', async () => {
    const q = countSource(0);
    const b = new Backlog(q, 1, 50, clock);
    expect(await b.admit(1)).toBe(true);
    b.settle(1); // its add failed: it is not in Redis
    now += 100;
    expect(await b.admit(1)).toBe(true);
    expect(() => b.settle(2)).toThrow('backlog: settling 2 of 1 in flight');
  });

  it('has no bound at 0 and then never reads', async () => {
    const q = countSource(1e9);
    const b = new Backlog(q, 0, 50, clock);
    expect(await b.admit(1000)).toBe(true);
    expect(q.reads).toBe(0);
  });

  it('passes a failed read to the request, and reads again for the next one', async () => {
    let fail = true;
    const b = new Backlog(
      {
        count: () => (fail ? Promise.reject(new Error('Connection is closed.')) : Promise.resolve(0)),
      },
      5,
      50,
      clock,
    );
    await expect(b.admit(1)).rejects.toThrow('Connection is closed.');
    fail = false;
    await expect(b.admit(1)).resolves.toBe(true);
  });
});
