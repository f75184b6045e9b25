/**
 * The real test image: built by `npm run image:build -- debian` (CI does it in .ci/run),
 * registered in the image store like the worker does. A missing image fails the test with the
 * command to run; it never skips.
 */
import fs from 'node:fs';
import { ImageStore } from '../../src/rootfs/store';

export const TEST_MANIFEST = process.env.CAGED_IMAGE ?? '/var/cache/caged/images/debian/manifest.json';

export async function testRootfs(): Promise<string> {
  if (!fs.existsSync(TEST_MANIFEST)) {
    throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
  }
  const image = await new ImageStore().register(TEST_MANIFEST);
  return image.rootfsDir;
}
