// Stress of TypeScript on Node.js: asynchronous file I/O (20 files written and read concurrently
// in /tmp), timers and promises, a generic binary heap of 10^5 pairs, a Map of 10^6 keys, a sort
// of 2 * 10^5 numbers, a recursion 10 000 deep. Prints OK.
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';

class MinHeap<T> {
  private items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  push(x: T): void {
    const a = this.items;
    a.push(x);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function depth(n: number): number {
  return n === 0 ? 0 : depth(n - 1) + 1;
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stress-'));
  const names = Array.from({ length: 20 }, (_, i) => path.join(dir, `f${i}`));
  await Promise.all(names.map((n, i) => fs.writeFile(n, String(i).repeat(1000))));
  const back = await Promise.all(names.map((n) => fs.readFile(n, 'utf8')));
  await new Promise<void>((r) => setTimeout(r, 10));
  await fs.rm(dir, { recursive: true });
  const m = new Map<number, number>();
  for (let i = 0; i < 1e6; i++) m.set(i, i * 2);
  const xs: number[] = Array.from({ length: 2e5 }, (_, i) => (i * 7919) % 1000003);
  xs.sort((a, b) => a - b);
  const heap = new MinHeap<[number, string]>((a, b) => a[0] < b[0]);
  for (let i = 0; i < 100000; i++) heap.push([(i * 31) % 100003, `n${i}`]);
  let prev = -1;
  let sorted = true;
  while (heap.size > 0) {
    const [k] = heap.pop()!;
    if (k < prev) sorted = false;
    prev = k;
  }
  const ok =
    back.every((t, i) => t === String(i).repeat(1000)) &&
    m.get(999999) === 1999998 &&
    xs.every((x, i) => i === 0 || xs[i - 1] <= x) &&
    sorted &&
    depth(10000) === 10000;
  console.log(ok ? 'OK' : 'FAIL');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
