/** Shared by the benchmarks: the image they run on and small statistics. */
import fs from 'node:fs';
import { ImageStore } from '../src/rootfs/store';

export interface Stats {
  p50: number;
  p99: number;
  mean: number;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const BENCH_MANIFEST = process.env.CAGED_IMAGE ?? '/var/cache/caged/images/debian/manifest.json';

/** Every layer of the bench image stacked, top first (one root with all its toolchains). */
export async function benchImageRootfs(): Promise<string[]> {
  if (!fs.existsSync(BENCH_MANIFEST)) throw new Error(`image ${BENCH_MANIFEST} missing: run \`npm run image:build -- debian\``);
  return (await new ImageStore().registerImage(BENCH_MANIFEST)).layers.map((l) => l.rootfsDir).reverse();
}
