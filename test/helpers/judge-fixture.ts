/**
 * A Judge on the real test image for one test file (or one describe block): made in
 * beforeAll with a sandbox of its own and a fresh compile cache, closed and removed in
 * afterAll. `onReady` receives it, so the file keeps a plain `let judge: Judge`; `options` add
 * to the Judge's (testParallelism, say), `sandboxOptions` to its sandbox's (`overlay: false`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Judge } from '../../src/judge/judge';
import type { JudgeOptions } from '../../src/judge/judge-options';
import { Sandbox } from '../../src/sandbox/sandbox';
import { TEST_MANIFEST } from './image';

export function useTestJudge(
  cachePrefix: string,
  onReady: (judge: Judge) => void,
  options: Partial<JudgeOptions> = {},
  sandboxOptions: Parameters<typeof Sandbox.create>[0] = {},
): void {
  let judge: Judge | undefined;
  let cacheDir: string | undefined;
  beforeAll(async () => {
    if (!fs.existsSync(TEST_MANIFEST))
      throw new Error(`test image ${TEST_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), cachePrefix));
    judge = await Judge.create({
      sandbox: await Sandbox.create(sandboxOptions),
      closeSandbox: true,
      manifestPath: TEST_MANIFEST,
      compileCacheDir: cacheDir,
      ...options,
    });
    onReady(judge);
  }, 120_000);
  afterAll(async () => {
    await judge?.close();
    if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true });
  });
}
