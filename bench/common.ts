/** Shared by the benchmarks: the image they run on and small statistics. */
import fs from 'node:fs';
import { languageTops, layerStack } from '../src/rootfs/layers';
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

/** The chain of layers a language's jobs get in the bench image (default C: base + gcc), top first. */
export async function benchImageRootfs(languageId = 'c'): Promise<string[]> {
  if (!fs.existsSync(BENCH_MANIFEST)) throw new Error(`image ${BENCH_MANIFEST} missing: run \`npm run image:build -- debian\``);
  const image = await new ImageStore().registerImage(BENCH_MANIFEST);
  return layerStack(image.layers, languageTops(image.manifest, languageId)).map((l) => l.rootfsDir);
}
