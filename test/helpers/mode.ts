/**
 * Which mode the sandbox suites run in: root (npm test, as root) or rootless
 * (scripts/test-rootless.sh runs them again as an ordinary user with CAGED_TEST_ROOTLESS=1).
 * Suites that set up host state only root may touch (directories under /run and /var/lib)
 * take their paths from here, so that both runs use the same test with paths of their own.
 */
import os from 'node:os';
import path from 'node:path';
import { stateDir } from '../../src/linux/state-dirs';

export const ROOTLESS = process.env.CAGED_TEST_ROOTLESS === '1';

if (ROOTLESS && process.geteuid?.() === 0) throw new Error('CAGED_TEST_ROOTLESS=1 but running as root: run scripts/test-rootless.sh');

/** The sandbox mode the suites expect. */
export const EXPECTED_MODE = ROOTLESS ? 'rootless' : 'root';

/**
 * A suite's own directory: `rootPath` (under /run or /var/lib/caged) as root; rootless, the same
 * name under the user's temp (for /run) or state directory (root owns /run and /var/lib).
 */
export function ownDir(rootPath: string): string {
  if (!ROOTLESS) return rootPath;
  const name = path.basename(rootPath);
  return rootPath.startsWith('/run/') ? path.join(os.tmpdir(), `${name}-${process.geteuid?.()}`) : path.join(stateDir(), name);
}
