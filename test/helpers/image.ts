/**
 * The real test image: built by `npm run image:build -- debian` (CI does it in .ci/run),
 * registered in the image store like the worker does. A missing image fails the test with the
 * command to run; it never skips.
 */
import fs from 'node:fs';
import type { LayerChainForJobs } from '../../src/rootfs/job-rootfs';
import { ImageStore, type RegisteredImage } from '../../src/rootfs/store';

export const TEST_MANIFEST = process.env.CAGED_IMAGE ?? '/var/cache/caged/images/debian/manifest.json';

/** The test image, every layer registered. */
export async function testImage(): Promise<RegisteredImage> {
  if (!fs.existsSync(TEST_MANIFEST)) {
    throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
  }
  return new ImageStore().registerImage(TEST_MANIFEST);
}

/**
 * Every layer of the test image stacked, top first (children before their parents): one root
 * with all the image's toolchains, for sandbox tests that are about the sandbox, not the layers.
 */
export async function testRootfs(): Promise<string[]> {
  const image = await testImage();
  return image.layers.map((l) => l.rootfsDir).reverse();
}

/** Every layer of a registered image as one chain (top first) for prepareJobRootfs, and its size. */
export function wholeImage(image: RegisteredImage): { chain: LayerChainForJobs; sizeBytes: number } {
  const layers = [...image.layers].reverse();
  return { chain: { top: layers[0]!.id, layers }, sizeBytes: layers.reduce((n, l) => n + l.sizeBytes, 0) };
}
